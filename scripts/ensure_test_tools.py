"""Make sure the tools the browser and compose tests need are installed, before `make test`.

Debian's chromium (Playwright drives it by path: never `playwright install`, which
downloads) and docker-compose (validates docker-compose.yml without an engine). A
missing one is installed with apt-get where that is possible (root, Debian), as .ci/run
does. Otherwise this prints one line naming what is missing and how to skip those tests
on purpose (SKIP_TOOL_TESTS=1), and exits 1: a fresh clone never silently skips them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable

CHROMIUM = "/usr/bin/chromium"  # the path tests/e2e launches
SKIP_FLAG = "SKIP_TOOL_TESTS"


def missing_tools(*, exists: Callable[[str], bool] = os.path.exists, which: Callable[[str], str | None] = shutil.which) -> list[str]:
    missing = []
    if not exists(CHROMIUM):
        missing.append("chromium")
    if not which("docker-compose"):
        missing.append("docker-compose")
    return missing


def can_apt_install(*, which=shutil.which, euid: int | None = None) -> bool:
    return (os.geteuid() if euid is None else euid) == 0 and bool(which("apt-get"))


def apt_install(packages: list[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"installing {', '.join(packages)} with apt-get", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env, check=False)


def main(*, environ=os.environ, exists=os.path.exists, which=shutil.which, euid=None, install=apt_install) -> int:
    if environ.get(SKIP_FLAG, "") not in ("", "0"):
        print(f"{SKIP_FLAG} is set: the browser and docker-compose tests are skipped on purpose")
        return 0
    missing = missing_tools(exists=exists, which=which)
    if missing and can_apt_install(which=which, euid=euid):
        install(missing)
        missing = missing_tools(exists=exists, which=which)
    if missing:
        print(
            f"make test: {' and '.join(missing)} missing (install with apt-get as root), "
            f"or run `make test {SKIP_FLAG}=1` to skip the browser and compose tests on purpose",
            file=sys.stderr,
        )
        return 1
    print("tools ok: chromium and docker-compose")
    return 0


if __name__ == "__main__":
    sys.exit(main())
