"""The HTTP benchmark through the production topology: nginx in front of two refnet nodes.

    python -m bench.topology [--database-url postgresql://…/refnet_bench_http] [--runs 2]

Beside the direct servers of bench/http.py (refnet under `gunicorn -w 2`, the bare route
under `gunicorn -w 2`), it starts the same capacity behind a real reverse proxy: nginx
(Debian's package, installed when missing) balancing two refnet nodes (`gunicorn -w 1`
each, one database, throttling in Redis, sessions in the database) and, on a second port
of the same nginx, two bare-route nodes. Each page is driven with wrk on loopback, direct
and through the proxy, each time beside the bare route of the same path; the ratio of
refnet's req/s to the bare route's is what refnet's layers cost, and the proxy must not
change it by more than 15 %. Prints req/s, p50, p99 and both ratios; writes JSON under
bench/results/. Reuses the benchmark network when the database holds one (any size);
otherwise builds a smaller one (--members, --referrals).
"""

from __future__ import annotations

import argparse
import json
import os
import re
from contextlib import ExitStack
from datetime import UTC, datetime

import psycopg
from rich.console import Console

from bench.http import (
    ADMIN,
    COORDINATOR,
    RECEIVER,
    RESULTS,
    BenchError,
    Page,
    _environment,
    _facts,
    _flask,
    _headers,
    _machine,
    _network_size,
    _run_figures,
    _stop_on_signals,
    build_or_reuse,
    pages,
    sign_in,
    summarise,
)
from bench.proxy import Nginx, ensure_nginx
from bench.servers import Gunicorn, ServerError
from bench.wrk import Wrk, WrkError, ensure_wrk

TOLERANCE = 0.15
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/refnet_bench_http"
# Where a smaller network is built when the HTTP benchmark's one is not there.
SMALL_DATABASE = "postgresql://postgres@127.0.0.1:5432/refnet_bench_topology"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_HTTP_DATABASE_URL", DEFAULT_DATABASE),
        help="PostgreSQL database of the benchmark network (BENCH_HTTP_DATABASE_URL)",
    )
    parser.add_argument("--members", type=int, default=1_000, help="when building a network")
    parser.add_argument("--referrals", type=int, default=100_000, help="when building one")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=2, help="wrk runs per page (medians)")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--timeout", type=int, default=10, help="wrk's time-out per request (s)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        help="Redis database for the nodes' throttling (flushed)",
    )
    parser.add_argument("--pages", help="only these pages (as bench.http), comma-separated")
    parser.add_argument(
        "--no-buffering",
        action="store_true",
        help="proxy_buffering off: nginx hands answers on as they come (to see what it saves)",
    )
    args = parser.parse_args()
    args.database_url = re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", args.database_url)
    if args.runs < 1 or args.seconds < 1:
        parser.error("--runs and --seconds must be at least 1")
    args.fresh = False
    return args


def _redis(url: str) -> None:
    import redis

    try:
        store = redis.Redis.from_url(url, socket_connect_timeout=3)
        store.flushdb()
    except redis.RedisError as exc:
        raise BenchError(f"Redis at {url} is not usable: {exc}") from exc


