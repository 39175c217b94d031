# Two commands set up everything on a fresh machine:
#   make run    install into .venv, create the SQLite database, load the demo region, serve on :5000
#   make test   install the test extras and run the whole suite (SQLite; PostgreSQL too when
#               MARKETPLACE_TEST_POSTGRES_URL is set, as .ci/run does)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test translations extract-messages serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

# The SSO tests' OpenID Provider (tests/sso/oidc-provider, Node.js): npm ci again only when its lock changes.
OIDC_OP := tests/sso/oidc-provider
$(OIDC_OP)/node_modules/.package-lock.json: $(OIDC_OP)/package-lock.json $(OIDC_OP)/package.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: the SSO tests need Node.js 20+ and npm" \
		"(apt-get install nodejs npm), then make install-test" >&2; exit 1; }
	@start=$$(date +%s); npm ci --no-audit --no-fund --prefix $(OIDC_OP) && \
		echo "npm ci in $(OIDC_OP) took $$(( $$(date +%s) - start )) s"
	@touch $@

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations $(OIDC_OP)/node_modules/.package-lock.json

translations: $(BIN)/python
	$(BIN)/pybabel -q compile -d marketplace/translations

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--ignore-dirs=".* __pycache__ node_modules" \
		--project=Ombruksmarkedet -o marketplace/translations/messages.pot .
	$(BIN)/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations --no-fuzzy-matching

run: install
	$(BIN)/marketplace init
	$(BIN)/marketplace demo
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT) – stop with Ctrl+C."
	MARKETPLACE_BASE_URL="$${MARKETPLACE_BASE_URL:-http://$(HOST):$(PORT)}" $(BIN)/marketplace run --host $(HOST) --port $(PORT)

# With PostgreSQL, both engines' runs go side by side (two cores, and each run spends much of its time
# waiting on its database or browser): the PostgreSQL run's output is kept in $(PG_LOG) and shown after
# the SQLite run, and either failing fails `make test`.
PG_LOG := .pytest-postgresql.log

test: install-test
	@if [ -n "$$MARKETPLACE_TEST_POSTGRES_URL" ]; then \
		echo "== PostgreSQL ($$MARKETPLACE_TEST_POSTGRES_URL) runs alongside; its output follows the SQLite run =="; \
		MARKETPLACE_TEST_DATABASE_URL="$$MARKETPLACE_TEST_POSTGRES_URL" MARKETPLACE_TEST_ROLE_SHARE=2/2 \
			$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS) > $(PG_LOG) 2>&1 & pg=$$!; \
		echo "== SQLite =="; MARKETPLACE_TEST_ROLE_SHARE=1/2 $(BIN)/python -m pytest $(PYTEST_ARGS); sqlite=$$?; \
		echo "== PostgreSQL: waiting for its run to finish =="; wait $$pg; postgresql=$$?; cat $(PG_LOG); \
		echo "== SQLite: exit $$sqlite; PostgreSQL: exit $$postgresql =="; \
		[ $$sqlite -eq 0 ] && [ $$postgresql -eq 0 ]; \
	else \
		$(BIN)/python -m pytest $(PYTEST_ARGS) || exit 1; \
		echo "(PostgreSQL run skipped: set MARKETPLACE_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test to run it.)"; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache
