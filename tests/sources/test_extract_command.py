"""``manage.py extract_claims``: the exact external interface (no database)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

PROJECT = Path(__file__).resolve().parents[2]
SEED = PROJECT / "seeds" / "seed.txt"
KEYS = {"start", "end", "text", "attribution_level", "speaker", "via_outlet", "cue", "reason"}


def run(*args) -> str:
    out = StringIO()
    call_command("extract_claims", *args, stdout=out)
    return out.getvalue()


def test_json_on_seed_matches_gold_offsets():
    data = json.loads(run(str(SEED), "--json"))
    assert list(data) == [str(SEED)]
    claims = data[str(SEED)]
    gold = json.loads((PROJECT / "seeds" / "seed.json").read_text(encoding="utf-8"))
    text = SEED.read_text(encoding="utf-8")
    assert [(c["start"], c["end"]) for c in claims] == [(s["start"], s["end"]) for s in gold["sentences"]]
    for c in claims:
        assert set(c) == KEYS
        assert text[c["start"] : c["end"]] == c["text"]
    first = claims[0]
    assert first["attribution_level"] == "anonymous"
    assert first["speaker"] == "sources familiar with the exchange"
    assert first["via_outlet"] == "the Miami Herald"
    assert first["cue"] == "told"


def test_many_paths_and_publisher(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("Headline here\n\nA senior aide told the BBC that talks had failed.\n", encoding="utf-8")
    b = tmp_path / "b.txt"
    b.write_text("", encoding="utf-8")
    data = json.loads(run(str(a), str(b), "--json", "--publisher", "BBC News"))
    assert list(data) == [str(a), str(b)]
    assert data[str(b)] == []
    (claim,) = data[str(a)]
    assert claim["attribution_level"] == "anonymous" and claim["via_outlet"] is None
    data = json.loads(run(str(a), "--json"))
    assert data[str(a)][0]["via_outlet"] == "the BBC"


def test_invalid_utf8_is_replaced(tmp_path):
    f = tmp_path / "bad.txt"
    f.write_bytes(b"Police said the road \xff\xfe was closed.\n")
    data = json.loads(run(str(f), "--json"))
    (claim,) = data[str(f)]
    text = f.read_bytes().decode("utf-8", errors="replace")
    assert claim["text"] == text[claim["start"] : claim["end"]]
    assert claim["attribution_level"] == "official"


def test_table_output():
    out = run(str(SEED))
    assert "41 claims" in out and "anonymous" in out and "the Miami Herald" in out


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError):
        run(str(tmp_path / "nope.txt"), "--json")


def test_needs_no_system_checks():
    from sources.management.commands.extract_claims import Command

    assert Command.requires_system_checks == []


def test_table_piped_to_head_exits_cleanly(tmp_path):
    # `extract_claims FILE | head`: the reader closes the pipe early; no BrokenPipe traceback
    import os
    import subprocess
    import sys

    big = tmp_path / "big.txt"
    big.write_text(SEED.read_text(encoding="utf-8") * 12, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(PROJECT / "manage.py"), "extract_claims", str(big), str(big), str(big)],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ),
    )
    first = proc.stdout.readline()
    proc.stdout.close()  # like `head -1`
    _out, err = proc.communicate(timeout=120)
    assert first.startswith(str(big).encode())
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()[-2000:]
    assert proc.returncode == 0


def test_the_command_takes_the_pipelines_bounded_path(tmp_path, settings):
    # Issue 25: a file beyond the caps fails at once with the reason (never spaCy on megabytes);
    # the flags raise the caps. The caps are the ingestion's settings.
    many = tmp_path / "many.txt"
    many.write_text(" ".join(f"The mayor said bridge {i} will reopen." for i in range(60)), encoding="utf-8")
    settings.ARTICLE_MAX_CLAIMS = 50
    with pytest.raises(CommandError, match=r"many.txt: the article gives about 60 sentences; the limit is 50"):
        run(str(many), "--json")
    assert len(json.loads(run(str(many), "--json", "--max-claims", "100"))[str(many)]) == 60
    with pytest.raises(CommandError, match=r"2269 characters; the limit is 1000 \(--max-chars"):
        run(str(many), "--max-chars", "1000", "--max-claims", "100")
    with pytest.raises(CommandError, match=r"2269 bytes, over the limit of 100 characters"):  # not even read
        run(str(many), "--max-chars", "100")
    # A run-on sentence is cut as ingestion cuts it.
    runon = tmp_path / "runon.txt"
    runon.write_text("The council said " + ", and ".join(f"item {i} was approved" for i in range(40)) + ".", encoding="utf-8")
    parts = json.loads(run(str(runon), "--json", "--max-claim-chars", "200"))[str(runon)]
    assert len(parts) > 1 and all(len(p["text"]) <= 200 for p in parts) and "cut: part 1" in parts[0]["reason"]
