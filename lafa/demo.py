"""The main job end to end: synthetic fleet -> load -> `dbt build` -> ML feature exports -> a short summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from lafa.simulate import FleetConfig, generate_fleet
from lafa.warehouse import connect, duckdb_path

MARTS_SCHEMA = "marts"


def dbt_build(extra_args: list[str] | None = None) -> int:
    """Run `dbt build` (models, seeds, data and unit tests) from the repo root with the venv's dbt."""
    dbt = shutil.which("dbt") or str(Path(sys.executable).with_name("dbt"))
    return subprocess.call([dbt, "build", *(extra_args or [])])


def node_results(run_results: Path | None = None) -> Counter[str]:
    """Counts of dbt results by kind and status, e.g. {'test pass': 120, 'model success': 20}, from the last run's
    run_results.json (in $DBT_TARGET_PATH, default target/)."""
    run_results = run_results or Path(os.environ.get("DBT_TARGET_PATH", "target")) / "run_results.json"
    results = json.loads(run_results.read_text())["results"]
    return Counter(f"{r['unique_id'].split('.')[0]} {r['status']}" for r in results)


def mart_row_counts() -> dict[str, int]:
    with connect(read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        return {t: con.execute(f'select count(*) from {MARTS_SCHEMA}."{t}"').fetchone()[0] for t in tables}


def export_features(out: Path) -> int:
    """Every ML use case's feature export (lafa export's defaults) into `out`; 0 when all were written."""
    from lafa.ml import USE_CASES, MlError
    from lafa.ml.export import export_use_cases

    try:
        with connect(read_only=True) as con:
            done = export_use_cases(con, list(USE_CASES), None, out, progress=lambda msg: print(f"  {msg}"))
    except MlError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for export, parquet_path, _ in done:
        print(f"  {export.use_case.name:<13}{export.table.num_rows:>10,} rows -> {parquet_path}")
    return 0


def run_demo(config: FleetConfig, landing: Path, exports: Path) -> int:
    """Generate (unless the landing folder holds files), load, `dbt build`, export the ML features, summarise. Stops
    at the first step that fails and returns its exit code (a load that rejected a file goes on: exit 1 at the end)."""
    from lafa.cli import main as lafa

    started = time.monotonic()
    if landing.exists() and any(landing.iterdir()):
        print(f"== using the existing landing folder {landing} (delete it to regenerate)")
    else:
        print(f"== generating {config.vehicles} vehicles x {config.days} days into {landing}")
        try:
            generate_fleet(config, landing, progress=lambda msg: print(f"  {msg}"))
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    print(f"== loading {landing} into {duckdb_path()}")
    load_status = lafa(["load", str(landing)])
    if load_status not in (0, 1):  # 1: some file rejected or fully quarantined, the rest loaded
        return load_status
    print("== dbt build")
    build_status = dbt_build()
    export_status = 0
    if build_status == 0:
        print(f"== lafa export into {exports}")
        export_status = export_features(exports)
    print("\n== summary")
    for table, rows in mart_row_counts().items():
        print(f"  {MARTS_SCHEMA}.{table:<40}{rows:>12,} rows")
    for kind, count in sorted(node_results().items()):
        print(f"  dbt {kind:<44}{count:>8}")
    print(f"  wall time {time.monotonic() - started:.1f}s; warehouse {duckdb_path()}")
    return build_status or export_status or load_status
