"""The ML feature marts (issue 22) on the README's default fleet: point in time (a build on the data cut at a date gives
the same rows for the snapshots before it), no leakage from a contract's own payments into its application's credit
features, and the labels and features recomputed by hand from the landing files."""

from __future__ import annotations

import csv
import json
import math
import shutil
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import duckdb
import jsonschema
import pandas as pd
import pytest
from conftest import REPO, Warehouse, isolated_warehouse

from lafa.contract import SOURCES

pytestmark = pytest.mark.xdist_group("default_fleet")

CUT = date(2026, 8, 10)  # a Monday two thirds into the default fleet's horizon (2026-06-01 .. 08-29)
CUT_UTC = "2026-08-10 06:00:00+00"  # its local midnight (America/Mexico_City, UTC-6)
USE_CASES = ("credit_risk", "churn", "battery_soh", "demand", "maintenance")
LABEL_COLUMNS = {"label", "label_is_mature", "as_of_date"}


def _happened_from_cut(name: str, column: str) -> str:
    """Delete a source's rows whose event (its event column in lafa/contract.py) is on or after CUT."""
    if name == "telematics":  # a typed UTC timestamp
        return f"delete from raw.telematics where {column} >= timestamp '2026-08-10 06:00:00'"
    if name == "vehicle_costs":  # a month, YYYY-MM
        return f"delete from raw.vehicle_costs where {column} >= '{CUT:%Y-%m}'"
    return f"delete from raw.{name} where try_cast({column} as timestamptz) >= '{CUT_UTC}'"


# The world as it stood at CUT's local midnight: every event before it and delivered before it (a reading published
# later, a trips file or payments export cut later, is not there yet), nothing after; a contract, vehicle or work order
# closed later is still open, a payment reversed in a later export still succeeded.
TRUNCATE = [
    *(_happened_from_cut(name, source.event_column or "") for name, source in SOURCES.items()),
    # and what was delivered on or after it: a late reading, a later trips file, a later payments export
    "delete from raw.telematics where publish_time >= timestamp '2026-08-10 06:00:00'",
    f"delete from raw.trips where _file >= 'trips/{CUT}'",
    f"delete from raw.payments where try_cast(exported_at as timestamptz) >= '{CUT_UTC}'",
    # what closed later was still open
    "update raw.lto_contracts set status = 'active', closed_at = null"
    f" where try_cast(closed_at as timestamptz) >= '{CUT_UTC}'",
    f"update raw.vehicles set disposed_at = null where try_cast(disposed_at as timestamptz) >= '{CUT_UTC}'",
    f"update raw.maintenance_work_orders set closed_at = null where try_cast(closed_at as timestamptz) >= '{CUT_UTC}'",
    f"delete from raw.charging_sessions where try_cast(stopped_at as timestamptz) >= '{CUT_UTC}'",
]


def _copy(fleet: Warehouse, tmp: Path) -> Warehouse:
    wh = isolated_warehouse(tmp)
    shutil.copy(fleet.path, wh.path)
    shutil.copytree(fleet.landing, wh.landing)
    return wh


def _rows(wh: Warehouse, use_case: str, where: str = "true") -> dict[str, dict[str, object]]:
    with wh.connect() as con:
        cursor = con.execute(f"select * from marts.ml_{use_case}_features where {where}")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def test_features_are_point_in_time(default_fleet: Warehouse, tmp_path: Path) -> None:
    """Every row of a snapshot up to CUT is the same when built on the data cut at CUT (as of the day before): its
    features always, its label where the cut build already calls it mature. The snapshot CUT itself (the one scored
    that morning) is in both for the daily and weekly grains."""
    cut = _copy(default_fleet, tmp_path)
    with duckdb.connect(str(cut.path)) as con:
        for statement in TRUNCATE:
            con.execute(statement)
    cut.dbt("run", "--full-refresh", "-s", "+models/marts/ml", "--vars", f"{{as_of_date: '{CUT - timedelta(days=1)}'}}")
    matured = 0
    for use_case in USE_CASES:
        full = _rows(default_fleet, use_case, f"snapshot_date <= '{CUT}'")
        early = _rows(cut, use_case)
        assert early.keys() == full.keys(), f"{use_case}: {sorted(early.keys() ^ full.keys())[:5]}"
        if use_case in ("churn", "demand", "maintenance"):
            assert any(r["snapshot_date"] == CUT for r in early.values()), use_case
        for key, row in early.items():
            for column, value in row.items():
                if column in LABEL_COLUMNS:
                    continue
                assert _same(value, full[key][column]), f"{use_case} {key} {column}: {value} != {full[key][column]}"
            if row["label_is_mature"]:
                matured += 1
                assert full[key]["label_is_mature"], (use_case, key)
                assert _same(row["label"], full[key]["label"]), f"{use_case} {key} label"
            else:
                assert row["label"] is None, (use_case, key)
    assert matured > 100  # churn, demand, maintenance and credit rows matured before the cut