def measure(args: argparse.Namespace, console: Console, stack: ExitStack) -> dict:
    wrk = Wrk(
        ensure_wrk(console.log),
        threads=args.threads,
        connections=args.connections,
        seconds=args.seconds,
        timeout=args.timeout,
    )
    stack.callback(wrk.close)
    nginx_path = ensure_nginx(console.log)
    _redis(args.redis_url)
    size = _network_size(args.database_url)
    if size is None and args.database_url == DEFAULT_DATABASE:
        args.database_url = SMALL_DATABASE  # leave bench.http's database to its own size
        size = _network_size(args.database_url)
    if size is not None:  # reuse whatever network the database holds
        args.members, args.referrals = size
    build_or_reuse(args, console)
    facts = _facts(args.database_url)
    chosen = pages(facts, args.pages)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    RESULTS.mkdir(exist_ok=True)
    app_env = _environment(
        args.database_url,
        SECRET_KEY=os.urandom(32).hex(),  # one key shared by every node
        IDLE_TIMEOUT_MINUTES="1440",
        RATELIMIT_STORAGE_URI=args.redis_url,
    )
    bare_env = {
        **os.environ,
        "BARE_DATABASE_URL": args.database_url,
        "BARE_RECEIVER_ID": str(facts["receiver_id"]),
    }

    def server(name: str, app: str, environment: dict, workers: int) -> Gunicorn:
        log = RESULTS / f"topology-{stamp}-{name}.log"
        started = Gunicorn(name, app, environment, workers, log)
        stack.callback(started.stop)
        return started

    console.log("Starting the direct servers (gunicorn -w 2) and two nodes of each (-w 1)")
    direct = {"refnet": server("refnet", "wsgi:app", app_env, 2)}
    direct["bare"] = server("bare", "bench.bare_inbox:app", bare_env, 2)
    # Behind the proxy, each node trusts one hop (TRUSTED_PROXIES, where refnet reads it).
    node_env = {**app_env, "TRUSTED_PROXIES": "1"}
    nodes = [server(f"node{i}", "wsgi:app", node_env, 1) for i in (1, 2)]
    bare_nodes = [server(f"bare{i}", "bench.bare_inbox:app", bare_env, 1) for i in (1, 2)]
    for started in (direct["refnet"], *nodes):
        started.wait_ready("/login")
    for started in (direct["bare"], *bare_nodes):
        started.wait_ready("/")
    proxy = Nginx(
        nginx_path,
        {"refnet": [n.port for n in nodes], "bare": [n.port for n in bare_nodes]},
        buffering=not args.no_buffering,
    )
    stack.callback(proxy.stop)
    proxy.wait_ready("refnet", "/login")
    proxy.wait_ready("bare", "/")
    bases = {
        "direct": {"refnet": direct["refnet"].base, "bare": direct["bare"].base},
        "proxy": {"refnet": proxy.bases["refnet"], "bare": proxy.bases["bare"]},
    }
    behind = {"direct": [*direct.values()], "proxy": [*nodes, *bare_nodes]}
    cheap = {
        server: "/" if server.name.startswith("bare") else "/login"
        for servers in behind.values()
        for server in servers
    }
    quick = {server: max(100.0, 5 * server.idle_ms(path)) for server, path in cheap.items()}

    console.log("Signing in through the proxy (sessions live in the database: any node)")
    credentials: dict = {
        email: sign_in(proxy.bases["refnet"], email) for email in (RECEIVER, COORDINATOR, ADMIN)
    }
    credentials["token"] = (
        _flask(
            args.database_url,
            "tokens",
            "create",
            "--user",
            RECEIVER,
            "--name",
            "topology",
            capture=True,
        )
        .strip()
        .splitlines()[-1]
    )
    bare_page = Page("bare", "bare route (baseline)", "/", None)
    runs: dict = {t: {p.key: [] for p in (bare_page, *chosen)} for t in bases}
    total = args.runs * 2 * (len(chosen) + 1)
    done = 0
    for number in range(1, args.runs + 1):
        for topology, base in bases.items():
            bare_rps = None
            for page in (bare_page, *chosen):
                done += 1
                console.log(f"[{done}/{total}] run {number}, {topology}: {page.label}")
                target = base["bare" if page is bare_page else "refnet"]
                run, _text = wrk.run(target + page.path, _headers(page, credentials))
                if run.not_2xx:
                    raise BenchError(
                        f"{topology} {page.label}: {run.not_2xx} answers not 2xx ({run.statuses})"
                    )
                figures = _run_figures(run, bare_rps)
                if page is bare_page:
                    bare_rps = run.requests_per_second
                runs[topology][page.key].append(figures)
                for server in behind[topology]:
                    server.check_alive()
                    if not server.settle(cheap[server], quick[server]):
                        console.log(f"[yellow]{server.name} still busy after {page.label}[/]")
    results = {}
    for page in (bare_page, *chosen):
        results[page.key] = {"label": page.label, "path": page.path}
        for topology in bases:
            results[page.key][topology] = summarise(runs[topology][page.key])
        if page is not bare_page:
            direct_ratio = results[page.key]["direct"]["ratio"]
            proxy_ratio = results[page.key]["proxy"]["ratio"]
            change = proxy_ratio / direct_ratio - 1 if direct_ratio else None
            results[page.key]["change"] = change
            results[page.key]["within"] = change is not None and abs(change) <= TOLERANCE
            # What the proxy must not do: lower a page's ratio by more than the tolerance.
            results[page.key]["kept"] = change is not None and change >= -TOLERANCE
    return {
        "benchmark": "topology",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {
            key: getattr(args, key)
            for key in ("runs", "seconds", "timeout", "connections", "threads", "seed")
        },
        "topology": "nginx → 2 refnet nodes (gunicorn -w 1 each) and 2 bare nodes; "
        "direct: gunicorn -w 2 each; throttling in Redis; proxy_buffering "
        + ("off" if args.no_buffering else "on"),
        "network": facts,
        "machine": _machine(),
        "load_average": os.getloadavg(),
        "stamp": stamp,
        "results": results,
    }


