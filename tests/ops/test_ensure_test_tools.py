"""`make test` on a fresh clone installs chromium and docker-compose where it can, or fails in one line (issue 17)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
spec = importlib.util.spec_from_file_location("ensure_test_tools", ROOT / "scripts" / "ensure_test_tools.py")
tools = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tools)


class FakeSystem:
    def __init__(self, installed=(), apt=True):
        self.installed = set(installed)
        self.apt = apt
        self.installs = []

    def exists(self, path):
        return path == tools.CHROMIUM and "chromium" in self.installed

    def which(self, name):
        if name == "apt-get":
            return "/usr/bin/apt-get" if self.apt else None
        return f"/usr/bin/{name}" if name in self.installed else None

    def install(self, packages):
        self.installs.append(packages)
        self.installed |= set(packages)


def run(system, environ=None, euid=0):
    return tools.main(environ=environ or {}, exists=system.exists, which=system.which, euid=euid, install=system.install)


def test_installs_what_is_missing_as_root_with_apt():
    system = FakeSystem(installed={"docker-compose"})
    assert run(system) == 0 and system.installs == [["chromium"]]


def test_fails_in_one_line_naming_what_is_missing_and_the_flag(capsys):
    system = FakeSystem(apt=False)
    assert run(system) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "chromium and docker-compose missing" in err and "SKIP_TOOL_TESTS=1" in err


def test_not_root_cannot_install(capsys):
    system = FakeSystem()
    assert run(system, euid=1000) == 1 and system.installs == []


def test_the_flag_skips_on_purpose():
    assert run(FakeSystem(apt=False), environ={"SKIP_TOOL_TESTS": "1"}) == 0


def test_nothing_to_do_when_both_are_there():
    system = FakeSystem(installed={"chromium", "docker-compose"})
    assert run(system) == 0 and system.installs == []


def test_make_test_runs_it():
    assert "scripts/ensure_test_tools.py" in (ROOT / "Makefile").read_text()
