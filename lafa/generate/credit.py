"""Drivers, LTO applications, contracts and weekly payments driven by a latent risk; churn and repossession."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from lafa.generate import params as P
from lafa.generate import rand
from lafa.generate.output import Landing, epoch, local_date, money, utc_ts
from lafa.generate.people import identity


@dataclass
class Person:
    num: int
    driver_id: str
    full_name: str
    phone: str
    curp: str
    onboarded_at: int  # epoch s
    home_zone: int
    risk: float
    platform: str
    tenure_months: int
    rating: float
    earnings: float
    start_hour: float  # local hour the shift usually starts
    shift_hours: float
    day_off: int  # weekday usually not worked
    charge_below: float  # SoC that sends the driver to a charger mid-shift
    overnight_below: float  # SoC below which the car is plugged in after the shift
    home_kw: float  # 0 = no home charger
    dc_preference: float  # chance a mid-shift charge is public DC rather than the depot
    method: str  # preferred payment method
    churn_date: date | None = None


@dataclass
class Contract:
    contract_id: str
    application_id: str
    person: Person
    vehicle_num: int
    signed_at: int  # epoch s
    signed_date: date
    first_due: date
    term_weeks: int
    weekly: float
    down_payment: float
    repossess_dpd: int
    status: str = "active"
    closed_at: int | None = None
    default_date: date | None = None
    return_date: date | None = None  # a churner hands the vehicle back
    paid: float = 0.0
    stressed: bool = False
    pending: list[tuple[int, float]] = field(default_factory=list)  # (paid_at epoch, amount)

    def due_through(self, day: date) -> float:
        if day < self.first_due:
            return 0.0
        return min(self.term_weeks, (day - self.first_due).days // 7 + 1) * self.weekly

    def dpd(self, day: date) -> int:
        """DESIGN.md section 4: days since the oldest installment due on or before `day` not fully paid."""
        paid_installments = int((self.paid + 0.005) // self.weekly)
        if paid_installments >= self.term_weeks:
            return 0
        due = self.first_due + timedelta(weeks=paid_installments)
        return max(0, (day - due).days)


@dataclass(frozen=True)
class DayPlan:
    """What a vehicle-day needs to know about its driver."""

    driver_id: str
    platform: str
    start_hour: float
    shift_hours: float
    activity: float  # share of a normal shift worked today
    charge_below: float
    overnight_below: float
    home_kw: float
    dc_preference: float
    home_zone: int
    risk: float


class Credit:
    def __init__(self, seed: int, landing: Landing, mess: dict[str, int]) -> None:
        self.seed = seed
        self.rng = rand.stream(seed, rand.CREDIT)
        self.landing = landing
        self.mess = mess
        self.people: list[Person] = []
        self.applications: list[list[object]] = []
        self.contracts: list[Contract] = []
        self.active: dict[int, Contract] = {}  # vehicle num -> contract (signed, not closed)
        self.reserved: dict[int, tuple[date, Person, str]] = {}  # vehicle num -> signing date, person, application
        self.available: dict[int, date] = {}  # vehicle num -> free from
        self.n_payments = 0

    # --- helpers ------------------------------------------------------------------------------
    def dirty(self, value: str) -> str:
        if self.rng.random() < P.DIRTY_CATEGORY_RATE:
            self.mess["dirty_categories"] += 1
            k = int(self.rng.integers(0, 3))
            return (f"  {value.upper()}", f"{value.capitalize()} ", f" {value.title()} ")[k]
        return value

    def _person(self, applied_at: int) -> Person:
        num = len(self.people) + 1
        r = rand.stream(self.seed, rand.PERSON, num)
        risk = float(r.beta(*P.RISK_BETA))
        name, phone, curp = identity(r, local_date(applied_at))
        zones_w = np.array([z[4] for z in P.ZONES], dtype=float)
        night = r.random() < 0.18
        person = Person(
            num=num,
            driver_id=f"drv_{num:05d}",
            full_name=name,
            phone=phone,
            curp=curp,
            onboarded_at=applied_at - int(r.integers(0, 21 * 86400)),
            home_zone=int(r.choice(len(P.ZONES), p=zones_w / zones_w.sum())),
            risk=risk,
            platform=str(r.choice(P.PLATFORMS, p=P.PLATFORM_WEIGHTS)),
            tenure_months=max(1, int(r.gamma(2.0, 10.0) * (1.25 - risk))),
            rating=round(float(np.clip(4.97 - 0.8 * risk + r.normal(0, 0.07), 3.6, 5.0)), 2),
            earnings=round(float(max(3_800.0, r.normal(12_500 - 6_000 * risk, 1_600))), 2),
            start_hour=float(r.uniform(15.0, 17.5) if night else r.uniform(5.0, 8.5)),
            shift_hours=float(r.uniform(9.0, 12.5)),
            day_off=int(r.choice(7, p=[0.08, 0.06, 0.06, 0.06, 0.04, 0.1, 0.6])),
            charge_below=float(r.uniform(14.0, 26.0)),
            overnight_below=float(r.uniform(45.0, 80.0)),
            home_kw=float(r.choice(P.HOME_AC_KW)) if r.random() < 0.4 else 0.0,
            dc_preference=float(r.uniform(0.6, 0.95)),
            method=str(r.choice(P.METHODS, p=P.METHOD_WEIGHTS)),
        )
        self.people.append(person)
        return person

    # --- the daily step -------------------------------------------------------------------------
    def step(self, day: date, spec_of: dict[int, P.ModelSpec]) -> list[int]:
        """One local day of the credit book; returns vehicles whose contract closed today (back to the pool)."""
        self._sign(day, spec_of)
        released: list[int] = []
        for num in sorted(self.active):
            c = self.active[num]
            self._pay(c, day)
            due = day + timedelta(days=2)
            k = (due - c.first_due).days
            if k >= 0 and k % 7 == 0 and k // 7 < c.term_weeks:
                self._decide_week(c, due)
            if self._close(c, day):
                released.append(num)
        for num in released:
            del self.active[num]
            self.available[num] = day + timedelta(days=int(self.rng.integers(*P.REFURBISH_DAYS)))
        self._apply(day, spec_of)
        return released

    def _apply(self, day: date, spec_of: dict[int, P.ModelSpec]) -> None:
        for num in sorted(self.available):
            if self.available[num] > day:
                continue
            for _ in range(int(self.rng.poisson(P.APPLICATION_RATE_PER_FREE_VEHICLE))):
                applied_at = epoch(day, float(self.rng.uniform(8 * 3600, 21 * 3600)))
                person = self._person(applied_at)
                spec = spec_of[num]
                est = person.risk + float(self.rng.normal(0, 0.08))
                affordable = person.earnings >= P.AFFORDABILITY_EARNINGS_MULTIPLE * spec.weekly_payment_mxn
                approved = est < P.APPROVAL_MAX_RISK_SCORE and affordable and person.rating >= 4.5
                app_id = f"app_{len(self.applications) + 1:06d}"
                self.applications.append(
                    [
                        app_id,
                        person.driver_id,
                        applied_at,
                        person.platform,
                        person.tenure_months,
                        f"{person.rating:.2f}",
                        money(person.earnings),
                        "approved" if approved else "rejected",
                    ]
                )
                if approved:
                    del self.available[num]
                    self.reserved[num] = (day + timedelta(days=int(self.rng.integers(1, 5))), person, app_id)
                    break

    def _sign(self, day: date, spec_of: dict[int, P.ModelSpec]) -> None:
        for num in sorted(self.reserved):
            when, person, app_id = self.reserved[num]
            if when != day:
                continue
            del self.reserved[num]
            spec = spec_of[num]
            rng = self.rng
            months = rng.exponential(1 / (P.CHURN_PER_MONTH[0] + P.CHURN_PER_MONTH[1] * person.risk))
            person.churn_date = day + timedelta(days=max(10, int(months * 30.4)))
            shares = [share for share, _, _ in P.REPOSSESSION_DPD]
            _, lo, hi = P.REPOSSESSION_DPD[int(rng.choice(len(shares), p=shares))]
            c = Contract(
                contract_id=f"lto_{len(self.contracts) + 1:05d}",
                application_id=app_id,
                person=person,
                vehicle_num=num,
                signed_at=epoch(day, float(rng.uniform(10 * 3600, 18 * 3600))),
                signed_date=day,
                first_due=day + timedelta(days=7),
                term_weeks=spec.term_weeks,
                weekly=spec.weekly_payment_mxn,
                down_payment=float(rng.choice([8_000.0, 10_000.0, 12_500.0, 15_000.0, 20_000.0])),
                repossess_dpd=int(rng.integers(lo, hi + 1)),
            )
            if rng.random() < P.VOLUNTARY_RETURN_RATE:
                c.return_date = person.churn_date + timedelta(days=int(rng.integers(1, 11)))
            self.contracts.append(c)
            self.active[num] = c

    def _decide_week(self, c: Contract, due: date) -> None:
        """Two days before an installment falls due, the driver decides how much to pay and when."""
        rng = self.rng
        person = c.person
        if person.churn_date is not None and due >= person.churn_date:
            return
        if c.stressed:
            c.stressed = rng.random() >= P.STRESS_END_PER_WEEK
        else:
            c.stressed = rng.random() < P.STRESS_START_PER_WEEK[0] + P.STRESS_START_PER_WEEK[1] * person.risk
        arrears = max(0.0, c.due_through(due - timedelta(days=1)) - c.paid)
        p_full = 0.2 if c.stressed else 0.97 - 0.4 * person.risk
        p_partial = 0.35 if c.stressed else 0.6 * (1 - p_full)
        u = rng.random()
        if u < p_full:
            amount = c.weekly
            if arrears > 0.005 and rng.random() < (0.15 if c.stressed else 0.7 - 0.4 * person.risk):
                amount += arrears  # cures
            elif person.risk < 0.2 and rng.random() < 0.03:
                amount = c.weekly * int(rng.integers(2, 5))  # prepays a few weeks
            lag = int(rng.choice([-2, -1, 0, 1, 2, 3], p=[0.04, 0.08, 0.66, 0.12, 0.06, 0.04]))
        elif u < p_full + p_partial:
            amount = c.weekly * float(rng.uniform(0.3, 0.8))
            if rng.random() < 0.5:
                amount = max(100.0, round(amount, -2))  # cash at OXXO in round hundreds
            lag = int(rng.integers(0, 6))
        else:
            return
        if c.person.churn_date is not None and due + timedelta(days=lag) >= c.person.churn_date:
            return
        pay_day = due + timedelta(days=lag)
        if rng.random() < P.LATE_NIGHT_PAYMENT_RATE:
            seconds = float(rng.uniform(23 * 3600, 24 * 3600 - 1))  # just before local midnight: next UTC day
        else:
            seconds = float(np.clip(rng.normal(14 * 3600, 4 * 3600), 6 * 3600, 23 * 3600))
        c.pending.append((epoch(pay_day, seconds), round(amount, 2)))

    def _pay(self, c: Contract, day: date) -> None:
        rng = self.rng
        keep: list[tuple[int, float]] = []
        for at, amount in c.pending:
            if local_date(at) != day:
                keep.append((at, amount))
                continue
            method = c.person.method if rng.random() < 0.8 else str(rng.choice(P.METHODS, p=P.METHOD_WEIGHTS))
            if method == "card" and rng.random() < P.CARD_DECLINE_RATE:
                self._payment_row(c, at - int(rng.integers(300, 5_400)), amount, "card", "failed")
            status = "reversed" if rng.random() < P.PAYMENT_REVERSAL_RATE else "succeeded"
            self._payment_row(c, at, amount, method, status)
            if status == "succeeded":
                c.paid = round(c.paid + amount, 2)
        c.pending = keep

    def _payment_row(self, c: Contract, at: int, amount: float, method: str, status: str) -> None:
        self.n_payments += 1
        self.landing.row(
            "payments",
            utc_ts(at)[:7],
            [
                f"pay_{self.n_payments:08d}",
                c.contract_id,
                utc_ts(at),
                money(amount),
                self.dirty(method),
                self.dirty(status),
            ],
        )

    def _close(self, c: Contract, day: date) -> bool:
        closed_at = epoch(day, float(self.rng.uniform(10 * 3600, 19 * 3600)))
        if c.paid >= c.term_weeks * c.weekly - 0.005:
            c.status, c.closed_at = "completed", closed_at
        elif c.return_date is not None and day >= c.return_date:
            c.status, c.closed_at = "terminated", closed_at
        elif c.dpd(day) >= c.repossess_dpd:
            c.status, c.closed_at, c.default_date = "terminated", closed_at, day
        else:
            return False
        c.pending = []
        churn = c.person.churn_date
        if churn is not None and churn > day:
            c.person.churn_date = None  # stopped driving for LAFA by the closure, not by churning
        return True

    # --- what the vehicles see ------------------------------------------------------------------------
    def plan(self, num: int, day: date, holiday_factor: float | None, rng: np.random.Generator) -> DayPlan | None:
        c = self.active.get(num)
        if c is None or c.signed_date >= day:
            return None
        p = c.person
        activity = 1.0
        if p.churn_date is not None:
            left = (p.churn_date - day).days
            if left <= 0:
                return None
            if left < P.CHURN_SLOWDOWN_DAYS:
                activity = 0.3 + 0.7 * left / P.CHURN_SLOWDOWN_DAYS
                if rng.random() < 0.5 * (1 - left / P.CHURN_SLOWDOWN_DAYS):
                    return None  # more days off
        if day.weekday() == p.day_off and rng.random() < 0.75:
            return None
        if rng.random() < 0.04:
            return None  # errands, sickness
        if holiday_factor is not None and holiday_factor < 1 and rng.random() < 0.35:
            return None
        if c.stressed:
            activity *= 1.1  # works longer to catch up
        return DayPlan(
            driver_id=p.driver_id,
            platform=p.platform,
            start_hour=p.start_hour,
            shift_hours=p.shift_hours,
            activity=min(1.15, activity),
            charge_below=p.charge_below,
            overnight_below=p.overnight_below,
            home_kw=p.home_kw,
            dc_preference=p.dc_preference,
            home_zone=p.home_zone,
            risk=p.risk,
        )

    def next_start_hour(self, num: int) -> float | None:
        c = self.active.get(num)
        return None if c is None else c.person.start_hour

    # --- end of horizon snapshots -------------------------------------------------------------------
    def snapshot_rows(
        self, end: date
    ) -> tuple[list[list[object]], list[list[object]], list[list[object]], list[list[object]]]:
        from lafa.generate.output import local_ts

        drivers = [
            [p.driver_id, p.full_name, p.phone, p.curp, local_ts(p.onboarded_at), P.ZONES[p.home_zone][0]]
            for p in self.people
        ]
        apps = [
            [a[0], a[1], local_ts(int(a[2])), self.dirty(str(a[3])), a[4], a[5], a[6], self.dirty(str(a[7]))]
            for a in self.applications
        ]  # type: ignore[call-overload]
        contracts = [
            [
                c.contract_id,
                c.application_id,
                c.person.driver_id,
                f"veh_{c.vehicle_num:04d}",
                local_ts(c.signed_at),
                c.first_due.isoformat(),
                c.term_weeks,
                money(c.weekly),
                money(c.down_payment),
                self.dirty(c.status),
                "" if c.closed_at is None else local_ts(c.closed_at),
            ]
            for c in self.contracts
        ]
        defaults = {c.person.driver_id: c.default_date for c in self.contracts if c.default_date is not None}
        truth: list[list[object]] = []
        for p in self.people:
            churned = p.churn_date is not None and p.churn_date <= end
            truth.append(
                [
                    p.driver_id,
                    f"{p.risk:.4f}",
                    p.churn_date.isoformat() if churned and p.churn_date is not None else "",
                    defaults[p.driver_id].isoformat() if p.driver_id in defaults else "",
                ]
            )
        return drivers, apps, contracts, truth
