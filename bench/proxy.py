"""nginx (Debian's package) as the reverse proxy of the topology benchmark: started in the
foreground with a configuration of its own under a temporary directory, on loopback only,
always stopped. Installed with apt-get when missing (needs root), as bench/wrk.py does wrk."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from bench.servers import ServerError, _answer_ms, free_port

CONFIG = """
worker_processes 1;
daemon off;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    client_max_body_size 70m;
{upstreams}
{servers}
}}
"""
UPSTREAM = """    upstream {name} {{
{members}
    }}"""
# What refnet's operations guide asks of the proxy: the client's address and scheme, the
# original Host, a request id; gunicorn's sync workers answer one request per connection.
SERVER = """    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{name};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
            proxy_read_timeout 120s;
            proxy_buffering {buffering};
        }}
    }}"""


def ensure_nginx(say) -> str:
    found = shutil.which("nginx") or (Path("/usr/sbin/nginx").is_file() and "/usr/sbin/nginx")
    if found:
        return found
    say("nginx is missing: apt-get update && apt-get install nginx")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "nginx"]):
        done = subprocess.run(command, env=environment, capture_output=True, text=True)
        if done.returncode:
            raise ServerError(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    found = shutil.which("nginx") or (Path("/usr/sbin/nginx").is_file() and "/usr/sbin/nginx")
    if not found:
        raise ServerError("nginx is still not installed after apt-get install nginx")
    return found


class Nginx:
    """One nginx: for each name, a loopback port proxying round-robin to its upstreams."""

    def __init__(
        self, executable: str, upstreams: dict[str, list[int]], *, buffering: bool = True
    ) -> None:
        self._directory = tempfile.TemporaryDirectory(prefix="refnet-bench-nginx-")
        root = Path(self._directory.name)
        self.ports = {name: free_port() for name in upstreams}
        self.bases = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        blocks = [
            UPSTREAM.format(
                name=name,
                members="\n".join(f"        server 127.0.0.1:{port};" for port in ports),
            )
            for name, ports in upstreams.items()
        ]
        servers = [
            SERVER.format(port=self.ports[name], name=name, buffering="on" if buffering else "off")
            for name in upstreams
        ]
        user = "user root;" if os.geteuid() == 0 else ""  # its temporary files are ours
        (root / "nginx.conf").write_text(
            CONFIG.format(
                dir=root, user=user, upstreams="\n".join(blocks), servers="\n".join(servers)
            )
        )
        self.log = root / "error.log"
        self.process = subprocess.Popen(
            [executable, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", str(self.log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_ready(self, name: str, path: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"nginx exited {self.process.returncode}: {self.tail()}")
            if _answer_ms(self.bases[name] + path, timeout=5) is not None:
                return
            time.sleep(0.2)
        raise ServerError(f"nginx did not answer within {seconds:.0f} s: {self.tail()}")

    def tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGQUIT)  # graceful: finish, then exit
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._directory.cleanup()
