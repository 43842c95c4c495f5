"""The committed sample site is what its content and builder produce, and is what the issue
asks of it: ≥ 30 pages, ≥ 3 list pages, PDF and DOCX attachments, GBK and broken pages."""
from __future__ import annotations

import filecmp
import hashlib

from sample_site.build import build
from tests.conftest import CORPUS, SAMPLE_WWW


def test_committed_site_matches_a_fresh_build(tmp_path):
    build(tmp_path / "www")
    comparison = filecmp.dircmp(SAMPLE_WWW, tmp_path / "www")

    def differences(cmp) -> list[str]:
        found = cmp.left_only + cmp.right_only + cmp.diff_files
        for sub in cmp.subdirs.values():
            found += differences(sub)
        return found

    assert differences(comparison) == [], "run `make sample-site` and commit www/"
    for left in SAMPLE_WWW.rglob("*"):
        if left.is_file():
            assert left.read_bytes() == (tmp_path / "www" / left.relative_to(SAMPLE_WWW)).read_bytes(), left


def test_site_has_what_the_crawler_must_handle():
    pages = [p for p in SAMPLE_WWW.rglob("*.htm")]
    assert len(pages) >= 30
    assert len(list((SAMPLE_WWW / "zwgk/zcwj").glob("index*.htm"))) >= 3
    assert list(SAMPLE_WWW.rglob("*.pdf")) and list(SAMPLE_WWW.rglob("*.docx"))
    assert "gbk" in (SAMPLE_WWW / ".charsets").read_text()


def test_real_documents_are_kept_byte_exact():
    """SHA256SUMS was taken from the shared originals when they were copied in."""
    lines = (CORPUS / "SHA256SUMS").read_text().splitlines()
    assert len(lines) == 18
    for line in lines:
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((CORPUS / name).read_bytes()).hexdigest() == digest, name
