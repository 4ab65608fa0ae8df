"""Fleet and battery marts against the generator's hidden truth (issue 5's accuracy targets)."""

from __future__ import annotations

import csv
import statistics
import sys
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from conftest import Warehouse, isolated_warehouse


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def session_detection(landing: Path, con: duckdb.DuckDBPyConnection) -> tuple[float, float]:
    """Recall and precision of detected sessions; a match overlaps >= 50 % of the longer of the two."""
    with (landing / "_truth" / "charging_sessions.csv").open(newline="") as f:
        truth = [(r["vehicle_id"], _ts(r["started_at"]), _ts(r["ended_at"])) for r in csv.DictReader(f)]
    detected = con.execute(
        "select vehicle_id, started_at, ended_at from marts.fct_charging_sessions where energy_source != 'ocpp_only'"
    ).fetchall()

    def matches(a: tuple, b: tuple) -> bool:
        overlap = (min(a[2], b[2]) - max(a[1], b[1])).total_seconds()
        longest = max((a[2] - a[1]).total_seconds(), (b[2] - b[1]).total_seconds(), 60.0)
        return a[0] == b[0] and overlap >= 0.5 * longest

    by_vehicle: dict[str, list[tuple]] = defaultdict(list)
    for d in detected:
        by_vehicle[d[0]].append(d)
    truth_by_vehicle: dict[str, list[tuple]] = defaultdict(list)
    for t in truth:
        truth_by_vehicle[t[0]].append(t)
    recall = sum(any(matches(t, d) for d in by_vehicle[t[0]]) for t in truth) / len(truth)
    precision = sum(any(matches(d, t) for t in truth_by_vehicle[d[0]]) for d in detected) / len(detected)
    return recall, precision


def soh_accuracy(landing: Path, con: duckdb.DuckDBPyConnection) -> tuple[float, int]:
    """Share of vehicle-months with >= 3 qualifying sessions whose estimate is within 1.5 pt of the truth."""
    true_soh: dict[tuple[str, date], list[float]] = defaultdict(list)
    with (landing / "_truth" / "battery_daily.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            day = date.fromisoformat(r["date"])
            true_soh[(r["vehicle_id"], day.replace(day=1))].append(float(r["soh_pct"]))
    estimates = con.execute(
        "select vehicle_id, month_start, soh_estimate_pct from marts.fct_battery_health_monthly "
        "where sessions_used >= 3"
    ).fetchall()
    within = [abs(est - statistics.fmean(true_soh[(v, m)])) <= 1.5 for v, m, est in estimates]
    return sum(within) / len(within), len(within)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    tmp = tmp_path_factory.mktemp("accuracy")
    wh = isolated_warehouse(tmp)
    assert (
        wh.lafa("generate", "--vehicles", "8", "--days", "40", "--seed", "11", "--out", str(wh.landing)).returncode == 0
    )
    assert wh.lafa("load", str(wh.landing)).returncode == 0
    wh.dbt("build", "-s", "+fct_battery_health_monthly", "+fct_charging_sessions", "--indirect-selection", "cautious")
    return wh


def test_charging_session_detection_against_truth(fleet: Warehouse) -> None:
    with fleet.connect() as con:
        recall, precision = session_detection(fleet.landing, con)
    assert recall >= 0.98
    assert precision >= 0.98


def test_monthly_soh_estimate_against_truth(fleet: Warehouse) -> None:
    with fleet.connect() as con:
        share, months = soh_accuracy(fleet.landing, con)
    assert months >= 8
    assert share >= 0.9


if __name__ == "__main__":  # figures for a built warehouse: python test_fleet_accuracy.py LANDING DUCKDB
    with duckdb.connect(sys.argv[2], read_only=True) as con:
        print("recall, precision:", session_detection(Path(sys.argv[1]), con))
        print("share of vehicle-months within 1.5 pt, months:", soh_accuracy(Path(sys.argv[1]), con))
