"""Extract attributed claims from article text files (no database needed).

    python manage.py extract_claims PATH [PATH ...] [--json] [--publisher NAME]
        [--max-chars N] [--max-claims N] [--max-claim-chars N]

Each file goes through the pipeline's bounded extraction (sources/attribution/limits.py), one at a
time, under the same caps as ingestion (ARTICLE_MAX_CHARS, ARTICLE_MAX_CLAIMS, CLAIM_MAX_CHARS; the
flags raise or lower them): a file beyond one fails at once with the reason, before spaCy reads it.

With ``--json`` prints ONE JSON object mapping each PATH (as given) to its list
of claims: ``start``, ``end``, ``text``, ``attribution_level``, ``speaker``,
``via_outlet``, ``cue``, ``reason``. Offsets index the file read as UTF-8
(undecodable bytes are replaced, one character each).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from django.conf import settings

from sources.attribution import EXTRACTOR_VERSION
from sources.attribution.limits import ExtractionRefused, extract_bounded

JSON_KEYS = ("start", "end", "text", "attribution_level", "speaker", "via_outlet", "cue", "reason")


class Command(BaseCommand):
    help = "Extract claims and their attribution levels from article text files (no database)."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="UTF-8 text file(s), one article each")
        parser.add_argument("--json", action="store_true", help="print one JSON object {PATH: [claims]}")
        parser.add_argument("--publisher", default=None, help="the articles' own publisher (e.g. 'BBC News')")
        parser.add_argument("--max-chars", type=int, default=None,
                            help=f"characters per file (default ARTICLE_MAX_CHARS, {settings.ARTICLE_MAX_CHARS})")
        parser.add_argument("--max-claims", type=int, default=None,
                            help=f"claims per file (default ARTICLE_MAX_CLAIMS, {settings.ARTICLE_MAX_CLAIMS}; 0: no cap)")
        parser.add_argument("--max-claim-chars", type=int, default=None,
                            help=f"characters per claim before a run-on is cut (default CLAIM_MAX_CHARS, {settings.CLAIM_MAX_CHARS})")

    def handle(self, *args, **options):
        paths: list[str] = options["paths"]
        max_chars = settings.ARTICLE_MAX_CHARS if options["max_chars"] is None else options["max_chars"]
        for p in paths:  # every path is checked before the first is parsed
            path = Path(p)
            if not path.is_file():
                raise CommandError(f"not a readable file: {p}")
            if path.stat().st_size > 4 * max_chars:  # a UTF-8 character is at most 4 bytes: over the cap unread
                raise CommandError(f"{p}: {path.stat().st_size} bytes, over the limit of {max_chars} characters (--max-chars)")
        results: dict[str, list[dict]] = {}
        for p in paths:  # one file in memory at a time
            try:
                text = Path(p).read_bytes().decode("utf-8", errors="replace")
            except OSError as exc:
                raise CommandError(f"cannot read {p}: {exc}") from exc
            if len(text) > max_chars:
                raise CommandError(f"{p}: {len(text)} characters; the limit is {max_chars} (--max-chars, ARTICLE_MAX_CHARS)")
            try:
                claims = extract_bounded(text, publisher=options["publisher"], max_claims=options["max_claims"],
                                         max_claim_chars=options["max_claim_chars"])
            except ExtractionRefused as exc:
                raise CommandError(f"{p}: {exc} (--max-claims and --max-claim-chars raise the caps)") from exc
            results[p] = [{k: c.as_dict()[k] for k in JSON_KEYS} for c in claims]
        try:
            self._print(paths, results, as_json=options["json"])
            self.stdout.flush()
        except BrokenPipeError:
            # the reader went away (`... | head`): that is not an error. Point stdout
            # at /dev/null so the interpreter's final flush does not raise again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())

    def _print(self, paths: list[str], results: dict[str, list[dict]], *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(results, ensure_ascii=False))
            return
        for p in paths:
            claims = results[p]
            self.stdout.write(f"{p}: {len(claims)} claims (extractor {EXTRACTOR_VERSION})")
            self.stdout.write(f"  {'start':>6} {'end':>6}  {'level':<13} {'speaker':<32} {'via':<20} text")
            for c in claims:
                text = c["text"].replace("\n", " ")
                text = text if len(text) <= 70 else text[:67] + "..."
                self.stdout.write(
                    f"  {c['start']:>6} {c['end']:>6}  {c['attribution_level']:<13} "
                    f"{(c['speaker'] or '-')[:32]:<32} {(c['via_outlet'] or '-')[:20]:<20} {text}"
                )
