"""Extract attributed claims from article text files (no database needed).

    python manage.py extract_claims PATH [PATH ...] [--json] [--publisher NAME]

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

from sources.attribution import EXTRACTOR_VERSION, extract_many

JSON_KEYS = ("start", "end", "text", "attribution_level", "speaker", "via_outlet", "cue", "reason")


class Command(BaseCommand):
    help = "Extract claims and their attribution levels from article text files (no database)."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="UTF-8 text file(s), one article each")
        parser.add_argument("--json", action="store_true", help="print one JSON object {PATH: [claims]}")
        parser.add_argument("--publisher", default=None, help="the articles' own publisher (e.g. 'BBC News')")

    def handle(self, *args, **options):
        paths: list[str] = options["paths"]
        texts = []
        for p in paths:
            path = Path(p)
            if not path.is_file():
                raise CommandError(f"not a readable file: {p}")
            try:
                texts.append(path.read_bytes().decode("utf-8", errors="replace"))
            except OSError as exc:
                raise CommandError(f"cannot read {p}: {exc}") from exc
        publisher = options["publisher"]
        results: dict[str, list[dict]] = {}
        for p, claims in zip(paths, extract_many((t, publisher) for t in texts)):
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
