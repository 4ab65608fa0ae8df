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

import duckdb
import pytest
from conftest import Warehouse

from lafa.simulate import FleetConfig, generate_fleet

# one xdist worker builds conftest.default_fleet once for every module that reads it (make test: -n 2)
pytestmark = pytest.mark.xdist_group("default_fleet")

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


# --- the default demo fleet (`lafa generate` with no options) holds every real-feed case -------------------


@pytest.fixture(scope="module")
def default_landing(default_fleet: Warehouse) -> Path:
    """The landing folder of conftest's default fleet (`lafa generate` with no options), generated once per run."""
    return default_fleet.landing


@pytest.fixture(scope="module")
def feed(default_landing: Path) -> duckdb.DuckDBPyConnection:
    """Every telematics reading once (first delivery), with its file and publish time, plus the truth files."""
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute(
        f"""
        create table readings as
        with lines as (
            select message.messageId as message_id, message.publishTime as published, message.data as data, filename
            from read_json('{default_landing}/telematics/*.jsonl', format = 'newline_delimited', filename = true,
                           columns = {{'message': 'struct(data varchar, messageId varchar, publishTime varchar)'}})
        ),
        decoded as (select message_id, published, filename, decode(from_base64(data))::json as p from lines)
        select distinct on (message_id)
            p->>'vehicleId' as vehicle_id,
            replace(p->>'time', 'Z', '')::timestamp as read_at,
            (p->>'evChargingStatus')::int as status,
            (p->>'evChargingEnergyMicroWh')::bigint as energy_uwh,
            (p->>'obdOdometerMeters')::bigint as odometer_m,
            (p->>'evStateOfChargeMilliPercent')::int as soc_milli,
            replace(published, 'Z', '')::timestamp as published_at,
            parse_filename(filename, true) as file_date
        from decoded
        order by message_id, filename
        """
    )
    for name in ("charging_sessions", "telematics_dropouts", "replugs", "odometer_glitches", "vehicle_daily_km"):
        con.execute(
            f"create table {name} as select * from read_csv('{default_landing}/_truth/{name}.csv', all_varchar = true)"
        )
    con.execute(
        """
        create table sessions as
        select *, replace(started_at, 'Z', '')::timestamp as start_at, replace(ended_at, 'Z', '')::timestamp as end_at
        from charging_sessions
        """
    )
    return con


def test_the_default_fleet_holds_every_case_and_the_doc_lists_it(default_landing: Path) -> None:
    mess = json.loads((default_landing / "_truth" / "manifest.json").read_text())["mess"]
    doc = (Path(__file__).parents[2] / "docs" / "generator.md").read_text(encoding="utf-8")
    assert {k: n for k, n in mess.items() if n < 1} == {}
    assert [k for k in mess if f"`{k}`" not in doc] == []


def test_charging_readings_start_inside_the_interval_with_energy_already_delivered(
    feed: duckdb.DuckDBPyConnection,
) -> None:
    first, last, energy, before, after = feed.execute(
        """
        select
            count(*) filter (where first_at >= start_at + interval 1 second),
            count(*) filter (where last_at <= end_at - interval 1 second),
            count(*) filter (where first_at > start_at and first_energy > 0),
            count(*) filter (where first_at < start_at or first_at >= start_at + interval 60 second),
            count(*) filter (where last_at > end_at or last_at <= end_at - interval 60 second)
        from (
            select s.start_at, s.end_at, min(r.read_at) as first_at, max(r.read_at) as last_at,
                arg_min(r.energy_uwh, r.read_at) as first_energy
            from sessions as s
            join readings as r on r.vehicle_id = s.vehicle_id and r.read_at between s.start_at and s.end_at
            where r.status = 2
            group by all
        )
        """
    ).fetchall()[0]
    sessions = feed.execute("select count(*) from sessions").fetchall()[0][0]
    assert first > 0.9 * sessions and last > 0.9 * sessions and energy > 0.9 * sessions
    assert (before, after) == (0, 0)  # within one ping interval of the true plug-in and stop
    outside = feed.execute(
        """
        select count(*) from readings as r
        where r.status = 2 and not exists (
            select 1 from sessions as s where s.vehicle_id = r.vehicle_id and r.read_at between s.start_at and s.end_at
        )
        """
    ).fetchall()[0][0]
    assert outside == 0


