# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# This checkout's own settings (debug on, a random secret key), read by the settings for every manage.py command.
ENV_FILE := $(or $(TALENTPORTAL_VAR_DIR),var)/.env

.PHONY: run test lint bench drill migrate seed messages clean help env

help:
	@echo "make run    - install, migrate, seed the demo once, start web server and worker on http://$(HOST):$(PORT)"
	@echo "make test   - install (with test tools) and run the whole test suite"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - benchmarks (results in docs/performance.md)"
	@echo "make drill  - load, fault and backup drills on loopback (DRILL=load|faults|backup, DRILL_ARGS=...; docs/operations.md)"

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

$(ENV_FILE):
	@mkdir -p $(dir $@)
	@$(PYTHON) -c 'import secrets; print("# This development checkout'"'"'s settings, written by make; never commit them.\nDJANGO_DEBUG=1\nDJANGO_SECRET_KEY=" + secrets.token_urlsafe(50))' > $@

env: $(ENV_FILE)

migrate: $(BIN)/.installed | $(ENV_FILE)
	DJANGO_DEBUG=$${DJANGO_DEBUG-1} $(BIN)/python manage.py migrate --noinput

var/.seeded: | migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG-1} $(BIN)/python manage.py seed_demo
	touch $@

seed: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG-1} $(BIN)/python manage.py seed_demo

run: migrate var/.seeded
	@DJANGO_DEBUG=$${DJANGO_DEBUG-1} $(BIN)/python manage.py seed_demo --logins
	@echo "Portal: http://$(HOST):$(PORT)/   (Ctrl-C stops the web server and the worker)"
	@export DJANGO_DEBUG=$${DJANGO_DEBUG-1}; \
	$(BIN)/celery -A talentportal worker -B --pool=prefork --concurrency=2 --loglevel=INFO --schedule var/celerybeat-schedule & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(BIN)/.installed-dev | $(ENV_FILE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(BIN)/.installed-dev
	$(BIN)/python -m benchmarks

# Needs PostgreSQL's server binaries and redis-server; starts its own instances on other ports.
drill: $(BIN)/.installed-dev
	$(BIN)/python -m drills $(DRILL) $(DRILL_ARGS)

messages: $(BIN)/.installed-dev
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore ".venv/*" --ignore "var/*" --ignore "static/vendor/*"
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore ".venv/*"

clean:
	rm -rf var/broker var/cache var/test-media var/*.sqlite3* var/.seeded var/celerybeat-schedule*
