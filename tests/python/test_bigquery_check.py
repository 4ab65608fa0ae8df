"""The offline BigQuery check names the mart and the DuckDB-only construct put into it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

# mart -> (replacement for its last line `select * from final`, what the check must say)
INJECTIONS = {
    "fct_lto_portfolio_daily": ("select *, active_contracts::int as x from final", "`::` cast"),
    "dim_drivers": ("select *, date_trunc('day', onboarded_date) as x from final", "date_trunc with the unit first"),
    "rpt_lto_roll_rates": ("select *, list_agg(to_bucket) over () as x from final", "function list_agg()"),
    "fct_data_platform_cost_monthly": ("select *, epoch(cost_month) as x from final", "function epoch()"),
    "dim_vehicles": ("select * exclude (vin) from final", "`* exclude`"),
}


def test_each_duckdb_only_construct_fails_naming_the_mart(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for item in ("dbt_project.yml", "profiles.yml.example", "models", "macros", "seeds", "tests"):
        source = REPO / item
        target = project / ("profiles.yml" if item == "profiles.yml.example" else item)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("python"))
        else:
            shutil.copy(source, target)
    for mart, (select, _) in INJECTIONS.items():
        path = next(project.glob(f"models/marts/*/{mart}.sql"))
        text = path.read_text()
        assert text.rstrip().endswith("select * from final"), mart
        path.write_text(text.rstrip()[: -len("select * from final")] + select + "\n")

    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "check_bigquery.py"), "--project-dir", str(project)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    flagged = [line for line in done.stdout.splitlines() if ": " in line and not line.startswith("BigQuery check")]
    for mart, (_, message) in INJECTIONS.items():
        assert any(line.startswith(f"{mart} (") and message in line for line in flagged), (mart, done.stdout)
    # nothing else is flagged: the check has no false positives on the rest of the project
    assert {line.split(" (")[0] for line in flagged} == set(INJECTIONS)
