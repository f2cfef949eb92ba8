"""Ingestion: the service (idempotent, revisions) and `manage.py ingest`."""

import io
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from claims.models import Article, ExtractionStatus
from claims.pipeline.ingestion import ingest_article

BODY = "Officials said the bridge will reopen on Monday. Analysts say traffic will double."


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def ingest(*args, stdout=None) -> tuple[str, str, CommandError | None]:
    out, err = stdout or io.StringIO(), io.StringIO()
    try:
        call_command("ingest", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


@pytest.mark.django_db
def test_same_body_is_one_article_and_a_new_body_at_a_known_url_is_a_revision():
    first, created = ingest_article(body=BODY, publisher="Daily", url="https://daily.example/bridge")
    again, created_again = ingest_article(body=BODY.replace("\n", "\r\n"), publisher="Daily", url="https://daily.example/bridge")
    assert created and not created_again and again.pk == first.pk
    revised, _ = ingest_article(body=BODY + " Update: it reopened.", publisher="Daily", url="https://daily.example/bridge")
    first.refresh_from_db()
    assert revised.supersedes_id == first.pk and revised.is_current and not first.is_current
    assert first.superseded_by == revised
    assert revised.extraction_status == ExtractionStatus.PENDING


@pytest.mark.django_db
def test_ingest_prints_the_article_id_alone(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text(BODY, encoding="utf-8")
    out, err, failure = ingest(str(path), "--publisher", "Daily News", "--title", "Bridge", "--url",
                               "https://daily.example/b", "--published-at", "2025-11-02")
    article = Article.objects.get()
    assert failure is None and err == "" and out == f"{article.pk}\n"
    assert (article.publisher.name, article.title, article.url) == ("Daily News", "Bridge", "https://daily.example/b")
    assert article.published_at.isoformat() == "2025-11-02T00:00:00+00:00"
    assert ingest(str(path), "--publisher", "Daily News")[0] == out  # same body: same id


@pytest.mark.django_db
def test_ingest_a_folder_reports_bad_files_and_keeps_the_good_ones(tmp_path):
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("\ufeffThe mayor told reporters it cost $2 million.", encoding="utf-8")
    (tmp_path / "c.txt").write_bytes("Caf\xe9 owners said prices rose.".encode("cp1252"))
    (tmp_path / "d.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not an article", encoding="utf-8")
    out, err, failure = ingest(str(tmp_path), str(tmp_path / "missing.txt"), "--publisher", "Daily")

    ids = [int(line) for line in out.splitlines()]
    assert sorted(ids) == sorted(Article.objects.values_list("pk", flat=True)) and len(ids) == 2
    assert Article.objects.filter(body__startswith="The mayor").exists()  # the BOM is not part of the text
    assert "c.txt: not valid utf-8 (byte 0xe9 at offset 3)" in err and "--encoding cp1252" in err
    assert "d.txt: the file is empty" in err and "missing.txt: no such file" in err
    assert "Traceback" not in err
    assert isinstance(failure, CommandError) and "3 of 5" in str(failure)
    # The clear fallback: name the encoding.
    out, err, failure = ingest(str(tmp_path / "c.txt"), "--publisher", "Daily", "--encoding", "cp1252")
    assert failure is None and Article.objects.get(pk=int(out)).body == "Café owners said prices rose."


@pytest.mark.django_db
def test_ingest_shows_progress_only_on_a_terminal(tmp_path, capsys):
    for n in range(3):
        (tmp_path / f"{n}.txt").write_text(f"Story {n}: officials said it rained.", encoding="utf-8")
    terminal = Terminal()
    ingest(str(tmp_path), "--publisher", "Daily", stdout=terminal)
    assert len(terminal.getvalue().split()) == 3 and all(line.isdigit() for line in terminal.getvalue().split())
    assert "3/3" in capsys.readouterr().err
    ingest(str(tmp_path), "--publisher", "Daily")
    assert "3/3" not in capsys.readouterr().err


@pytest.mark.django_db
def test_ingest_refuses_bad_options(tmp_path):
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "b.txt").write_text(BODY + " More.", encoding="utf-8")
    assert "single file" in str(ingest(str(tmp_path), "--publisher", "D", "--url", "https://x.example/")[2])
    assert "not a date" in str(ingest(str(tmp_path / "a.txt"), "--publisher", "D", "--published-at", "soon")[2])
    (tmp_path / "empty").mkdir()
    assert "no *.txt files" in str(ingest(str(tmp_path / "empty"), "--publisher", "D")[2])
    assert not Article.objects.exists()


def test_ingest_command_exits_non_zero_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00")
    proc = subprocess.run(
        [sys.executable, "manage.py", "ingest", str(bad), "--publisher", "Daily"],
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert "bad.txt: not valid utf-8" in proc.stderr and "Traceback" not in proc.stderr

