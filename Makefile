# The two commands of the README: `make run` and `make test`. Everything else they need is
# installed here, into .venv and (for the browser test) from Debian's packages.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test browser sample-site clean

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "zhengce needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,sample]'
	@touch $@

run: $(INSTALLED)
	$(BIN)/zhengce demo

test: $(INSTALLED) browser
	$(BIN)/python -m pytest

browser:
	@bash scripts/install-browser.sh

sample-site: $(INSTALLED)
	$(BIN)/python -m sample_site.build

clean:
	rm -rf $(VENV) data .pytest_cache
