"""`lafa`: the command line of LAFA's data platform. Run `lafa --help` or `lafa <command> --help`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from lafa.ml import USE_CASES
from lafa.simulate import FleetConfig
from lafa.warehouse import DEFAULT_DUCKDB_PATH, duckdb_path

if TYPE_CHECKING:
    import duckdb

DEFAULT_LANDING = Path("data/landing")
DEFAULT_EXPORT_DIR = Path("data/exports")
FLEET = FleetConfig()  # the generator's defaults: the README's default fleet
ML_USE_CASES = tuple(USE_CASES)
ML_PACKAGES = ("sklearn", "xgboost", "mlflow", "skops", "sqlalchemy", "alembic")  # requirements-ml.lock


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

    config = FleetConfig(vehicles=args.vehicles, days=args.days, start=args.start, seed=args.seed)
    return run_demo(config, args.landing, args.exports)


def _ml_connection() -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to the warehouse for the ML commands; None (the error printed) when there is none."""
    from lafa.warehouse import WarehouseError, connect

    if not duckdb_path().exists():
        print(
            f"error: no warehouse at {duckdb_path()}; run `lafa demo` (or load and `dbt build`) first", file=sys.stderr
        )
        return None
    try:
        return connect(read_only=True)
    except WarehouseError as error:
        print(f"error: {error}", file=sys.stderr)
        return None


def _export(args: argparse.Namespace) -> int:
    import duckdb

    from lafa.ml import MlError
    from lafa.ml.export import export_use_cases
    from lafa.warehouse import describe_error

    con = _ml_connection()
    if con is None:
        return 2
    use_cases = list(dict.fromkeys(args.use_case or ML_USE_CASES))
    started = time.monotonic()
    try:
        with con:
            done = export_use_cases(
                con, use_cases, args.as_of, args.out, progress=lambda msg: print(f"  {msg}", file=sys.stderr)
            )
    except MlError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except duckdb.Error as error:
        print(f"error: {describe_error(error, duckdb_path())}", file=sys.stderr)
        return 2
    for export, parquet_path, json_path in done:
        counts = export.metadata["label_counts"]
        print(
            f"{export.use_case.name:<13} as of {export.as_of}: {export.table.num_rows:>9,} rows, "
            f"{counts['labelled']:>9,} labelled -> {parquet_path} (+ {json_path.name})"
        )
    print(f"exported {len(done)} use case(s) into {args.out} in {time.monotonic() - started:.1f}s")
    return 0


def _train(args: argparse.Namespace) -> int:
    import duckdb

    from lafa.ml import MlError
    from lafa.ml.train import NotReady, summary, train
    from lafa.warehouse import describe_error

    con = _ml_connection()
    if con is None:
        return 2
    started = time.monotonic()
    try:
        with con:
            result = train(
                con,
                args.use_case,
                as_of=args.as_of,
                holdout_share=args.holdout_share,
                progress=lambda msg: print(f"  {msg}", file=sys.stderr, flush=True),
            )
    except NotReady as error:
        print(str(error), file=sys.stderr)
        return 3
    except ModuleNotFoundError as error:
        if error.name not in ML_PACKAGES:
            raise
        missing = f"error: lafa train needs the ML packages ({error.name} is missing): run `make ml-install`"
        print(missing, file=sys.stderr)
        return 2
    except MlError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except duckdb.Error as error:
        print(f"error: {describe_error(error, duckdb_path())}", file=sys.stderr)
        return 2
    print(summary(result))
    print(f"trained in {time.monotonic() - started:.1f}s", file=sys.stderr)
    return 0


