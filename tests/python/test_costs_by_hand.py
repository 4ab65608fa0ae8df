"""Cost marts on hand-made inputs, every column against numbers computed here.

Two vehicles, one own and one fleet-wide insurance line, three charging sessions (two OCPP exports and a
home session seen only by telematics), one work order, a month of warehouse jobs.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from builders import envelope, ping, write_csv, write_telematics
from conftest import Warehouse, isolated_warehouse

TIB = 2**40
FX = {date(2026, 1, 1): Decimal("18.10"), date(2026, 2, 1): Decimal("18.05"), date(2026, 3, 1): Decimal("18.00")}
TOOLING_PHASE_1_USD = Decimal("60") + Decimal("25") + Decimal("15") + Decimal("10")
HOME_TARIFF_2026 = Decimal("1.95")


def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    tmp = tmp_path_factory.mktemp("costs")
    wh = isolated_warehouse(tmp)
    landing = wh.landing
    write_csv(
        landing,
        "vehicles",
        "v.csv",
        [
            {
                "vehicle_id": "v1",
                "vin": "VIN1",
                "make": "BYD",
                "model": "Dolphin",
                "model_year": 2025,
                "battery_capacity_kwh": "44.9",
                "acquired_at": "2026-01-05T10:00:00-06:00",
                "acquisition_cost_mxn": "1",
            },
            {
                "vehicle_id": "v2",
                "vin": "VIN2",
                "make": "JAC",
                "model": "E10X",
                "model_year": 2025,
                "battery_capacity_kwh": "31.4",
                "acquired_at": "2026-02-10T10:00:00-06:00",
                "acquisition_cost_mxn": "1",
            },
        ],
    )
    write_csv(
        landing,
        "vehicle_costs",
        "2026-03.csv",
        [
            {"cost_id": "k1", "vehicle_id": "v1", "month": "2026-03", "category": "insurance", "amount_mxn": "2150.00"},
            {"cost_id": "k2", "vehicle_id": "", "month": "2026-03", "category": "insurance", "amount_mxn": "1000.01"},
        ],
    )
    write_csv(
        landing,
        "charging_sessions",
        "2026-03.csv",
        [
            {
                "session_id": "s1",
                "station_id": "PUB-Z01-1",
                "connector_type": "dc",
                "id_tag": "T1",
                "vehicle_id": "v1",
                "started_at": "2026-03-03T12:00:00-06:00",
                "stopped_at": "2026-03-03T12:30:00-06:00",
                "meter_start_wh": "1000",
                "meter_stop_wh": "28000",
                "price_mxn": "250.50",
            },
            {
                "session_id": "s2",
                "station_id": "DEPOT-IZT-01",
                "connector_type": "ac",
                "id_tag": "T2",
                "vehicle_id": "v2",
                "started_at": "2026-03-05T12:00:00-06:00",
                "stopped_at": "2026-03-05T14:00:00-06:00",
                "meter_start_wh": "500",
                "meter_stop_wh": "34860",
                "price_mxn": "99.99",
            },
        ],
    )
    write_csv(
        landing,
        "maintenance_work_orders",
        "2026-03.csv",
        [
            {
                "work_order_id": "w1",
                "vehicle_id": "v1",
                "opened_at": "2026-03-12T09:00:00-06:00",
                "closed_at": "2026-03-12T16:00:00-06:00",
                "kind": "preventive",
                "component": "service",
                "odometer_km": "15000",
                "parts_cost_mxn": "1200.00",
                "labor_cost_mxn": "800.00",
            },
        ],
    )
    write_csv(
        landing,
        "warehouse_jobs",
        "2026-03.csv",
        [
            {
                "job_id": "j1",
                "creation_time": "2026-03-02T15:00:00Z",
                "user_email": "dbt@x.iam",
                "job_type": "query",
                "statement_type": "SELECT",
                "total_bytes_billed": str(TIB),
                "cache_hit": "false",
            },
            {
                "job_id": "j2",
                "creation_time": "2026-03-09T15:00:00Z",
                "user_email": "mb@x.iam",
                "job_type": "query",
                "statement_type": "SELECT",
                "total_bytes_billed": str(TIB),
                "cache_hit": "true",
            },
            {
                "job_id": "j3",
                "creation_time": "2026-03-20T15:00:00Z",
                "user_email": "mb@x.iam",
                "job_type": "query",
                "statement_type": "SELECT",
                "total_bytes_billed": str(TIB // 2),
                "cache_hit": "false",
            },
        ],
    )
    # v1 drives 30 km on March 10 (10:00-10:30 local); v2 charges at home 10 kWh into the battery on March 20
    drive = [ping("v1", f"2026-03-10T16:{m:02d}:00Z", 80 - m * 0.2, 50_000 + 1000 * m) for m in range(31)]
    home = [
        ping("v2", f"2026-03-21T04:{m:02d}:00Z", 40 + m, 7_000, charging=True, energy_wh=500.0 * m) for m in range(21)
    ]
    write_telematics(landing, "2026-03.jsonl", [envelope(f"m{i}", p) for i, p in enumerate(drive + home)])
    assert wh.lafa("load", str(landing)).returncode == 0
    wh.dbt("build", "--vars", "{as_of_date: '2026-03-31'}")
    return wh


def test_data_platform_cost_per_month(built: Warehouse) -> None:
    rows = {
        r[0]: r[1:]
        for r in built.query(
            "select cost_month, active_vehicles, bytes_billed, warehouse_usd, tooling_usd, total_usd, total_mxn, "
            "usd_per_vehicle_year, plan_phase, is_within_plan_band from marts.fct_data_platform_cost_monthly"
        )
    }
    assert set(rows) == set(FX)
    warehouse_usd = cents(Decimal(TIB + TIB // 2) / TIB * Decimal("6.25"))  # cache hit not billed
    assert warehouse_usd == Decimal("9.38")
    for month, fleet in ((date(2026, 1, 1), 1), (date(2026, 2, 1), 2), (date(2026, 3, 1), 2)):
        wh_usd = warehouse_usd if month.month == 3 else Decimal("0")
        total = wh_usd + TOOLING_PHASE_1_USD
        active, billed, w, t, tot, mxn, per_year, phase, within = rows[month]
        assert (active, billed) == (fleet, (TIB + TIB // 2) if month.month == 3 else 0)
        assert (w, t, tot) == (wh_usd, TOOLING_PHASE_1_USD, total)
        assert mxn == cents(total * FX[month])
        assert per_year == pytest.approx(float(total * 12 / fleet), abs=0.01)
        assert phase == "phase_1" and within is False


def test_vehicle_costs_every_column(built: Warehouse) -> None:
    rows = {
        (r[0], r[1]): r[2:]
        for r in built.query(
            "select vehicle_id, month_start, energy_mxn, maintenance_mxn, fixed_mxn, data_platform_mxn, total_mxn, "
            "km_driven, cost_per_km_mxn from marts.fct_vehicle_costs_monthly"
        )
    }
    march = date(2026, 3, 1)
    platform_march = cents((Decimal("9.38") + TOOLING_PHASE_1_USD) * FX[march])  # 2148.84 -> 1074.42 each
    home_energy = cents(Decimal("10") / Decimal("0.90") * HOME_TARIFF_2026)  # grid = battery / AC efficiency
    v1 = (Decimal("250.50"), Decimal("2000.00"), Decimal("2150.00") + Decimal("500.01"), platform_march / 2)
    v2 = (Decimal("99.99") + home_energy, Decimal("0.00"), Decimal("500.00"), platform_march / 2)
    assert rows[("v1", march)][:4] == v1
    assert rows[("v2", march)][:4] == v2
    assert rows[("v1", march)][4] == sum(v1)
    assert rows[("v1", march)][5] == pytest.approx(30.0)
    assert rows[("v1", march)][6] == pytest.approx(float(cents(sum(v1) / 30)))
    assert rows[("v2", march)][6] is None  # no kilometres driven
    # January: only v1 is in the fleet and carries the whole platform cost; February splits it in two
    assert rows[("v1", date(2026, 1, 1))][3] == cents(TOOLING_PHASE_1_USD * FX[date(2026, 1, 1)])
    feb = cents(TOOLING_PHASE_1_USD * FX[date(2026, 2, 1)])
    assert rows[("v1", date(2026, 2, 1))][3] + rows[("v2", date(2026, 2, 1))][3] == feb
