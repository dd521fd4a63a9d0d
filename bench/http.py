"""What a user waits for: refnet's hot pages through HTTP, beside a bare Flask baseline.

    python -m bench.http --database-url postgresql://postgres@127.0.0.1:5432/refnet_bench_http \
        [--fresh] [--runs 3] [--seconds 5]

Builds the benchmark network (10,000 members, 1,000,000 referrals, seed 7, with
`flask demo-data`, then VACUUM ANALYZE) when the database is empty or with --fresh, and
reuses it otherwise. Starts refnet under `gunicorn -w 2` and the bare baseline
(bench/bare_inbox.py: the same receiver's 25 inbox rows from one SQL join) under
`gunicorn -w 2` too, signs the demo users in through the login form, and drives each page
with `wrk -t2 -c16` for --seconds, --runs times. A third refnet server (one worker,
COUNT_STATEMENTS=1) answers one request per page for its SQL statement count, so the
measured servers do not count anything.

Prints a table of medians (req/s, p50, p99, ratio to the bare route's req/s in the same
run, answers other than 2xx, single-request time and HTML size, statements), the goals
met or missed, and writes it all as JSON under bench/results/. Exits non-zero on errors
(a page that is not a 200, a server that dies), never because a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.demo.logins import DEMO_PASSWORD
from bench.generate import recreate_database
from bench.servers import ROOT, Gunicorn, ServerError
from bench.wrk import Wrk, WrkError, WrkRun, ensure_wrk

RESULTS = Path(__file__).resolve().parent / "results"
RECEIVER = "cardiology@refnet.example"
COORDINATOR = "coordinator@refnet.example"
ADMIN = "admin@refnet.example"
USER_AGENT = "refnet-bench"  # sessions are bound to the address and the User-Agent
SINGLE_REPEATS = 5
GOALS = {"api_ratio": 0.70, "inbox_ratio": 0.50, "p99_ms": 250, "referral_ms": 50}
REFERRAL_MAX_BYTES = 60_000


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    path: str
    auth: str | None  # a login's e-mail, "token", or None (the bare route)


class BenchError(RuntimeError):
    """Something the benchmark cannot go on without."""


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_HTTP_DATABASE_URL"),
        help="PostgreSQL database for the network (BENCH_HTTP_DATABASE_URL)",
    )
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the network")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per page (medians)")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--timeout", type=int, default=10, help="wrk's time-out per request (s)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--pages",
        help="only these pages, comma-separated: inbox,api,referral,coordinator,admin,member",
    )
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or set BENCH_HTTP_DATABASE_URL")
    args.database_url = re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", args.database_url)
    if not args.database_url.startswith("postgresql://"):
        parser.error("the HTTP benchmark runs on PostgreSQL: give a postgresql:// URL")
    if args.runs < 1 or args.seconds < 1:
        parser.error("--runs and --seconds must be at least 1")
    return args


# -- the network ----------------------------------------------------------------------------


def _flask(url: str, *arguments: str, capture: bool = False) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *arguments],
        cwd=ROOT,
        env=_environment(url),
        capture_output=capture,
        text=True,
    )
    if done.returncode:
        detail = (done.stderr or done.stdout or "").strip()[-800:] if capture else ""
        raise BenchError(f"flask {' '.join(arguments)} exited {done.returncode} {detail}")
    return done.stdout or ""


def _environment(url: str, **extra: str) -> dict[str, str]:
    environment = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi"}
    environment.pop("MAIL_SERVER", None)  # never send mail from a benchmark
    environment.pop("COUNT_STATEMENTS", None)
    environment.update(extra)
    return environment


def _network_size(url: str) -> tuple[int, int] | None:
    """(members, referrals), or None when the database is missing or holds no network."""
    try:
        connection = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    with connection:
        if connection.execute("SELECT to_regclass('network')").fetchone()[0] is None:
            return None
        if not connection.execute("SELECT count(*) FROM network").fetchone()[0]:
            return None
        members = connection.execute("SELECT count(*) FROM member").fetchone()[0]
        referrals = connection.execute("SELECT count(*) FROM referral").fetchone()[0]
        return members, referrals


def build_or_reuse(args: argparse.Namespace, console: Console) -> None:
    size = None if args.fresh else _network_size(args.database_url)
    if size is not None:
        if size != (args.members, args.referrals):
            raise BenchError(
                f"the database holds {size[0]:,} members and {size[1]:,} referrals, not "
                f"{args.members:,} and {args.referrals:,}: run again with --fresh to rebuild it"
            )
        console.log(f"Reusing the network: {size[0]:,} members, {size[1]:,} referrals")
        # A network built by an older refnet gets the newer migrations (and their backfills).
        _flask(args.database_url, "db", "upgrade", capture=True)
        with psycopg.connect(args.database_url, autocommit=True) as connection:
            connection.execute("ANALYZE")
        return
    console.log(f"Building the network: {args.members:,} members, {args.referrals:,} referrals")
    started = time.perf_counter()
    # An empty database: recreated, so a half-built one from an interrupted run goes too.
    recreate_database(args.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    _flask(args.database_url, "db", "upgrade", capture=True)
    _flask(
        args.database_url,
        "demo-data",
        f"--members={args.members}",
        f"--referrals={args.referrals}",
        f"--seed={args.seed}",
    )
    console.log("VACUUM ANALYZE")
    with psycopg.connect(args.database_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    console.log(f"Built in {time.perf_counter() - started:.0f} s")


def _facts(url: str) -> dict:
    """Who and what the pages show: the receiver's member, its newest referral in `sent`."""
    with psycopg.connect(url, autocommit=True) as connection:

        def one(sql: str, *params):
            row = connection.execute(sql, params).fetchone()
            return row[0] if row else None

        receiver_id = one(
            "SELECT um.member_id FROM user_account u JOIN user_member um ON um.user_id = u.id "
            "WHERE u.email = %s ORDER BY um.member_id LIMIT 1",
            RECEIVER,
        )
        if receiver_id is None:
            raise BenchError(f"no member for {RECEIVER}: is this the demo network?")
        referral_id = one(
            "SELECT id FROM referral WHERE receiver_id = %s AND status = 'sent' "
            "ORDER BY sent_at DESC, id DESC LIMIT 1",
            receiver_id,
        )
        if referral_id is None:
            raise BenchError(f"member {receiver_id} has received no referral in status sent")
        return {
            "receiver_id": receiver_id,
            "referral_id": referral_id,
            "receiver_referrals": one(
                "SELECT count(*) FROM referral WHERE receiver_id = %s", receiver_id
            ),
            "members": one("SELECT count(*) FROM member"),
            "referrals": one("SELECT count(*) FROM referral"),
            "postgresql": one("SHOW server_version"),
        }


