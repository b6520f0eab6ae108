# The two commands the README promises, and the set-up steps they share.
#   make run   set up and run the portal on http://127.0.0.1:5000 (SQLite, shipped essays),
#              with the worker beside it (mail to instance/outbox/, scheduled jobs)
#   make test  set up and run the whole test suite (browser tests included)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# The Hindi catalogue: the .po is written by people (committed), the .mo compiled from it.
PO     := portal/translations/hi/LC_MESSAGES/messages.po
MO     := $(PO:.po=.mo)

.PHONY: run test setup setup-dev assets icons translations chromium redis lint bench bench-cow bench-stack prod-check clean

run: setup assets
	FLASK_DEBUG=1 $(BIN)/flask --app wsgi db upgrade
	FLASK_DEBUG=1 $(BIN)/flask --app wsgi essays check || true
	FLASK_DEBUG=1 $(BIN)/flask --app wsgi board demo
	BIN=$(BIN) HOST=$(HOST) PORT=$(PORT) bash scripts/run-dev

test: setup-dev assets chromium redis
	$(BIN)/ruff check portal tests bench tools wsgi.py
	$(BIN)/ruff format --check portal tests bench tools wsgi.py
	FLASK_DEBUG=1 $(BIN)/flask --app wsgi essays check
	$(BIN)/pytest $(PYTEST_ARGS)

setup: $(VENV)/.runtime $(MO)
setup-dev: $(VENV)/.dev $(MO)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.dev: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@ $(VENV)/.runtime $(VENV)/.build

# brotli, for tools/precompress.py (the dev extra has it too).
$(VENV)/.build: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -c constraints.txt -e ".[build]"
	touch $@

# The interface's catalogue, compiled (not committed): every make run, make test and
# deploy (make setup) gets it from the committed .po.
$(MO): $(PO) | $(VENV)/.runtime
	$(BIN)/pybabel compile --statistics -d portal/translations
	touch $@

# After changing the interface's strings: collect them (babel.cfg) into messages.pot,
# bring the Hindi .po up to date (new strings arrive empty: translate them; `make test`
# fails until every one is), and compile it.
translations: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
		--no-location --sort-output --project=portal -o portal/translations/messages.pot portal
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --no-wrap \
		-i portal/translations/messages.pot -d portal/translations
	$(BIN)/pybabel compile -d portal/translations

# htmx from npm, then .gz and .br copies of our CSS/JS/SVG and htmx for nginx's
# gzip_static/brotli_static (tools/precompress.py; not committed).
assets: node_modules/.package-lock.json $(VENV)/.build
	$(BIN)/python tools/precompress.py

# The favicon and touch icons in portal/static/icons/ (committed): after changing the drawing.
icons:
	$(PYTHON) tools/icons.py

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

chromium:
	@bash scripts/ensure-chromium

redis:
	@bash scripts/ensure-redis

lint: setup-dev
	$(BIN)/ruff check portal tests bench tools wsgi.py
	$(BIN)/ruff format --check portal tests bench tools wsgi.py

# bench/README.md. `make bench`: gunicorn alone (SQLite), ratios to the cheapest route.
# `make bench-stack` (root, about 3 min): issue 13's figures on prod-check's stack with wrk:
# the essay through nginx's micro-cache vs a static file, signed-in pages through nginx
# vs straight to gunicorn, and a mixed load's plateau.
bench: setup-dev assets
	$(BIN)/python bench/bench.py

# What one gunicorn worker copies from the master, and the functions it runs (root).
bench-cow: setup-dev assets
	$(BIN)/python bench/cow.py

bench-stack: setup assets redis
	$(BIN)/python bench/stack.py

# The production stack on this machine (throwaway PostgreSQL, two gunicorn hosts, nginx
# from deploy/nginx/, workers, an SMTP sink; Redis db 13), and what it must hold. Root.
prod-check: setup assets redis
	$(BIN)/python scripts/prod-check

clean:
	rm -rf $(VENV) node_modules .pytest_cache
