"""`flask fhir export` of a large network: resources per second, beside fhir.resources.

    python -m bench.fhir_export \
        --database-url postgresql://postgres@127.0.0.1:5432/refnet_bench_fhir [--referrals N]

Builds the network (`flask demo-data`, 2,000 members, 100,000 referrals by default, seed
31, then VACUUM ANALYZE) when the database is empty or with --fresh, and reuses it
otherwise (bench/http.py's build_or_reuse). Then, in one run:

- `flask fhir export --out DIR` as a user runs it (a new process: interpreter and app
  start, the count, the progress bar and the manifest included): resources per second and
  its peak memory (ru_maxrss of that process alone, from wait4);
- the baseline: fhir.resources R4B `model_validate` + `model_dump_json` of the same
  resources, read back from the export (a sample of --sample of them, taken evenly from
  every file, as validating all would take many minutes), per second.

Prints both and their ratio, and writes the figures as JSON under bench/results/. Goal
(issue 13): 2,500 resources per second or better for the whole CLI run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from fhir.resources.R4B import get_fhir_model_class
from rich.console import Console

from bench.http import _environment, build_or_reuse
from bench.servers import ROOT

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_PER_SECOND = 2500


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_FHIR_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/refnet_bench_fhir"
        ),
    )
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--members", type=int, default=2_000)
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--sample", type=int, default=20_000, help="resources for the baseline")
    return parser.parse_args()


def run_export(url: str, out: Path) -> tuple[float, float]:
    """Seconds and peak MB of one `flask fhir export` process."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "fhir", "export", "--out", str(out)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=_environment(url), stdout=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    if process.returncode:
        raise SystemExit(f"flask fhir export exited {process.returncode}")
    return seconds, usage.ru_maxrss / 1024


def exported(out: Path) -> dict[str, list[str]]:
    return {path.stem: path.read_text().splitlines() for path in sorted(out.glob("*.ndjson"))}


def baseline(files: dict[str, list[str]], sample: int) -> tuple[int, float]:
    """fhir.resources validate + dump per second over an even sample of every file."""
    total = sum(len(lines) for lines in files.values())
    step = max(1, total // sample)
    resources = [json.loads(line) for lines in files.values() for line in lines[::step]]
    started = time.perf_counter()
    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource).model_dump_json()
    return len(resources), len(resources) / (time.perf_counter() - started)


def main() -> None:
    args = _arguments()
    console = Console()
    build_or_reuse(args, console)
    with tempfile.TemporaryDirectory(prefix="refnet-fhir-bench-") as directory:
        out = Path(directory)
        console.log("flask fhir export")
        seconds, peak_mb = run_export(args.database_url, out)
        files = exported(out)
        count = sum(len(lines) for lines in files.values())
        rate = count / seconds
        console.log(f"fhir.resources baseline on a sample of about {args.sample:,}")
        sampled, base_rate = baseline(files, args.sample)
    figures = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "members": args.members,
        "referrals": args.referrals,
        "resources": count,
        "per_type": {name: len(lines) for name, lines in files.items()},
        "export_seconds": round(seconds, 1),
        "export_per_second": round(rate),
        "fhir_resources_per_second": round(base_rate),
        "fhir_resources_sample": sampled,
        "ratio": round(rate / base_rate, 2),
        "peak_mb": round(peak_mb),
        "goal_per_second": GOAL_PER_SECOND,
    }
    console.print(
        f"flask fhir export: {count:,} resources in {seconds:.1f} s = {rate:,.0f}/s "
        f"(goal {GOAL_PER_SECOND:,}/s); fhir.resources validate+dump {base_rate:,.0f}/s "
        f"on {sampled:,} of them; ratio {rate / base_rate:.1f}; peak {peak_mb:.0f} MB"
    )
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"fhir_export-{stamp}.json").write_text(json.dumps(figures, indent=2) + "\n")
    sys.exit(0 if rate >= GOAL_PER_SECOND else 1)


if __name__ == "__main__":
    main()
