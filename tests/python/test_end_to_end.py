"""The main job on the README's default fleet (conftest.default_fleet: generate -> load -> dbt build), and what
must hold after it."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, Warehouse

# one xdist worker builds conftest.default_fleet once for every module that reads it (make test: -n 2)
pytestmark = pytest.mark.xdist_group("default_fleet")


def _landing_rows(landing: Path, source: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted((landing / source).glob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows.extend(csv.DictReader(f))
    return rows


def test_every_landing_row_is_loaded_or_quarantined(default_fleet: Warehouse) -> None:
    offered, loaded, quarantined = default_fleet.query(
        "select sum(rows_offered), sum(rows_loaded), sum(rows_quarantined) from raw._load_log"
    )[0]
    assert offered == loaded + quarantined
    lines = sum(
        sum(1 for line in p.read_text(encoding="utf-8").splitlines() if line.strip()) - (p.suffix == ".csv")
        for p in default_fleet.landing.rglob("*.*")
        if "_truth" not in p.parts and p.suffix in (".csv", ".jsonl")
    )
    assert offered == lines  # counted from the files, independently of the loader


def test_no_personal_data_reaches_the_marts(default_fleet: Warehouse) -> None:
    drivers = _landing_rows(default_fleet.landing, "drivers")
    assert drivers, "the generated fleet has drivers"
    secrets = {v.strip().lower() for d in drivers for v in (d["full_name"], d["phone"], d["curp"]) if v.strip()}
    columns = default_fleet.query(
        "select table_name, column_name, data_type from information_schema.columns where table_schema = 'marts'"
    )
    assert not [c for c in columns if any(p in c[1] for p in ("name", "phone", "curp", "email", "address"))]
    for table, column, data_type in columns:
        if data_type == "VARCHAR":
            values = {
                r[0].strip().lower()
                for r in default_fleet.query(
                    f'select distinct "{column}" from marts."{table}" where "{column}" is not null'
                )
            }
            assert not values & secrets, f"marts.{table}.{column} carries personal data"


def test_no_four_byte_float_column_in_the_warehouse(default_fleet: Warehouse) -> None:
    """A 4-byte float keeps ~7 digits: a 123 MWh charger meter loses its watt-hours and 38.88 reads 38.880001. Every
    table and view of the built warehouse (raw, seeds, staging, intermediate, marts) uses DOUBLE or decimals."""
    columns = default_fleet.query(
        "select table_schema, table_name, column_name, data_type from information_schema.columns"
    )
    assert len(columns) > 200
    assert [c for c in columns if c[3] in ("FLOAT", "REAL", "FLOAT4")] == []


def test_marts_have_rows_for_the_generated_fleet(default_fleet: Warehouse) -> None:
    vehicles = {r["vehicle_id"].strip() for r in _landing_rows(default_fleet.landing, "vehicles")}
    days = default_fleet.query("select count(distinct vehicle_id), count(*) from marts.fct_vehicle_daily")[0]
    assert 0 < days[0] <= len(vehicles)
    assert days[1] >= days[0]
    as_of = default_fleet.query("select max(as_of_date) from marts.fct_lto_contract_daily")[0][0]
    signed = {
        r[0]
        for r in default_fleet.query(
            f"select contract_id from staging.stg_lending__lto_contracts where signed_date <= '{as_of}'"
        )
    }
    assert len(signed) == len({r["contract_id"].strip() for r in _landing_rows(default_fleet.landing, "lto_contracts")})
    contracts = default_fleet.query("select distinct contract_id from marts.fct_lto_contract_daily")
    assert {r[0] for r in contracts} == signed


def test_cli_explains_every_subcommand() -> None:
    out = subprocess.run([sys.executable, "-m", "lafa.cli", "--help"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0
    for command in ("generate", "load", "status", "demo"):
        assert command in out.stdout
