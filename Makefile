# StageSlot – `make run` to try it, `make test` to check it. Python 3.11+ is all it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1:8000

.DEFAULT_GOAL := help
.PHONY: help run serve test test-stage test-clocks coverage vendor vendor-js lint lint-code migrations-check messages messages-check messages-compile format lock superuser worker beat clean

# axe-core checks accessibility in the browser tests; it comes from the npm registry as a
# pinned tarball (checked against its sha256) and is never committed. No npm: the checks skip.
AXE_VERSION := 4.10.3
AXE_SHA256  := 0f2b4d7dcdf7d1219df8d1959ad68e565f51d14c3f0d88bb71cd59abeb956292
VENDOR      := .cache/vendor
AXE_JS      := $(VENDOR)/axe-core-$(AXE_VERSION)/axe.min.js

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "StageSlot needs Python 3.11 or newer (set PYTHON=python3.12 to choose one).")'
	@echo "Creating the virtual environment $(VENV)…"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

# --no-compile: pip would compile every module of every package (half its time, most of them never imported); Python
# compiles what is imported, once, into __pycache__ (docs/decisions/0079-suite-under-fifteen.md).
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	@echo "Installing StageSlot's Python packages into $(VENV)…"
	@$(BIN)/pip install --quiet --disable-pip-version-check --no-compile -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --no-compile -r requirements.txt -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

# run_local (stageslot/local_run.py) starts Radicale and localstripe on ports of their own (the next free
# one when another checkout holds theirs), loads the demo data, serves on HOST (or its next free port,
# saying so), points links in emails, feeds and share pages there, and stops them all with the server.
# run_local migrates once it holds this checkout: a second `make run` is refused before it migrates anything.
run: $(VENV)/.runtime vendor-js messages-compile ## Install, migrate, load demo data and serve on http://localhost:8000
	@$(BIN)/python manage.py run_local --migrate --seed $(HOST)

serve: $(VENV)/.runtime vendor-js messages-compile ## Serve without migrating or seeding
	@$(BIN)/python manage.py run_local $(HOST)

# The suite runs in one process per core (pytest-xdist; docs/decisions/0050-suite-in-parallel.md): JOBS=0 runs
# it in this process alone (for a debugger), JOBS=4 in four.
JOBS  ?= auto
XDIST := -n $(JOBS) --dist loadgroup
# The suite writes compiled modules to __pycache__ even where the environment says not to
# (PYTHONDONTWRITEBYTECODE): otherwise each test process compiles the project and rewrites the tests' asserts
# anew (about 20 s of CPU), and so does every worker, server and manage.py a test starts.
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest

test: $(VENV)/.dev vendor messages-compile ## Run the test suite (SQLite unless DATABASE_URL is set)
	@$(PYTEST) $(XDIST) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests (exit 5): treated as success"; exit 0; fi; exit $$rc

# CI's two stages (docs/decisions/0029-ci-stages.md): STAGE=sqlite runs everything that needs no server,
# STAGE=postgres (with DATABASE_URL and REDIS_URL) what needs PostgreSQL, Redis, the worker or Chromium
# and what behaves differently on PostgreSQL. A stage that selects no test fails: it means the split broke.
test-stage: $(VENV)/.dev vendor messages-compile ## Run one CI stage: make test-stage STAGE=sqlite|postgres
	@$(PYTEST) --ci-stage=$(STAGE) $(XDIST) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "the $(STAGE) stage selected no tests (exit 5): the split is broken"; fi; exit $$rc

# The SQLite stage under each of the four clocks CI takes one of per day (stageslot/test_clock.py, decision 0133):
# 23:59 in Berlin, 00:01 UTC, a day Europe changes its clocks, the last day of a month. Stops at the first that fails.
CLOCKS := berlin-midnight utc-midnight dst month-end
test-clocks: $(VENV)/.dev vendor messages-compile ## Run the SQLite stage under each of the four clocks
	@for clock in $(CLOCKS); do echo "=== The SQLite stage at $$clock"; \
	env -u DATABASE_URL -u REDIS_URL $(PYTEST) --ci-stage=sqlite --clock=$$clock $(XDIST) $(PYTEST_ARGS) || exit $$?; done

# Line and branch coverage (coverage.py through pytest-cov) of both CI stages together: the SQLite stage, then,
# where DATABASE_URL and REDIS_URL are set, the PostgreSQL stage. Prints the total; coverage.json keeps the rest.
coverage: $(VENV)/.dev vendor messages-compile ## Line and branch coverage of the suite (both stages with DATABASE_URL, REDIS_URL)
	@rm -f .coverage .coverage.*
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest --ci-stage=sqlite $(XDIST) --cov --cov-report= $(PYTEST_ARGS)
	@if [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ]; then \
		$(BIN)/python -m pytest --ci-stage=postgres $(XDIST) --cov --cov-append --cov-report= $(PYTEST_ARGS); \
	else echo "DATABASE_URL or REDIS_URL unset: the PostgreSQL stage is left out of the figure"; fi
	@$(BIN)/coverage json -q -o coverage.json
	@$(BIN)/coverage report --format=total | xargs printf 'Coverage (lines and branches): %s %%\n'

