# One entry point per job. Every target installs what it needs into .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: test test-source test-wheel test-floor demo bench fuzz lint format docs graphviz chromium clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install -q -e '.[dev,examples,export,search,notebook,browser]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# Debian's graphviz package provides the `dot` binary that renders SVG.
graphviz:
	@if ! command -v dot >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian package graphviz (for the dot binary)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz) >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
	    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz) >/dev/null; \
	  else \
	    echo "warning: 'dot' not found; install the graphviz system package (apt-get install graphviz)"; \
	  fi; \
	fi

# Debian's chromium and chromium-driver run the backward-pass stepper's browser test (and the
# screenshot `make docs` takes of it).
chromium:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages chromium and chromium-driver (for the stepper's browser test)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
	    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null; \
	  else \
	    echo "warning: chromium not found; install the chromium and chromium-driver system packages"; \
	  fi; \
	fi

# The whole suite three ways: on the source tree (with the examples and benchmarks), against
# the installed wheel from outside the checkout, and at the lowest NumPy pyproject.toml declares.
test: test-source test-wheel test-floor

test-source: $(STAMP) graphviz chromium
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

test-wheel: $(STAMP) graphviz chromium
	PYTHON=$(PYTHON) scripts/test-installed wheel

test-floor: $(STAMP)
	PYTHON=$(PYTHON) scripts/test-installed floor

demo: $(STAMP) graphviz
	$(PY) examples/demo.py

bench: $(STAMP)
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m pip install -q 'torch==2.13.0' || echo "PyTorch 2.13.0 (CPU) not installable here: its column is skipped"
	$(PY) -m benchmarks

fuzz: $(STAMP)
	FUZZ_PROFILE=long $(PY) -m pytest tests/autograd_lite/test_fuzz.py -q

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

docs: $(STAMP) graphviz chromium
	$(PY) scripts/update-readme-ops
	$(PY) examples/make_docs_pictures.py

clean:
	rm -rf $(VENV) .venv-wheel .venv-floor dist build outputs .pytest_cache .ruff_cache .hypothesis
