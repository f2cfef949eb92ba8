import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from claims.pipeline.ingestion import article_extract, article_ingest

SEEDS_DIR = Path(settings.BASE_DIR) / "seeds"


class Command(BaseCommand):
    help = "Ingest the seed articles listed in seeds/manifest.json and extract their claims (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--seeds-dir", default=str(SEEDS_DIR), help="folder holding manifest.json")

    def handle(self, *args, seeds_dir: str, **options):
        folder = Path(seeds_dir)
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {folder / 'manifest.json'}: {exc}") from exc
        for entry in manifest:
            body = (folder / entry["file"]).read_text(encoding="utf-8")
            article, created = article_ingest(
                body=body,
                publisher=entry["publisher"],
                title=entry.get("title", ""),
                url=entry.get("url", ""),
                published_at=parse_datetime(entry["published_at"]) if entry.get("published_at") else None,
            )
            if created or article.extraction_status != "done":
                article = article_extract(article_id=article.pk)
            verb = "loaded" if created else "already loaded"
            self.stdout.write(f"{entry['file']}: {verb} as article {article.pk} ({article.claims.count()} claims)")
