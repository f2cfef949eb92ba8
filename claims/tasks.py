"""Celery tasks: thin, take ids, call services, idempotent."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(bind=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=300, max_retries=8)
def extract_article(self, article_id: int) -> None:
    services.article_extract(article_id=article_id)  # idempotent: unique (article, start, end)
