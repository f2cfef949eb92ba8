#!/bin/sh
# Worker: concurrency from WORKER_CONCURRENCY; scale out with `docker compose up --scale worker=N`.
set -eu
# -q: no ASCII banner, so every line on stdout is a JSON log line.
exec celery -q -A verifier worker \
    --loglevel "${LOG_LEVEL:-INFO}" \
    --concurrency "${WORKER_CONCURRENCY:-2}" \
    --hostname "worker@%h" \
    --without-mingle
