#!/bin/sh
# Web: gunicorn on $PORT. Request logs are written by verifier.middleware (JSON with the
# request id), so gunicorn's own access log stays off; its error log goes to stderr.
set -eu
exec gunicorn verifier.wsgi:application \
    --bind "0.0.0.0:${PORT:-8000}" \
    --workers "${WEB_CONCURRENCY:-3}" \
    --timeout "${GUNICORN_TIMEOUT:-60}" \
    --graceful-timeout 30 \
    --max-requests 2000 --max-requests-jitter 200 \
    --error-logfile - \
    --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}"
