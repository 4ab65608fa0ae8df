"""The synthetic fleet (lafa.generate): determinism and invariants, checked by reading the files back."""

from __future__ import annotations

import base64
import csv
import hashlib
import itertools
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median

import pytest

from lafa.generate import FleetConfig, generate_fleet

SMALL = FleetConfig(vehicles=4, days=10, start=date(2026, 6, 1), seed=7)
EFFICIENCY = {"ac": 0.90, "dc": 0.93}
REQUIRED = {
    "vehicles": "vehicle_id,vin,make,model,model_year,battery_capacity_kwh,acquired_at,acquisition_cost_mxn",
    "drivers": "driver_id,full_name,phone,curp,onboarded_at,home_zone_id",
    "credit_applications": "application_id,driver_id,applied_at,platform,platform_tenure_months,platform_rating,"
    "weekly_earnings_mxn,decision",
    "lto_contracts": "contract_id,application_id,driver_id,vehicle_id,signed_at,first_due_date,term_weeks,"
    "weekly_payment_mxn,down_payment_mxn,status,closed_at",
    "payments": "payment_id,contract_id,paid_at,amount_mxn,method,status",
    "charging_sessions": "session_id,station_id,connector_type,id_tag,vehicle_id,started_at,stopped_at,"
    "meter_start_wh,meter_stop_wh,price_mxn",
    "trips": "trip_id,driver_id,vehicle_id,platform,started_at,ended_at,distance_km,fare_mxn,pickup_zone_id,"
    "dropoff_zone_id",
    "maintenance_work_orders": "work_order_id,vehicle_id,opened_at,closed_at,kind,component,odometer_km,"
    "parts_cost_mxn,labor_cost_mxn",
    "diagnostic_codes": "vehicle_id,recorded_at,code,severity",
    "vehicle_costs": "cost_id,vehicle_id,month,category,amount_mxn",
    "warehouse_jobs": "job_id,creation_time,user_email,job_type,statement_type,total_bytes_billed,cache_hit",
}


