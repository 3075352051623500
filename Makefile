# leadbot: `make run` starts the bot on its defaults, `make test` runs lint, types and every test.
# Dependencies come from the hash-pinned locks in requirements/ (docs/dependencies.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
LOCK_RUN  := requirements/run.lock
LOCK_DEV  := requirements/dev.lock
COMPILE   := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
             --no-emit-index-url --no-emit-find-links

.PHONY: run test lint bench chaos demo lock audit audit-db clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): $(LOCK_RUN) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK_RUN)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(STAMP_DEV): $(LOCK_DEV) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK_DEV)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@ $(STAMP_RUN)

# Re-resolve both locks from pyproject.toml (newest versions its ranges allow); the
# run lock is held to the versions of the dev lock, so both install the same ones.
lock: $(STAMP_DEV)
	$(COMPILE) --upgrade --extra dev --output-file $(LOCK_DEV) pyproject.toml
	$(COMPILE) --upgrade --constraint $(LOCK_DEV) --output-file $(LOCK_RUN) pyproject.toml

# Known vulnerabilities in the locked set, from a local copy of the OSV database;
# `make audit-db` downloads that copy (needs internet access, once in a while).
audit: $(STAMP_DEV)
	$(BIN)/python scripts/audit_lock.py $(LOCK_DEV)

audit-db: $(STAMP_DEV)
	$(BIN)/python scripts/audit_lock.py --download

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

# Two instances, kill -9 and a failing Slack, on loopback; bounded, prints its figures.
chaos: $(STAMP_DEV)
	$(BIN)/python -m pytest tests/chaos -q

bench: $(STAMP_DEV)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) \
	  || (echo "wrk is needed for the ingest benchmark: apt-get install wrk" >&2; exit 1)
	@for script in tests/perf/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
