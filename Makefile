# Two commands do everything: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
# The demo lives inside the plan: built and served as of the autumn of its third year (README, demo log-ins).
PORTAL_TODAY ?= 2024-10-15

# Root installs system packages directly; anyone else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint install install-test chromium pdf-engine db clean messages

# The translators' catalogues (portal/translations/<lang>/LC_MESSAGES/messages.po), compiled to the .mo
# files the portal reads; git ignores the .mo files, so a fresh clone compiles them here.
PO_FILES := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

# After marking new text: gather it into the template and add it to each catalogue for the translators.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o portal/translations/messages.pot --no-location --sort-output \
		--project "Ready for the World portal" .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations -w 120

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed $(MO_FILES) pdf-engine

# Debian's Pango and DejaVu fonts, which WeasyPrint draws each published report's PDF with.
pdf-engine:
	@if ! ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || [ ! -d /usr/share/fonts/truetype/dejavu ]; then \
		echo "Installing Pango and the DejaVu fonts for the Board reports' PDF"; \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends \
			libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; \
	fi

# The OpenID provider the sign-in tests run (tests/oidc, docs/sign-in.md): oidc-provider installed from its
# lock file, and again only when the lock file changes. Without Node.js the sign-in tests skip, except in CI.
OIDC_PROVIDER := tests/oidc/node_modules/.installed

$(OIDC_PROVIDER): tests/oidc/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/oidc --no-audit --no-fund && touch $@; \
	elif [ "$$CI" = "true" ]; then \
		echo "npm is missing: the sign-in tests need Node.js 20 and npm (apt-get install nodejs npm)"; exit 1; \
	else \
		echo "Node.js and npm are not installed: the sign-in tests will be skipped"; \
	fi

install-test: $(VENV)/.installed-test $(MO_FILES) chromium pdf-engine $(OIDC_PROVIDER)

# Debian's Chromium for the browser tests (Playwright cannot download a browser here).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends chromium; \
	fi

db: install
	PORTAL_ENV=development PORTAL_TODAY=$(PORTAL_TODAY) $(BIN)/flask db upgrade
	PORTAL_ENV=development PORTAL_TODAY=$(PORTAL_TODAY) $(BIN)/flask bootstrap

# What make run needs beyond the portal: aiosmtpd, a local SMTP server that prints each e-mail.
$(VENV)/.installed-run: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[run]'
	touch $@

# The web server and, beside it, the worker (e-mail from the outbox, the figures a change made stale,
# the daily reminders and digests) and a local SMTP server on MAIL_PORT that prints each e-mail
# instead of sending it. Ctrl-C stops all three.
MAIL_PORT ?= 8025
run: db $(VENV)/.installed-run
	@echo "Serving on http://127.0.0.1:5000; e-mail is printed here, never sent (Ctrl-C stops)"
	@export PORTAL_ENV=development PORTAL_TODAY=$(PORTAL_TODAY) MAIL_SERVER=127.0.0.1 MAIL_PORT=$(MAIL_PORT); \
	$(BIN)/python -m aiosmtpd -n -l 127.0.0.1:$(MAIL_PORT) -c aiosmtpd.handlers.Debugging & mail=$$!; \
	$(BIN)/flask worker & worker=$$!; \
	trap 'kill $$worker $$mail 2>/dev/null; wait $$worker $$mail 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# ruff (style, import order, complexity, bug risks), mypy, and the import contracts in pyproject.toml.
lint: $(VENV)/.installed-test $(MO_FILES)
	$(BIN)/ruff check portal tests
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: install-test lint
	$(BIN)/pytest $(PYTEST_ARGS)

# The performance benchmark (docs/performance.md): wrk, PostgreSQL 15 and redis from Debian where missing.
.PHONY: bench bench-mail bench-documents
bench: $(VENV)/.installed-test $(MO_FILES)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@if ! command -v wrk >/dev/null 2>&1 || [ ! -x /usr/lib/postgresql/15/bin/initdb ] \
			|| ! command -v redis-server >/dev/null 2>&1; then \
		echo "Installing wrk, PostgreSQL and redis for the benchmark"; \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends wrk postgresql redis-server; \
	fi
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/report.py

# Making a 40-initiative Board update's PDF and slide deck (docs/performance.md, "Board documents").
bench-documents: $(VENV)/.installed-test
	$(BIN)/python bench/bench_board_documents.py $(BENCH_DOCUMENTS_ARGS)

# The outbox's benchmark (docs/performance.md, "E-mail"): 1,200 reminders delivered to a local SMTP
# server, and what notify() adds to a state change; on SQLite and PostgreSQL 15 (from Debian if missing).
bench-mail: $(VENV)/.installed-test
	@if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then \
		echo "Installing PostgreSQL for the benchmark"; \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends postgresql; \
	fi
	$(BIN)/python bench/mail.py $(BENCH_MAIL_ARGS)

clean:
	rm -rf $(VENV) instance/portal.db* .pytest_cache test-artifacts tests/oidc/node_modules

# The soak tests (docs/reliability.md): real gunicorn, PostgreSQL 15, nginx and redis, as separate
# processes; races, kill -9 and two servers behind nginx. Installs what is missing from Debian.
.PHONY: soak
soak: $(VENV)/.installed-test $(MO_FILES)
	$(BIN)/pip install --quiet -e '.[test,soak]'
	@missing=""; \
	[ -x /usr/lib/postgresql/15/bin/initdb ] || missing="$$missing postgresql"; \
	command -v nginx >/dev/null 2>&1 || missing="$$missing nginx"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing for the soak tests"; \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi
	$(BIN)/pytest soak -p no:cacheprovider $(SOAK_ARGS)
