# StageSlot – `make run` to try it, `make test` to check it. Python 3.11+ is all it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1:8000

.DEFAULT_GOAL := help
.PHONY: help run serve test lint format lock superuser worker beat clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "StageSlot needs Python 3.11 or newer (set PYTHON=python3.12 to choose one).")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime ## Install, migrate, load demo data and serve on http://127.0.0.1:8000
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver $(HOST)

serve: $(VENV)/.runtime ## Serve without migrating or seeding
	$(BIN)/python manage.py runserver $(HOST)

test: $(VENV)/.dev ## Run the test suite (SQLite unless DATABASE_URL is set)
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests (exit 5): treated as success"; exit 0; fi; exit $$rc

lint: $(VENV)/.dev ## ruff, djLint and the migration check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(VENV)/.dev ## Format Python and templates
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/djlint templates --reformat --quiet || true

lock: $(VENV)/.dev ## Re-pin requirements*.txt from requirements*.in
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-header --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	$(BIN)/pip-compile --quiet --strip-extras --no-header --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in

superuser: $(VENV)/.runtime ## Create a staff account for /admin/
	$(BIN)/python manage.py createsuperuser

worker: $(VENV)/.runtime ## Celery worker (needs REDIS_URL)
	$(BIN)/celery -A stageslot worker --loglevel=info

beat: $(VENV)/.runtime ## Celery beat (needs REDIS_URL)
	$(BIN)/celery -A stageslot beat --loglevel=info

clean: ## Remove the virtualenv, the local database and uploads
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm media staticfiles
