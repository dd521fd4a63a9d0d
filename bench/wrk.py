"""Drive one URL with wrk (Debian's package) and read its figures back as JSON.

A small Lua script counts the answers by status code in every wrk thread and prints the
totals and the latency percentiles as one JSON line in `done()`: wrk's own text counts
only 4xx and 5xx as errors, and a 302 to /login must count as a failure here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MARK = "BENCH-JSON "
SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do counts[code] = (counts[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(counts) do table.insert(parts, string.format('"%d": %d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    'MARK{"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, '
    .. '"statuses": {%s}}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout,
    table.concat(parts, ", ")))
end
""".replace("MARK", MARK)


class WrkError(RuntimeError):
    """wrk is missing, could not run, or printed nothing we can read."""


@dataclass
class WrkRun:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    timeouts: int  # answers slower than --timeout: not in the percentiles
    socket_errors: int  # connect, read and write errors
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def not_2xx(self) -> int:
        return sum(n for code, n in self.statuses.items() if not 200 <= code < 300)


def ensure_wrk(say) -> str:
    """wrk's path; installs Debian's package first when it is missing (needs root)."""
    found = shutil.which("wrk")
    if found:
        return found
    say("wrk is missing: apt-get update && apt-get install wrk")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        done = subprocess.run(command, env=environment, capture_output=True, text=True)
        if done.returncode:
            raise WrkError(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    found = shutil.which("wrk")
    if not found:
        raise WrkError("wrk is still not installed after apt-get install wrk")
    return found


class Wrk:
    """wrk with fixed threads, connections, duration and time-out, and the counting script."""

    def __init__(
        self, executable: str, *, threads: int, connections: int, seconds: int, timeout: int
    ):
        self.executable = executable
        self.options = [
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            f"{timeout}s",
            "--latency",
        ]
        self._directory = tempfile.TemporaryDirectory(prefix="refnet-bench-wrk-")
        self.script = Path(self._directory.name) / "count.lua"
        self.script.write_text(SCRIPT)
        self.seconds = seconds
        self.timeout = timeout

    def close(self) -> None:
        self._directory.cleanup()

    def run(self, url: str, headers: dict[str, str]) -> tuple[WrkRun, str]:
        """One bounded run against `url`; the figures and wrk's own text output."""
        if not url.startswith("http://127.0.0.1:"):
            raise WrkError(f"wrk drives loopback addresses only, not {url}")
        command = [self.executable, *self.options, "-s", str(self.script)]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        done = subprocess.run(
            [*command, url],
            capture_output=True,
            text=True,
            timeout=self.seconds + self.timeout + 60,
        )
        line = next((x for x in done.stdout.splitlines() if x.startswith(MARK)), None)
        if done.returncode or line is None:
            raise WrkError(f"wrk {url} exited {done.returncode}: {done.stderr or done.stdout}")
        figures = json.loads(line[len(MARK) :])
        seconds = figures["duration_us"] / 1e6
        run = WrkRun(
            requests_per_second=figures["requests"] / seconds if seconds else 0.0,
            p50_ms=figures["p50_us"] / 1000,
            p99_ms=figures["p99_us"] / 1000,
            max_ms=figures["max_us"] / 1000,
            requests=figures["requests"],
            timeouts=figures["timeout"],
            socket_errors=figures["connect"] + figures["read"] + figures["write"],
            statuses={int(code): n for code, n in figures["statuses"].items()},
        )
        text = "\n".join(x for x in done.stdout.splitlines() if not x.startswith(MARK))
        return run, text
