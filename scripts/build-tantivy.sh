#!/usr/bin/env bash
# tantivy-py with one more call, Searcher.search_and_aggregate: ranking, the count and the facet
# aggregations in one pass over the matches, where the released binding takes two (a search,
# then an aggregation). Measured at 100,000 documents: 1.23-1.28 against 1.70-1.77 ms a search.
# The release's source is taken from PyPI by its hash, patched (third_party/tantivy-py) and
# built with cargo (about 2.5 min on 2 cores). Without cargo the released binding stays and
# zhengce counts facets in a second pass: the same results, more CPU.
# Usage: scripts/build-tantivy.sh PYTHON (the virtual environment's interpreter)
set -euo pipefail

PYTHON=${1:?usage: build-tantivy.sh PYTHON}
VERSION=0.27.0
SDIST_SHA256=871d0dc8d3b246d6b8cbf99a2f0ec929eb4e3341ecb3a63e3c7c11c6715cd03d
PATCH=$(cd "$(dirname "$0")/.." && pwd)/third_party/tantivy-py/one_pass.patch
export PATH="$PATH:$HOME/.cargo/bin"

# What was built, kept in the environment: a changed patch is built again.
STAMP="$("$PYTHON" -c 'import sys; print(sys.prefix)')/.tantivy-one-pass"
BUILT="$VERSION $(sha256sum < "$PATCH" | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null)" = "$BUILT" ] \
   && "$PYTHON" -c 'import sys, tantivy; sys.exit(0 if hasattr(tantivy.Searcher, "search_and_aggregate") else 1)' 2>/dev/null; then
    exit 0
fi
if ! command -v cargo >/dev/null; then
    echo "build-tantivy: no cargo here; keeping the released tantivy (facets counted in a second pass)" >&2
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PYTHON" -m pip download --quiet --no-deps --no-binary :all: "tantivy==$VERSION" -d "$work"
echo "$SDIST_SHA256  $work/tantivy-$VERSION.tar.gz" | sha256sum --check --quiet
tar -xzf "$work/tantivy-$VERSION.tar.gz" -C "$work"
patch --quiet -p1 -d "$work/tantivy-$VERSION" < "$PATCH"
"$PYTHON" -m pip wheel --quiet --no-deps "$work/tantivy-$VERSION" -w "$work/wheels"
"$PYTHON" -m pip install --quiet --no-deps --force-reinstall "$work"/wheels/tantivy-*.whl
"$PYTHON" -c 'import tantivy; assert hasattr(tantivy.Searcher, "search_and_aggregate")'
echo "$BUILT" > "$STAMP"
