"""An incremental run after one more day of telematics (with messages two and ten days late) equals a full refresh."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import duckdb
import pytest
from builders import envelope, ping, write_csv, write_telematics
from conftest import Warehouse, isolated_warehouse

START, DAYS = date(2026, 4, 1), 8
MODELS = {
    "staging.stg_telematics__vehicle_stats": "message_id, published_at, loaded_at, source_file, source_row_number",
    "intermediate.int_fleet__telematics_intervals": "vehicle_id, recorded_at",
    "intermediate.int_fleet__charging_sessions": "session_id",
    "marts.fct_vehicle_daily": "vehicle_id, activity_date",
    "marts.fct_charging_sessions": "session_id",
    "marts.fct_battery_health_monthly": "vehicle_id, month_start",
    "intermediate.int_fleet__vehicle_latest_readings": "vehicle_id",
    "marts.rpt_fleet_live_status": "vehicle_id",
    "marts.fct_battery_soh_projection": "vehicle_id",
    "marts.dim_vehicles": "vehicle_id",
}


def _late_messages() -> list[str]:
    """Readings of veh_0098 (a test vehicle, so no generated reading interleaves) from two days before the last day,
    published on the last day: a short
    charging session at 03:00-03:20 local and driving pings at 04:00-04:09 local."""
    day = START + timedelta(days=DAYS - 3)
    lines = []
    for i in range(21):
        at = f"{day}T09:{i:02d}:30Z"
        lines.append(
            envelope(
                f"late-c{i}",
                ping("veh_0098", at, 50 + i, 9_000_000, charging=True, energy_wh=300 * i),
                publish_time=f"{START + timedelta(days=DAYS - 1)}T12:00:00Z",
            )
        )
    for i in range(10):
        at = f"{day}T10:{i:02d}:30Z"
        lines.append(
            envelope(
                f"late-d{i}",
                ping("veh_0098", at, 70 - i, 9_000_000 + 400 * i),
                publish_time=f"{START + timedelta(days=DAYS - 1)}T12:05:00Z",
            )
        )
    return lines


def _very_late_messages() -> list[str]:
    """Readings of veh_0098 ten days before the last day (before the fleet's first day), published on the last day:
    beyond the 3-day lookback, at 02:00-02:04 local."""
    day = START + timedelta(days=DAYS - 11)
    publish = f"{START + timedelta(days=DAYS - 1)}T13:00:00Z"
    return [envelope(f"very-late-{i}", ping("veh_0098", f"{day}T08:0{i}:15Z", 33, 2_500), publish) for i in range(5)]


def _early_messages() -> list[str]:
    """Five readings of veh_0099 (a test vehicle) on the second day only: the vehicle falls silent long before the
    days an incremental run rebuilds, so its latest reading must survive the run untouched."""
    day = START + timedelta(days=1)
    return [envelope(f"early-{i}", ping("veh_0099", f"{day}T18:0{i}:00Z", 60 - i, 1_000 + 300 * i)) for i in range(5)]


def _test_vehicle(vehicle_id: str) -> dict[str, object]:
    return {
        "vehicle_id": vehicle_id,
        "vin": f"VIN{vehicle_id}",
        "make": "BYD",
        "model": "Dolphin Mini",
        "model_year": 2026,
        "battery_capacity_kwh": "38.88",
        "acquired_at": f"{START}T10:00:00-06:00",
        "acquisition_cost_mxn": "358800.00",
    }


def _snapshot(wh: Warehouse) -> dict[str, list[tuple]]:
    # the live status carries its build's wall clock (built_at and the lag behind it): not comparable across builds
    wall_clock = {"marts.rpt_fleet_live_status": " exclude (built_at, data_lag_minutes)"}
    return {
        table: wh.query(f"select *{wall_clock.get(table, '')} from {table} order by {key}")
        for table, key in MODELS.items()
    }


def test_incremental_day_with_late_messages_equals_full_refresh(tmp_path) -> None:
    wh = isolated_warehouse(tmp_path)
    full = tmp_path / "fleet"
    assert (
        wh.lafa(
            "generate", "--vehicles", "3", "--days", str(DAYS), "--start", str(START), "--seed", "5", "--out", str(full)
        ).returncode
        == 0
    )
    # first load: everything but the telematics published on the last day (and after)
    last_day = START + timedelta(days=DAYS - 1)
    held_back = [p for p in (full / "telematics").glob("*.jsonl") if date.fromisoformat(p.stem) >= last_day]
    assert held_back
    shutil.copytree(
        full, wh.landing, ignore=lambda d, names: [n for n in names if (full / "telematics" / n) in held_back]
    )
    write_telematics(wh.landing, "early.jsonl", _early_messages())
    write_csv(wh.landing, "vehicles", "test_vehicles.csv", [_test_vehicle("veh_0098"), _test_vehicle("veh_0099")])
    assert wh.lafa("load", str(wh.landing)).returncode == 0
    # seeds and every model (their data and unit tests run in the end-to-end test)
    wh.dbt("build", "--full-refresh", "--resource-type", "seed", "--resource-type", "model")
    before = wh.query("select count(*) from staging.stg_telematics__vehicle_stats")[0][0]

    # one more day arrives, with readings two days late
    for path in held_back:
        shutil.copy(path, wh.landing / "telematics" / path.name)
    write_telematics(wh.landing, "late.jsonl", _late_messages())
    write_telematics(wh.landing, "very_late.jsonl", _very_late_messages())
    very_late_day = START + timedelta(days=DAYS - 11)
    pings_before = wh.query(
        "select pings from marts.fct_vehicle_daily where vehicle_id = 'veh_0098' and activity_date = ?", [very_late_day]
    )
    assert wh.lafa("load", str(wh.landing)).returncode == 0
    wh.dbt("build", "-s", "source:telematics+")  # incremental, with the data tests of every model it touches
    incremental = _snapshot(wh)
    # ten days late, beyond the lookback: the day is rebuilt because it received readings since the last build
    assert wh.query(
        "select pings from marts.fct_vehicle_daily where vehicle_id = 'veh_0098' and activity_date = ?", [very_late_day]
    ) == [((pings_before[0][0] if pings_before else 0) + 5,)]
    last_built = wh.query("select max(recorded_date) from intermediate.int_fleet__telematics_intervals")[0][0]
    assert wh.query(
        "select strftime(recorded_at, '%H:%M'), recorded_date < ? from intermediate.int_fleet__vehicle_latest_readings "
        "where vehicle_id = 'veh_0099'",
        [last_built - timedelta(days=5)],
    ) == [("18:04", True)]  # before any day the run rebuilt: kept, not recomputed
    assert wh.query("select count(*) from staging.stg_telematics__vehicle_stats")[0][0] > before
    late_day = START + timedelta(days=DAYS - 3)
    assert wh.query(
        "select count(*) from marts.fct_charging_sessions where vehicle_id = 'veh_0098' "
        f"and started_at = '{late_day} 09:00:30'"
    ) == [(1,)]

    wh.dbt("run", "--full-refresh", "-s", "source:telematics+")
    refreshed = _snapshot(wh)
    for table in MODELS:
        assert incremental[table] == refreshed[table], table

    # var data_tests_recent_days (the daily job): tests read only the last N days of the event-partitioned models
    first_day, last_built = wh.query(
        "select min(recorded_date), max(recorded_date) from intermediate.int_fleet__telematics_intervals"
    )[0]
    recent = ["--vars", "{data_tests_recent_days: 3}"]
    unique_test = ["-s", "test_name:unique_within,int_fleet__telematics_intervals"]
    assert wh.dbt("test", *unique_test, *recent).returncode == 0
    for day, caught_by_recent in ((first_day, False), (last_built - timedelta(days=2), True)):
        with duckdb.connect(str(wh.path)) as con:  # a second copy of one reading of that day
            con.execute(
                "insert into intermediate.int_fleet__telematics_intervals "
                "select * from intermediate.int_fleet__telematics_intervals where recorded_date = ? limit 1",
                [day],
            )
        assert wh.dbt("test", *unique_test, check=False).returncode == 1, day  # every row: always caught
        assert (wh.dbt("test", *unique_test, *recent, check=False).returncode == 1) is caught_by_recent, day

    # the live-status guard: a vehicle missing from the live status fails it; with the var it checks only vehicles
    # that reported in the last N days (veh_0099 went silent on day 2), and still a live row behind a reading
    guard = ["-s", "assert_live_status_matches_latest_readings"]
    with duckdb.connect(str(wh.path)) as con:
        con.execute("delete from marts.rpt_fleet_live_status where vehicle_id = 'veh_0099'")
    assert wh.dbt("test", *guard, check=False).returncode == 1
    assert wh.dbt("test", *guard, *recent).returncode == 0
    with duckdb.connect(str(wh.path)) as con:  # a vehicle that reported in the checked days
        con.execute(
            "update marts.rpt_fleet_live_status set last_seen_at = last_seen_at - interval 1 minute "
            "where vehicle_id = (select min(vehicle_id) from intermediate.int_fleet__telematics_intervals "
            "where recorded_date >= ? and vehicle_id like 'veh_000%')",
            [last_built - timedelta(days=2)],
        )
    assert wh.dbt("test", *guard, *recent, check=False).returncode == 1


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__]))
