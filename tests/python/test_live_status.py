"""A stalled telematics feed is visible: `dbt source freshness` errors on telematics and rpt_fleet_live_status marks
every row feed_stale when the newest reading is more than var telematics_stale_after_minutes (120) behind the wall
clock; a reading 30 minutes old passes both. Readings are relative to now (the loader quarantines future ones)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from builders import envelope, ping, write_csv, write_telematics
from conftest import Warehouse

BUILD = ["build", "-s", "+rpt_fleet_live_status", "--resource-type", "seed", "--resource-type", "model"]


def _readings(name: str, vehicle_id: str, last: datetime) -> list[str]:
    """Three readings of a parked vehicle, ten minutes apart, the last one at `last`."""
    times = [last - timedelta(minutes=10 * i) for i in (2, 1, 0)]
    return [
        envelope(f"{name}-{i}", ping(vehicle_id, at.strftime("%Y-%m-%dT%H:%M:%SZ"), 60.0, 1_000_000))
        for i, at in enumerate(times)
    ]


def _freshness(wh: Warehouse) -> tuple[int, str]:
    done = wh.dbt("source", "freshness", "-s", "source:telematics", check=False)
    results = json.loads((wh.path.parent / "target" / "sources.json").read_text())["results"]
    (telematics,) = [r for r in results if r["unique_id"] == "source.lafa.telematics.telematics"]
    return done.returncode, telematics["status"]


def _live_status(wh: Warehouse) -> list[tuple]:
    return wh.query(
        "select vehicle_id, feed_stale, alert, vehicle_alert, data_lag_minutes, minutes_since_seen "
        "from marts.rpt_fleet_live_status order by vehicle_id"
    )


def test_stalled_feed_fails_freshness_and_marks_live_status(warehouse: Warehouse) -> None:
    now = datetime.now(UTC).replace(microsecond=0)

    # the vehicles export lists the vehicle (the live status shows known vehicles only)
    vehicle = {
        "vehicle_id": "veh_0001",
        "vin": "VIN1",
        "make": "BYD",
        "model": "Dolphin Mini",
        "model_year": "2025",
        "battery_capacity_kwh": "38.88",
        "acquired_at": "2026-01-05T10:00:00-06:00",
        "acquisition_cost_mxn": "358000.00",
    }
    write_csv(warehouse.landing, "vehicles", "2026-01-05.csv", [vehicle, vehicle | {"vehicle_id": "veh_0002"}])
    # the feed stopped 3 hours ago
    write_telematics(warehouse.landing, "stalled.jsonl", _readings("old", "veh_0001", now - timedelta(hours=3)))
    assert warehouse.lafa("load", str(warehouse.landing)).returncode == 0
    assert _freshness(warehouse) == (1, "error")
    warehouse.dbt(*BUILD)
    ((vehicle, stale, alert, vehicle_alert, lag, since),) = _live_status(warehouse)
    assert (vehicle, stale, alert, vehicle_alert, since) == ("veh_0001", True, "feed_stale", None, 0.0)
    assert 180 <= lag < 190, lag

    # it resumes: another vehicle reported 30 minutes ago
    write_telematics(warehouse.landing, "resumed.jsonl", _readings("new", "veh_0002", now - timedelta(minutes=30)))
    assert warehouse.lafa("load", str(warehouse.landing)).returncode == 0
    assert _freshness(warehouse) == (0, "pass")
    warehouse.dbt(*BUILD)
    rows = _live_status(warehouse)
    assert [row[:4] for row in rows] == [("veh_0001", False, None, None), ("veh_0002", False, None, None)]
    assert all(30 <= row[4] < 40 for row in rows), rows
    # veh_0001 is 150 minutes behind the fleet's newest reading: the vehicle's own clock, not the build's
    assert [row[5] for row in rows] == [150.0, 0.0]


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__]))
