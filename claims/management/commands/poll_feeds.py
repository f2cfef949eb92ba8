"""Poll the watched feeds that are due, once, in this process (the beat job does the same every minute)."""

from django.core.management.base import BaseCommand

from claims.pipeline.feeds import PollOutcome, feeds_poll


class Command(BaseCommand):
    help = (
        "Poll the feeds that are due, once, here. --all polls every enabled feed whether it is due or not. "
        "One line per feed: new entries, unchanged, skipped with the reason, or the error. Exit status 1 "
        "when a feed failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", dest="every", help="poll every enabled feed, due or not")
        parser.add_argument("--feed", type=int, action="append", dest="feed_ids", help="only this feed (repeatable)")

    def handle(self, *args, every: bool, feed_ids: list[int] | None, **options):
        failed = []

        def report(outcome: PollOutcome) -> None:
            line = f"feed {outcome.feed_id} {outcome.url}: {outcome.line}"
            (self.stdout if outcome.ok else self.stderr).write(line)
            if not outcome.ok:
                failed.append(outcome)

        outcomes = feeds_poll(every=every, feed_ids=feed_ids, on_outcome=report)
        if not outcomes:
            self.stdout.write("no feed is due" if not every else "no enabled feed")
        if failed:
            raise SystemExit(1)
