"""The two columns retrieval searches, each in the database's own engine.

`VectorField`: a unit sentence embedding. On PostgreSQL a pgvector `halfvec(384)` (768 bytes,
ANN-indexed with HNSW); on SQLite the same float16 values as a 768-byte blob. Both databases
hold the very same numbers, so their cosines, and their rankings, agree.

`TermsField`: a record's search terms (claims/matching/lexical.py `tokens`). On PostgreSQL a
`tsvector` built with `array_to_tsvector` from our own tokens (no text-search parser in
between, so PostgreSQL's lexemes are exactly ours), GIN-indexed; on SQLite the space-joined
tokens, which triggers copy into an FTS5 table (migration 0019). Retrieval reads both:
claims/matching/engines/.
"""

from __future__ import annotations

import re

import numpy as np
from django.db import models

# all-MiniLM-L6-v2's (claims/matching/encoder.py DIM)
DIM = 384

_LEXEME = re.compile(r"'((?:[^']|'')*)'")


def is_postgresql(connection) -> bool:
    return connection.vendor == "postgresql"


class VectorField(models.Field):
    description = "A unit embedding (pgvector halfvec on PostgreSQL, float16 bytes elsewhere)"

    def __init__(self, *args, dimensions: int = DIM, **kwargs) -> None:
        self.dimensions = dimensions
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.dimensions != DIM:
            kwargs["dimensions"] = self.dimensions
        return name, path, args, kwargs

    def db_type(self, connection) -> str:
        return f"halfvec({self.dimensions})" if is_postgresql(connection) else "blob"

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def to_python(self, value):
        if value is None or isinstance(value, np.ndarray):
            return value
        if isinstance(value, str):  # PostgreSQL's text form: [0.1,-0.2,...]
            return np.array(value[1:-1].split(","), dtype=np.float32)
        return np.frombuffer(bytes(value), dtype="<f2").astype(np.float32)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        vector = np.asarray(value, dtype=np.float32).reshape(-1)
        if len(vector) != self.dimensions:
            raise ValueError(f"a vector of {len(vector)} dimensions for a {self.dimensions}-dimension column")
        if is_postgresql(connection):
            # Each float32 written exactly (repr of its double): PostgreSQL rounds it to half as numpy does.
            return "[" + ",".join(map(repr, vector.tolist())) + "]"
        return vector.astype("<f2").tobytes()


class TermsField(models.Field):
    description = "Search terms (tsvector on PostgreSQL, space-joined text elsewhere)"

    def db_type(self, connection) -> str:
        return "tsvector" if is_postgresql(connection) else "text"

    def get_placeholder(self, value, compiler, connection) -> str:
        return "array_to_tsvector(%s::text[])" if is_postgresql(connection) else "%s"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if is_postgresql(connection):
            return [lexeme.replace("''", "'") for lexeme in _LEXEME.findall(value)]
        return value.split()

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        terms = sorted(set(value))
        return terms if is_postgresql(connection) else " ".join(terms)
