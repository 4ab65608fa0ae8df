"""Marts against numbers computed independently in the test, on a small hand-made landing folder.

The reference implementations below walk day by day and payment by payment in plain Python; they share
no code with the dbt models.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from builders import envelope, ping, write_csv, write_telematics
from conftest import Warehouse, isolated_warehouse

# the module's warehouse is built once, on one worker (conftest: --dist loadgroup)
pytestmark = pytest.mark.xdist_group("marts_by_hand")

CDMX = ZoneInfo("America/Mexico_City")
AS_OF = date(2026, 3, 20)

CONTRACTS = {
    # contract_id: (signed local datetime, first_due_date, term_weeks, weekly_payment, closed_at)
    "c_on_time": ("2026-01-05T10:00:00-06:00", date(2026, 1, 12), 8, Decimal("1000.00"), None),
    "c_late": ("2026-01-05T10:00:00-06:00", date(2026, 1, 12), 10, Decimal("2833.33"), None),
    "c_prepay": ("2026-01-20T10:00:00-06:00", date(2026, 1, 27), 6, Decimal("1500.00"), None),
    "c_terminated": (
        "2026-01-05T10:00:00-06:00",
        date(2026, 1, 12),
        10,
        Decimal("1200.00"),
        "2026-02-20T12:00:00-06:00",
    ),
}
# (payment_id, contract_id, paid_at UTC, amount, status)
PAYMENTS = [
    *[
        (f"ot{k}", "c_on_time", f"{date(2026, 1, 12) + timedelta(weeks=k)}T18:00:00Z", "1000.00", "succeeded")
        for k in range(8)
    ],
    ("l1", "c_late", "2026-01-13T05:30:00Z", "2833.33", "succeeded"),  # 23:30 local on the due date
    ("l2", "c_late", "2026-01-22T17:00:00Z", "1000.00", "succeeded"),  # partial, late
    ("l3", "c_late", "2026-01-25T17:00:00Z", "2000.00", "failed"),
    ("l4", "c_late", "2026-02-03T17:00:00Z", "3000.00", "reversed"),
    ("l5", "c_late", "2026-02-14T20:00:00Z", "7500.00", "succeeded"),  # Saturday catch-up, FIFO
    ("l6", "c_late", "2026-03-10T06:10:00Z", "2833.33", "succeeded"),  # 00:10 local on Mar 10
    ("pp1", "c_prepay", "2026-01-27T16:00:00Z", "6000.00", "succeeded"),  # four weeks at once
    ("pp2", "c_prepay", "2026-03-03T16:00:00Z", "4000.00", "succeeded"),  # beyond contract value
    ("t1", "c_terminated", "2026-01-12T16:00:00Z", "1200.00", "succeeded"),
]


def reference_contract_days() -> dict[tuple[str, date], tuple]:
    out = {}
    for cid, (signed_at, first_due, term, weekly, closed_at) in CONTRACTS.items():
        signed = datetime.fromisoformat(signed_at).astimezone(CDMX).date()
        closed = datetime.fromisoformat(closed_at).astimezone(CDMX).date() if closed_at else None
        # installments after the close date never fall due
        dues = [d for d in (first_due + timedelta(weeks=k) for k in range(term)) if closed is None or d <= closed]
        remaining = [weekly] * len(dues)
        paid_off: list[date | None] = [None] * len(dues)
        paid_on: list[tuple[date, Decimal]] = []
        for _, _, paid_at, amount, _ in sorted(
            (p for p in PAYMENTS if p[1] == cid and p[4] == "succeeded"), key=lambda p: (p[2], p[0])
        ):
            day = datetime.fromisoformat(paid_at.replace("Z", "+00:00")).astimezone(CDMX).date()
            paid_on.append((day, Decimal(amount)))
            money = Decimal(amount)
            for k in range(len(dues)):
                if money and remaining[k]:
                    take = min(money, remaining[k])
                    remaining[k] -= take
                    money -= take
                    if not remaining[k]:
                        paid_off[k] = day
        t = signed
        arrears_at_close = None
        while t <= AS_OF:
            paid = sum((a for d, a in paid_on if d <= t), Decimal("0"))
            unpaid_due = [d for d, off in zip(dues, paid_off, strict=True) if d <= t and (off is None or off > t)]
            dpd = (t - unpaid_due[0]).days if unpaid_due else 0
            arrears = max(weekly * sum(1 for d in dues if d <= t) - paid, Decimal("0"))
            if t == closed:
                arrears_at_close = arrears
            out[(cid, t)] = (
                dpd,
                arrears,
                max(weekly * term - paid, Decimal("0")),
                paid,
                # terminated (all closed contracts here are): stays in the portfolio when it closed with arrears
                closed is None or closed >= t or bool(arrears_at_close),
            )
            t += timedelta(days=1)
    return out


def _write_lending(landing: Path) -> None:
    write_csv(
        landing,
        "vehicles",
        "vehicles.csv",
        [
            {
                "vehicle_id": "veh_1",
                "vin": "VIN1",
                "make": "BYD",
                "model": "Dolphin",
                "model_year": 2025,
                "battery_capacity_kwh": "44.90",
                "acquired_at": "2025-12-01T10:00:00-06:00",
                "acquisition_cost_mxn": "498800.00",
            }
        ],
    )
    write_csv(
        landing,
        "lto_contracts",
        "contracts.csv",
        [
            {
                "contract_id": cid,
                "application_id": f"a_{cid}",
                "driver_id": f"d_{cid}",
                "vehicle_id": "veh_1",
                "signed_at": signed,
                "first_due_date": first_due,
                "term_weeks": term,
                "weekly_payment_mxn": weekly,
                "down_payment_mxn": "5000.00",
                "status": "terminated" if closed else "active",
                "closed_at": closed,
            }
            for cid, (signed, first_due, term, weekly, closed) in CONTRACTS.items()
        ],
    )
    write_csv(
        landing,
        "payments",
        "payments.csv",
        [
            {
                "payment_id": pid,
                "contract_id": cid,
                "paid_at": at,
                "amount_mxn": amount,
                "method": "spei",
                "status": status,
            }
            for pid, cid, at, amount, status in PAYMENTS
        ],
    )


# Telematics of one vehicle on 2026-02-10 (local), one ping a minute:
# 08:00-08:59 driving 500 m a minute with SoC 30 -> 18.2 (0.2 a minute),
# 09:00-09:30 charging (31 pings), a 15-minute gap, 09:45-09:50 charging again (same session: gap not > 15),
# a 16-minute gap, 10:06-10:10 charging with the energy counter restarted (a new plug-in, a new session; a counter
# that kept counting would be a telematics dropout inside one home charge); 23:50 local driving (= 05:50Z next day).
def _telematics_day() -> list[dict[str, object]]:
    start = datetime(2026, 2, 10, 8, 0, tzinfo=CDMX)
    pings = []
    for i in range(60):
        at = start + timedelta(minutes=i)
        pings.append(ping("veh_1", at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), 30 - 0.2 * i, 100_000 + 500 * i))
    charge_minutes = [*range(60, 91), *range(105, 111), *range(126, 131)]
    for n, m in enumerate(charge_minutes):
        at = start + timedelta(minutes=m)
        pings.append(
            ping(
                "veh_1",
                at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                19 + 0.5 * n,
                129_500,
                charging=True,
                energy_wh=100.0 * (n if m < 126 else m - 126),
            )
        )
    late = datetime(2026, 2, 10, 23, 50, tzinfo=CDMX)
    for i in range(5):
        at = late + timedelta(minutes=i)
        pings.append(ping("veh_1", at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), 60, 140_000 + 1000 * i))
    return pings


# Trips of veh_1 (times local unless noted), against the telematics day above (44 km, sessions 09:00-09:50 and
# 10:06-10:10): t_ok 08:05-08:40, 15 km, fare 250.00 corrected to 230.00 in a later export; t_charging 09:10-09:25,
# inside the first charging session; t_stranger 23:30-23:55, 50 km, by a driver with no contract on veh_1, pickup
# in a zone no seed lists; t_night 23:50 local on Feb 11 written in UTC (05:50Z Feb 12); t_future after the as-of date.
TRIPS = [
    ("t_ok", "d_c_on_time", "uber", "2026-02-10T08:05:00-06:00", "2026-02-10T08:40:00-06:00", "15.00", "250.00", "z03"),
    (
        "t_charging",
        "d_c_on_time",
        "didi",
        "2026-02-10T09:10:00-06:00",
        "2026-02-10T09:25:00-06:00",
        "4.00",
        "90.00",
        "z06",
    ),
    (
        "t_stranger",
        "d_stranger",
        "indrive",
        "2026-02-10T23:30:00-06:00",
        "2026-02-10T23:55:00-06:00",
        "50.00",
        "400.00",
        "z99",
    ),
    ("t_night", "d_c_on_time", "uber", "2026-02-12T05:50:00Z", "2026-02-12T06:20:00Z", "5.00", "80.00", "z03"),
    (
        "t_future",
        "d_c_on_time",
        "uber",
        "2026-03-21T10:00:00-06:00",
        "2026-03-21T10:20:00-06:00",
        "6.00",
        "95.00",
        "z03",
    ),
]
# Work orders of veh_1: a preventive service on Jan 20 (odometer 90,000 km); a corrective order opened Feb 12 09:00
# local, exported open in February's file and closed (Feb 13 15:00 local) in March's: 1.25 days down. Trouble codes:
# Feb 5 (in its 30-day look-back) and Jan 10 (33 days before: out).
WORK_ORDERS = [
    ("wo_0", "2026-01-20T09:00:00-06:00", "2026-01-20T12:00:00-06:00", "preventive", "90000.0", "2026-01.csv"),
    ("wo_1", "2026-02-12T09:00:00-06:00", "", "corrective", "100100.0", "2026-02.csv"),
    ("wo_1", "2026-02-12T09:00:00-06:00", "2026-02-13T15:00:00-06:00", "corrective", "100100.0", "2026-03.csv"),
]


def _write_trips_and_workshop(landing: Path) -> None:
    columns = (
        "trip_id",
        "driver_id",
        "platform",
        "started_at",
        "ended_at",
        "distance_km",
        "fare_mxn",
        "pickup_zone_id",
    )
    rows = [{**dict(zip(columns, t, strict=True)), "vehicle_id": "veh_1", "dropoff_zone_id": "z01"} for t in TRIPS]
    write_csv(landing, "trips", "2026-02-10.csv", rows)
    write_csv(landing, "trips", "2026-02-10_adjusted.csv", [{**rows[0], "fare_mxn": "230.00"}])
    for wo, opened, closed, kind, odometer, file in WORK_ORDERS:
        order = {"work_order_id": wo, "vehicle_id": "veh_1", "opened_at": opened, "closed_at": closed, "kind": kind}
        order |= {
            "component": "brakes",
            "odometer_km": odometer,
            "parts_cost_mxn": "1000.00",
            "labor_cost_mxn": "500.00",
        }
        write_csv(landing, "maintenance_work_orders", file, [order])
    codes = [("2026-02-05T08:00:00-06:00", "warning"), ("2026-01-10T08:00:00-06:00", "info")]
    rows = [{"vehicle_id": "veh_1", "recorded_at": at, "code": "P0420", "severity": sev} for at, sev in codes]
    write_csv(landing, "diagnostic_codes", "2026-02.csv", rows)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    tmp = tmp_path_factory.mktemp("by_hand")
    wh = isolated_warehouse(tmp)
    _write_lending(wh.landing)
    pings = _telematics_day()
    lines = [envelope(f"m{i:04d}", p) for i, p in enumerate(pings)]
    lines.reverse()  # out of order on purpose
    write_telematics(wh.landing, "2026-02-10.jsonl", [*lines, lines[3]])  # and one redelivery
    _write_trips_and_workshop(wh.landing)
    loaded = wh.lafa("load", str(wh.landing))
    assert loaded.returncode == 0, loaded.stderr
    # unit tests do not read the data (the default fleet's build runs them), nor does any test here read the ML marts
    wh.dbt("build", "--exclude", "test_type:unit", "models/marts/ml", "--vars", f"{{as_of_date: '{AS_OF}'}}")
    return wh


def test_contract_days_match_the_reference_to_the_centavo(built: Warehouse) -> None:
    expected = reference_contract_days()
    rows = built.query(
        "select contract_id, as_of_date, dpd, arrears_mxn, outstanding_mxn, paid_to_date_mxn, is_in_portfolio "
        "from marts.fct_lto_contract_daily"
    )
    actual = {(r[0], r[1]): tuple(r[2:]) for r in rows}
    assert set(actual) == set(expected)
    mismatches = {k: (actual[k], expected[k]) for k in expected if actual[k] != expected[k]}
    assert not mismatches, list(mismatches.items())[:5]
    # spot checks a human can verify from the payment list
    assert expected[("c_late", date(2026, 1, 12))][0] == 0  # 23:30 local payment on the due date
    assert expected[("c_late", date(2026, 2, 13))][0] == 25  # installment 2 (due Jan 19) still partly unpaid
    # repossessed on Feb 20 with arrears: still in the portfolio, DPD aging from installment 2 (Jan 19)
    assert expected[("c_terminated", date(2026, 2, 21))][4] is True
    assert expected[("c_terminated", AS_OF)][0] == (AS_OF - date(2026, 1, 19)).days


def test_vehicle_day_from_known_pings(built: Warehouse) -> None:
    rows = built.query(
        "select activity_date, pings, km_driven, soc_min_pct, soc_max_pct, minutes_below_20_pct, charging_sessions "
        "from marts.fct_vehicle_daily where vehicle_id = 'veh_1' order by 1"
    )
    assert [r[0] for r in rows] == [date(2026, 2, 10)]
    _, pings, km, soc_min, soc_max, below_20, sessions = rows[0]
    assert pings == 60 + 31 + 6 + 5 + 5
    # odometer 100,000 m at 08:00 to 144,000 m at 23:54 local
    assert km == pytest.approx(44.0)
    assert soc_min == pytest.approx(18.2)
    assert soc_max == pytest.approx(60.0)
    # below 20%: driving minutes 51..59 (SoC 19.8 .. 18.2) each followed by a ping 1 minute later = 9 min,
    # plus charging pings at 19.0 and 19.5 (09:00, 09:01) = 2 min
    assert below_20 == pytest.approx(11.0)
    assert sessions == 2


def test_portfolio_par_matches_the_reference(built: Warehouse) -> None:
    expected_days = reference_contract_days()
    by_day: dict[date, list[tuple]] = {}
    for (_, day), (dpd, _, outstanding, _, active) in expected_days.items():
        if active:
            by_day.setdefault(day, []).append((dpd, outstanding))
    rows = {
        r[0]: r[1:]
        for r in built.query(
            "select as_of_date, contracts_in_portfolio, outstanding_mxn, par_7, par_30, par_60, par_90 "
            "from marts.fct_lto_portfolio_daily"
        )
    }
    assert set(rows) == set(by_day)
    for day, contracts in by_day.items():
        total = sum(o for _, o in contracts)
        active, outstanding, *par = rows[day]
        assert (active, outstanding) == (len(contracts), total)
        for n, value in zip((7, 30, 60, 90), par, strict=True):
            at_risk = sum(o for d, o in contracts if d > n)
            assert value == pytest.approx(float(at_risk / total), abs=1e-6), (day, n)
    # a day a human can check: on Feb 13 only c_late (DPD 25) is past due beyond 7 days
    assert rows[date(2026, 2, 13)][2] > 0 and rows[date(2026, 2, 13)][4] == 0


def test_vehicle_utilisation_days_by_hand(built: Warehouse) -> None:
    rows = built.query(
        "select activity_date, is_in_fleet, trips, km_on_trip, gross_fares_mxn, km_driven, is_in_workshop, is_idle "
        "from marts.fct_vehicle_utilisation_daily where vehicle_id = 'veh_1' order by 1"
    )
    days = {r[0]: r[1:] for r in rows}
    # the operating span: the first trip (Feb 10) to the as-of date (a trip after it waits)
    assert min(days) == date(2026, 2, 10) and max(days) == AS_OF and len(days) == (AS_OF - date(2026, 2, 10)).days + 1
    assert days[date(2026, 2, 10)] == (True, 3, 69.0, Decimal("720.00"), 44.0, False, False)
    assert days[date(2026, 2, 11)] == (True, 1, 5.0, Decimal("80.00"), 0.0, False, False)  # 23:50 local, not Feb 12
    assert days[date(2026, 2, 12)][5:] == (True, False)  # in the workshop: not idle
    assert days[date(2026, 2, 13)][5:] == (True, False)  # out at 15:00
    assert days[date(2026, 2, 14)][5:] == (False, True)  # no trip, no workshop: idle


def test_driver_weeks_by_hand(built: Warehouse) -> None:
    rows = built.query(
        "select driver_id, trips, gross_fares_mxn, fares_uber_mxn, fares_didi_mxn, installments_due, "
        "installment_due_mxn, fares_to_installment_ratio from marts.fct_driver_weekly "
        "where week_start_date = '2026-02-09' order by 1"
    )
    # no drivers export: the drivers the trips name still get their weeks; c_on_time's installment of Feb 9 is due
    assert rows == [
        ("d_c_on_time", 3, Decimal("400.00"), Decimal("310.00"), Decimal("90.00"), 1, Decimal("1000.00"), 0.4),
        ("d_stranger", 1, Decimal("400.00"), Decimal("0.00"), Decimal("0.00"), 0, Decimal("0.00"), None),
    ]


def test_work_order_by_hand(built: Warehouse) -> None:
    rows = built.query(
        "select work_order_id, is_open, downtime_days, km_since_previous_service, total_mxn, prior_dtc_events_30d, "
        "prior_dtc_warning_events_30d from marts.fct_work_orders order by 1"
    )
    assert rows == [
        ("wo_0", False, 0.125, None, Decimal("1500.00"), 1, 0),  # the Jan 10 info code, 10 days before
        ("wo_1", False, 1.25, 10100.0, Decimal("1500.00"), 1, 1),  # the March export's closed state wins
    ]


def test_consistency_checks_flag_what_they_should(built: Warehouse) -> None:
    """The three warn-level checks between sources each flag exactly the planted case."""
    results = json.loads((Path(built.env["DBT_TARGET_PATH"]) / "run_results.json").read_text())
    failures = {r["unique_id"].split(".")[-1]: (r["status"], r["failures"]) for r in results["results"]}
    assert failures["assert_trips_do_not_overlap_charging"] == ("warn", 1)  # t_charging
    assert failures["assert_trips_match_driver_contracts"] == ("warn", 1)  # t_stranger
    # Feb 10: 69 km on trip, 44 km driven; Feb 11: 5 km on trip and no telematics that day
    assert failures["assert_trip_km_within_odometer_km"] == ("warn", 2)
    assert failures["assert_trips_reconcile_with_raw"] == ("pass", 0)
    zones = built.query("select count(distinct pickup_zone_id), count(*) from marts.fct_zone_hour_demand")[0]
    assert zones == (17, 17 * 24 * ((AS_OF - date(2026, 2, 10)).days + 1))  # 16 seeded + z99


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
