"""Where retrieval's candidates come from: the database's own search engines.

An engine answers, for a batch of queries, each query's candidates (the dense top-N and the
lexical top-N, with their texts and cosines) and the term counts the lexical features need.
The features and the fusion are computed the same way on top (claims/matching/retrieval.py),
so PostgreSQL and SQLite rank alike.

- PostgreSQL (`postgres.py`): pgvector's HNSW and a GIN index over a tsvector. Nothing is
  held in the process; three SQL round trips a batch.
- SQLite (`sqlite.py`, the one-machine `make run`): FTS5 for terms, and an exact int8 scan
  held in the process and refreshed from the database (the standard sqlite3 module cannot
  load a vector extension).
"""

from __future__ import annotations

from typing import Protocol

from django.db import connection

from .. import lexical


class Engine(Protocol):
    def candidates(self, queries: list, *, kinds: tuple[str, ...], exclude: set[int],
                   n: int) -> tuple[list, lexical.TermStats]: ...



def engine() -> Engine:
    if connection.vendor == "postgresql":
        from .postgres import ENGINE
    else:
        from .sqlite import ENGINE
    return ENGINE


def forget_process_state() -> None:
    """Drop what this process holds (SQLite's scan; PostgreSQL holds nothing): tests, a model change."""
    from .sqlite import ENGINE

    ENGINE.reset()