def _fleet_arguments(parser: argparse.ArgumentParser) -> None:
    """The fleet's size, horizon, start and seed, with the generator's defaults (lafa.simulate.FleetConfig)."""
    parser.add_argument(
        "--vehicles", type=int, default=FLEET.vehicles, help=f"fleet size at the end (default {FLEET.vehicles})"
    )
    parser.add_argument("--days", type=int, default=FLEET.days, help=f"days simulated (default {FLEET.days})")
    parser.add_argument(
        "--start", type=date.fromisoformat, default=FLEET.start, help=f"first day, YYYY-MM-DD (default {FLEET.start})"
    )
    parser.add_argument("--seed", type=int, default=FLEET.seed, help=f"random seed (default {FLEET.seed})")


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
    _fleet_arguments(gen)
    gen.add_argument(
        "--initial-share",
        type=float,
        default=FLEET.initial_share,
        help="share of the fleet that exists on day 0, the rest is bought over the horizon "
        f"(default {FLEET.initial_share}; 1.0 = a steady fleet, as scripts/bench uses)",
    )
    gen.add_argument(
        "--ping-seconds",
        type=int,
        default=FLEET.ping_seconds,
        help=f"telematics ping interval, a multiple of 60 up to 900 (default {FLEET.ping_seconds})",
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
        help="the main job end to end: generate, load, dbt build, ML feature exports, summary",
        description="Generate a synthetic fleet into the landing folder (if it is empty), load it, run "
        "`dbt build` (models and every data and unit test), export every ML use case's features (lafa export) and "
        "print row counts, test results and wall time. Stops at the first step that fails, with its exit code.",
    )
    _fleet_arguments(demo)
    demo.add_argument(
        "--landing", type=Path, default=DEFAULT_LANDING, help=f"landing folder (default {DEFAULT_LANDING})"
    )
    demo.add_argument(
        "--exports",
        type=Path,
        default=DEFAULT_EXPORT_DIR,
        help=f"folder of the ML feature exports (default {DEFAULT_EXPORT_DIR})",
    )
    demo.set_defaults(func=_demo)

    export = sub.add_parser(
        "export",
        help="write the ML feature marts as Parquet plus a JSON metadata file, as knowable at an as-of date",
        description="For each use case, read marts.ml_<use_case>_features (read-only) and write "
        "OUT/<use_case>/<as_of>.parquet and OUT/<use_case>/<as_of>.json (schema, row count, snapshot range, label "
        "maturity counts, dbt invocation id, git commit; lafa/ml/export_metadata.schema.json). With --as-of before "
        "the build's as-of date: only snapshots dated on or before it, and the labels known after it null and not "
        "mature, as a build on that date would have shown them. Files are written whole (temporary file, then "
        "rename; the JSON last). Exits 2 on an as-of date after the build's or a missing mart (docs/ml/README.md).",
    )
    export.add_argument(
        "--use-case",
        action="append",
        choices=ML_USE_CASES,
        metavar="UC",
        help=f"a use case to export, repeatable: {', '.join(ML_USE_CASES)} (default all)",
    )
    export.add_argument(
        "--as-of",
        type=date.fromisoformat,
        help="export what was knowable on this date, YYYY-MM-DD (default the build's as-of date)",
    )
    export.add_argument(
        "--out", type=Path, default=DEFAULT_EXPORT_DIR, help=f"output folder (default {DEFAULT_EXPORT_DIR})"
    )
    export.set_defaults(func=_export)

    train = sub.add_parser(
        "train",
        help="fit the baselines of a use case (time split) against its heuristic and log them to MLflow",
        description="Refuse (exit 3, one line naming the counts) while marts.ml_readiness says the use case has "
        "too few labelled rows: the heuristic is the answer until then. Otherwise take the mature labelled rows of "
        "the export at --as-of, hold out the last --holdout-share of the distinct snapshot dates (never random "
        "across time), fit a linear model (logistic regression or ridge) and XGBoost on the f_ features, score them "
        "and the heuristic on the same holdout rows (AUC and precision at the top decile, or MAE), and log one "
        "MLflow parent run with a nested run per model in experiment lafa-<use_case> to $MLFLOW_TRACKING_URI "
        "(default sqlite:///data/mlflow.db). Needs `make ml-install` (docs/ml/README.md).",
    )
    train.add_argument("--use-case", required=True, choices=ML_USE_CASES, metavar="UC", help=", ".join(ML_USE_CASES))
    train.add_argument(
        "--as-of",
        type=date.fromisoformat,
        help="train on what was knowable on this date, YYYY-MM-DD (default the build's as-of date)",
    )
    train.add_argument(
        "--holdout-share",
        type=float,
        default=0.2,
        help="share of the distinct snapshot dates, the latest ones, held out for scoring (default 0.2)",
    )
    train.set_defaults(func=_train)
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
