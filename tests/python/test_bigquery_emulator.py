"""`dbt build` of the whole project through dbt-bigquery against a local BigQuery emulator, compared with DuckDB.

The emulator (crucible-emulator, pinned in the Makefile) lives in .venv-bqemu, which `make test` creates; dbt
uses the `bigquery_emulator` target of profiles.yml.example. Raw tables are loaded with BigQuery load jobs from
the DuckDB raw schema of a small generated fleet. Known gap (docs/bigquery.md): the emulator does not run
BigQuery scripting (DECLARE), which dbt-bigquery's insert_overwrite uses on an incremental run, so the
insert_overwrite models are built here as a first run only; their incremental SQL is held to compile + lint +
the incremental-shape check of scripts/check_bigquery.py. The one merge model (int_fleet__vehicle_latest_readings)
is re-run incrementally.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from bq_emulator import EMULATOR, PROJECT, client, dbt_env, free_port, profiles, seed_raw, start
from conftest import REPO, isolated_warehouse

# mart -> a numeric column whose sum must agree between the two warehouses
COMPARED = {
    "fct_vehicle_daily": "km_driven",
    "fct_charging_sessions": "energy_kwh",
    "fct_battery_health_monthly": "sessions_used",
    "fct_lto_contract_daily": "paid_to_date_mxn",
    "fct_lto_portfolio_daily": "outstanding_mxn",
    "fct_vehicle_costs_monthly": "total_mxn",
    "fct_data_platform_cost_monthly": "total_usd",
    "ml_credit_risk_features": "f_weekly_earnings_mxn",
    "ml_demand_features": "f_trips_same_hour_last_week",
    "ml_maintenance_features": "f_km_30d",
    "ml_readiness": "labelled_rows",
}
# incremental model -> partition column (each clustered by vehicle_id)
PARTITIONED = {
    "lafa_intermediate.int_fleet__telematics_intervals": "recorded_date",
    "lafa_intermediate.int_fleet__charging_runs": "started_date",
    "lafa_marts.fct_vehicle_daily": "activity_date",
}


def dbt(env: dict[str, str], profiles_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("dbt")), *args, "--profiles-dir", str(profiles_dir)]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)


@pytest.mark.skipif(not EMULATOR.exists(), reason="crucible-emulator is not installed (make test installs it)")
def test_full_build_on_the_emulator_matches_duckdb(tmp_path: Path) -> None:
    wh = isolated_warehouse(tmp_path / "duckdb")
    generated = wh.lafa(
        "generate", "--vehicles", "3", "--days", "16", "--ping-seconds", "900", "--seed", "2", "--out", str(wh.landing)
    )
    assert generated.returncode == 0, generated.stderr
    assert wh.lafa("load", str(wh.landing)).returncode == 0
    wh.dbt("build")

    port = free_port()
    server = start(port)
    try:
        seed_raw(port, wh.path)
        env = dbt_env(wh.env, port, tmp_path / "bigquery")
        profiles_dir = profiles(tmp_path / "profiles")
        done = dbt(env, profiles_dir, "build")
        assert done.returncode == 0, done.stdout[-6000:]

        bq = client(port)
        for mart, column in COMPARED.items():
            expected = wh.query(f"select count(*), round(coalesce(sum({column}), 0), 2) from marts.{mart}")[0]
            assert expected[0] > 0, f"{mart} is empty: the fleet is too small to exercise it"
            query = (
                f"select count(*) as n, round(coalesce(sum({column}), 0), 2) as s from `{PROJECT}.lafa_marts.{mart}`"
            )
            got = next(iter(bq.query(query).result()))
            assert (got["n"], float(got["s"])) == (expected[0], float(expected[1])), mart

        # the one merge model, re-run incrementally: the literal floor is read from the emulator, the MERGE
        # replaces each vehicle's row by the same reading
        rerun = dbt(env, profiles_dir, "run", "-s", "int_fleet__vehicle_latest_readings")
        assert rerun.returncode == 0, rerun.stdout[-6000:]
        compiled = Path(env["DBT_TARGET_PATH"], "run", "lafa", "models", "intermediate", "fleet")
        assert "merge into" in (compiled / "int_fleet__vehicle_latest_readings.sql").read_text().lower()
        expected_latest = wh.query(
            "select vehicle_id, cast(epoch(recorded_at) as bigint) "
            "from intermediate.int_fleet__vehicle_latest_readings order by 1"
        )
        got_latest = bq.query(
            "select vehicle_id, unix_seconds(recorded_at) "
            f"from `{PROJECT}.lafa_intermediate.int_fleet__vehicle_latest_readings` order by 1"
        ).result()
        assert [tuple(row.values()) for row in got_latest] == expected_latest

        for table, column in PARTITIONED.items():
            created = bq.get_table(f"{PROJECT}.{table}")
            assert created.time_partitioning is not None and created.time_partitioning.field == column, table
            assert created.clustering_fields == ["vehicle_id"], table

    finally:
        server.terminate()
        server.wait(timeout=10)
