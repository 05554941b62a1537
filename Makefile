# Two commands for a fresh clone:  `make demo` (set up + run the main job)  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

demo: setup
	$(BIN)/pipegen validate specs/*.yaml
	$(BIN)/pipegen compile specs/flights.yaml --env dev

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/compile.py

clean:
	rm -rf out .pytest_cache .ruff_cache
