# Two commands: `make run` and `make test`. Both set everything up from a fresh clone.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test bench lint format

$(RUN_STAMP): requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

run: $(RUN_STAMP)
	mkdir -p var/mail
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-missing
	@# Web Push works from a fresh clone: VAPID keys made once under var/ (0600), then reused.
	$(PY) manage.py vapid_keys --ensure
	@# honcho gives each process its own PORT; links in email and push need the web one.
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile -p $(PORT)

test: $(DEV_STAMP)
	$(PY) -m pytest

# The benchmarks need PostgreSQL and Redis (each creates its own database); wrk for the load test
# and the profile. BENCH_LOAD_SECONDS=3 BENCH_LOAD_ROUNDS=1 make bench is a quick check (README).
bench: $(DEV_STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tracker} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0} \
	$(PY) -m bench

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
