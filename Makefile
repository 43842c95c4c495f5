# The two commands of the README: `make run` and `make test`. Everything else they need is
# installed here, into .venv and (for the browser and nginx tests) from Debian's packages.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test test-es system-packages test-tools sample-site bench clean

$(INSTALLED): pyproject.toml scripts/build-tantivy.sh third_party/tantivy-py/one_pass.patch
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "zhengce needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,sample]'
	bash scripts/build-tantivy.sh $(BIN)/python
	@touch $@

run: $(INSTALLED)
	$(BIN)/zhengce demo

test: $(INSTALLED) system-packages test-tools
	$(BIN)/python -m pytest

# The Elasticsearch tests alone (conformance, the cluster's lifecycle and faults, the requests):
# on the project's own two-node cluster, or on yours with
#   ZHENGCE_ES_URL=https://localhost:9200 ZHENGCE_ES_API_KEY=… make test-es
# (`make test` runs them too.)
test-es: $(INSTALLED)
	$(BIN)/python -m pytest tests/test_conformance.py tests/test_elastic_cluster.py tests/test_elastic_requests.py

# axe-core (npm) for the accessibility checks of the browser tests.
test-tools:
	@bash scripts/install-test-tools.sh

# Chromium, a CJK font and nginx for the browser and reverse-proxy tests.
system-packages:
	@bash scripts/install-system-packages.sh

# Benchmarks print their figures; bench.search takes several minutes.
bench: $(INSTALLED)
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.extraction
	$(BIN)/python -m bench.relevance
	$(BIN)/python -m bench.timeliness
	$(BIN)/python -m bench.search

sample-site: $(INSTALLED)
	$(BIN)/python -m sample_site.build

clean:
	rm -rf $(VENV) data .pytest_cache node_modules build