def pages(facts: dict, only: str | None) -> list[Page]:
    every = [
        Page("inbox", "inbox page", "/referrals/?box=inbox", RECEIVER),
        Page("api", "GET /api/v1/referrals?box=inbox", "/api/v1/referrals?box=inbox", "token"),
        Page("referral", "referral page (sent)", f"/referrals/{facts['referral_id']}", RECEIVER),
        Page("coordinator", "coordinator dashboard", "/dashboard", COORDINATOR),
        Page("admin", "admin dashboard", "/dashboard", ADMIN),
        Page("member", "member profile", f"/members/{facts['receiver_id']}", RECEIVER),
    ]
    if not only:
        return every
    wanted = {name.strip() for name in only.split(",") if name.strip()}
    unknown = wanted - {page.key for page in every}
    if unknown:
        raise BenchError(f"unknown page(s) {', '.join(sorted(unknown))}")
    return [page for page in every if page.key in wanted]


# -- signing in -----------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(base: str, email: str) -> str:
    """The session cookie of `email`, signed in through the login form with its CSRF token."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    form = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    if token is None:
        raise BenchError("no CSRF token on /login")
    fields = {"csrf_token": token.group(1), "email": email, "password": DEMO_PASSWORD}
    try:
        landed = opener.open(
            base + "/login", data=urllib.parse.urlencode(fields).encode(), timeout=60
        )
    except urllib.error.HTTPError as exc:
        raise BenchError(f"signing in {email} answered {exc.code}") from exc
    if "/login" in landed.geturl():
        raise BenchError(f"signing in {email} did not work: still on {landed.geturl()}")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def _headers(page: Page, credentials: dict[str | None, str]) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT}
    if page.auth == "token":
        headers["Authorization"] = f"Bearer {credentials['token']}"
    elif page.auth:
        headers["Cookie"] = credentials[page.auth]
    return headers


def fetch(url: str, headers: dict[str, str]) -> tuple[float, bytes, dict[str, str]]:
    """One GET: milliseconds, body, headers. Anything but a 200 stops the benchmark."""
    opener = urllib.request.build_opener(_NoRedirect)
    started = time.perf_counter()
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=120) as response:
            body = response.read()
            status, answer = response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        status, answer, body = exc.code, dict(exc.headers), b""
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        where = answer.get("Location", "")
        hint = " (the session cookie was not accepted)" if "/login" in where else ""
        raise BenchError(f"GET {url} answered {status} {where}{hint}")
    return elapsed, body, answer


# -- measuring ------------------------------------------------------------------------------


def single(base: str, counting: str, page: Page, credentials: dict) -> dict:
    """Median time of SINGLE_REPEATS requests after a warm one, size, statement count."""
    url, headers = base + page.path, _headers(page, credentials)
    fetch(url, headers)
    times, size = [], 0
    for _ in range(SINGLE_REPEATS):
        elapsed, body, _answer = fetch(url, headers)
        times.append(elapsed)
        size = len(body)
    statements = None
    if counting:
        _elapsed, _body, answer = fetch(counting + page.path, headers)
        statements = int(answer.get("X-Statement-Count", -1))
    return {"single_ms": statistics.median(times), "bytes": size, "statements": statements}


def _run_figures(run: WrkRun, bare_rps: float | None) -> dict:
    return {
        "rps": run.requests_per_second,
        "p50_ms": run.p50_ms,
        "p99_ms": run.p99_ms,
        "max_ms": run.max_ms,
        "requests": run.requests,
        "not_2xx": run.not_2xx,
        "timeouts": run.timeouts,
        "socket_errors": run.socket_errors,
        "statuses": run.statuses,
        "ratio": run.requests_per_second / bare_rps if bare_rps else None,
    }


def summarise(runs: list[dict]) -> dict:
    def median(key):
        values = [run[key] for run in runs if run[key] is not None]
        return statistics.median(values) if values else None

    return {
        **{key: median(key) for key in ("rps", "p50_ms", "p99_ms", "ratio", "requests")},
        **{key: sum(run[key] for run in runs) for key in ("not_2xx", "timeouts")},
        "socket_errors": sum(run["socket_errors"] for run in runs),
        "runs": runs,
    }


def goals(results: dict) -> list[tuple[str, bool | None]]:
    """Each goal of issue 8 and whether it holds (None: the page was not measured)."""

    def got(key: str, field: str):
        return results.get(key, {}).get(field)

    checks = [
        (f"API list ≥ {GOALS['api_ratio']:.2f} of bare", got("api", "ratio"), GOALS["api_ratio"]),
        (
            f"inbox ≥ {GOALS['inbox_ratio']:.2f} of bare",
            got("inbox", "ratio"),
            GOALS["inbox_ratio"],
        ),
    ]
    held = [(name, None if value is None else value >= bar) for name, value, bar in checks]
    for key, figures in results.items():
        if key != "bare":
            slow = figures["p99_ms"] >= GOALS["p99_ms"] or figures["timeouts"] > 0
            held.append((f"{figures['label']}: p99 < {GOALS['p99_ms']} ms", not slow))
    if "referral" in results:
        referral = results["referral"]
        held.append(
            (
                f"referral page ≤ {GOALS['referral_ms']} ms",
                referral["single_ms"] <= GOALS["referral_ms"],
            )
        )
        held.append(("referral page < 60 KB", referral["bytes"] < REFERRAL_MAX_BYTES))
    return held


# -- the run --------------------------------------------------------------------------------


def _table(results: dict) -> str:
    lines = [
        "| request | req/s | p50 | p99 | vs bare | answers/run | non-2xx | single | HTML "
        "| statements |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for figures in results.values():
        ratio = "1.00" if figures["key"] == "bare" else f"{figures['ratio']:.2f}"
        late = f" (+{figures['timeouts']} > time-out)" if figures["timeouts"] else ""
        statements = "1" if figures["key"] == "bare" else str(figures["statements"])
        lines.append(
            f"| {figures['label']} | {figures['rps']:.1f} | {figures['p50_ms']:.0f} ms | "
            f"{figures['p99_ms']:.0f} ms{late} | {ratio} | {figures['requests']:.0f} | "
            f"{figures['not_2xx']} | "
            f"{figures['single_ms']:.1f} ms | {figures['bytes'] / 1024:.1f} KB | {statements} |"
        )
    return "\n".join(lines)


def _machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu": model or platform.machine(),
        "python": platform.python_version(),
        "commit": commit,
    }


def _stop_on_signals() -> None:
    """SIGTERM and SIGHUP end the run like Ctrl-C does: through the `finally` that stops
    the servers."""

    def stop(signum, _frame):
        print(f"bench.http: signal {signum}, stopping the servers", file=sys.stderr)
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    # Also when started in the background, where the shell leaves SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)


def measure(args: argparse.Namespace, console: Console, stack: ExitStack) -> dict:
    wrk = Wrk(
        ensure_wrk(console.log),
        threads=args.threads,
        connections=args.connections,
        seconds=args.seconds,
        timeout=args.timeout,
    )
    stack.callback(wrk.close)
    build_or_reuse(args, console)
    facts = _facts(args.database_url)
    chosen = pages(facts, args.pages)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    RESULTS.mkdir(exist_ok=True)
    secret = secrets.token_hex(32)
    # Sessions end after IDLE_TIMEOUT: wrk replays one cookie, so give the run a day.
    app_env = _environment(args.database_url, SECRET_KEY=secret, IDLE_TIMEOUT_MINUTES="1440")

    def server(name: str, app: str, environment: dict, workers: int) -> Gunicorn:
        started = Gunicorn(name, app, environment, workers, RESULTS / f"http-{stamp}-{name}.log")
        stack.callback(started.stop)
        return started

    console.log(
        f"Starting refnet, the statement counter and the bare route (gunicorn -w {args.workers})"
    )
    refnet = server("refnet", "wsgi:app", app_env, args.workers)
    counting = server("counting", "wsgi:app", {**app_env, "COUNT_STATEMENTS": "1"}, 1)
    bare_env = {
        **os.environ,
        "BARE_DATABASE_URL": args.database_url,
        "BARE_RECEIVER_ID": str(facts["receiver_id"]),
    }
    bare = server("bare", "bench.bare_inbox:app", bare_env, args.workers)
    for started, path in ((refnet, "/login"), (counting, "/login"), (bare, "/")):
        started.wait_ready(path)
    # A server is idle again once its cheap page answers about as fast as it does at rest.
    cheap = {refnet: "/login", bare: "/"}
    quick = {target: max(100.0, 5 * target.idle_ms(path)) for target, path in cheap.items()}

    console.log("Signing in the demo users; an API token for the receiver")
    credentials: dict = {
        email: sign_in(refnet.base, email) for email in (RECEIVER, COORDINATOR, ADMIN)
    }
    credentials["token"] = (
        _flask(
            args.database_url,
            "tokens",
            "create",
            "--user",
            RECEIVER,
            "--name",
            "bench.http",
            capture=True,
        )
        .strip()
        .splitlines()[-1]
    )

    bare_page = Page("bare", "bare route (baseline)", "/", None)
    results: dict = {"bare": {"key": "bare", "label": bare_page.label}}
    results["bare"].update(single(bare.base, "", bare_page, credentials))
    for page in chosen:
        console.log(f"One request at a time: {page.label}")
        results[page.key] = {"key": page.key, "label": page.label, "path": page.path}
        results[page.key].update(single(refnet.base, counting.base, page, credentials))
    counting.stop()  # it has answered; its worker should not take CPU from the runs

    runs: dict[str, list[dict]] = {key: [] for key in results}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("wrk", total=args.runs * (len(chosen) + 1))
        for number in range(1, args.runs + 1):
            bare_rps = None
            for page in (bare_page, *chosen):
                target = bare if page is bare_page else refnet
                progress.update(task, description=f"run {number}/{args.runs}: {page.label}")
                run, text = wrk.run(target.base + page.path, _headers(page, credentials))
                target.check_alive()
                figures = _run_figures(run, bare_rps)
                figures["wrk"] = text
                if page is bare_page:
                    bare_rps = run.requests_per_second
                runs[page.key].append(figures)
                if run.not_2xx:
                    raise BenchError(
                        f"{page.label}: {run.not_2xx} answers were not 2xx ({run.statuses}); "
                        "a 302 means the session was not accepted"
                    )
                if not target.settle(cheap[target], quick[target]):
                    console.log(f"[yellow]{target.name} still busy after {page.label}[/]")
                progress.advance(task)
    for key, figures in results.items():
        figures.update(summarise(runs[key]))
    return {
        "benchmark": "http",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {
            key: getattr(args, key)
            for key in ("runs", "seconds", "timeout", "connections", "threads", "workers", "seed")
        },
        "network": facts,
        "machine": _machine(),
        "load_average": os.getloadavg(),
        "stamp": stamp,
        "results": results,
    }


def main() -> int:
    args = _arguments()
    console = Console(stderr=True)
    _stop_on_signals()
    load_before = os.getloadavg()[0]
    try:
        with ExitStack() as stack:
            report = measure(args, console, stack)
    except (BenchError, ServerError, WrkError, psycopg.OperationalError) as exc:
        console.print(f"[bold red]bench.http failed:[/] {exc}")
        return 1
    except KeyboardInterrupt:
        console.print("[red]interrupted: servers stopped[/]")
        return 130
    report["load_average_before"] = round(load_before, 2)
    path = RESULTS / f"http-{report['stamp']}.json"
    path.write_text(json.dumps(report, indent=2))
    facts, machine = report["network"], report["machine"]
    print(
        f"\n{facts['members']:,} members, {facts['referrals']:,} referrals; receiver member "
        f"{facts['receiver_id']} ({facts['receiver_referrals']:,} received), referral "
        f"{facts['referral_id']}; PostgreSQL {facts['postgresql']}\n"
        f"{machine['cpus']} CPUs ({machine['cpu']}), commit {machine['commit']}, {report['at']}; "
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s --timeout {args.timeout}s, "
        f"gunicorn -w {args.workers}; medians of {args.runs} runs; "
        f"load average {load_before:.1f} → {report['load_average'][0]:.1f}\n"
    )
    print(_table(report["results"]))
    print("\nGoals (issue 8):")
    for name, held in goals(report["results"]):
        print(f"  {'n/a   ' if held is None else 'met   ' if held else 'MISSED'}  {name}")
    console.print(f"\nJSON and server logs: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
