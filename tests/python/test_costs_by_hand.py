"""Cost marts on hand-made inputs, every column against a plain-Python reference of docs/finance.md's rules.

Four vehicles (v3 disposed in February, v4 during March, none with data in January although three were acquired
before it), own and fleet-wide cost lines in February and March, three charger exports (one of unknown vehicle) and a
home session seen only by telematics, two work orders (one on v3 after its disposal), a month of warehouse jobs. The
reference below reads the seeds' CSV files and applies the rules in Python (never the SQL): months from the first
month with activity, active = acquired by month end and not disposed before month start, prices valid on the date
or month they price, FX carried at most two months, shared amounts split evenly to the centavo by vehicle_id.
Builds on copies of the warehouse cost months past the seeds, end a tariff before a session and dispose of every
vehicle: each must fail naming the month and the seed (or the month left without vehicles).
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from builders import envelope, ping, write_csv, write_telematics
from conftest import REPO, Warehouse, isolated_warehouse

# the module's warehouse is built once, on one worker (conftest: --dist loadgroup)
pytestmark = pytest.mark.xdist_group("costs_by_hand")

TIB = 2**40
LOCAL = ZoneInfo("America/Mexico_City")
SEEDS = REPO / "seeds"
FX_CARRY_MONTHS = 2

VEHICLES = [
    # (vehicle_id, acquired_at, disposed_at)
    ("v1", "2026-01-05T10:00:00-06:00", None),
    ("v2", "2026-02-10T10:00:00-06:00", None),
    ("v3", "2025-11-03T10:00:00-06:00", "2026-02-20T12:00:00-06:00"),  # gone before March
    ("v4", "2025-12-01T10:00:00-06:00", "2026-03-15T10:00:00-06:00"),  # disposed during March: shares March
]
COST_LINES = [
    # (cost_id, vehicle_id or None = fleet-wide, month, category, amount)
    ("k0", "v3", "2026-02", "insurance", "2150.00"),
    ("k1", None, "2026-02", "parking", "900.02"),
    ("k2", "v1", "2026-03", "insurance", "2150.00"),
    ("k3", None, "2026-03", "insurance", "1000.01"),
]
EXPORTS = [
    # (session_id, station_id, connector, id_tag, vehicle_id, started_at, stopped_at, meter_start, meter_stop, price)
    (
        "s1",
        "PUB-Z01-1",
        "dc",
        "T1",
        "v1",
        "2026-03-03T12:00:00-06:00",
        "2026-03-03T12:30:00-06:00",
        1000,
        28000,
        "250.50",
    ),
    (
        "s2",
        "DEPOT-IZT-01",
        "ac",
        "T2",
        "v2",
        "2026-03-05T12:00:00-06:00",
        "2026-03-05T14:00:00-06:00",
        500,
        34860,
        "99.99",
    ),
    (
        "s3",
        "DEPOT-IZT-02",
        "ac",
        "T9",
        None,
        "2026-03-07T12:00:00-06:00",
        "2026-03-07T13:00:00-06:00",
        0,
        11000,
        "33.34",
    ),
]
WORK_ORDERS = [
    # (work_order_id, vehicle_id, opened_at, parts, labor)
    ("w1", "v1", "2026-03-12T09:00:00-06:00", "1200.00", "800.00"),
    ("w2", "v3", "2026-03-02T09:00:00-06:00", "300.00", "150.50"),  # after its disposal: its own, no shares
]
JOBS = [
    # (job_id, creation_time, bytes billed, cache hit)
    ("j1", "2026-03-02T15:00:00Z", TIB, False),
    ("j2", "2026-03-09T15:00:00Z", TIB, True),
    ("j3", "2026-03-20T15:00:00Z", TIB // 2, False),
]
# v1 drives 30 km on March 10 (10:00-10:30 local); v2 charges 10 kWh into the battery at home late on March 20
DRIVE = [ping("v1", f"2026-03-10T16:{m:02d}:00Z", 80 - m * 0.2, 50_000 + 1000 * m) for m in range(31)]
HOME = [ping("v2", f"2026-03-21T04:{m:02d}:00Z", 40 + m, 7_000, charging=True, energy_wh=500.0 * m) for m in range(21)]
HOME_SESSION = ("v2", "2026-03-21T04:00:00Z", Decimal("10"))  # vehicle, start (UTC), battery kWh
KM_DRIVEN = {("v1", date(2026, 3, 1)): Decimal("30")}


# --- the reference -------------------------------------------------------------------------------------------------
def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def local_date(timestamp: str) -> date:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone(LOCAL).date()


def month_of(d: date) -> date:
    return d.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return date.fromordinal(add_months(month, 1).toordinal() - 1)


def seed(path: str) -> list[dict[str, str]]:
    with (SEEDS / path).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def valid(row: dict[str, str], day: date) -> bool:
    return date.fromisoformat(row["valid_from"]) <= day <= date.fromisoformat(row["valid_to"])


def split_evenly(amount: Decimal, members: list[str]) -> dict[str, Decimal]:
    """Every member floor(cents / n) centavos, one more to the first (cents mod n) by vehicle_id."""
    total = int(cents(amount) * 100)
    base, extra = divmod(total, len(members))
    return {m: Decimal(base + (1 if rank < extra else 0)) / 100 for rank, m in enumerate(sorted(members))}


def reference() -> tuple[dict[date, dict[str, object]], dict[tuple[str, date], dict[str, object]]]:
    """(data-platform rows by month, vehicle-cost rows by (vehicle, month)) from the inputs above and the seeds."""
    fx = {date.fromisoformat(r["month"]): Decimal(r["mxn_per_usd"]) for r in seed("finance/fx_mxn_per_usd_monthly.csv")}
    tooling = seed("finance/data_tooling_costs.csv")
    pricing = [r for r in seed("finance/warehouse_pricing.csv") if r["pricing_model"] == "on_demand"]
    bands = seed("finance/data_platform_plan_bands.csv")
    tariffs = seed("finance/electricity_tariffs.csv")
    ac_efficiency = next(
        Decimal(r["efficiency"]) for r in seed("fleet/charger_efficiencies.csv") if r["charger_type"] == "ac"
    )

    # months: from the first to the latest month with activity (acquisitions are not activity)
    activity = (
        [month_of(local_date(p["time"])) for p in DRIVE + HOME]
        + [month_of(local_date(e[5])) for e in EXPORTS]
        + [month_of(local_date(w[2])) for w in WORK_ORDERS]
        + [date.fromisoformat(k[2] + "-01") for k in COST_LINES]
        + [month_of(local_date(j[1])) for j in JOBS]
    )
    months = [min(activity)]
    while months[-1] < max(activity):
        months.append(add_months(months[-1], 1))

    def active(month: date) -> list[str]:
        return [
            v
            for v, acquired, disposed in VEHICLES
            if local_date(acquired) <= month_end(month) and (disposed is None or local_date(disposed) >= month)
        ]

    platform: dict[date, dict[str, object]] = {}
    for month in months:
        fleet = len(active(month))
        band = next(b for b in bands if int(b["min_vehicles"]) <= fleet <= int(b["max_vehicles"]))
        billed: dict[Decimal, int] = defaultdict(int)
        for _, created, size, cache_hit in JOBS:
            if month_of(local_date(created)) == month and not cache_hit:
                price = next(Decimal(p["usd_per_tib_billed"]) for p in pricing if valid(p, local_date(created)))
                billed[price] += size
        warehouse = cents(sum((Decimal(size) / TIB * price for price, size in billed.items()), Decimal(0)))
        tool = sum(Decimal(t["usd_per_month"]) for t in tooling if t["phase"] == band["phase"] and valid(t, month))
        rate_month = next(m for m in (add_months(month, -n) for n in range(FX_CARRY_MONTHS + 1)) if m in fx)
        total = warehouse + tool
        per_year = cents(total * 12 / fleet)
        platform[month] = {
            "active_vehicles": fleet,
            "bytes_billed": sum(billed.values()),
            "warehouse_usd": warehouse,
            "tooling_usd": tool,
            "total_usd": total,
            "fx_month": rate_month,
            "mxn_per_usd": fx[rate_month],
            "total_mxn": cents(total * fx[rate_month]),
            "usd_per_vehicle_year": per_year,
            "plan_phase": band["phase"],
            "is_within_plan_band": Decimal(band["plan_usd_per_vehicle_year_low"])
            <= total * 12 / fleet
            <= Decimal(band["plan_usd_per_vehicle_year_high"]),
        }

    costs: dict[tuple[str, date], dict[str, Decimal]] = defaultdict(
        lambda: {
            "energy_mxn": Decimal(0),
            "maintenance_mxn": Decimal(0),
            "fixed_mxn": Decimal(0),
            "data_platform_mxn": Decimal(0),
        }
    )

    def share(month: date, category: str, amount: Decimal) -> None:
        for v, part in split_evenly(amount, active(month)).items():
            costs[(v, month)][category] += part

    for _, vehicle, month_text, _, amount in COST_LINES:
        month = date.fromisoformat(month_text + "-01")
        if vehicle is None:
            share(month, "fixed_mxn", Decimal(amount))
        else:
            costs[(vehicle, month)]["fixed_mxn"] += Decimal(amount)
    for *_, vehicle, started, _, _, _, price in EXPORTS:
        month = month_of(local_date(started))
        if vehicle is None:
            share(month, "energy_mxn", Decimal(price))
        else:
            costs[(vehicle, month)]["energy_mxn"] += Decimal(price)
    vehicle, started, battery_kwh = HOME_SESSION  # no export: home tariff valid on its local date, grid = battery / AC
    day = local_date(started)
    tariff = next(Decimal(t["mxn_per_kwh"]) for t in tariffs if t["location_type"] == "home" and valid(t, day))
    costs[(vehicle, month_of(day))]["energy_mxn"] += cents(battery_kwh / ac_efficiency * tariff)
    for _, vehicle, opened, parts, labor in WORK_ORDERS:
        costs[(vehicle, month_of(local_date(opened)))]["maintenance_mxn"] += Decimal(parts) + Decimal(labor)
    for month, row in platform.items():
        share(month, "data_platform_mxn", row["total_mxn"])

    vehicle_rows: dict[tuple[str, date], dict[str, object]] = {}
    for key, row in costs.items():
        total = sum(row.values(), Decimal(0))
        km = KM_DRIVEN.get(key, Decimal(0))
        vehicle_rows[key] = {
            **row,
            "total_mxn": total,
            "km_driven": km,
            "cost_per_km_mxn": cents(total / km) if km else None,
        }
    return platform, vehicle_rows


# --- the build -----------------------------------------------------------------------------------------------------
def write_landing(landing: Path) -> None:
    write_csv(
        landing,
        "vehicles",
        "v.csv",
        [
            {
                "vehicle_id": v,
                "vin": f"VIN{v}",
                "make": "BYD",
                "model": "Dolphin",
                "model_year": 2025,
                "battery_capacity_kwh": "44.9",
                "acquired_at": acquired,
                "acquisition_cost_mxn": "1",
                "disposed_at": disposed,
            }
            for v, acquired, disposed in VEHICLES
        ],
    )
    for month in sorted({k[2] for k in COST_LINES}):
        write_csv(
            landing,
            "vehicle_costs",
            f"{month}.csv",
            [
                {"cost_id": i, "vehicle_id": v, "month": m, "category": c, "amount_mxn": a}
                for i, v, m, c, a in COST_LINES
                if m == month
            ],
        )
    write_csv(
        landing,
        "charging_sessions",
        "2026-03.csv",
        [
            {
                "session_id": s,
                "station_id": station,
                "connector_type": connector,
                "id_tag": tag,
                "vehicle_id": v,
                "started_at": started,
                "stopped_at": stopped,
                "meter_start_wh": str(start_wh),
                "meter_stop_wh": str(stop_wh),
                "price_mxn": price,
            }
            for s, station, connector, tag, v, started, stopped, start_wh, stop_wh, price in EXPORTS
        ],
    )
    write_csv(
        landing,
        "maintenance_work_orders",
        "2026-03.csv",
        [
            {
                "work_order_id": w,
                "vehicle_id": v,
                "opened_at": opened,
                "closed_at": opened[:11] + "16:00:00-06:00",
                "kind": "preventive",
                "component": "service",
                "odometer_km": "15000",
                "parts_cost_mxn": parts,
                "labor_cost_mxn": labor,
            }
            for w, v, opened, parts, labor in WORK_ORDERS
        ],
    )
    write_csv(
        landing,
        "warehouse_jobs",
        "2026-03.csv",
        [
            {
                "job_id": j,
                "creation_time": created,
                "user_email": "dbt@x.iam",
                "job_type": "query",
                "statement_type": "SELECT",
                "total_bytes_billed": str(size),
                "cache_hit": str(cache_hit).lower(),
            }
            for j, created, size, cache_hit in JOBS
        ],
    )
    write_telematics(landing, "2026-03.jsonl", [envelope(f"m{i}", p) for i, p in enumerate(DRIVE + HOME)])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    wh = isolated_warehouse(tmp_path_factory.mktemp("costs"))
    write_landing(wh.landing)
    loaded = wh.lafa("load", str(wh.landing))
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    # the cost marts and everything they read, with their data and unit tests (not the unrelated marts)
    wh.dbt(
        "build",
        "-s",
        "+fct_vehicle_costs_monthly",
        "--indirect-selection",
        "cautious",
        "--vars",
        "{as_of_date: '2026-03-31'}",
    )
    return wh


def test_reference_months_start_at_the_first_activity() -> None:
    platform, vehicle_rows = reference()
    assert list(platform) == [date(2026, 2, 1), date(2026, 3, 1)]  # not January: acquisitions are no activity
    assert [platform[m]["active_vehicles"] for m in platform] == [4, 3]
    assert ("v3", date(2026, 3, 1)) in vehicle_rows and vehicle_rows[("v3", date(2026, 3, 1))]["fixed_mxn"] == 0


def test_data_platform_cost_per_month(built: Warehouse) -> None:
    platform, _ = reference()
    columns = list(next(iter(platform.values())))
    rows = built.query(f"select cost_month, {', '.join(columns)} from marts.fct_data_platform_cost_monthly")
    built_rows = {r[0]: dict(zip(columns, r[1:], strict=True)) for r in rows}
    assert set(built_rows) == set(platform)
    for month, expected in platform.items():
        got = built_rows[month]
        assert got.pop("usd_per_vehicle_year") == pytest.approx(float(expected["usd_per_vehicle_year"]), abs=0.005)
        assert got == {k: v for k, v in expected.items() if k != "usd_per_vehicle_year"}, month


def test_vehicle_costs_every_column(built: Warehouse) -> None:
    _, vehicle_rows = reference()
    columns = list(next(iter(vehicle_rows.values())))
    rows = built.query(f"select vehicle_id, month_start, {', '.join(columns)} from marts.fct_vehicle_costs_monthly")
    built_rows = {(r[0], r[1]): dict(zip(columns, r[2:], strict=True)) for r in rows}
    assert set(built_rows) == set(vehicle_rows)
    for key, expected in vehicle_rows.items():
        got = built_rows[key]
        assert Decimal(str(got.pop("km_driven"))) == expected["km_driven"], key
        cost_per_km = got.pop("cost_per_km_mxn")
        assert cost_per_km == (
            None if expected["cost_per_km_mxn"] is None else pytest.approx(float(expected["cost_per_km_mxn"]))
        )
        assert got == {k: v for k, v in expected.items() if k not in ("km_driven", "cost_per_km_mxn")}, key


def test_months_past_the_seeds_fail_naming_month_and_seed(built: Warehouse, tmp_path: Path) -> None:
    """Costing through 2027-03 (var finance_last_month): 2027-01 and 2027-02 carry December's FX rate, 2027-03 has
    none within 2 months; the tooling seed ends on 2026-12-31. The build fails and says so, month by month."""
    wh = isolated_warehouse(tmp_path)
    shutil.copyfile(built.path, wh.path)
    done = wh.dbt(
        "build",
        "-s",
        "int_finance__months+",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        "{as_of_date: '2026-03-31', finance_last_month: '2027-03-01'}",
        check=False,
    )
    assert done.returncode != 0
    assert "no FX rate in seed fx_mxn_per_usd_monthly within 2 months of 2027-03" in done.stdout
    for month in ("2027-01", "2027-02"):
        assert f"within 2 months of {month}" not in done.stdout  # carried from 2026-12
        assert f"no tooling cost in seed data_tooling_costs valid in {month} (phase_1)" in done.stdout
    assert "valid in 2026-12" not in done.stdout


def test_session_without_tariff_fails_naming_date_and_seed(built: Warehouse, tmp_path: Path) -> None:
    """The home tariff's validity ends on 2026-03-15 (the seed table edited in a copy of the warehouse, then the
    models rebuilt without reloading seeds): v2's home session on 2026-03-20 has no tariff. Never a zero, never the
    last tariff: v2's March energy and total are null and the test fails naming the seed, the date and the month."""
    wh = isolated_warehouse(tmp_path)
    shutil.copyfile(built.path, wh.path)
    with duckdb.connect(str(wh.path)) as con:
        con.execute(
            "update seeds.electricity_tariffs set valid_to = '2026-03-15' "
            "where location_type = 'home' and valid_from = '2026-01-01'"
        )
    ran = wh.dbt(
        "run",
        "-s",
        "fct_charging_sessions",
        "fct_vehicle_costs_monthly",
        "--vars",
        "{as_of_date: '2026-03-31'}",
        check=False,
    )
    assert ran.returncode == 0, ran.stdout[-3000:]
    done = wh.dbt("test", "-s", "assert_every_cost_is_priced", "--vars", "{as_of_date: '2026-03-31'}", check=False)
    assert done.returncode != 0
    assert (
        "no tariff in seed electricity_tariffs for home charging valid on 2026-03-20 (1 unpriced sessions in 2026-03)"
        in done.stdout
    )
    assert wh.query(
        "select energy_mxn, total_mxn from marts.fct_vehicle_costs_monthly "
        "where vehicle_id = 'v2' and month_start = '2026-03-01'"
    ) == [(None, None)]


def test_month_without_active_vehicle_fails_naming_it(built: Warehouse, tmp_path: Path) -> None:
    """Every vehicle disposed by 2026-02-25: March still has costs (activity) but nobody to share them. The costs are
    not silently dropped: the build fails naming the month."""
    wh = isolated_warehouse(tmp_path)
    shutil.copyfile(built.path, wh.path)
    with duckdb.connect(str(wh.path)) as con:
        con.execute("update raw.vehicles set disposed_at = '2026-02-25T12:00:00-06:00' where vehicle_id <> 'v3'")
    ran = wh.dbt(
        "run", "-s", "int_finance__active_vehicle_months+", "--vars", "{as_of_date: '2026-03-31'}", check=False
    )
    assert ran.returncode == 0, ran.stdout[-3000:]
    done = wh.dbt(
        "test", "-s", "assert_shared_costs_have_active_vehicles", "--vars", "{as_of_date: '2026-03-31'}", check=False
    )
    assert done.returncode != 0
    assert "no active vehicle in 2026-03 to share its costs" in done.stdout
    assert "in 2026-02" not in done.stdout
