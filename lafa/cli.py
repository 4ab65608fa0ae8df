"""`lafa`: the command line of LAFA's data platform. Run `lafa --help` or `lafa <command> --help`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from lafa.warehouse import DEFAULT_DUCKDB_PATH, duckdb_path

DEFAULT_LANDING = Path("data/landing")


def _generate(args: argparse.Namespace) -> int:
    from lafa.simulate import FleetConfig, generate_fleet

    config = FleetConfig(
        vehicles=args.vehicles,
        days=args.days,
        start=args.start,
        seed=args.seed,
        ping_seconds=args.ping_seconds,
        initial_share=args.initial_share,
        gzip_telematics=args.gzip,
    )
    last_day = config.start + timedelta(days=config.days - 1)
    try:
        clock = _clock()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if last_day >= (clock or date.today()):
        print(
            f"warning: the fleet runs to {last_day}; the loader quarantines readings dated in the future "
            "(choose an earlier --start, or load with LAFA_NOW set past the fleet's end: docs/generator.md)",
            file=sys.stderr,
        )
    started = time.monotonic()
    try:
        counts = generate_fleet(config, args.out, progress=lambda msg: print(f"  {msg}", file=sys.stderr))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for source, rows in sorted(counts.items()):
        print(f"{source:<26}{rows:>12,} rows")
    print(
        f"generated {config.vehicles} vehicles x {config.days} days into {args.out} in "
        f"{time.monotonic() - started:.1f}s"
    )
    return 0


def _clock() -> date | None:
    """The date of `LAFA_NOW` (the loader's clock override), None when unset."""
    from lafa.clock import load_clock

    now = load_clock()
    return None if now is None else now.date()


def _load(args: argparse.Namespace) -> int:
    import duckdb

    from lafa.load import FileResult, Sink, load_landing
    from lafa.pii import LegacyPersonalData
    from lafa.warehouse import WarehouseError, connect, describe_error

    if not args.landing.is_dir():
        print(f"error: landing folder {args.landing} does not exist", file=sys.stderr)
        return 2
    try:
        _clock()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not _pii_key(args.target):
        return 2

    def progress(result: FileResult, i: int, n: int) -> None:
        detail = (
            f"{result.rows_loaded:,} loaded, {result.rows_quarantined:,} quarantined"
            if result.status != "skipped"
            else result.error
        )
        print(f"  [{i}/{n}] {result.file}: {result.status} ({detail})", file=sys.stderr, flush=True)

    every = float(os.environ.get("LAFA_PROGRESS_SECONDS", "2"))
    last_line = [0.0]

    def row_progress(name: str, rows: int, seconds: float) -> None:
        """Inside a large file, at most one line every LAFA_PROGRESS_SECONDS (2 s): rows so far and rows/s."""
        now = time.monotonic()
        if now - last_line[0] >= every:
            last_line[0] = now
            rate = rows / seconds if seconds > 0 else 0.0
            print(f"        {name}: {rows:,} rows, {rate:,.0f} rows/s", file=sys.stderr, flush=True)

    started = time.monotonic()
    sink: Sink | None = None
    try:
        if args.target == "bigquery":
            from lafa.bigquery_load import BigQuerySink, client_from_env

            bq = BigQuerySink(client_from_env())
            bq.ensure_tables()
            sink, destination, con = bq, bq.dataset, duckdb.connect()  # validation in memory, rows to BigQuery
        else:
            destination, con = str(duckdb_path()), connect()
        with con:
            results = load_landing(
                con, args.landing, progress=progress, sink=sink, rehash=args.rehash, row_progress=row_progress
            )
    except (WarehouseError, LegacyPersonalData) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except duckdb.Error as error:
        if args.target == "bigquery" and not isinstance(error, duckdb.IOException):
            raise
        print(f"error: {describe_error(error, duckdb_path())}", file=sys.stderr)
        return 2
    except Exception as error:  # BigQuery API / credentials: one line, no traceback
        if args.target != "bigquery":
            raise
        print(f"error: BigQuery load failed: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2
    loaded = [r for r in results if r.status != "skipped"]
    rejected = [r for r in results if r.status == "rejected"]
    print(
        f"{len(loaded)} new file(s), {len(results) - len(loaded)} already loaded; "
        f"{sum(r.rows_loaded for r in loaded):,} rows loaded, "
        f"{sum(r.rows_quarantined for r in loaded):,} quarantined into {destination} "
        f"in {time.monotonic() - started:.1f}s"
    )
    for r in rejected:
        print(f"error: {r.file} rejected: {r.error}", file=sys.stderr)
    quarantined = [r for r in results if r.status == "quarantined"]
    for r in quarantined:
        print(f"error: {r.file}: every row quarantined ({r.rows_quarantined:,}; see raw._quarantine)", file=sys.stderr)
    return 1 if rejected or quarantined else 0


def _pii_key(target: str) -> bool:
    """The pseudonymisation key is usable (docs/privacy.md). DuckDB: a local key file is created when none is
    configured, and where it is said; BigQuery: a missing key is an error, never created."""
    from lafa import pii

    try:
        if target == "duckdb":
            created = pii.ensure_local_key()
            if created:
                print(
                    f"created the pseudonymisation key {created} (mode 0600, outside the repository; keep it: "
                    "another key gives other tokens, docs/privacy.md)",
                    file=sys.stderr,
                )
        pii.load_key()
    except pii.KeyMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return False
    return True


def _status(args: argparse.Namespace) -> int:
    import duckdb

    from lafa.status import source_status
    from lafa.warehouse import WarehouseError, connect, describe_error

    if not duckdb_path().exists():
        print(f"error: no warehouse at {duckdb_path()}; run `lafa load` first", file=sys.stderr)
        return 2
    try:
        with connect(read_only=True) as con:
            rows = source_status(con)
    except WarehouseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except duckdb.Error as error:  # e.g. a DuckDB file without the raw tables
        print(f"error: {describe_error(error, duckdb_path())}", file=sys.stderr)
        return 2
    print(f"{'source':<26}{'files':>7}{'rejected':>10}{'rows':>14}{'quarantined':>13}  last event (UTC)")
    for r in rows:
        print(
            f"{r.source:<26}{r.files:>7}{r.rejected_files:>10}{r.rows:>14,}{r.quarantined:>13,}  "
            f"{r.last_event_at or '-'}"
        )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from lafa.demo import run_demo

    return run_demo(vehicles=args.vehicles, days=args.days, start=args.start, seed=args.seed, landing=args.landing)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lafa",
        description=(
            "LAFA data platform: generate a synthetic EV lease-to-own fleet, load landing files into the "
            f"warehouse (DuckDB at $LAFA_DUCKDB_PATH, default {DEFAULT_DUCKDB_PATH}), and run the whole demo. "
            "Transformations are dbt models: run `dbt build` from the repo root."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser(
        "generate",
        help="write a synthetic fleet (every raw-data source plus _truth/) into a landing folder",
        description="Simulate a LAFA fleet day by day and write every landing source of the raw-data "
        "contract, plus the hidden truth in OUT/_truth/. Same seed, same bytes.",
    )
    gen.add_argument("--vehicles", type=int, default=25, help="fleet size at the end (default 25)")
    gen.add_argument("--days", type=int, default=90, help="days simulated (default 90)")
    gen.add_argument(
        "--initial-share",
        type=float,
        default=0.5,
        help="share of the fleet that exists on day 0, the rest is bought over the horizon "
        "(default 0.5; 1.0 = a steady fleet, as scripts/bench uses)",
    )
    gen.add_argument("--start", type=date.fromisoformat, default=date(2026, 6, 1), help="first day (YYYY-MM-DD)")
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument(
        "--ping-seconds", type=int, default=60, help="telematics ping interval, a multiple of 60 up to 900 (default 60)"
    )
    gen.add_argument(
        "--gzip",
        action="store_true",
        help="write telematics as <date>.jsonl.gz (~14x smaller; the loader reads .gz landing files of any source)",
    )
    gen.add_argument("--out", type=Path, default=DEFAULT_LANDING, help=f"landing folder (default {DEFAULT_LANDING})")
    gen.set_defaults(func=_generate)

    load = sub.add_parser(
        "load",
        help="load new landing files into the raw tables (idempotent; bad rows to raw._quarantine)",
        description="Load every new file of the landing folder into raw.<source>: one transaction per "
        "file, identified by its sha256 (a file already loaded, under any name, is skipped; one logged "
        "under the same name, size and modification time is skipped unread). Rows that "
        "break the contract go to raw._quarantine with a reason; raw._load_log records every file. "
        "A CSV file that is not UTF-8 but reads cleanly as Windows-1252 (an Excel export) is loaded as cp1252 "
        "(raw._load_log.encoding). Exits 1 if a file was rejected as a whole (e.g. a missing required column, an "
        "encoding that is neither) or had every row quarantined (status quarantined); a file with no data rows "
        "(a header only, or empty JSONL) is loaded with 0 rows. Progress inside a large file every "
        "$LAFA_PROGRESS_SECONDS (default 2) on stderr.",
    )
    load.add_argument("landing", type=Path, nargs="?", default=DEFAULT_LANDING, help="landing folder")
    load.add_argument(
        "--target",
        choices=("duckdb", "bigquery"),
        default="duckdb",
        help="duckdb: the file at $LAFA_DUCKDB_PATH (default); bigquery: load jobs into <$LAFA_BQ_DATASET>_raw "
        "(project $LAFA_BQ_PROJECT, credentials $LAFA_BQ_KEYFILE or application default; docs/loader.md)",
    )
    load.add_argument(
        "--rehash",
        action="store_true",
        help="read and hash every file, even one logged under the same name, size and modification time",
    )
    load.set_defaults(func=_load)

    status = sub.add_parser("status", help="files, rows, quarantined rows and last event time per source")
    status.set_defaults(func=_status)

    demo = sub.add_parser(
        "demo",
        help="the main job end to end: generate, load, dbt build, summary",
        description="Generate a synthetic fleet into the landing folder (if it is empty), load it, run "
        "`dbt build` (models and every data and unit test) and print row counts, test results and wall time.",
    )
    demo.add_argument("--vehicles", type=int, default=25, help="fleet size (default 25)")
    demo.add_argument("--days", type=int, default=90, help="days simulated (default 90)")
    demo.add_argument("--start", type=date.fromisoformat, default=date(2026, 6, 1), help="first day (YYYY-MM-DD)")
    demo.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    demo.add_argument("--landing", type=Path, default=DEFAULT_LANDING, help="landing folder")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