def test_vehicles_park_before_plug_in_and_sometimes_after_the_stop(feed: duckdb.DuckDBPyConnection) -> None:
    parked_before, parked_after, drove_off = feed.execute(
        """
        with around as (
            select
                s.vehicle_id, s.start_at, s.end_at,
                (select arg_max(odometer_m, read_at) from readings as r
                 where r.vehicle_id = s.vehicle_id and r.status = 1
                   and r.read_at < s.start_at and r.read_at > s.start_at - interval 3 minute) as odometer_before,
                (select arg_min(odometer_m, read_at) from readings as r
                 where r.vehicle_id = s.vehicle_id and r.status = 1
                   and r.read_at > s.end_at and r.read_at < s.end_at + interval 60 second) as odometer_after,
                (select min(odometer_m) from readings as r
                 where r.vehicle_id = s.vehicle_id and r.read_at between s.start_at and s.end_at) as odometer_charging
            from sessions as s
        )
        select
            count(*) filter (where odometer_before = odometer_charging),
            count(*) filter (where odometer_after = odometer_charging),
            count(*) filter (where odometer_after > odometer_charging)
        from around
        """
    ).fetchall()[0]
    assert parked_before > 0 and parked_after > 0 and drove_off > 0


def test_dropouts_leave_no_readings_and_readings_on_both_sides(feed: duckdb.DuckDBPyConnection) -> None:
    rows = feed.execute(
        """
        with d as (
            select vehicle_id, during, replace(started_at, 'Z', '')::timestamp as a,
                replace(ended_at, 'Z', '')::timestamp as b
            from telematics_dropouts
        )
        select
            d.during,
            (select count(*) from readings as r
             where r.vehicle_id = d.vehicle_id and r.read_at >= d.a and r.read_at < d.b),
            (select count(*) from readings as r where r.vehicle_id = d.vehicle_id and r.read_at < d.a
                and r.read_at >= d.a - interval 60 second and (r.status = 2) = (d.during <> 'driving')),
            (select count(*) from readings as r where r.vehicle_id = d.vehicle_id and r.read_at >= d.b
                and r.read_at < d.b + interval 60 second and (r.status = 2) = (d.during <> 'driving')),
            (select count(*) from sessions as s
             where s.vehicle_id = d.vehicle_id and d.a > s.start_at and d.b < s.end_at) as inside_session,
            datediff('minute', d.a, d.b)
        from d
        """
    ).fetchall()
    assert {during for during, *_ in rows} == {"depot_charging", "home_charging", "driving"}
    for during, inside, before, after, in_session, minutes in rows:
        assert (inside, before, after) == (0, 1, 1)
        assert in_session == (0 if during == "driving" else 1)
        assert 5 <= minutes <= 60


def test_a_replug_is_two_sessions_and_two_ocpp_exports_a_short_drive_apart(
    default_landing: Path, feed: duckdb.DuckDBPyConnection
) -> None:
    exports = {r["session_id"] for r in _csv(default_landing, "charging_sessions")}
    truth = {(r["vehicle_id"], r["ocpp_session_id"]): r for r in _truth(default_landing, "charging_sessions")}
    replugs = _truth(default_landing, "replugs")
    assert replugs
    for r in replugs:
        first = truth[(r["vehicle_id"], r["first_ocpp_session_id"])]
        second = truth[(r["vehicle_id"], r["second_ocpp_session_id"])]
        assert (first["ended_at"], second["started_at"]) == (r["unplugged_at"], r["replugged_at"])
        assert timedelta(minutes=3) <= _ts(r["replugged_at"]) - _ts(r["unplugged_at"]) <= timedelta(minutes=15)
        assert 1.0 <= float(r["km_driven"]) <= 5.0
        assert {r["first_ocpp_session_id"], r["second_ocpp_session_id"]} <= exports
        moved = feed.execute(
            "select max(odometer_m) - min(odometer_m) from readings where vehicle_id = ? and read_at between ? and ?",
            [r["vehicle_id"], _ts(r["unplugged_at"]), _ts(r["replugged_at"])],
        ).fetchall()[0][0]
        assert moved > 500  # the readings in between show the drive


