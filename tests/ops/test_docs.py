"""The README stays a front page (under 200 lines) and every link in it and in docs/ leads somewhere."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_the_readme_is_a_front_page():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) < 200
    for needed in ("make run", "make test", "/admin/", "docs/"):
        assert needed in text


def test_every_local_link_resolves():
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in LINK.findall(page.read_text()):
            if target.startswith(("http://", "https://", "#", "mailto:")):
                continue
            path = target.split("#", 1)[0]
            if path and not (page.parent / path).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_every_topic_the_issue_names_has_its_page():
    for topic in ("attribution", "workflow", "retrieval", "copies", "checkworthiness", "admin", "api", "publishing",
                  "operations", "security", "settings", "benchmarks", "feeds"):
        page = ROOT / "docs" / f"{topic}.md"
        assert page.exists() and f"docs/{topic}.md" in (ROOT / "README.md").read_text()
