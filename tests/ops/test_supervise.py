"""scripts/supervise.py (what `make run` starts): Ctrl-C stops every process, whatever stdout is.

Real subprocesses throughout: the supervisor writes into a pipe whose reader is already
closed (`make run | tee log` after tee died), and still stops web, worker and beat: the
worker with a warm shutdown (SIGTERM, its running work finished, its pool child gone),
a process that ignores SIGTERM by SIGKILL after the bounded wait.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SUPERVISE = ROOT / "scripts" / "supervise.py"

FAKES = {
    # A worker with a pool child; SIGTERM to it (only) is a warm shutdown that takes a moment.
    "worker": """
        import os, signal, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        open("worker.pids", "w").write(f"{os.getpid()} {child.pid}")
        def warm(*_):
            time.sleep(0.5)
            child.terminate(); child.wait()
            open("worker.warm", "w").write("finished its tasks")
            sys.exit(0)
        signal.signal(signal.SIGTERM, warm)
        signal.signal(signal.SIGINT, lambda *_: open("worker.sigint", "w").write("pool would be respawned"))
        print("worker ready", flush=True)
        while True:
            print("worker busy", flush=True); time.sleep(0.05)
    """,
    "beat": """
        import os, signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # stuck: only SIGKILL stops it
        open("beat.pids", "w").write(str(os.getpid()))
        print("beat ready", flush=True)
        time.sleep(300)
    """,
    "web": """
        import os, time
        open("web.pids", "w").write(str(os.getpid()))
        print("web ready", flush=True)
        time.sleep(300)
    """,
}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.fixture
def procfile(tmp_path):
    lines = []
    for name, code in FAKES.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(code))
        lines.append(f"{name}: {sys.executable} {name}.py")
    (tmp_path / "Procfile").write_text("\n".join(lines) + "\n")
    return tmp_path


def pids(folder: Path) -> list[int]:
    return [int(pid) for name in FAKES for pid in (folder / f"{name}.pids").read_text().split()]


def wait_for(check, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def start(procfile, grace: float):
    env = {**os.environ, "SUPERVISE_GRACE_SECONDS": str(grace)}
    proc = subprocess.Popen([sys.executable, str(SUPERVISE), "Procfile"], cwd=procfile, stdout=subprocess.PIPE, env=env)
    assert wait_for(lambda: all((procfile / f"{name}.pids").exists() for name in FAKES)), "the three did not start"
    return proc


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_all_three_even_when_stdout_is_a_closed_pipe(procfile, sig):
    proc = start(procfile, grace=2)
    proc.stdout.close()  # the reader is gone: every write from now on is EPIPE
    time.sleep(0.3)  # the worker keeps printing into it
    started = time.monotonic()
    proc.send_signal(sig)
    assert proc.wait(timeout=15) == 0
    assert time.monotonic() - started < 2 + 3  # the bounded wait, then SIGKILL
    assert wait_for(lambda: not any(alive(pid) for pid in pids(procfile)), 5), "a process or pool child survived"
    assert (procfile / "worker.warm").exists()  # SIGTERM: a warm shutdown, not a kill
    assert not (procfile / "worker.sigint").exists()  # Ctrl-C reaches the supervisor only


def test_output_is_prefixed_and_a_process_that_exits_stops_the_others(tmp_path):
    (tmp_path / "Procfile").write_text(
        f"short: {sys.executable} -c \"print('bye'); raise SystemExit(3)\"\nlong: {sys.executable} -c \"import time; time.sleep(300)\"\n"
    )
    result = subprocess.run([sys.executable, str(SUPERVISE), "Procfile"], cwd=tmp_path, capture_output=True, timeout=30)
    out = result.stdout.decode()
    assert result.returncode == 3
    assert "short  | bye" in out and "short exited with code 3: stopping the others" in out and "long stopped" in out


def test_make_run_uses_the_supervisor_not_honcho():
    makefile = (ROOT / "Makefile").read_text()
    assert "scripts/supervise.py" in makefile and "honcho" not in makefile
    assert "honcho" not in (ROOT / "requirements.txt").read_text()
