# Two commands on a fresh clone: `make up` runs the platform, `make test` runs the whole suite.
# `make bench` runs every benchmark in bench/ (needs PostgreSQL and RabbitMQ, see DEVELOPERS.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

# One install stamp per set of extras, named after pyproject.toml's checksum: a changed pyproject.toml
# reinstalls, and going from `make test` to `make up` and back installs nothing again.
SUM := $(shell cksum < pyproject.toml | cut -d' ' -f1)
RUN_STAMP := $(VENV)/.installed-run-$(SUM)
TEST_STAMP := $(VENV)/.installed-test-$(SUM)
BENCH_STAMP := $(VENV)/.installed-bench-$(SUM)

.PHONY: up test bench wrk fonts install lint catalog topology clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# What running needs, no more.
$(RUN_STAMP): | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	rm -f $(VENV)/.installed-run-*
	touch $@

# The tests' extras; they include what running needs, so the run stamp is set too.
$(TEST_STAMP): | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-run-* $(VENV)/.installed-test-*
	touch $(RUN_STAMP) $@

# The benchmarks' extras, and Debian's wrk (the load generator) when it is missing.
$(BENCH_STAMP): | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[bench]'
	rm -f $(VENV)/.installed-run-* $(VENV)/.installed-bench-*
	touch $(RUN_STAMP) $@

wrk:
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

# Reporting's charts letter Chinese in Noto Sans CJK (Debian's fonts-noto-cjk); its chart tests fail without it.
fonts:
	@fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk; }

install: $(TEST_STAMP)

# The platform on the embedded default, loaded with Chenggu County's year (scenarios/chenggu.yaml): the
# summary and the pages to open are printed, and it keeps running until Ctrl-C. `offcampus up` alone starts it empty.
up: $(RUN_STAMP)
	$(BIN)/offcampus demo

test: $(TEST_STAMP) fonts
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every benchmark in bench/ (a script with a main guard; bench/bus_ablation.py is a module the bus bench runs),
# each in its own process: one that fails is named at the end and the rest still run; the exit status says
# whether any failed. Each prints its figures and ends with one JSON line. `make bench BENCHES=bench/x.py` runs one.
BENCHES ?= $(shell grep -l '^if __name__ == "__main__":' bench/*.py)

bench: $(BENCH_STAMP) wrk
	@failed=""; for script in $(BENCHES); do \
	  echo "== $$script"; $(BIN)/python $$script || failed="$$failed $$script"; \
	done; \
	if [ -n "$$failed" ]; then echo "== failed:$$failed"; exit 1; fi; echo "== every benchmark ran"

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

catalog: $(RUN_STAMP)
	$(BIN)/offcampus events catalog

topology: $(RUN_STAMP)
	$(BIN)/offcampus events topology

clean:
	rm -rf $(VENV) var .pytest_cache
