"""The analyzers meet their targets on the labelled pages (bench/extraction prints the figures)."""
import pytest

from bench.extraction import TARGETS, evaluate


@pytest.fixture(scope="module")
def scores():
    return {score.name: score for score in evaluate()}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_target_met(scores, name):
    score = scores[name]
    assert score.meets_target(), f"{name}: precision {score.precision:.3f} recall {score.recall:.3f} f1 {score.f1:.3f}"


def test_every_labelled_page_became_a_document_of_its_kind(scores):
    kind = scores["document kind"]
    assert kind.correct == kind.expected == kind.predicted
    assert scores["interpretation form"].exact >= 0.9
