# The two commands of README.md: `make demo` and `make test`. Both set up everything they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: demo test serve worker lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUNTIME): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

$(DEV): $(RUNTIME)
	$(BIN)/pip install -q -c constraints.txt -e ".[dev]"
	touch $@

demo: $(RUNTIME)
	$(BIN)/residency demo --size realistic

test: $(DEV)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 --dist loadfile

serve: $(RUNTIME)
	$(BIN)/residency db upgrade
	$(BIN)/residency serve

lint: $(DEV)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

format: $(DEV)
	$(BIN)/ruff format src tests benchmarks scripts

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