def test_rfid_cards_belong_to_drivers_and_move_with_a_vehicle_swap(default_landing: Path) -> None:
    contracts = {r["contract_id"]: r for r in _csv(default_landing, "lto_contracts")}
    truth = {r["ocpp_session_id"]: r for r in _truth(default_landing, "charging_sessions") if r["ocpp_session_id"]}
    exports = _csv(default_landing, "charging_sessions")
    held = defaultdict(list)  # vehicle -> (signed, closed, driver)
    for c in contracts.values():
        closed = _ts(c["closed_at"]) if c["closed_at"] else datetime.max.replace(tzinfo=_ts(c["signed_at"]).tzinfo)
        held[c["vehicle_id"]].append((_ts(c["signed_at"]), closed, c["driver_id"]))
    for e in exports:
        t = truth[e["session_id"]]
        drivers = [d for signed, closed, d in held[t["vehicle_id"]] if signed <= _ts(t["started_at"]) < closed]
        assert [f"RFID{int(d.split('_')[1]):06d}" for d in drivers] == [e["id_tag"]] == [t["id_tag"]]
    swaps = _truth(default_landing, "vehicle_swaps")
    assert len(swaps) >= 2
    blanks_on_both_sides = 0
    for s in swaps:
        old, new = contracts[s["old_contract_id"]], contracts[s["new_contract_id"]]
        assert (old["status"].strip().lower(), _ts(old["closed_at"])) == ("terminated", _ts(s["swapped_at"]))
        assert new["signed_at"][:10] == old["closed_at"][:10] and new["signed_at"] > old["closed_at"]
        assert old["driver_id"] == new["driver_id"] == s["driver_id"]
        assert (old["term_weeks"], old["weekly_payment_mxn"]) == (new["term_weeks"], new["weekly_payment_mxn"])
        assert (old["vehicle_id"], new["vehicle_id"]) == (s["from_vehicle_id"], s["to_vehicle_id"])
        tagged = [
            (truth[e["session_id"]]["vehicle_id"], e["vehicle_id"]) for e in exports if e["id_tag"] == s["id_tag"]
        ]
        sides = {s["from_vehicle_id"], s["to_vehicle_id"]}
        assert sides <= {v for v, _ in tagged}  # (a driver may swap twice)
        blanks_on_both_sides += sides <= {v for v, shown in tagged if shown == ""}
    assert blanks_on_both_sides >= 1


def test_an_odometer_glitch_is_one_wrong_reading(feed: duckdb.DuckDBPyConnection) -> None:
    rows = feed.execute(
        """
        with g as (
            select vehicle_id, replace(recorded_at, 'Z', '')::timestamp as glitch_at,
                reported_odometer_m::bigint as reported, true_odometer_m::bigint as true_m
            from odometer_glitches
        )
        select g.reported, g.true_m, r.odometer_m,
            (select arg_max(odometer_m, read_at) from readings as p
             where p.vehicle_id = g.vehicle_id and p.read_at < g.glitch_at),
            (select arg_min(odometer_m, read_at) from readings as n
             where n.vehicle_id = g.vehicle_id and n.read_at > g.glitch_at)
        from g join readings as r on r.vehicle_id = g.vehicle_id and r.read_at = g.glitch_at
        """
    ).fetchall()
    assert rows
    for reported, true_m, shown, previous, following in rows:
        assert shown == reported and (reported == 0 or 1_000_000 <= reported - true_m <= 9_000_000)
        assert previous <= true_m <= following < true_m + 10_000  # its neighbours are normal


def test_true_km_are_the_clean_odometer_deltas_per_local_day(feed: duckdb.DuckDBPyConnection) -> None:
    rows = feed.execute(
        """
        with clean as (
            select r.* from readings as r
            anti join (
                select vehicle_id, replace(recorded_at, 'Z', '')::timestamp as glitch_at from odometer_glitches
            ) as g on g.vehicle_id = r.vehicle_id and g.glitch_at = r.read_at
        ),
        deltas as (
            select vehicle_id, (read_at - interval 6 hour)::date as local_date,
                lead(odometer_m) over (partition by vehicle_id order by read_at) - odometer_m as delta_m
            from clean
        ),
        observed as (
            select vehicle_id, local_date, sum(greatest(delta_m, 0)) / 1000 as km from deltas group by all
        ),
        truth as (select vehicle_id, date::date as local_date, km_driven::double as km from vehicle_daily_km)
        select vehicle_id, local_date, observed.km, truth.km
        from truth full join observed using (vehicle_id, local_date)
        """
    ).fetchall()
    assert len({vehicle for vehicle, *_ in rows}) > 20
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for vehicle, _, observed_km, truth_km in rows:
        # a day reached only by the part after midnight of a step has no reading or no state of its own
        observed, truth = observed_km or 0.0, truth_km or 0.0
        # the km definition (docs/design.md) from every reading, each step on its earlier reading's day; the truth
        # splits a step across local midnight by time: up to one ping interval of driving (60 s at <= 100 km/h) apart
        assert abs(observed - truth) <= max(1.7, 0.005 * truth)
        totals[vehicle][0] += observed
        totals[vehicle][1] += truth
    # the device reads at ignition on and off: the whole odometer span is the true km
    assert all(abs(observed - truth) < 0.01 for observed, truth in totals.values())


