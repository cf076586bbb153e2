# The two commands a newcomer needs: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The address `make run` serves and builds emailed, canonical and share links from.
SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run serve test lint format messages translations bench bench-newsletter check install install-test fuzz

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

# A stamp per dependency set, so a second `make run` does not reinstall anything.
$(VENV)/.installed-run: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test]"
	@touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

# axe-core for the accessibility check in the browser tests; skipped where npm is missing.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: the accessibility check will be skipped"; fi

# The site's own text in every language: compiled from locale/*/django.po whenever a catalogue
# changes, with polib (installed with wagtail-localize) so that no GNU gettext is needed.
# The .mo files are build output and not committed. `make messages` (needs gettext) collects
# new strings into the catalogues for translators.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(VENV)/.installed-run
	$(BIN)/python -c 'import sys, polib; polib.pofile(sys.argv[1]).save_as_mofile(sys.argv[2])' $< $@

translations: $(MO_FILES)

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hant -l zh_Hans -l ug -l bo --no-obsolete \
		--ignore=.venv --ignore=node_modules --ignore=test-results

run: install translations
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py migrate --no-input
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py load_campaign_content --if-empty
	@echo
	@echo "To sign in to the admin at http://127.0.0.1:$(PORT)/admin/ create a login first, then"
	@echo "open the link the second command prints to set up its two-factor sign-in:"
	@echo "    $(BIN)/python manage.py createsuperuser"
	@echo "    $(BIN)/python manage.py enrolment_link <user name>"
	@echo
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The production stack on this machine: production settings (DEBUG off), static files
# collected with hashed names, gunicorn (gunicorn.conf.py) on 127.0.0.1:$(PORT) and the
# worker that sends the queued emails. Without a SECRET_KEY or EMAIL_HASH_KEY in the
# environment, one is generated once into .secret-key or .email-hash-key (kept out of git;
# keep .email-hash-key with your backups: see docs/configuration.md).
# Production settings refuse to start without SITE_URL (the public https address) and the
# site's own RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY in the environment.
SERVE_ENV = DJANGO_SETTINGS_MODULE=cms.settings.production PORT=$(PORT) \
	SECRET_KEY="$${SECRET_KEY:-$$(cat .secret-key)}" \
	EMAIL_HASH_KEY="$${EMAIL_HASH_KEY:-$$(cat .email-hash-key)}"

.secret-key .email-hash-key: | $(BIN)/python
	@$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))' > $@
	@chmod 600 $@

serve: install translations .secret-key .email-hash-key
	$(SERVE_ENV) $(BIN)/python manage.py migrate --no-input
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(SERVE_ENV) $(BIN)/python manage.py load_campaign_content --if-empty
	@# The mail worker beside gunicorn, under a loop that restarts it whenever it stops, and
	@# stopped with gunicorn (TERM: it finishes the email in hand); at a lower CPU priority, so
	@# that in a crowd pages and sign-ups come first and the emails catch up after.
	( trap 'kill $$worker 2>/dev/null; exit 0' TERM; \
	  while true; do $(SERVE_ENV) nice -n 10 $(BIN)/python manage.py mail_worker & worker=$$!; \
	  wait $$worker; echo "The mail worker stopped; starting it again." >&2; sleep 2; done ) & \
	supervisor=$$!; \
	$(SERVE_ENV) $(BIN)/gunicorn cms.wsgi; kill $$supervisor

# The production stack on loopback under wrk, behind docs/nginx.conf and alone, beside nginx and
# a minimal WSGI app serving the same bytes; prints the figures (see bench/run.py). Needs
# PostgreSQL and Redis; installs Debian's wrk, nginx and its cache-purge module when missing.
bench: install
	$(BIN)/python bench/run.py

# A newsletter to 1,000 and 10,000 supporters through `manage.py mail_worker` to an SMTP server
# on loopback, the worker killed twice: queueing time, messages/s, peak memory (bench/newsletter.py).
bench-newsletter: install-test
	$(BIN)/python bench/newsletter.py

test: install-test translations node_modules/axe-core/axe.min.js
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The API fuzz tests at full length: API_FUZZ_EXAMPLES generated cases per test, fresh each run
# (about 2,500 requests at the default); prints the number of requests and of server errors.
API_FUZZ_EXAMPLES ?= 300
fuzz: install-test
	LOG_LEVEL=ERROR API_FUZZ_EXAMPLES=$(API_FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/test_api_fuzz.py -q -s -p no:cacheprovider $(PYTEST_ARGS)

check: install-test
	$(BIN)/python manage.py check
	@# Production settings must pass Django's own security audit, nothing silenced.
	DJANGO_SETTINGS_MODULE=cms.settings.production SITE_URL=https://campaign.example.org \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	EMAIL_HASH_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
	RECAPTCHA_PUBLIC_KEY=operator-public-key RECAPTCHA_PRIVATE_KEY=operator-private-key \
	$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	@# The apps depend one way: the layers in pyproject.toml ([tool.importlinter]).
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint: install-test
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
