"""The synthetic fleet's own invariants, checked by reading the files back (csv/json/base64 here)."""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import itertools
import json
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from lafa.simulate import FleetConfig, generate_fleet

SMALL = FleetConfig(vehicles=4, days=12, start=date(2026, 3, 1), seed=3)


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


def _truth(root: Path, name: str) -> list[dict[str, str]]:
    with (root / "_truth" / f"{name}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fleet")
    generate_fleet(SMALL, out)
    return out


@pytest.fixture(scope="module")
def pings(fleet: Path) -> list[dict]:
    seen: dict[str, dict] = {}
    for path in sorted((fleet / "telematics").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            message = json.loads(line)["message"]
            seen.setdefault(message["messageId"], json.loads(base64.b64decode(message["data"])))
    return list(seen.values())


def test_same_seed_same_bytes_different_seed_different_fleet(fleet: Path, tmp_path: Path) -> None:
    generate_fleet(SMALL, tmp_path / "again")
    assert _tree_digest(tmp_path / "again") == _tree_digest(fleet)
    other = FleetConfig(vehicles=SMALL.vehicles, days=SMALL.days, start=SMALL.start, seed=SMALL.seed + 1)
    generate_fleet(other, tmp_path / "other")
    assert _tree_digest(tmp_path / "other") != _tree_digest(fleet)


def test_gzip_telematics_hold_the_same_lines_and_the_same_seed_gives_the_same_bytes(
    fleet: Path, tmp_path: Path
) -> None:
    gz = replace(SMALL, gzip_telematics=True)
    generate_fleet(gz, tmp_path / "gz")
    plain = sorted((fleet / "telematics").glob("*.jsonl"))
    packed = sorted((tmp_path / "gz" / "telematics").glob("*"))
    assert [p.name + ".gz" for p in plain] == [p.name for p in packed]
    for path, packed_path in zip(plain, packed, strict=True):
        assert gzip.decompress(packed_path.read_bytes()) == path.read_bytes()
    assert sum(p.stat().st_size for p in packed) * 5 < sum(p.stat().st_size for p in plain)
    generate_fleet(gz, tmp_path / "gz_again")
    assert _tree_digest(tmp_path / "gz_again") == _tree_digest(tmp_path / "gz")


def test_every_contract_source_is_written(fleet: Path) -> None:
    from lafa.contract import SOURCES

    rare = {"maintenance_work_orders", "diagnostic_codes"}  # a few a month in a 4-vehicle fleet
    for source in SOURCES.values():
        assert (fleet / source.name).is_dir()
        files = list((fleet / source.name).glob(source.pattern))
        assert files or source.name in rare, f"no {source.name} files"
        if files and source.name != "telematics":
            with files[0].open(encoding="utf-8") as f:
                assert next(csv.reader(f)) == source.column_names


def test_odometer_is_monotone_and_soc_in_range_except_injected(fleet: Path, pings: list[dict]) -> None:
    manifest = json.loads((fleet / "_truth" / "manifest.json").read_text())
    glitches = {(r["vehicle_id"], r["recorded_at"]) for r in _truth(fleet, "odometer_glitches")}
    by_vehicle: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    out_of_range = 0
    for p in pings:
        if (p["vehicleId"], p["time"]) not in glitches:
            by_vehicle[p["vehicleId"]].append((_ts(p["time"]), p["obdOdometerMeters"]))
        energy = p["evChargingEnergyMicroWh"]
        if not 0 <= p["evStateOfChargeMilliPercent"] <= 100_000 or (energy is not None and energy < 0):
            out_of_range += 1
    for readings in by_vehicle.values():
        odometer = [m for _, m in sorted(readings)]
        assert odometer == sorted(odometer)
    assert out_of_range == manifest["mess"]["impossible_values"]


def test_payments_and_contracts_reference_what_exists(fleet: Path) -> None:
    contracts = {r["contract_id"] for r in _csv(fleet, "lto_contracts")}
    vehicles = {r["vehicle_id"] for r in _csv(fleet, "vehicles")}
    drivers = {r["driver_id"] for r in _csv(fleet, "drivers")}
    assert contracts
    assert {r["contract_id"] for r in _csv(fleet, "payments")} <= contracts
    assert {r["vehicle_id"] for r in _csv(fleet, "lto_contracts")} <= vehicles
    assert {r["driver_id"] for r in _csv(fleet, "credit_applications")} <= drivers
    assert {r["vehicle_id"] for r in _csv(fleet, "trips")} <= vehicles


def test_every_ocpp_session_overlaps_charging_pings_and_matches_truth(fleet: Path, pings: list[dict]) -> None:
    charging: dict[str, list[datetime]] = defaultdict(list)
    for p in pings:
        if p["evChargingStatus"] == 2:
            charging[p["vehicleId"]].append(_ts(p["time"]))
    with (fleet / "_truth" / "charging_sessions.csv").open(newline="") as f:
        truth = {r["ocpp_session_id"]: r for r in csv.DictReader(f) if r["ocpp_session_id"]}
    sessions = _csv(fleet, "charging_sessions")
    assert sessions
    for s in sessions:
        t = truth[s["session_id"]]
        vehicle = t["vehicle_id"]
        assert s["vehicle_id"] in ("", vehicle)
        start, stop = _ts(s["started_at"]), _ts(s["stopped_at"])
        assert any(start <= at <= stop for at in charging[vehicle]), s["session_id"]
        efficiency = 0.93 if t["charger_type"] == "dc" else 0.90
        grid_wh = int(s["meter_stop_wh"]) - int(s["meter_start_wh"])
        assert grid_wh == pytest.approx(float(t["energy_battery_kwh"]) * 1000 / efficiency, abs=1.0)


def test_truth_state_of_health_is_plausible(fleet: Path) -> None:
    with (fleet / "_truth" / "battery_daily.csv").open(newline="") as f:
        soh = [float(r["soh_pct"]) for r in csv.DictReader(f)]
    assert soh
    assert all(60 < s <= 100 for s in soh)


def test_ping_interval_is_configurable_and_the_device_reads_on_its_own_clock(tmp_path: Path) -> None:
    every_5_min = FleetConfig(vehicles=2, days=3, start=date(2026, 3, 1), seed=9, ping_seconds=300)
    generate_fleet(every_5_min, tmp_path / "slow")
    generate_fleet(FleetConfig(vehicles=2, days=3, start=date(2026, 3, 1), seed=9), tmp_path / "fast")

    def readings(root: Path) -> list[dict]:
        found = {}
        for path in (root / "telematics").glob("*.jsonl"):
            for line in path.read_text(encoding="utf-8").splitlines():
                message = json.loads(line)["message"]
                found[message["messageId"]] = json.loads(base64.b64decode(message["data"]))
        return list(found.values())

    slow, fast = readings(tmp_path / "slow"), readings(tmp_path / "fast")
    assert 0.15 < len(slow) / len(fast) < 0.3
    charging = sorted((p["vehicleId"], _ts(p["time"])) for p in slow if p["evChargingStatus"] == 2)
    sessions = _truth(tmp_path / "slow", "charging_sessions")
    assert sessions
    for s in sessions:
        start, end = _ts(s["started_at"]), _ts(s["ended_at"])
        times = [at for vehicle, at in charging if vehicle == s["vehicle_id"] and start <= at <= end]
        assert times[0] - start < timedelta(seconds=300)  # the first reading anywhere inside the interval
        assert end - times[-1] < timedelta(seconds=300)  # and the stop too
        assert {(b - a).total_seconds() for a, b in itertools.pairwise(times)} <= {300.0}  # no dropout here
    assert (
        sum(
            1
            for vehicle, at in charging
            if not any(
                s["vehicle_id"] == vehicle and _ts(s["started_at"]) <= at <= _ts(s["ended_at"]) for s in sessions
            )
        )
        == 0
    )


def test_bad_ping_interval_is_a_one_line_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "lafa.cli", "generate", "--ping-seconds", "90", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: --ping-seconds must be a multiple of 60")
    assert "Traceback" not in done.stderr
