# Conferral: `make run` starts it on this machine; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test test-quick lint deps install messages clean

# requirements*.txt name what Conferral uses; constraints.txt pins everything they pull in.
$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

install: $(VENV)/.installed

deps:
	scripts/install-deps

## Run Conferral on its embedded default: SQLite, in-process worker, local mailbox.
run: install
	scripts/install-deps run
	$(VENV)/bin/conferral demo
	$(VENV)/bin/conferral serve

## The whole suite on SQLite and on PostgreSQL (with Redis and real worker processes),
## plus lint and type checks.
test: install deps lint
	$(PY) scripts/run_tests.py

## The suite on SQLite only, without starting servers.
test-quick: install
	$(PY) -m pytest -q -m "not distributed"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

## Regenerate the project catalogue (conferral/locale) and the delivery app's own
## (conferral/delivery/locale: the emails and sending messages), then compile both.
messages: install
	cd conferral && ../$(PY) ../manage.py makemessages -l de --no-obsolete \
		--ignore 'delivery/*' --ignore 'testing/*' --ignore '*/tests/*' --ignore 'bounces/corpus/*'
	cd conferral/delivery && ../../$(PY) ../../manage.py makemessages -l de --no-obsolete \
		--ignore 'tests/*'
	cd conferral && ../$(PY) ../manage.py compilemessages -l de

clean:
	rm -rf $(VENV) var
