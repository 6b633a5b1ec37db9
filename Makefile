# gba-kg tasks. `make help` lists them; `.ci/run` calls `make test`, the README's test command.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= data
OUT    ?= build

.DEFAULT_GOAL := help
.PHONY: help setup run build test lint fmt typecheck pytest check golden bench bench-browser bench-serve clean browser fonts fuzz stores docs

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# Two install profiles: `make run` installs what building and viewing need (the runtime
# dependencies of pyproject.toml); every other target adds the development tools ([dev]).
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(BIN)/kg: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev: $(BIN)/kg
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(VENV)/.dev ## create .venv and install gba-kg with its dev tools

run: $(BIN)/kg ## create .venv with the runtime dependencies only, build data/ into build/, print the summary
	$(BIN)/kg build $(DATA) --out $(OUT)

build: run ## same as run

lint: setup ## ruff lint and format check, and the import layers of kg/ (ARCHITECTURE.md)
	$(BIN)/ruff check kg tests bench scripts/update-yasgui
	$(BIN)/ruff format --check kg tests bench scripts/update-yasgui
	$(BIN)/lint-imports

fmt: setup ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix kg tests bench scripts/update-yasgui
	$(BIN)/ruff format kg tests bench scripts/update-yasgui

typecheck: setup ## mypy --strict on kg/
	$(BIN)/mypy

pytest: setup fonts ## the test suite only
	$(BIN)/pytest

# the notebooks' figures have zh labels: matplotlib needs a CJK font (Debian fonts-noto-cjk).
# Without one the figures still render, with boxes for Chinese, and the notebook says so.
fonts: ## install a CJK font (Debian fonts-noto-cjk) for the notebooks' figures
	@if [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] \
	  && ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-noto-cjk; } \
	  || echo "WARNING: apt-get could not install fonts-noto-cjk: figures will show boxes for Chinese"; \
	  rm -rf $${XDG_CACHE_HOME:-$$HOME/.cache}/matplotlib; \
	fi

test: lint typecheck browser stores pytest ## set up, then lint, type-check and run every test

check: test ## what CI runs

# the browser tests (tests/test_browser.py) drive Debian's chromium with playwright; a CJK font
# makes their screenshots readable. If apt cannot install them, those tests are skipped loudly.
browser: $(VENV)/.browser ## install chromium, a CJK font and playwright for the browser tests
	@if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then \
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-cjk; } \
	  || echo "WARNING: apt-get could not install chromium or fonts-noto-cjk: browser tests may be SKIPPED"; \
	fi

$(VENV)/.browser: $(VENV)/.dev
	$(BIN)/python -m pip install --quiet -e '.[dev,browser]'
	@touch $@

# `kg push` is tested against two real stores: the oxigraph server (a dev dependency, from
# PyPI) and Virtuoso (Debian's virtuoso-opensource-7-bin). Without Virtuoso its tests are
# skipped loudly.
stores: ## install Virtuoso (Debian's virtuoso-opensource-7-bin) for the tests of kg push
	@if ! command -v virtuoso-t >/dev/null 2>&1; then \
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends virtuoso-opensource-7-bin; } \
	  || echo "WARNING: apt-get could not install virtuoso-opensource-7-bin: its push tests will be SKIPPED"; \
	fi

# CI runs tests/test_differential.py briefly (3 runs of 8 steps); this runs it at length
fuzz: setup ## the differential test at length: cached against clean builds over many random edits
	KG_FUZZ_EXAMPLES=$${KG_FUZZ_EXAMPLES:-60} KG_FUZZ_STEPS=$${KG_FUZZ_STEPS:-20} \
	  $(BIN)/pytest -q tests/test_differential.py

golden: setup ## rewrite golden files and expected error texts; review with git diff
	$(BIN)/pytest --update-golden -q

bench: setup ## the benchmark tables at 1k and 10k entities (BENCH_ARGS="--sizes 100000" for more)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# wrk (Debian's package) drives both servers; the oxigraph server comes with the dev tools
bench-serve: setup ## kg serve against oxigraph serve-read-only: req/s, latency, ASK under heavy load
	@command -v wrk >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; } \
	  || { echo "ERROR: wrk could not be installed (Debian package wrk)"; exit 1; }
	$(BIN)/python bench/serve.py $(BENCH_ARGS)

bench-browser: setup browser ## network.html against graph.ttl, and the page in headless chromium (BENCH_ARGS as for bench)
	$(BIN)/python bench/browser.py $(BENCH_ARGS)

docs: setup ## build the documentation site into build/site (mkdocs build --strict); `mkdocs serve` to read it live
	$(BIN)/mkdocs build --strict --site-dir $(OUT)/site

clean: ## remove build outputs and caches (keeps .venv)
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
