"""The main job end to end: synthetic fleet -> load -> `dbt build` -> a short summary."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

from lafa.warehouse import connect, duckdb_path

MARTS_SCHEMA = "marts"


def dbt_build(extra_args: list[str] | None = None) -> int:
    """Run `dbt build` (models, seeds, data and unit tests) from the repo root with the venv's dbt."""
    dbt = shutil.which("dbt") or str(Path(sys.executable).with_name("dbt"))
    return subprocess.call([dbt, "build", *(extra_args or [])])


def test_results(run_results: Path = Path("target/run_results.json")) -> Counter[str]:
    """Counts of dbt results by kind and status, e.g. {'test pass': 120, 'model success': 20}."""
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


def run_demo(vehicles: int, days: int, start: date, seed: int, landing: Path) -> int:
    from lafa.cli import main as lafa

    started = time.monotonic()
    if landing.exists() and any(landing.iterdir()):
        print(f"== using the existing landing folder {landing} (delete it to regenerate)")
    else:
        print(f"== generating {vehicles} vehicles x {days} days into {landing}")
        lafa(
            [
                "generate",
                *("--vehicles", str(vehicles), "--days", str(days), "--start", start.isoformat()),
                *("--seed", str(seed), "--out", str(landing)),
            ]
        )
    print(f"== loading {landing} into {duckdb_path()}")
    load_status = lafa(["load", str(landing)])
    print("== dbt build")
    build_status = dbt_build()
    print("\n== summary")
    for table, rows in mart_row_counts().items():
        print(f"  {MARTS_SCHEMA}.{table:<40}{rows:>12,} rows")
    for kind, count in sorted(test_results().items()):
        print(f"  dbt {kind:<44}{count:>8}")
    print(f"  wall time {time.monotonic() - started:.1f}s; warehouse {duckdb_path()}")
    return load_status or build_status