def test_readings_arrive_up_to_14_days_late_in_the_file_of_their_publish_date(
    default_landing: Path, feed: duckdb.DuckDBPyConnection
) -> None:
    very_late, latest, misfiled = feed.execute(
        """
        select
            count(*) filter (where published_at >= read_at + interval 3 day),
            max(published_at - read_at),
            count(*) filter (where file_date::date <> published_at::date)
        from readings
        """
    ).fetchall()[0]
    mess = json.loads((default_landing / "_truth" / "manifest.json").read_text())["mess"]
    assert very_late == mess["very_late"] == len(_truth(default_landing, "very_late_readings")) > 0
    assert latest <= timedelta(days=14, seconds=20)
    assert misfiled == 0


def test_a_vehicle_has_an_ac_only_and_a_dc_only_month_with_qualifying_sessions(default_landing: Path) -> None:
    gains: dict[tuple[str, str, str], int] = defaultdict(int)  # (vehicle, month, charger) -> sessions >= 30 pts
    chargers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for s in _truth(default_landing, "charging_sessions"):
        month = (_ts(s["started_at"]) - timedelta(hours=6)).strftime("%Y-%m")
        chargers[(s["vehicle_id"], month)].add(s["charger_type"])
        if float(s["soc_end_pct"]) - float(s["soc_start_pct"]) >= 30:
            gains[(s["vehicle_id"], month, s["charger_type"])] += 1
    qualifying: dict[str, set[str]] = defaultdict(set)
    for m in _truth(default_landing, "charging_months"):
        key = (m["vehicle_id"], m["month"])
        if m["mode"] != "mixed":
            only = m["mode"][:2]
            assert chargers[key] == {only}
            if gains[(*key, only)] >= 3:
                qualifying[m["vehicle_id"]].add(only)
    assert [v for v, modes in qualifying.items() if modes == {"ac", "dc"}]


# --- lending cases and the payments exports of the default fleet (docs/generator.md, "Lending cases") ----------


def _local_date(at: str) -> date:
    return (_ts(at) - timedelta(hours=6)).date()


