"""Drivers, LTO applications and contracts, and weekly payment behaviour driven by a latent risk."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

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
    payments: list[tuple[str, datetime, float, str, str]] = field(default_factory=list)

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
    churns = rng.random() < 0.15 + 0.35 * risk
    churn = onboarded_at.date() + timedelta(days=rng.randint(45, 400)) if churns else None
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


def pay_week(c: Contract, due: date, rng: random.Random, next_id: list[int]) -> None:
    """The driver's response to the installment due on `due` (payments land on or after it)."""
    person = c.driver
    if person.churn_date is not None and due >= person.churn_date:
        return
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
        return
    day = due + timedelta(days=late_days)
    if rng.random() < 0.1:
        local = datetime(day.year, day.month, day.day, 23, rng.randint(0, 59))  # just before local midnight
    else:
        local = datetime(day.year, day.month, day.day, rng.randint(7, 21), rng.randint(0, 59))
    at = local + timedelta(hours=6, seconds=rng.randint(0, 59))
    method = rng.choices(METHODS, METHOD_WEIGHTS)[0]
    if method == "card" and rng.random() < world.CARD_FAILED_FIRST_RATE:
        next_id[0] += 1
        c.payments.append(
            (f"pay_{next_id[0]:07d}", at - timedelta(minutes=rng.randint(5, 90)), round(amount, 2), "card", "failed")
        )
    status = "reversed" if rng.random() < world.PAYMENT_REVERSED_RATE else "succeeded"
    next_id[0] += 1
    c.payments.append((f"pay_{next_id[0]:07d}", at, round(amount, 2), method, status))
    if status == "succeeded":
        c.paid += round(amount, 2)