def table(results: dict) -> str:
    lines = [
        "| request | direct req/s | direct vs bare | proxied req/s | p50 | p99 | proxied vs bare "
        "| change | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for key, figures in results.items():
        d, p = figures["direct"], figures["proxy"]
        if key == "bare":
            ratios, change, within = ("1.00", "1.00"), "", ""
        else:
            ratios = (f"{d['ratio']:.2f}", f"{p['ratio']:.2f}")
            change = f"{figures['change'] * 100:+.0f} %"
            within = (
                "within 15 %" if figures["within"] else "higher" if figures["kept"] else "LOWER"
            )
        lines.append(
            f"| {figures['label']} | {d['rps']:.1f} | {ratios[0]} | {p['rps']:.1f} | "
            f"{p['p50_ms']:.0f} ms | {p['p99_ms']:.0f} ms | {ratios[1]} | {change} | {within} |"
        )
    return "\n".join(lines)


def main() -> int:
    args = _arguments()
    console = Console(stderr=True)
    _stop_on_signals()
    load_before = os.getloadavg()[0]
    try:
        with ExitStack() as stack:
            report = measure(args, console, stack)
    except (BenchError, ServerError, WrkError, psycopg.OperationalError) as exc:
        console.print(f"[bold red]bench.topology failed:[/] {exc}")
        return 1
    except KeyboardInterrupt:
        console.print("[red]interrupted: servers stopped[/]")
        return 130
    report["load_average_before"] = round(load_before, 2)
    path = RESULTS / f"topology-{report['stamp']}.json"
    path.write_text(json.dumps(report, indent=2))
    facts, machine = report["network"], report["machine"]
    print(
        f"\n{facts['members']:,} members, {facts['referrals']:,} referrals; "
        f"PostgreSQL {facts['postgresql']}; {machine['cpus']} CPUs, commit {machine['commit']}, "
        f"{report['at']}; wrk -t{args.threads} -c{args.connections} -d{args.seconds}s; "
        f"medians of {args.runs} runs; load average {load_before:.1f} → "
        f"{report['load_average'][0]:.1f}\n{report['topology']}\n"
    )
    print(table(report["results"]))
    pages_ = [f for k, f in report["results"].items() if k != "bare"]
    lower = [f["label"] for f in pages_ if not f["kept"]]
    higher = [f["label"] for f in pages_ if f["kept"] and not f["within"]]
    print(
        "\nThrough the proxy: "
        + (f"ratio LOWER by more than 15 %: {', '.join(lower)}. " if lower else "no ratio lower. ")
        + (f"Higher by more than 15 %: {', '.join(higher)}." if higher else "")
    )
    console.print(f"\nJSON and server logs: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
