"""gunicorn processes for the HTTP benchmark: started on free loopback ports, always stopped.

Each server runs in a session of its own (start_new_session), so stopping it is one killpg
of the master and its workers, and a Ctrl-C in the terminal reaches the benchmark only,
which then stops them in order.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class ServerError(RuntimeError):
    """A server did not start, or stopped answering."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answer_ms(url: str, timeout: float) -> float | None:
    """Milliseconds until any HTTP answer (an error status counts), or None if none came."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError:
        pass
    except (OSError, urllib.error.URLError):
        return None
    return (time.perf_counter() - started) * 1000


class Gunicorn:
    """One `gunicorn -w N` serving `app` (module:variable) on 127.0.0.1 and a free port."""

    def __init__(self, name: str, app: str, environment: dict[str, str], workers: int, log: Path):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "120",  # a slow page must not get its worker killed mid-measurement
            app,
        ]
        with log.open("w") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_ready(self, path: str = "/", seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"{self.name} exited {self.process.returncode}:\n{self.tail()}")
            if _answer_ms(self.base + path, timeout=2) is not None:
                return
            time.sleep(0.3)
        raise ServerError(f"{self.name} did not answer within {seconds:.0f} s:\n{self.tail()}")

    def settle(self, path: str, quick_ms: float, seconds: float = 90) -> bool:
        """Wait until the workers are idle again; False if they still seemed busy at the end.

        wrk stops with requests still queued in the listen backlog; the workers serve them
        to closed sockets for a while (seconds, for a 1-second page), which would slow the
        next measurement down. A cheap request answered quickly means the queue is gone.
        """
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.check_alive()
            answered = _answer_ms(self.base + path, timeout=seconds)
            if answered is not None and answered < quick_ms:
                return True
            time.sleep(0.2)
        return False

    def idle_ms(self, path: str, repeats: int = 5) -> float:
        """The median time of a cheap request while nothing else is asked of the server."""
        times = [_answer_ms(self.base + path, timeout=30) for _ in range(repeats)]
        answered = sorted(t for t in times if t is not None)
        if not answered:
            raise ServerError(f"{self.name} does not answer {path}:\n{self.tail()}")
        return answered[len(answered) // 2]

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise ServerError(f"{self.name} exited {self.process.returncode}:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """SIGTERM to the whole process group; SIGKILL if it is still there after 20 s."""
        try:  # the whole group, even if the master is gone: no worker outlives the bench
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
