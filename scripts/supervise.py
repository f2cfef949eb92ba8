"""Run the processes of a Procfile in the foreground, and stop them all on Ctrl-C.

    python scripts/supervise.py [Procfile]

`make run` uses it for web, worker and beat. Each line `name: command` is started with
`sh -c "exec command"` in its own session, so a Ctrl-C in the terminal reaches this
supervisor only (never a Celery pool process directly, which the worker would respawn).
Their output is prefixed with the name and written to stdout. On SIGINT or SIGTERM, or
when any process exits by itself, every process gets SIGTERM once (a warm shutdown for
the Celery worker: it finishes its running tasks); whatever is still running after
SUPERVISE_GRACE_SECONDS (10) is SIGKILLed with its whole process group. A second Ctrl-C
kills at once.

Output never decides whether shutdown happens: when stdout goes away (`make run | tee
log`, then Ctrl-C kills tee first), writes stop and supervision goes on.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

GRACE_SECONDS = float(os.environ.get("SUPERVISE_GRACE_SECONDS", "10"))


class Output:
    """stdout that may disappear: once a write fails, everything else is dropped."""

    def __init__(self, fd: int = 1):
        self.fd = fd
        self.gone = False

    def write(self, data: bytes) -> None:
        if self.gone:
            return
        try:
            while data:
                data = data[os.write(self.fd, data):]
        except OSError:  # EPIPE (the reader went away), EIO (the terminal closed), ...
            self.gone = True


def read_procfile(path: Path) -> list[tuple[str, str]]:
    entries = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, command = line.partition(":")
            entries.append((name.strip(), command.strip()))
    return entries


class Supervisor:
    def __init__(self, entries: list[tuple[str, str]], *, grace: float = GRACE_SECONDS, out: Output | None = None):
        self.entries = entries
        self.grace = grace
        self.out = out or Output()
        self.width = max(len(name) for name in ["system", *(name for name, _ in entries)])
        self.procs: dict[str, subprocess.Popen] = {}
        self.buffers: dict[str, bytes] = {}
        self.stop_requested = 0  # signals received
        self.selector = selectors.DefaultSelector()

    def say(self, name: str, text: str) -> None:
        self.out.write(f"{time.strftime('%H:%M:%S')} {name.ljust(self.width)} | {text}\n".encode())

    def _on_signal(self, signum, frame) -> None:  # no output here: the handler must not fail
        self.stop_requested += 1

    def start(self) -> None:
        for name, command in self.entries:
            proc = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {command}"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
            self.procs[name] = proc
            self.buffers[name] = b""
            os.set_blocking(proc.stdout.fileno(), False)
            self.selector.register(proc.stdout, selectors.EVENT_READ, name)
            self.say("system", f"{name} started (pid {proc.pid})")

    def _pump(self, timeout: float) -> None:
        for key, _ in self.selector.select(timeout):
            name = key.data
            try:
                chunk = os.read(key.fileobj.fileno(), 65536)
            except BlockingIOError:
                continue
            if not chunk:
                self.selector.unregister(key.fileobj)
                if self.buffers[name]:
                    self.say(name, self.buffers[name].decode(errors="replace"))
                    self.buffers[name] = b""
                continue
            *lines, self.buffers[name] = (self.buffers[name] + chunk).split(b"\n")
            for line in lines:
                self.say(name, line.decode(errors="replace").rstrip("\r"))

    def _alive(self) -> dict[str, subprocess.Popen]:
        return {name: proc for name, proc in self.procs.items() if proc.poll() is None}

    def _signal(self, proc: subprocess.Popen, sig: int, *, group: bool) -> None:
        try:
            os.killpg(proc.pid, sig) if group else os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGHUP, self._on_signal)
        self.start()
        exited_first = None
        while not self.stop_requested:
            self._pump(0.2)
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    exited_first = (name, proc.returncode)
                    break
            if exited_first:
                self.say("system", f"{exited_first[0]} exited with code {exited_first[1]}: stopping the others")
                break
        self.shutdown()
        if exited_first and not self.stop_requested:
            return exited_first[1] or 1
        return 0

    def shutdown(self) -> None:
        self.say("system", f"stopping (SIGTERM, up to {self.grace:g} s, then SIGKILL)")
        first_signals = self.stop_requested
        for proc in self._alive().values():
            self._signal(proc, signal.SIGTERM, group=False)  # the main process: a warm shutdown
        deadline = time.monotonic() + self.grace
        while self._alive() and time.monotonic() < deadline and self.stop_requested <= max(first_signals, 1):
            self._pump(0.1)
        for name, proc in self._alive().items():
            self.say("system", f"{name} still running: killing it")
            self._signal(proc, signal.SIGKILL, group=True)
        for proc in self.procs.values():
            proc.wait()
            self._signal(proc, signal.SIGKILL, group=True)  # leftovers of its group (a stuck pool child)
        drain_until = time.monotonic() + 2  # the last lines; a pipe held by a stray process is not waited for
        while self.selector.get_map() and time.monotonic() < drain_until:
            self._pump(0.05)
        for name, proc in self.procs.items():
            self.say("system", f"{name} stopped (code {proc.returncode})")


def main(argv: list[str]) -> int:
    procfile = Path(argv[1] if len(argv) > 1 else "Procfile")
    return Supervisor(read_procfile(procfile)).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
