"""Drivers, LTO applications and contracts, and weekly payment behaviour driven by a latent risk."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from lafa.simulate import world

FIRST_NAMES = (
    "Ana",
    "Luis",
    "María",
    "José",
    "Juan",
    "Guadalupe",
    "Carlos",
    "Fernanda",
    "Jorge",
    "Alejandra",
    "Miguel",
    "Sofía",
    "Ricardo",
    "Daniela",
    "Héctor",
    "Valeria",
    "Raúl",
    "Paola",
    "Arturo",
    "Karla",
)
LAST_NAMES = (
    "Hernández",
    "García",
    "Martínez",
    "López",
    "González",
    "Pérez",
    "Rodríguez",
    "Sánchez",
    "Ramírez",
    "Cruz",
    "Flores",
    "Gómez",
    "Morales",
    "Vázquez",
    "Reyes",
    "Jiménez",
    "Torres",
    "Díaz",
    "Ruiz",
    "Mendoza",
)
METHODS = ("oxxo", "spei", "card", "cash")
METHOD_WEIGHTS = (0.4, 0.35, 0.15, 0.1)


@dataclass
class Person:
    driver_id: str
    full_name: str
    phone: str
    curp: str
    onboarded_at: datetime  # UTC
    home_zone: str
    risk: float
    platform: str
    churn_date: date | None
    start_hour: float
    shift_hours: float
    charge_below: float
    has_home_charger: bool


class Payment(NamedTuple):
    payment_id: str
    at: datetime  # UTC, when it was made (and first exported)
    amount: float
    method: str
    status: str  # final status: succeeded, failed, reversed
    reversed_at: datetime | None = None  # UTC: a reversed payment was "succeeded" until then


# Scripted contracts (docs/generator.md, "Lending cases"): pay every installment in full on its due date until
# `stops_paying` (never, if None); an early payoff pays the whole balance on `payoff_on`.
DPD_180 = "dpd_180"  # back-book: stops paying so that, repossessed, its DPD reaches 180 inside the horizon
PAYOFF = "early_payoff"  # back-book: pays off in full on a day inside the horizon
REPOSSESSION = "repossession"  # back-book: stops paying so that it is repossessed inside the horizon


@dataclass
class Contract:
    contract_id: str
    application_id: str
    driver: Person
    vehicle_id: str
    signed_at: datetime  # UTC
    first_due_date: date
    term_weeks: int
    weekly: float
    down_payment: float
    status: str = "active"
    closed_at: datetime | None = None
    paid: float = 0.0  # succeeded payments so far
    stressed_until: date | None = None
    default_date: date | None = None
    payments: list[Payment] = field(default_factory=list)
    script: str | None = None  # DPD_180, PAYOFF, REPOSSESSION: pays on time (until stops_paying)
    stops_paying: date | None = None  # installments due on or after it are never paid
    payoff_on: date | None = None  # the day the whole balance is paid (early payoff)
    cancel_on: date | None = None  # cancelled that day, before the first due date (early cancellation)
    close_reason: str | None = None  # early_payoff, repossession, early_cancellation, vehicle_swap, completed

    def installments_due(self, day: date) -> int:
        if day < self.first_due_date:
            return 0
        return min(self.term_weeks, (day - self.first_due_date).days // 7 + 1)

    def dpd(self, day: date) -> int:
        paid_installments = min(self.term_weeks, int(round(self.paid, 2) // self.weekly))
        if paid_installments >= self.term_weeks:
            return 0
        due = self.first_due_date + timedelta(weeks=paid_installments)
        return max(0, (day - due).days)


def curp(rng: random.Random, born: date, female: bool) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    consonants = "BCDFGHJKLMNPQRSTVWXZ"
    return (
        "".join(rng.choice(letters) for _ in range(4))
        + born.strftime("%y%m%d")
        + ("M" if female else "H")
        + "DF"
        + "".join(rng.choice(consonants) for _ in range(3))
        + rng.choice("0123456789A")
        + str(rng.randint(0, 9))
    )


def new_person(n: int, onboarded_at: datetime, horizon_end: date, rng: random.Random) -> Person:
    first = rng.choice(FIRST_NAMES)
    female = first in (
        "Ana",
        "María",
        "Guadalupe",
        "Fernanda",
        "Alejandra",
        "Sofía",
        "Daniela",
        "Valeria",
        "Paola",
        "Karla",
    )
    risk = rng.betavariate(2, 5)
    churns = rng.random() < world.CHURN_BASE_RATE + world.CHURN_RISK_RATE * risk
    churn = onboarded_at.date() + timedelta(days=rng.randint(*world.CHURN_AFTER_DAYS)) if churns else None
    night = rng.random() < 0.2
    return Person(
        driver_id=f"drv_{n:05d}",
        full_name=f"{first} {rng.choice(LAST_NAMES)} {rng.choice(LAST_NAMES)}",
        phone=f"+52 55 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
        curp=curp(rng, date(1970, 1, 1) + timedelta(days=rng.randint(0, 12_000)), female),
        onboarded_at=onboarded_at,
        home_zone=rng.choice(world.ZONES),
        risk=risk,
        platform=rng.choices(world.PLATFORMS, (0.6, 0.3, 0.1))[0],
        churn_date=churn if churn and churn <= horizon_end + timedelta(days=365) else None,
        start_hour=rng.uniform(15.0, 17.0) if night else rng.uniform(5.5, 9.0),
        shift_hours=rng.uniform(9.0, 12.0),
        charge_below=rng.uniform(15.0, 25.0),
        has_home_charger=rng.random() < 0.55,
    )


def activity(person: Person, day: date, rng: random.Random) -> float:
    """How much of a full shift the driver works today: churners slow down over 30 days, then stop."""
    if person.churn_date is not None:
        days_left = (person.churn_date - day).days
        if days_left <= 0:
            return 0.0
        if days_left < 30:
            return 0.3 + 0.7 * days_left / 30
    if day in world.HOLIDAYS and rng.random() < 0.4:
        return 0.0
    if day.weekday() == 6 and rng.random() < 0.35:
        return 0.0
    return 1.0


def pay_week(
    c: Contract,
    due: date,
    rng: random.Random,
    next_id: list[int],
    outage: date | None = None,
    force_reversal: bool = False,
) -> Payment | None:
    """The driver's response to the installment due on `due` (payments land on or after it; one that would land on
    the `outage` day, when the processor takes none, lands the day after). `force_reversal`: a succeeded payment is
    reversed later. Returns the payment made (not a declined first card attempt), if any."""
    person = c.driver
    if c.stops_paying is not None and due >= c.stops_paying:
        return None
    if c.script is not None:  # scripted: the installment in full, on its due date (or the day after), by SPEI
        day = due + timedelta(days=1) if due == outage else due
        local = datetime(day.year, day.month, day.day, rng.randint(9, 20), rng.randint(0, 59))
        at = local + timedelta(hours=6, seconds=rng.randint(0, 59))
        next_id[0] += 1
        payment = Payment(f"pay_{next_id[0]:07d}", at, round(c.weekly, 2), "spei", "succeeded")
        c.payments.append(payment)
        c.paid += payment.amount
        return payment
    if person.churn_date is not None and due >= person.churn_date:
        return None
    if c.stressed_until is None or due > c.stressed_until:
        c.stressed_until = due + timedelta(weeks=rng.randint(2, 6)) if rng.random() < 0.08 * person.risk * 3 else None
    stressed = c.stressed_until is not None and due <= c.stressed_until
    arrears = max(0.0, c.installments_due(due) * c.weekly - c.paid)
    p_full = (0.55 if stressed else 0.97) - 0.5 * person.risk
    r = rng.random()
    if r < p_full:
        amount = arrears if arrears > c.weekly + 0.005 and rng.random() < 0.6 else c.weekly
        if person.risk < 0.2 and rng.random() < 0.03:
            amount = c.weekly * rng.randint(2, 4)  # prepays several weeks
        late_days = 0 if rng.random() < 0.75 else rng.randint(1, 3)
    elif r < p_full + 0.15:
        amount = round(c.weekly * rng.uniform(0.3, 0.8), 2)
        late_days = rng.randint(0, 4)
    else:
        return None
    day = due + timedelta(days=late_days)
    if day == outage:
        day += timedelta(days=1)
    if rng.random() < 0.1:
        local = datetime(day.year, day.month, day.day, 23, rng.randint(0, 59))  # just before local midnight
    else:
        local = datetime(day.year, day.month, day.day, rng.randint(7, 21), rng.randint(0, 59))
    at = local + timedelta(hours=6, seconds=rng.randint(0, 59))
    method = rng.choices(METHODS, METHOD_WEIGHTS)[0]
    if method == "card" and rng.random() < world.CARD_FAILED_FIRST_RATE:
        next_id[0] += 1
        c.payments.append(
            Payment(
                f"pay_{next_id[0]:07d}", at - timedelta(minutes=rng.randint(5, 90)), round(amount, 2), "card", "failed"
            )
        )
    reversed_at = None
    if rng.random() < world.PAYMENT_REVERSED_RATE or force_reversal:
        # succeeded first (exported so), reversed days later (a chargeback, a returned transfer)
        reversed_at = at + timedelta(days=rng.uniform(*world.REVERSAL_AFTER_DAYS))
    next_id[0] += 1
    payment = Payment(
        f"pay_{next_id[0]:07d}", at, round(amount, 2), method, "succeeded" if reversed_at is None else "reversed"
    )
    c.payments.append(payment._replace(reversed_at=reversed_at))
    if reversed_at is None:
        c.paid += round(amount, 2)
    return c.payments[-1]
