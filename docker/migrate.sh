#!/bin/sh
# One-shot: migrate before web, worker and beat start (compose waits for it to succeed).
set -eu
python manage.py migrate --noinput
# Prints deploy warnings (e.g. SECURE_SSL_REDIRECT=false on a trial box) without failing.
python manage.py check --deploy
