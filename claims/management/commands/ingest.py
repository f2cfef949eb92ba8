"""`manage.py ingest PATH... --publisher NAME`: ingest text files through the ingestion service.

Prints one article id per line on stdout (nothing else), so scripts can capture it.
A bad file (missing, empty, not decodable) is reported on stderr and skipped; the
others are still ingested, and the exit status is 1 if any file failed. A web page is
stored as its article text (recognised on its own, or every file with --html). With the
broker unreachable each file is still stored, with one warning line (the sweeper queues it).
"""

from __future__ import annotations

import sys
from datetime import datetime, time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from claims.pipeline.html import NotArticleHtml, html_to_text
from claims.pipeline.ingestion import ArticleRejected, ingest_article


class FileRejected(Exception):
    pass


def page_text(page: str) -> str:
    try:
        return html_to_text(page)
    except NotArticleHtml as exc:
        raise FileRejected(f"{exc} (--html)") from None


def parse_published_at(value: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"--published-at {value!r} is not a date (YYYY-MM-DD) or an ISO datetime")
        moment = datetime.combine(day, time())
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def collect(paths: list[str], suffixes: tuple[str, ...] = (".txt",)) -> list[Path]:
    """Files as given, and the files with these suffixes under each folder (sorted, hidden ones skipped)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*")
                if p.suffix.lower() in suffixes and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            files.append(path)  # a missing path is reported when read
    return files


def read_text(path: Path, encoding: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileRejected("no such file") from None
    except IsADirectoryError:
        raise FileRejected("is a directory") from None
    except OSError as exc:
        raise FileRejected(f"cannot read it: {exc.strerror or exc}") from None
    if not data.strip():
        raise FileRejected("the file is empty")
    try:
        # utf-8-sig: a byte-order mark written by some editors is not part of the text.
        return data.decode("utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding)
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"not valid {encoding} (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            f"convert it to UTF-8 or name its encoding, e.g. --encoding cp1252"
        ) from None
    except LookupError:
        raise CommandError(f"unknown encoding {encoding!r}") from None


class Command(BaseCommand):
    help = "Ingest article text files (or folders of *.txt) and print each article id on its own line."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="text file(s), or folder(s) of *.txt files")
        parser.add_argument("--publisher", required=True, help="the outlet that published the article(s)")
        parser.add_argument("--title", default="", help="title (default: empty)")
        parser.add_argument("--url", default="", help="canonical url; one file only")
        parser.add_argument("--published-at", default="", help="publication date, YYYY-MM-DD or ISO datetime")
        parser.add_argument("--encoding", default="utf-8", help="text encoding of the files (default utf-8)")
        parser.add_argument(
            "--html", action="store_true",
            help="the files are web pages (folders: *.html, *.htm too): store each page's article text "
            "(HTML is also recognised without the flag; markup is never stored as a body)",
        )

    def handle(self, *args, paths, publisher, title, url, published_at, encoding, html=False, **options):
        if not publisher.strip():
            raise CommandError("--publisher must name the outlet")
        published = parse_published_at(published_at) if published_at else None
        files = collect(paths, (".txt", ".html", ".htm") if html else (".txt",))
        if not files:
            raise CommandError(f"no *.txt{' or *.html' if html else ''} files under {', '.join(paths)}")
        if url and len(files) > 1:
            raise CommandError("--url names one article: give it with a single file")
        progress = None
        if self.stdout.isatty() and len(files) > 1:
            from tqdm import tqdm

            progress = tqdm(total=len(files), unit="file", file=sys.stderr)
        failed = 0
        for path in files:
            try:
                body = read_text(path, encoding)
                if html:
                    body = page_text(body)
                article, _ = ingest_article(body=body, publisher=publisher, title=title, url=url, published_at=published)
            except (FileRejected, ArticleRejected) as exc:
                failed += 1
                self.stderr.write(f"{path}: {exc}")
            else:
                if progress is not None:  # keep the bar below the ids on a terminal
                    progress.write(str(article.pk), file=self.stdout._out)
                else:
                    self.stdout.write(str(article.pk))
            if progress is not None:
                progress.update(1)
        if progress is not None:
            progress.close()
        if failed:
            raise CommandError(f"{failed} of {len(files)} file(s) not ingested (see above)")