# The map pages' Leaflet and Leaflet.markercluster: pinned npm tarballs, fetched and checked with Python
# alone (bin/vendor_js.py). Their files are committed under static/vendor/, so this only checks them
# offline and fetches a folder again when it is missing or differs (docs/decisions/0023-maps.md).
vendor-js: ## Check (and fetch where needed) the vendored map and chart libraries in static/vendor/
	@$(PYTHON) bin/vendor_js.py

vendor: vendor-js ## Fetch the test-only JavaScript (axe-core) from the npm registry, if npm is installed
	@if [ -f $(AXE_JS) ]; then :; \
	elif command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(AXE_JS); \
	else echo "npm not found: the browser tests skip their axe-core accessibility checks"; fi

$(AXE_JS):
	@mkdir -p $(VENDOR)/npm $(dir $@)
	cd $(VENDOR)/npm && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null
	echo "$(AXE_SHA256)  $(VENDOR)/npm/axe-core-$(AXE_VERSION).tgz" | sha256sum -c --quiet
	tar -xzf $(VENDOR)/npm/axe-core-$(AXE_VERSION).tgz -C $(dir $@) --strip-components=1 package/axe.min.js package/LICENSE
	cp $@ $(VENDOR)/axe.min.js

lint: lint-code messages-check ## ruff, djLint, the migration checks and the English catalogue in step

# All of lint but the catalogues' check, which rewrites locale/: this reads the checkout and writes nothing of it,
# so CI runs it beside the tests (.ci/run; docs/decisions/0079-suite-under-fifteen.md).
lint-code: $(VENV)/.dev ## ruff, djLint and the migration checks (lint without the catalogues)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory migrations-check

# The rolling-deploy check (docs/decisions/0062-migrations-during-a-rolling-deploy.md): django-migration-linter
# reads the SQL of every migration newer than stageslot/migration_baseline.txt and refuses one that would break
# the release still running while it is deployed. On the SQL of DATABASE_URL's database, else of an empty SQLite
# database in memory (nothing is written either way); CI also runs it on PostgreSQL's.
migrations-check: $(VENV)/.dev ## Refuse a new migration that would break the running release (rolling deploy)
	DATABASE_URL="$${DATABASE_URL:-sqlite://:memory:}" $(BIN)/python manage.py lint_migrations

# The catalogues of every word marked for translation: English (locale/en/LC_MESSAGES), what
# translators start from, and German (locale/de), a new word arriving there untranslated until someone
# writes its German (stageslot/tests/test_german.py fails till then). Needs GNU gettext's xgettext
# (Debian: gettext). No file locations in them, so they only change when a marked word does.
MESSAGES = $(BIN)/python manage.py makemessages --locale en --locale de --locale fr --locale es --locale it --locale nl --no-location --no-obsolete \
	--ignore '.venv/*' --ignore '.cache/*' --ignore 'node_modules/*' --ignore 'static/vendor/*' \
	--ignore 'benchmarks/*' --ignore '*/tests/*'
# The two domains side by side (they write files of their own: django.po, djangojs.po); CI waits for this before
# its tests (docs/decisions/0079-suite-under-fifteen.md).
messages: $(VENV)/.runtime ## Make the English and German catalogues anew from the marked words
	$(MESSAGES) --domain django & django=$$!; \
	$(MESSAGES) --domain djangojs --ignore 'staticfiles/*'; js=$$?; \
	wait $$django && exit $$js

messages-compile: $(VENV)/.runtime ## Compile the catalogues (.po) into what Django reads (.mo), with Python alone
	@$(BIN)/python -m stageslot.catalogues

messages-check: $(VENV)/.runtime ## Fail when the catalogues are not in step with the marked words
	@$(MAKE) --no-print-directory messages >/dev/null
	@git diff --exit-code --ignore-matching-lines='POT-Creation-Date' -- locale \
		|| { echo "The catalogues are out of step: run 'make messages', translate, and commit locale/."; exit 1; }
	@test -z "$$(git ls-files --others --exclude-standard -- locale)" \
		|| { echo "New catalogue files: run 'make messages' and commit locale/."; exit 1; }

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

# Both run under bin/keep_running.py, which starts them again when they exit with an error.
worker: $(VENV)/.runtime ## Celery worker, restarted when it fails (needs REDIS_URL)
	$(BIN)/python bin/keep_running.py -- $(BIN)/celery -A stageslot worker --loglevel=info

beat: $(VENV)/.runtime ## Celery beat, restarted when it fails (needs REDIS_URL)
	$(BIN)/python bin/keep_running.py -- $(BIN)/celery -A stageslot beat --loglevel=info

clean: ## Remove the virtualenv, the local database and uploads
	rm -rf $(VENV) $(VENDOR) db.sqlite3 db.sqlite3-wal db.sqlite3-shm media staticfiles .cache/localstripe* .cache/radicale
