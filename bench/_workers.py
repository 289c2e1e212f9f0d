"""Processes the benchmarks start and measure: two solo Celery workers on a queue of
their own, each in its own process group, and CPU time read from /proc (Linux)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_workers(env: dict, *, queue: str, name: str, count: int = 2) -> list[subprocess.Popen]:
    command = [sys.executable, "-m", "celery", "-A", "tracker", "worker", "--pool", "solo", "-Q", queue]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"]
    return [
        subprocess.Popen([*command, "-n", f"{name}{i}@%h"], cwd=ROOT, env=env, start_new_session=True)
        for i in range(count)
    ]


def stop(workers: list[subprocess.Popen]) -> None:
    """SIGTERM each worker's group, then SIGKILL what is left after 20 s."""
    for w in workers:
        if w.poll() is None:
            os.killpg(w.pid, signal.SIGTERM)
    for w in workers:
        try:
            w.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(w.pid, signal.SIGKILL)
            w.wait()


def _stat(path: Path) -> list[str] | None:
    try:
        return path.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None  # the process ended meanwhile


def _seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    fields = _stat(Path(f"/proc/{pid}/stat"))
    return _seconds(fields) if fields else 0.0


def children_cpu_seconds(parent: int) -> float:
    """User + system CPU time so far of the processes whose parent is `parent` (a
    gunicorn master's workers)."""
    total = 0.0
    for path in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(path)
        if fields and int(fields[1]) == parent:  # ppid
            total += _seconds(fields)
    return total
