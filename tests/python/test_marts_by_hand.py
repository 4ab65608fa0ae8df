"""Marts against numbers computed independently in the test, on a small hand-made landing folder.

The reference implementations below walk day by day and payment by payment in plain Python; they share
no code with the dbt models.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from builders import envelope, ping, write_csv, write_telematics
from conftest import Warehouse, isolated_warehouse

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


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    tmp = tmp_path_factory.mktemp("by_hand")
    wh = isolated_warehouse(tmp)
    _write_lending(wh.landing)
    pings = _telematics_day()
    lines = [envelope(f"m{i:04d}", p) for i, p in enumerate(pings)]
    lines.reverse()  # out of order on purpose
    write_telematics(wh.landing, "2026-02-10.jsonl", [*lines, lines[3]])  # and one redelivery
    loaded = wh.lafa("load", str(wh.landing))
    assert loaded.returncode == 0, loaded.stderr
    wh.dbt("build", "--vars", f"{{as_of_date: '{AS_OF}'}}")
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


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))


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
