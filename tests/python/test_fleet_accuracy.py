"""Fleet and battery marts against the generator's hidden truth (issue 5's accuracy targets).

The fleet is the README's default (`lafa generate` with no options: 25 vehicles x 90 days from 2026-06-01,
seed 42). Every expected figure comes from the truth files or the landing CSVs, read here in plain Python;
the projection has its own reference in test_soh_projection.py.
"""

from __future__ import annotations

import csv
import statistics
import sys
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from conftest import Warehouse

CDMX = ZoneInfo("America/Mexico_City")
Session = tuple[str, datetime, datetime, dict[str, str]]


def _ts(text: str) -> datetime:
    """A UTC timestamp as naive UTC (how DuckDB returns the marts' timestamps)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _local_month(utc: datetime) -> date:
    return utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(CDMX).date().replace(day=1)


def _truth_sessions(landing: Path) -> list[Session]:
    with (landing / "_truth" / "charging_sessions.csv").open(newline="") as f:
        return [(r["vehicle_id"], _ts(r["started_at"]), _ts(r["ended_at"]), r) for r in csv.DictReader(f)]


def _overlaps(a: Session, b: Session) -> bool:
    """Same vehicle and a time overlap of at least 50 % of the longer of the two sessions."""
    overlap = (min(a[2], b[2]) - max(a[1], b[1])).total_seconds()
    longest = max((a[2] - a[1]).total_seconds(), (b[2] - b[1]).total_seconds(), 60.0)
    return a[0] == b[0] and overlap >= 0.5 * longest


def _pairs(truth: list[Session], detected: list[Session]) -> tuple[list[Session], list[Session], list[tuple]]:
    """Truth sessions found, detected sessions that are true, and (truth, detected) pairs."""
    by_vehicle: dict[str, list[Session]] = defaultdict(list)
    for d in detected:
        by_vehicle[d[0]].append(d)
    pairs = [(t, d) for t in truth for d in by_vehicle[t[0]] if _overlaps(t, d)]
    found = {id(t) for t, _ in pairs}
    true_detected = {id(d) for _, d in pairs}
    return (
        [t for t in truth if id(t) in found],
        [d for d in detected if id(d) in true_detected],
        pairs,
    )


def _detected(con: duckdb.DuckDBPyConnection) -> list[Session]:
    rows = con.execute(
        "select vehicle_id, started_at, ended_at, charger_type, location_type, energy_kwh "
        "from marts.fct_charging_sessions where energy_source != 'ocpp_only'"
    ).fetchall()
    return [(v, s, e, {"charger_type": c, "location_type": loc, "energy_kwh": k}) for v, s, e, c, loc, k in rows]


def session_detection(landing: Path, con: duckdb.DuckDBPyConnection) -> tuple[float, float]:
    """Recall and precision of the sessions detected from telematics."""
    truth, detected = _truth_sessions(landing), _detected(con)
    found, true_detected, _ = _pairs(truth, detected)
    return len(found) / len(truth), len(true_detected) / len(detected)


def session_attributes(landing: Path, con: duckdb.DuckDBPyConnection) -> tuple[float, float]:
    """Of matched sessions: share with the true charger and location type; share with grid energy within 2 %."""
    _, _, pairs = _pairs(_truth_sessions(landing), _detected(con))
    kinds = [
        t[3]["charger_type"] == d[3]["charger_type"] and t[3]["location_type"] == d[3]["location_type"]
        for t, d in pairs
    ]
    energy = [
        abs(d[3]["energy_kwh"] - float(t[3]["energy_grid_kwh"])) <= 0.02 * float(t[3]["energy_grid_kwh"])
        for t, d in pairs
    ]
    return sum(kinds) / len(kinds), sum(energy) / len(energy)


def soh_accuracy(landing: Path, con: duckdb.DuckDBPyConnection) -> tuple[float, int, float]:
    """Over vehicle-months with >= 3 truly qualifying sessions (SoC gain >= 30 points, local month of the
    start): share whose estimate is within 1.5 points of the month's mean true SoH (no estimate = a miss),
    how many such months, and the mean absolute error."""
    qualifying: dict[tuple[str, date], int] = defaultdict(int)
    for vehicle, started, _, r in _truth_sessions(landing):
        if float(r["soc_end_pct"]) - float(r["soc_start_pct"]) >= 30:
            qualifying[(vehicle, _local_month(started))] += 1
    true_soh: dict[tuple[str, date], list[float]] = defaultdict(list)
    with (landing / "_truth" / "battery_daily.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            day = date.fromisoformat(r["date"])
            true_soh[(r["vehicle_id"], day.replace(day=1))].append(float(r["soh_pct"]))
    estimates = {
        (v, m): est
        for v, m, est in con.execute(
            "select vehicle_id, month_start, soh_estimate_pct from marts.fct_battery_health_monthly"
        ).fetchall()
    }
    months = [key for key, n in qualifying.items() if n >= 3]
    errors = [
        abs(estimates[key] - statistics.fmean(true_soh[key])) if estimates.get(key) is not None else None
        for key in months
    ]
    within = [e is not None and e <= 1.5 for e in errors]
    return sum(within) / len(within), len(months), statistics.fmean(e for e in errors if e is not None)


def test_charging_session_detection_against_truth(default_fleet: Warehouse) -> None:
    with default_fleet.connect() as con:
        recall, precision = session_detection(default_fleet.landing, con)
        kinds, energy = session_attributes(default_fleet.landing, con)
    assert recall >= 0.98
    assert precision >= 0.98
    assert kinds >= 0.98  # charger and location type from the matched OCPP export (home when none)
    assert energy >= 0.98  # grid energy: OCPP meter delta, or telematics energy / AC efficiency at home


def test_monthly_soh_estimate_against_truth(default_fleet: Warehouse) -> None:
    with default_fleet.connect() as con:
        share, months, _ = soh_accuracy(default_fleet.landing, con)
    assert months >= 50
    assert share >= 0.9


if __name__ == "__main__":  # figures for a built warehouse: python test_fleet_accuracy.py LANDING DUCKDB
    with duckdb.connect(sys.argv[2], read_only=True) as con:
        print("recall, precision:", session_detection(Path(sys.argv[1]), con))
        print("charger/location agree, grid energy within 2 %:", session_attributes(Path(sys.argv[1]), con))
        print("SoH share within 1.5 pt, vehicle-months, mean abs error:", soh_accuracy(Path(sys.argv[1]), con))
