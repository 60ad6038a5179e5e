# The front door. Every target installs what is missing first (a local .venv from pyproject.toml),
# so a newcomer needs only `make demo` and `make test`.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.clusterkit-installed
ROUND  ?= 2025
JOBS   ?= 2
OUTPUT ?= output/demo

.PHONY: demo test lab bench system-deps clean help

help:
	@echo "make demo   — install what is missing, then run the batch on the demo clients"
	@echo "make test   — install what is missing (LibreOffice too, on Debian), then run the tests"
	@echo "make lab    — open JupyterLab on the project"
	@echo "make bench  — run the benchmarks in bench/ (by hand, not in CI)"

# The virtual environment is (re)built when it is missing or pyproject.toml is newer than it.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

system-deps:
	@bash scripts/system-deps

# The batch prints each package's folder, the province tables and any failure; a second run skips
# clients whose inputs have not changed (FORCE=--force re-runs them).
demo: $(STAMP) system-deps
	$(PY) -m toolkit batch data/examples/clients/*/ --round $(ROUND) --jobs $(JOBS) --output $(OUTPUT) $(FORCE)
	@echo "申报包、执行后的笔记本和省级汇总表在：$(abspath $(OUTPUT))/$(ROUND)/"

# The layers (a stage imports only earlier ones) and ruff's checks come first: they take seconds.
test: $(STAMP) system-deps
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=.

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf output .cache .pytest_cache
