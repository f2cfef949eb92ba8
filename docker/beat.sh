#!/bin/sh
# Beat: exactly one per deployment (schedules live in the database, editable in the admin).
set -eu
exec celery -q -A verifier beat \
    --loglevel "${LOG_LEVEL:-INFO}" \
    --scheduler django_celery_beat.schedulers:DatabaseScheduler \
    --pidfile /tmp/celerybeat.pid