@pytest.fixture(scope="module")
def exports(default_landing: Path) -> dict[str, list[dict[str, str]]]:
    """payments/<file name> -> its rows, every export file as delivered."""
    out = {}
    for path in sorted((default_landing / "payments").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            out[path.name] = list(csv.DictReader(f))
    return out


@pytest.fixture(scope="module")
def newest(exports: dict[str, list[dict[str, str]]]) -> dict[str, dict[str, str]]:
    """Each payment's row in the export with the newest exported_at (what staging must keep)."""
    best: dict[str, dict[str, str]] = {}
    for rows in exports.values():
        for r in rows:
            kept = best.get(r["payment_id"])
            if kept is None or _ts(r["exported_at"]) > _ts(kept["exported_at"]):
                best[r["payment_id"]] = r
    return best


def _cases(root: Path) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in _truth(root, "lending_cases"):
        out[r["case"]].append(r)
    return out


def test_the_default_fleet_holds_every_lending_case_and_the_doc_lists_it(default_landing: Path) -> None:
    counts = json.loads((default_landing / "_truth" / "manifest.json").read_text())["lending_cases"]
    doc = (Path(__file__).parents[2] / "docs" / "generator.md").read_text(encoding="utf-8")
    assert {k: n for k, n in counts.items() if n < 1} == {}
    assert [k for k in counts if f"`{k}`" not in doc] == []
    cases = _cases(default_landing)
    assert {k: len(v) for k, v in cases.items()} == counts
    for name in ("lending_cases", "lending_contracts", "payments", "payment_exports"):
        assert f"`{name}.csv`" in doc


def test_payments_are_daily_exports_with_one_cut_each(
    default_landing: Path, exports: dict[str, list[dict[str, str]]]
) -> None:
    truth = {r["file"]: r for r in _truth(default_landing, "payment_exports")}
    start, end = date(2026, 6, 1), date(2026, 8, 29)
    dated = sorted(name for name in exports if not name.startswith("resent_"))
    assert dated[0] == "2026-05-31.csv" and dated[-1] == f"{end}.csv"  # the history export, then one a day
    for name, rows in exports.items():
        assert rows, name  # an export with nothing in it is not delivered
        cuts = {r["exported_at"] for r in rows}
        assert len(cuts) == 1, name
        cut = _ts(cuts.pop())
        assert len({r["payment_id"] for r in rows}) == len(rows), name  # a key once per file
        t = truth[f"payments/{name}"]
        assert _ts(t["exported_at"]) == cut and int(t["rows"]) == len(rows)
        if name.startswith("resent_"):
            continue
        day = date.fromisoformat(name[:10])
        # cut at ~06:00 local the morning after the day it covers (12:00-12:20 UTC)
        assert (
            day + timedelta(days=1) == (cut - timedelta(hours=6)).date()
            and 12 * 60 <= cut.hour * 60 + cut.minute <= 12 * 60 + 20
        )
        since = _ts(t["covers_from"]) if t["covers_from"] else None
        for r in rows:
            made = _ts(r["paid_at"])
            assert made <= cut and (since is None or made > since or r["status"].strip().lower() == "reversed")
    skipped = [r for r in _truth(default_landing, "lending_cases") if r["case"] == "export_skipped"]
    assert len(skipped) == 1
    gap = date.fromisoformat(skipped[0]["date"])
    assert start < gap < end and f"{gap}.csv" not in exports
    covering = exports[f"{gap + timedelta(days=1)}.csv"]
    assert {_local_date(r["paid_at"]) for r in covering} >= {gap, gap + timedelta(days=1)}


def test_a_reversal_arrives_in_a_later_export_and_a_stale_copy_comes_after_it(
    default_landing: Path, exports: dict[str, list[dict[str, str]]], newest: dict[str, dict[str, str]]
) -> None:
    cases = _cases(default_landing)
    (reversal,) = cases["reversal_in_later_export"]
    (stale,) = cases["stale_export_redelivered"]
    payment_id = reversal["payment_id"]
    listed = {
        name: r["status"].strip().lower()
        for name, rows in exports.items()
        for r in rows
        if r["payment_id"] == payment_id
    }
    final = reversal["file"].removeprefix("payments/")
    resent = stale["file"].removeprefix("payments/")
    first = next(name for name in sorted(listed) if not name.startswith("resent_"))
    assert listed == {first: "succeeded", final: "reversed", resent: "succeeded"}
    assert first < final < resent  # the stale copy sorts (and loads) after the newer export
    assert exports[resent][0]["exported_at"] == exports[first][0]["exported_at"]
    assert sorted(map(tuple, (r.values() for r in exports[resent]))) == sorted(
        map(tuple, (r.values() for r in exports[first]))
    )
    assert (default_landing / "payments" / resent).read_bytes() != (default_landing / "payments" / first).read_bytes()
    # the truth's final state of every payment is its newest export's
    truth = {r["payment_id"]: r for r in _truth(default_landing, "payments")}
    assert set(truth) == set(newest)
    for payment_id, r in newest.items():
        assert r["status"].strip().lower() == truth[payment_id]["status"], payment_id
    assert truth[reversal["payment_id"]]["final_file"] == reversal["file"]


def _dpd(contract: dict[str, str], paid: list[tuple[date, float]], day: date) -> int:
    """docs/lending.md, independently: installments due on or before the close date, FIFO by payment date."""
    weekly = round(float(contract["weekly_payment_mxn"]) * 100)
    first_due = date.fromisoformat(contract["first_due_date"])
    closed = _local_date(contract["closed_at"]) if contract["closed_at"] else None
    last = min(day, closed) if closed else day
    due = 0 if last < first_due else min(int(contract["term_weeks"]), (last - first_due).days // 7 + 1)
    covered = sum(round(a * 100) for d, a in paid if d <= day) // weekly
    return 0 if covered >= due else (day - (first_due + timedelta(weeks=covered))).days


def test_lending_cases_are_what_the_landing_files_say(
    default_landing: Path, newest: dict[str, dict[str, str]], feed: duckdb.DuckDBPyConnection
) -> None:
    start, end = date(2026, 6, 1), date(2026, 8, 29)
    contracts = {r["contract_id"]: r for r in _csv(default_landing, "lto_contracts")}
    paid: dict[str, list[tuple[date, float]]] = defaultdict(list)
    any_payment_days = set()
    for r in newest.values():
        any_payment_days.add(_local_date(r["paid_at"]))
        if r["status"].strip().lower() == "succeeded":
            paid[r["contract_id"]].append((_local_date(r["paid_at"]), float(r["amount_mxn"])))
    cases = _cases(default_landing)

    back_book = {r["contract_id"] for r in cases["back_book_contract"]}
    assert back_book == {c for c, r in contracts.items() if _local_date(r["signed_at"]) < start}
    assert len(back_book) >= 3 and all(paid[c] for c in back_book)  # a payment history before the start
    assert feed.execute("select count(*) from readings where read_at < '2026-06-01 06:00:00'").fetchall() == [(0,)]

    for r in cases["repossession_with_arrears"]:
        c = contracts[r["contract_id"]]
        closed = _local_date(c["closed_at"])
        assert (c["status"].strip().lower(), closed.isoformat()) == ("terminated", r["date"])
        assert _dpd(c, paid[r["contract_id"]], closed) >= 45
    assert any(r["date"] < start.isoformat() for r in cases["repossession_with_arrears"])
    assert any(r["date"] >= start.isoformat() for r in cases["repossession_with_arrears"])
    for r in cases["dpd_180"]:
        c, day = contracts[r["contract_id"]], date.fromisoformat(r["date"])
        assert start <= day <= end and c["status"].strip().lower() == "terminated"
        assert (_dpd(c, paid[r["contract_id"]], day - timedelta(days=1)), _dpd(c, paid[r["contract_id"]], day)) == (
            179,
            180,
        )
    for r in cases["early_cancellation"]:
        c = contracts[r["contract_id"]]
        assert c["status"].strip().lower() == "terminated" and not paid[r["contract_id"]]
        assert start <= _local_date(c["closed_at"]) < date.fromisoformat(c["first_due_date"])
    for r in cases["early_payoff"]:
        c = contracts[r["contract_id"]]
        value = round(float(c["weekly_payment_mxn"]) * 100) * int(c["term_weeks"])
        assert c["status"].strip().lower() == "completed" and _local_date(c["closed_at"]).isoformat() == r["date"]
        assert sum(round(a * 100) for _, a in paid[r["contract_id"]]) == value
        assert _local_date(newest[r["payment_id"]]["paid_at"]).isoformat() == r["date"]
        term_end = date.fromisoformat(c["first_due_date"]) + timedelta(weeks=int(c["term_weeks"]) - 1)
        assert date.fromisoformat(r["date"]) < term_end
    for r in cases["no_payment_day"]:
        assert date.fromisoformat(r["date"]) not in any_payment_days

    vehicles = {r["vehicle_id"]: r for r in _csv(default_landing, "vehicles")}
    disposed = {v: _ts(r["disposed_at"]) for v, r in vehicles.items() if r["disposed_at"]}
    assert {r["vehicle_id"]: r["date"] for r in cases["vehicle_disposed"]} == {
        v: _local_date(r["disposed_at"]).isoformat() for v, r in vehicles.items() if r["disposed_at"]
    }
    for vehicle, at in disposed.items():
        last = feed.execute("select max(read_at) from readings where vehicle_id = ?", [vehicle]).fetchall()[0][0]
        assert last is None or last < at.replace(tzinfo=None)
        assert all(_ts(c["signed_at"]) < at for c in contracts.values() if c["vehicle_id"] == vehicle)


def test_a_fleet_past_today_loads_with_lafa_now(tmp_path: Path) -> None:
    """docs/generator.md: a horizon past today (and past the last FX month, 2026-12) loads with LAFA_NOW set."""
    import subprocess
    import sys

    from conftest import REPO, isolated_warehouse

    wh = isolated_warehouse(tmp_path)
    env = dict(wh.env, LAFA_NOW="2027-02-01T00:00:00Z")
    args = ["--vehicles", "2", "--days", "20", "--start", "2026-12-20", "--out", str(wh.landing)]
    generated = subprocess.run(
        [sys.executable, "-m", "lafa.cli", "generate", *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert generated.returncode == 0 and "warning" not in generated.stderr, generated.stderr
    loaded = subprocess.run(
        [sys.executable, "-m", "lafa.cli", "load", str(wh.landing)], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr
    assert wh.query("select count(*) from raw._quarantine where reason like '%in the future%'") == [(0,)]
    assert wh.query("select max(event_time)::date from raw.telematics")[0][0] >= date(2027, 1, 1)
