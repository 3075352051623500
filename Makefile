# leadbot: `make run` starts the bot on its defaults, `make test` runs lint, types and every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint bench demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/leadbot db upgrade
	@url="$${LEADBOT_PUBLIC_URL:-http://$${LEADBOT_HOST:-127.0.0.1}:$${PORT:-$${LEADBOT_PORT:-3000}}}"; \
	  echo "Sandbox (no SLACK_BOT_TOKEN): open $$url/sandbox"; \
	  echo "Then send sample leads from another terminal: $(BIN)/leadbot demo --url $$url"
	$(BIN)/leadbot serve

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP_DEV)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) \
	  || (echo "wrk is needed for the ingest benchmark: apt-get install wrk" >&2; exit 1)
	@for script in tests/perf/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