@dataclass
class Fleet:
    root: Path
    manifest: dict
    pings: list[dict]  # decoded payloads, one per messageId, plus the envelope's publishTime and file
    lines: int


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _csv(root: Path, source: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted((root / source).glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            rows.extend(csv.DictReader(f))
    return rows


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _clean(text: str) -> str:
    return text.strip().lower()


def _read(root: Path) -> Fleet:
    pings: dict[str, dict] = {}
    envelopes: dict[str, str] = {}
    lines = 0
    for path in sorted((root / "telematics").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            lines += 1
            envelope = json.loads(line)
            message = envelope["message"]
            mid = message["messageId"]
            if mid in envelopes:
                assert envelopes[mid] == line, "a duplicate delivery is the identical envelope"
                continue
            envelopes[mid] = line
            assert envelope["subscription"] == "projects/lafa-prod/subscriptions/telematics-push"
            assert message["attributes"] == {"provider": "samsara", "schema": "vehicle_stats.v1"}
            published = _ts(message["publishTime"])
            assert published.date().isoformat() == path.stem, "a file holds the messages published that UTC day"
            payload = json.loads(base64.b64decode(message["data"]))
            payload["_published"] = published
            payload["_at"] = _ts(payload["time"])
            pings[mid] = payload
    manifest = json.loads((root / "_truth" / "manifest.json").read_text())
    return Fleet(root, manifest, list(pings.values()), lines)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    out = tmp_path_factory.mktemp("fleet")
    messages: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAFA_GENERATE_WORKERS", "1")
        counts = generate_fleet(SMALL, out, progress=messages.append)
    assert len(messages) == SMALL.days
    result = _read(out)
    assert counts == result.manifest["rows"]
    return result


def _vehicle_pings(fleet: Fleet) -> dict[str, list[dict]]:
    by_vehicle: dict[str, list[dict]] = defaultdict(list)
    for p in fleet.pings:
        by_vehicle[p["vehicleId"]].append(p)
    for pings in by_vehicle.values():
        pings.sort(key=lambda p: p["_at"])
    return by_vehicle


def test_same_seed_same_bytes_different_seed_different_bytes(fleet: Fleet, tmp_path: Path) -> None:
    generate_fleet(SMALL, tmp_path / "again")
    assert _tree_digest(tmp_path / "again") == _tree_digest(fleet.root)
    generate_fleet(replace(SMALL, seed=SMALL.seed + 1), tmp_path / "other")
    assert _tree_digest(tmp_path / "other") != _tree_digest(fleet.root)


def test_regenerating_into_a_used_folder_leaves_only_this_runs_files(fleet: Fleet, tmp_path: Path) -> None:
    out = tmp_path / "reused"
    generate_fleet(replace(SMALL, days=12), out)
    generate_fleet(SMALL, out)
    assert _tree_digest(out) == _tree_digest(fleet.root)


def test_every_folder_has_the_contract_header(fleet: Fleet) -> None:
    for source, header in REQUIRED.items():
        files = sorted((fleet.root / source).glob("*.csv"))
        rare = source in ("maintenance_work_orders", "diagnostic_codes")
        assert files or rare, f"no {source} files"
        for path in files:
            with path.open(encoding="utf-8") as f:
                assert f.readline().rstrip("\n") == header, path
    assert sorted((fleet.root / "telematics").glob("*.jsonl"))
    assert fleet.manifest["rows"]["telematics"] == fleet.lines


def test_payload_fields_and_units(fleet: Fleet) -> None:
    keys = {
        "vehicleId", "vin", "time", "evStateOfChargeMilliPercent", "evChargingStatus", "evChargingEnergyMicroWh",
        "obdOdometerMeters", "evAverageBatteryTemperatureMilliCelsius", "evBatteryStateOfHealthMilliPercent", "gps",
    }  # fmt: skip
    soh_present = 0
    for p in fleet.pings:
        assert keys <= p.keys()
        assert p["time"].endswith("Z")
        assert p["evChargingStatus"] in (0, 1, 2)
        assert (p["evChargingEnergyMicroWh"] is None) == (p["evChargingStatus"] != 2)
        if p["gps"] is not None:
            assert 19.2 <= p["gps"]["latitude"] <= 19.6 and -99.3 <= p["gps"]["longitude"] <= -98.95
            assert 0 <= p["gps"]["speedMilesPerHour"] < 80
        assert 0 < p["evAverageBatteryTemperatureMilliCelsius"] < 60_000
        if p["evBatteryStateOfHealthMilliPercent"] is not None:
            soh_present += 1
            assert p["evBatteryStateOfHealthMilliPercent"] % 1000 == 0
        assert p["_published"] >= p["_at"]
    assert 0.005 < soh_present / len(fleet.pings) < 0.05


def test_odometer_monotone_and_soc_in_range_except_injected(fleet: Fleet) -> None:
    above = negative = 0
    for pings in _vehicle_pings(fleet).values():
        odometers = [p["obdOdometerMeters"] for p in pings]
        assert odometers == sorted(odometers)
        for p in pings:
            soc = p["evStateOfChargeMilliPercent"]
            assert soc >= 0
            above += soc > 100_000
            negative += (p["evChargingEnergyMicroWh"] or 0) < 0
    assert above == fleet.manifest["mess"]["impossible_soc"]
    assert negative == fleet.manifest["mess"]["negative_energy"]


def test_mess_is_present_at_about_the_documented_rates(fleet: Fleet) -> None:
    mess, rows = fleet.manifest["mess"], fleet.manifest["rows"]
    unique = len(fleet.pings)
    assert rows["telematics"] == unique + mess["duplicates"]
    assert 0.002 < mess["duplicates"] / unique < 0.01
    assert 0.005 < mess["late"] / unique < 0.02
    assert sum(p["gps"] is None for p in fleet.pings) == mess["gps_dropouts"]
    late_files = sum(p["_published"].date() > p["_at"].date() for p in fleet.pings)
    assert late_files > 0, "some messages land in a later day's file"
    assert mess["dirty_categories"] > 0
    assert set(fleet.manifest["mess_rates"]) >= {"duplicate_rate", "late_rate", "gps_dropout_rate"}


def test_events_reference_known_vehicles_drivers_and_contracts(fleet: Fleet) -> None:
    vehicles = {r["vehicle_id"] for r in _csv(fleet.root, "vehicles")}
    assert len(vehicles) == SMALL.vehicles
    assert {p["vehicleId"] for p in fleet.pings} <= vehicles
    for source in ("trips", "charging_sessions", "maintenance_work_orders", "diagnostic_codes", "vehicle_costs"):
        ids = {r["vehicle_id"] for r in _csv(fleet.root, source)} - {""}
        assert ids <= vehicles, source
    drivers = {r["driver_id"] for r in _csv(fleet.root, "drivers")}
    assert {r["driver_id"] for r in _csv(fleet.root, "trips")} <= drivers
    assert {r["driver_id"] for r in _csv(fleet.root, "credit_applications")} <= drivers
    contracts = _csv(fleet.root, "lto_contracts")
    apps = {r["application_id"]: r for r in _csv(fleet.root, "credit_applications")}
    for c in contracts:
        assert _clean(apps[c["application_id"]]["decision"]) == "approved"
        assert c["vehicle_id"] in vehicles
        signed = _ts(c["signed_at"])
        assert date.fromisoformat(c["first_due_date"]) == signed.date() + timedelta(days=7)
        assert (c["closed_at"] == "") == (_clean(c["status"]) == "active")
    ids = {c["contract_id"] for c in contracts}
    payments = _csv(fleet.root, "payments")
    assert payments and {p["contract_id"] for p in payments} <= ids
    for p in payments:
        assert p["paid_at"].endswith("Z")
        assert _clean(p["method"]) in ("oxxo", "spei", "card", "cash")
        assert _clean(p["status"]) in ("succeeded", "failed", "reversed")


def test_csv_timestamps_carry_offsets(fleet: Fleet) -> None:
    checks = {
        "trips": ("started_at", "-06:00"),
        "charging_sessions": ("started_at", "-06:00"),
        "payments": ("paid_at", "Z"),
        "warehouse_jobs": ("creation_time", "Z"),
        "drivers": ("onboarded_at", "-06:00"),
    }
    for source, (column, suffix) in checks.items():
        for row in _csv(fleet.root, source):
            assert row[column].endswith(suffix), (source, row[column])


def _truth_sessions(fleet: Fleet) -> list[dict[str, str]]:
    with (fleet.root / "_truth" / "charging_sessions.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_ocpp_sessions_overlap_telematics_charging_of_the_same_vehicle(fleet: Fleet) -> None:
    by_vehicle = _vehicle_pings(fleet)
    ocpp = _csv(fleet.root, "charging_sessions")
    tag_vehicle = {r["id_tag"]: r["vehicle_id"] for r in ocpp if r["vehicle_id"]}
    assert ocpp
    for row in ocpp:
        vehicle = row["vehicle_id"] or tag_vehicle[row["id_tag"]]
        start, stop = _ts(row["started_at"]), _ts(row["stopped_at"])
        inside = [p["_at"] for p in by_vehicle[vehicle] if p["evChargingStatus"] == 2 and start <= p["_at"] <= stop]
        assert inside, f"OCPP {row['session_id']} has no charging pings of {vehicle}"
        assert timedelta(0) < min(inside) - start <= timedelta(minutes=2)
        assert timedelta(0) < stop - max(inside) <= timedelta(minutes=2)
        assert int(row["meter_stop_wh"]) > int(row["meter_start_wh"]) >= 0


def test_truth_sessions_match_ocpp_and_physics(fleet: Fleet) -> None:
    truth = _truth_sessions(fleet)
    ocpp = {r["session_id"]: r for r in _csv(fleet.root, "charging_sessions")}
    with (fleet.root / "_truth" / "battery_daily.csv").open(encoding="utf-8") as f:
        capacity = {(r["vehicle_id"], r["date"]): float(r["usable_capacity_kwh"]) for r in csv.DictReader(f)}
    assert {t["ocpp_session_id"] for t in truth} - {""} == set(ocpp)
    assert {t["location_type"] for t in truth if not t["ocpp_session_id"]} <= {"home"}
    gains = []
    for t in truth:
        battery = float(t["energy_battery_kwh"])
        gain = float(t["soc_end_pct"]) - float(t["soc_start_pct"])
        gains.append(gain)
        # the capacity of the vehicle-day the session belongs to: its local start date, or the day before for a
        # session plugged in after midnight at the end of a late shift
        local_day = (_ts(t["started_at"]) - timedelta(hours=6)).date()
        candidates = [capacity.get((t["vehicle_id"], (local_day - timedelta(days=k)).isoformat())) for k in (0, 1)]
        assert any(c is not None and abs(battery - gain / 100 * c) < 1e-4 for c in candidates)
        assert float(t["energy_grid_kwh"]) == pytest.approx(battery / EFFICIENCY[t["charger_type"]], abs=1e-5)
        if t["ocpp_session_id"]:
            row = ocpp[t["ocpp_session_id"]]
            grid_wh = int(row["meter_stop_wh"]) - int(row["meter_start_wh"])
            assert abs(grid_wh - battery * 1000 / EFFICIENCY[t["charger_type"]]) <= 1
            assert _clean(row["connector_type"]) == t["charger_type"]
            assert (t["location_type"] == "public") == (t["charger_type"] == "dc")
    assert sum(g >= 30 for g in gains) >= len(gains) / 3, "many sessions gain 30+ SoC points"


def test_sessions_are_apart_and_pinged_throughout(fleet: Fleet) -> None:
    by_vehicle = _vehicle_pings(fleet)
    sessions: dict[str, list[dict[str, str]]] = defaultdict(list)
    for t in _truth_sessions(fleet):
        sessions[t["vehicle_id"]].append(t)
    for vehicle, rows in sessions.items():
        rows.sort(key=lambda t: t["started_at"])
        for a, b in itertools.pairwise(rows):
            assert _ts(b["started_at"]) - _ts(a["ended_at"]) >= timedelta(minutes=30)
        charging = [p for p in by_vehicle[vehicle] if p["evChargingStatus"] == 2]
        for t in rows:
            start, end = _ts(t["started_at"]), _ts(t["ended_at"])
            inside = [p for p in charging if start <= p["_at"] <= end]
            assert inside[0]["_at"] == start and inside[-1]["_at"] == end
            gaps = [(b["_at"] - a["_at"]).total_seconds() for a, b in itertools.pairwise(inside)]
            assert max(gaps, default=0) <= SMALL.ping_seconds
            # the session's SoC endpoints and energy are what telematics reports
            assert abs(inside[0]["evStateOfChargeMilliPercent"] - float(t["soc_start_pct"]) * 1000) <= 1
            assert abs(inside[-1]["evStateOfChargeMilliPercent"] - float(t["soc_end_pct"]) * 1000) <= 1
            energy = inside[-1]["evChargingEnergyMicroWh"]
            assert abs(energy / 1e9 - float(t["energy_battery_kwh"])) < 1e-5


def test_truth_battery_and_drivers(fleet: Fleet) -> None:
    with (fleet.root / "_truth" / "battery_daily.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(60 < float(r["soh_pct"]) <= 100 for r in rows)
    by_vehicle: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        by_vehicle[r["vehicle_id"]].append(float(r["usable_capacity_kwh"]))
    for capacities in by_vehicle.values():
        assert capacities == sorted(capacities, reverse=True), "capacity only fades"
    with (fleet.root / "_truth" / "drivers.csv").open(encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    assert {t["driver_id"] for t in truth} == {r["driver_id"] for r in _csv(fleet.root, "drivers")}
    assert all(0 <= float(t["latent_risk"]) <= 1 for t in truth)


def test_driving_days_look_like_ride_hailing(fleet: Fleet) -> None:
    km_per_day = []
    kwh_per_km = []
    capacity = {r["vehicle_id"]: float(r["battery_capacity_kwh"]) for r in _csv(fleet.root, "vehicles")}
    for vehicle, pings in _vehicle_pings(fleet).items():
        days: dict[date, list[dict]] = defaultdict(list)
        for p in pings:
            days[(p["_at"] - timedelta(hours=6)).date()].append(p)
        for day_pings in days.values():
            driving = [
                p for p in day_pings if p["evChargingStatus"] != 2 and p["evStateOfChargeMilliPercent"] <= 100_000
            ]
            if len(driving) < 300:
                continue
            km = (driving[-1]["obdOdometerMeters"] - driving[0]["obdOdometerMeters"]) / 1000
            km_per_day.append(km)
            drop = 0.0
            for a, b in itertools.pairwise(driving):
                if b["obdOdometerMeters"] >= a["obdOdometerMeters"]:
                    drop += max(0, a["evStateOfChargeMilliPercent"] - b["evStateOfChargeMilliPercent"]) / 1000
            kwh_per_km.append(drop / 100 * capacity[vehicle] / km)
    assert km_per_day
    assert 150 <= median(km_per_day) <= 300
    assert 0.12 <= median(kwh_per_km) <= 0.20


def test_ping_interval_is_configurable(tmp_path: Path) -> None:
    config = FleetConfig(vehicles=2, days=3, start=date(2026, 6, 1), seed=1, ping_seconds=300)
    generate_fleet(config, tmp_path)
    fleet = _read(tmp_path)
    times = sorted(p["_at"] for p in fleet.pings if p["vehicleId"] == "veh_0001")
    gaps = Counter(int((b - a).total_seconds()) for a, b in itertools.pairwise(times))
    assert gaps.most_common(1)[0][0] == 300
    with pytest.raises(ValueError):
        generate_fleet(replace(config, ping_seconds=1_000), tmp_path / "bad")


def test_publish_date_files_and_late_delivery(fleet: Fleet) -> None:
    late = [p for p in fleet.pings if p["_published"] - p["_at"] > timedelta(minutes=4)]
    assert late
    assert all(p["_published"] - p["_at"] <= timedelta(hours=48, seconds=10) for p in late)
    assert datetime(2026, 6, 1, 6, tzinfo=UTC) <= min(p["_at"] for p in fleet.pings)


def test_worker_processes_write_the_same_bytes(fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAFA_GENERATE_WORKERS", "2")
    generate_fleet(SMALL, tmp_path / "parallel")
    assert _tree_digest(tmp_path / "parallel") == _tree_digest(fleet.root)