def test_credit_features_ignore_the_contracts_own_payments(default_fleet: Warehouse, tmp_path: Path) -> None:
    """Shuffling the dates and amounts of a contract's payments after its application's decision changes none of that
    application's features (the contract's days past due do change)."""
    wh = _copy(default_fleet, tmp_path)
    with duckdb.connect(str(wh.path)) as con:
        con.execute(
            """
            create temp table shuffled as
            with own as (
                select p.payment_id, p.paid_at, p.amount_mxn, p.contract_id
                from raw.payments as p
                inner join raw.lto_contracts as c on p.contract_id = c.contract_id
                inner join raw.credit_applications as a on c.application_id = a.application_id
                where cast(p.paid_at as timestamptz) > cast(a.applied_at as timestamptz)
            )
            select
                payment_id,
                lead(paid_at, 3, first_paid) over (partition by contract_id order by hash(payment_id)) as paid_at,
                lead(amount_mxn, 1, first_amount) over (partition by contract_id order by hash(payment_id) desc)
                    as amount_mxn
            from (
                select *, min(paid_at) over (partition by contract_id) as first_paid,
                    max(amount_mxn) over (partition by contract_id) as first_amount
                from own
            )
            """
        )
        changed = con.execute(
            "update raw.payments set paid_at = s.paid_at, amount_mxn = s.amount_mxn from shuffled as s"
            " where raw.payments.payment_id = s.payment_id and (raw.payments.paid_at != s.paid_at"
            " or raw.payments.amount_mxn != s.amount_mxn)"
        ).fetchone()[0]
    assert changed > 50
    wh.dbt("run", "--full-refresh", "-s", "+ml_credit_risk_features")
    before, after = _rows(default_fleet, "credit_risk"), _rows(wh, "credit_risk")
    assert before.keys() == after.keys()
    for key, row in before.items():
        for column, value in row.items():
            if column.startswith("f_"):
                assert _same(value, after[key][column]), f"{key} {column}: {value} != {after[key][column]}"
    dpd_before = default_fleet.query("select sum(dpd) from intermediate.int_lending__contract_days")[0][0]
    dpd_after = wh.query("select sum(dpd) from intermediate.int_lending__contract_days")[0][0]
    assert dpd_before != dpd_after  # the shuffle reached the contracts


def _landing_trips(landing: Path) -> dict[str, dict[str, str]]:
    """Trips of every export, the newest load (file order) of each trip_id."""
    trips: dict[str, dict[str, str]] = {}
    for path in sorted((landing / "trips").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                trips[row["trip_id"].strip()] = row
    return trips


def _local_date(text: str) -> date:
    return date.fromisoformat(text.strip()[:10])  # the exports write local times with their offset


def test_churn_rows_by_hand(default_fleet: Warehouse) -> None:
    """Churn label and trip-count features recomputed from the trips exports in plain Python: a mature row's label is
    true exactly when the driver started no trip in the 28 days from the snapshot; f_trips_28d counts the trips of the
    28 days ending 3 days before it (the trips' known delay)."""
    days: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for trip in _landing_trips(default_fleet.landing).values():
        days[trip["driver_id"].strip()][_local_date(trip["started_at"])] += 1
    rows = _rows(default_fleet, "churn")
    assert len(rows) > 100
    positives = 0
    for row in rows.values():
        trips = days[row["driver_id"]]
        snapshot: date = row["snapshot_date"]
        last_known = snapshot - timedelta(days=3)
        expected_28d = sum(n for d, n in trips.items() if last_known - timedelta(days=28) < d <= last_known)
        assert row["f_trips_28d"] == expected_28d, row["snapshot_id"]
        if row["label_is_mature"]:
            ahead = sum(n for d, n in trips.items() if snapshot <= d < snapshot + timedelta(days=28))
            assert row["label"] is (ahead == 0), row["snapshot_id"]
            positives += row["label"]
    assert positives >= 3  # the scripted churners


def test_maintenance_labels_by_hand(default_fleet: Warehouse) -> None:
    """A mature maintenance row is positive exactly when the work-order exports hold a corrective order of the vehicle
    opened in the 30 days from the snapshot (local dates)."""
    opened: dict[str, set[date]] = defaultdict(set)
    for path in sorted((default_fleet.landing / "maintenance_work_orders").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["kind"].strip().lower() == "corrective":
                    opened[row["vehicle_id"].strip()].add(_local_date(row["opened_at"]))
    rows = [r for r in _rows(default_fleet, "maintenance").values() if r["label_is_mature"]]
    assert len(rows) > 100
    for row in rows:
        start: date = row["snapshot_date"]
        expected = any(start <= d < start + timedelta(days=30) for d in opened[row["vehicle_id"]])
        assert row["label"] is expected, row["snapshot_id"]
    assert any(r["label"] for r in rows)


def test_readiness_counts_and_refusal_reason(default_fleet: Warehouse) -> None:
    """ml_readiness counts what the feature marts hold, against the seed's minimums, and names both counts."""
    for use_case, task, labelled, positive, ready, reason in default_fleet.query(
        "select use_case, task, labelled_rows, positive_rows, is_ready, reason from marts.ml_readiness"
    ):
        rows = _rows(default_fleet, use_case).values()
        mature = [r for r in rows if r["label_is_mature"] and r["label"] is not None]
        assert labelled == len(mature), use_case
        if task == "classification":
            assert positive == sum(bool(r["label"]) for r in mature), use_case
            assert ready == (labelled >= 150 and positive >= 30), use_case
        else:
            assert positive is None and ready == (labelled >= 150), use_case
        assert reason == "ready" if ready else f"{labelled} labelled rows (150 needed)" in reason, use_case
    assert default_fleet.query("select count(*) from marts.ml_readiness where not is_ready")[0][0] >= 1


def test_export_and_train_on_the_default_fleet(default_fleet: Warehouse, tmp_path: Path) -> None:
    """On the README's default fleet: `lafa export` writes every use case with the marts' columns and metadata that
    validates; `lafa train` refuses each use case ml_readiness calls not ready, in one line naming both counts."""
    done = default_fleet.lafa("export", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    schema = json.loads((REPO / "lafa/ml/export_metadata.schema.json").read_text())
    for use_case in USE_CASES:
        (parquet,) = (tmp_path / use_case).glob("*.parquet")
        metadata = json.loads(parquet.with_suffix(".json").read_text())
        jsonschema.Draft202012Validator(schema).validate(metadata)
        frame = pd.read_parquet(parquet)
        columns = [
            c
            for (c,) in default_fleet.query(
                "select column_name from information_schema.columns where table_schema = 'marts'"
                f" and table_name = 'ml_{use_case}_features' order by ordinal_position"
            )
        ]
        assert list(frame.columns) == columns == [field["name"] for field in metadata["schema"]], use_case
        assert len(frame) == metadata["row_count"] == len(_rows(default_fleet, use_case)), use_case
    not_ready = default_fleet.query(
        "select use_case, labelled_rows, positive_rows from marts.ml_readiness where not is_ready order by use_case"
    )
    assert {u for u, _, _ in not_ready} >= {"credit_risk", "churn", "battery_soh"}
    for use_case, labelled, positive in not_ready:
        refused = default_fleet.lafa("train", "--use-case", use_case)
        assert refused.returncode == 3, (use_case, refused.stderr)
        line = refused.stderr.strip()
        assert "\n" not in line and f"{labelled:,} labelled rows (150 needed)" in line, line
        if positive is not None:
            assert f"{positive:,} positive (30 needed)" in line, line
