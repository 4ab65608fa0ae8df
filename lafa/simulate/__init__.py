"""A synthetic LAFA fleet, simulated day by day and streamed to the landing folders (docs/generator.md).

Same config, same bytes: every random draw comes from `random.Random` streams seeded by strings.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from lafa.contract import SOURCES
from lafa.simulate import credit, lending, world
from lafa.simulate.output import Landing, envelope, payload, truth_writer, write_manifest
from lafa.simulate.vehicle import (
    AC_ONLY,
    DC_ONLY,
    MIXED,
    UTC_OFFSET,
    DayLog,
    Driver,
    Reading,
    Session,
    VehicleState,
    fade_one_day,
    simulate_day,
)

TRUTH_FILES: dict[str, list[str]] = {
    "battery_daily": ["vehicle_id", "date", "usable_capacity_kwh", "soh_pct"],
    "charging_sessions": [
        "vehicle_id",
        "started_at",
        "ended_at",
        "location_type",
        "charger_type",
        "soc_start_pct",
        "soc_end_pct",
        "energy_battery_kwh",
        "energy_grid_kwh",
        "ocpp_session_id",
        "id_tag",
    ],
    "failures": ["vehicle_id", "failed_at", "component", "work_order_id", "precursor_dtc_at"],
    "workshop_visits": ["work_order_id", "vehicle_id", "kind", "in_at", "out_at"],
    "trips_daily": ["vehicle_id", "driver_id", "date", "trips", "km_on_trip", "fares_mxn"],
    "vehicle_daily_km": ["vehicle_id", "date", "km_driven"],
    "telematics_dropouts": ["vehicle_id", "started_at", "ended_at", "during"],
    "replugs": [
        "vehicle_id",
        "unplugged_at",
        "replugged_at",
        "km_driven",
        "same_station",
        "first_ocpp_session_id",
        "second_ocpp_session_id",
    ],
    "vehicle_swaps": [
        "driver_id",
        "id_tag",
        "from_vehicle_id",
        "to_vehicle_id",
        "swapped_at",
        "old_contract_id",
        "new_contract_id",
    ],
    "odometer_glitches": ["vehicle_id", "recorded_at", "reported_odometer_m", "true_odometer_m"],
    "very_late_readings": ["vehicle_id", "recorded_at", "published_at"],
    "charging_months": ["vehicle_id", "month", "mode", "ac_sessions", "dc_sessions"],
}
# lending cases in `_truth/lending_cases.csv` (counted in the manifest under "lending_cases")
LENDING_CASES = (
    "back_book_contract",
    "repossession_with_arrears",
    "dpd_180",
    "early_cancellation",
    "vehicle_swap_cancellation",
    "early_payoff",
    "no_payment_day",
    "export_skipped",
    "reversal_in_later_export",
    "stale_export_redelivered",
    "vehicle_disposed",
)
MESS = (
    "duplicates",
    "late",
    "very_late",
    "gps_dropouts",
    "impossible_values",
    "dirty_categories",
    "first_charging_reading_after_plug_in",
    "dropouts_depot_charging",
    "dropouts_home_charging",
    "dropouts_driving",
    "replugs",
    "vehicle_swaps",
    "odometer_glitches",
    "ac_only_months",
    "dc_only_months",
    "trips_adjusted",
    "trips_late",
    "work_orders_relisted",
    "work_orders_open_at_end",
)


@dataclass(frozen=True)
class FleetConfig:
    vehicles: int = 25  # vehicles at the end of the horizon
    initial_share: float = 0.5  # share of them that exists on day 0; the rest is bought evenly over the horizon
    days: int = 90
    start: date = date(2026, 6, 1)
    seed: int = 42
    ping_seconds: int = 60  # telematics ping interval: a multiple of the one-minute simulation step, up to 15 min
    gzip_telematics: bool = False  # telematics/<date>.jsonl.gz instead of .jsonl (~14x smaller)


def _local(at_utc: datetime) -> str:
    return (at_utc - UTC_OFFSET).isoformat(timespec="seconds") + "-06:00"


def _utc(at_utc: datetime) -> str:
    return at_utc.isoformat(timespec="seconds") + "Z"


def _noon(day: date) -> datetime:
    """Noon local time on `day`, in UTC."""
    return datetime(day.year, day.month, day.day, 12) + UTC_OFFSET


def _id_tag(person: credit.Person) -> str:
    """The driver's RFID card: it goes with the driver, not the vehicle."""
    return f"RFID{int(person.driver_id.split('_')[1]):06d}"


class _Fleet:
    def __init__(self, config: FleetConfig, out: Path) -> None:
        self.c = config
        self.out = out
        self.rng = random.Random(f"lafa-{config.seed}")
        self.landing = Landing(out, config.gzip_telematics)
        self.end = config.start + timedelta(days=config.days - 1)
        self.vehicles: list[VehicleState] = []
        self.pool: dict[str, date] = {}  # vehicle_id -> available from
        self.lease: dict[str, credit.Contract] = {}  # vehicle_id -> active contract
        self.contracts: list[credit.Contract] = []
        self.people: list[credit.Person] = []
        self.applications: list[list[object]] = []
        self.ids: dict[str, int] = {}
        self.payment_id = [0]
        self.mess = dict.fromkeys(MESS, 0)
        self.truth = {name: truth_writer(out, f"{name}.csv", header) for name, header in TRUTH_FILES.items()}
        self.charge_modes: dict[tuple[str, str], str] = {}  # (vehicle_id, local month) -> mixed, ac_only, dc_only
        self.month_sessions: dict[tuple[str, str], list[int]] = {}  # -> [ac sessions, dc sessions]
        self.last_station: dict[str, tuple[str, str]] = {}  # vehicle_id -> (station, OCPP id) of its last export
        self.pending_failures: dict[str, tuple[date, str, datetime | None]] = {}  # -> (due, component, DTC at)
        # scripted collisions (docs/generator.md, "workshop"): the day before the last month end at least 16 days
        # before the horizon's end (re-listed in the next month's export), and the horizon's last day (open at its end)
        month_ends = [
            self.end - timedelta(days=k) for k in range(16, config.days) if (self.end - timedelta(days=k - 1)).day == 1
        ]
        self.scripted_collisions = {self.end} | ({month_ends[0] - timedelta(days=1)} if month_ends else set())
        self.trips_daily: dict[tuple[str, str, date], list[float]] = {}  # (vehicle, driver, date) -> [n, km, MXN]
        self.last_trip: dict[str, date] = {}  # driver_id -> local date of the last trip
        self.meter_wh: dict[str, int] = {}
        self.start = config.start
        # the processor takes no payment on this local day (payments due then land the day after)
        self.no_payment_day = config.start + timedelta(days=min(config.days - 1, config.days * 2 // 3))
        self.disposed: dict[str, tuple[datetime, str, str]] = {}  # vehicle_id -> (when, why, contract_id)
        self.cancel_forced = False  # the first contract signed in the horizon is cancelled early
        self.reversal_pending = True  # one payment early in the horizon is reversed days later
        self._plan_acquisitions()
        self._plan_back_book()

    def _truth(self, name: str, row: list[object]) -> None:
        self.truth[name][1].writerow(row)

    def next_id(self, kind: str) -> int:
        self.ids[kind] = self.ids.get(kind, 0) + 1
        return self.ids[kind]

    def dirty(self, value: str, rng: random.Random | None = None) -> str:
        """A category as exports sometimes write it (case, spaces). Vehicle-day rows pass the day's own stream, so
        that how much a vehicle drives never shifts the lending draws."""
        rng = rng or self.rng
        if rng.random() < world.DIRTY_CATEGORY_RATE:
            self.mess["dirty_categories"] += 1
            return rng.choice((f"  {value.upper()}", f"{value.capitalize()} ", f" {value} "))
        return value

    def _plan_acquisitions(self) -> None:
        rng = random.Random(f"lafa-{self.c.seed}-acquisitions")
        initial = max(1, int(self.c.vehicles * self.c.initial_share))
        self.acquisitions: dict[date, list[int]] = {}
        for n in range(1, self.c.vehicles + 1):
            if n <= initial:
                day = self.c.start - timedelta(days=rng.randint(0, 60))
            else:
                day = self.c.start + timedelta(days=rng.randint(1, max(1, self.c.days - 1)))
            self.acquisitions.setdefault(max(day, self.c.start), []).append(n)
            model = rng.choices(world.MODELS, world.MODEL_WEIGHTS)[0]
            acquired = datetime(day.year, day.month, day.day, 11) + UTC_OFFSET
            v = VehicleState(
                vehicle_id=f"veh_{n:04d}",
                vin=f"LAFA{model.make[:3].upper()}{rng.randint(10**9, 10**10 - 1)}",
                model=model,
                acquired_at=acquired,
                fade_multiplier=min(2.0, max(0.5, rng.lognormvariate(0, 0.3))),
                oem_bias=rng.uniform(-1.0, 1.0),
                soc=rng.uniform(70, 95),
                odometer_m=rng.uniform(5, 80) * 1000,
            )
            v.capacity_kwh = model.nominal_kwh * rng.uniform(0.995, 1.0)
            first_service = random.Random(f"lafa-{self.c.seed}-{v.vehicle_id}-service").uniform(
                *world.FIRST_SERVICE_SHARE
            )
            v.next_service_km = v.odometer_m / 1000 + first_service * world.PREVENTIVE_INTERVAL_KM
            self.vehicles.append(v)
        self.by_id = {v.vehicle_id: v for v in self.vehicles}

    def _plan_back_book(self) -> None:
        """Part of the day-0 fleet is already leased at the start: the back-book (lending data only, before the
        start). The first three back-book vehicles carry scripted contracts (credit.DPD_180, PAYOFF, REPOSSESSION),
        so every fleet holds those cases; the others became free to lease 30-300 days before the start."""
        rng = random.Random(f"lafa-{self.c.seed}-back-book")
        start, days = self.c.start, self.c.days
        initial = max(1, int(self.c.vehicles * self.c.initial_share))
        count = min(initial, max(3, round(initial * world.BACK_BOOK_SHARE)))
        chosen = sorted(rng.sample(range(1, initial + 1), count))
        self.back_book_signings: dict[date, list[tuple[VehicleState, credit.Contract]]] = {}
        self.back_book_from = start
        scripts = (credit.DPD_180, credit.PAYOFF, credit.REPOSSESSION)
        for i, n in enumerate(chosen):
            v = self.vehicles[n - 1]
            self.acquisitions[start].remove(n)  # leased (or free) before the start, not bought on day 0
            if i < len(scripts):
                script, stops, payoff = scripts[i], None, None
                if script == credit.DPD_180:  # its DPD reaches 180 on a day inside the horizon
                    stops = start - timedelta(days=180 - rng.randint(0, max(0, days - 1)))
                    first_due = stops - timedelta(weeks=rng.randint(4, 12))
                elif script == credit.REPOSSESSION:  # DPD 45 (repossession) on a day inside the horizon
                    low = min(5, days - 1)
                    repossessed = start + timedelta(days=rng.randint(low, max(low, days - 11)))
                    stops = repossessed - timedelta(days=world.TERMINATION_DPD)
                    first_due = stops - timedelta(weeks=rng.randint(6, 20))
                else:
                    first_due = start - timedelta(days=rng.randint(53, 243))
                    payoff = start + timedelta(days=rng.randint(days // 3, max(days // 3, days * 2 // 3)))
                    if payoff == self.no_payment_day:
                        payoff += timedelta(days=1 if payoff < self.end else -1)
                signed = first_due - timedelta(days=7)
                contract = credit.Contract(
                    contract_id="",  # numbered when signed, in signing order
                    application_id="",
                    driver=None,  # type: ignore[arg-type]
                    vehicle_id=v.vehicle_id,
                    signed_at=datetime(signed.year, signed.month, signed.day) + UTC_OFFSET,
                    first_due_date=first_due,
                    term_weeks=156,
                    weekly=v.model.weekly_payment_mxn,
                    down_payment=15_000.0,
                    script=script,
                    stops_paying=stops,
                    payoff_on=payoff,
                )
                self.back_book_signings.setdefault(signed, []).append((v, contract))
                free_from = signed
            else:
                free_from = start - timedelta(days=rng.randint(*world.BACK_BOOK_DAYS))
                self.pool[v.vehicle_id] = free_from
            acquired = free_from - timedelta(days=rng.randint(1, 20))
            v.acquired_at = datetime(acquired.year, acquired.month, acquired.day, 11) + UTC_OFFSET
            self.back_book_from = min(self.back_book_from, free_from)

    def _back_book_days(self) -> None:
        """Lending only (no telematics) from the first back-book day to the day before the start, on its own random
        stream: scripted signings, payments, repossessions, and free back-book vehicles leased again."""
        main, self.rng = self.rng, random.Random(f"lafa-{self.c.seed}-back-book-days")
        day = self.back_book_from
        while day < self.start:
            for v, contract in self.back_book_signings.get(day, []):
                self._sign_scripted(v, day, contract)
            self._credit_day(day)
            day += timedelta(days=1)
        self.rng = main

    def _sign_scripted(self, v: VehicleState, day: date, contract: credit.Contract) -> None:
        rng = self.rng
        applied = datetime(day.year, day.month, day.day, rng.randint(9, 18), rng.randint(0, 59)) + UTC_OFFSET
        applied -= timedelta(days=rng.randint(2, 6))
        person = credit.new_person(self.next_id("driver"), applied, self.end, rng)
        person.risk = min(person.risk, 0.15)
        person.churn_date = contract.stops_paying  # a defaulter stops driving and paying (None: never)
        self.people.append(person)
        app_id = self._application(person, applied, v, approve=True)
        contract.contract_id = f"lto_{self.next_id('contract'):05d}"
        contract.application_id = app_id
        contract.driver = person
        contract.signed_at += timedelta(hours=rng.randint(10, 17), minutes=rng.randint(0, 59))
        self.contracts.append(contract)
        self.lease[v.vehicle_id] = contract
        self.pool.pop(v.vehicle_id, None)

    def _application(self, person: credit.Person, applied: datetime, v: VehicleState, approve: bool = False) -> str:
        """An application row; returns its id if approved, else ''."""
        rng = self.rng
        rating = round(min(5.0, max(3.5, 4.95 - 0.9 * person.risk + rng.gauss(0, 0.08))), 2)
        earnings = round(max(3500.0, rng.gauss(11_500 - 5_000 * person.risk, 1_500)), 2)
        tenure = max(1, int(rng.expovariate(1 / 24) * (1.2 - person.risk)))
        approved = person.risk + rng.gauss(0, 0.07) < 0.42 and earnings > v.model.weekly_payment_mxn * 2
        if approve and not approved:
            earnings = max(earnings, round(v.model.weekly_payment_mxn * 2.5, 2))
            approved = True
        app_id = f"app_{self.next_id('application'):05d}"
        self.applications.append(
            [
                app_id,
                person.driver_id,
                _local(applied),
                self.dirty(person.platform),
                tenure,
                rating,
                f"{earnings:.2f}",
                "approved" if approved else "rejected",
            ]
        )
        return app_id if approved else ""

    # --- credit -------------------------------------------------------------------------------------
    def _lease_out(self, v: VehicleState, day: date) -> None:
        """Applicants arrive until one is approved; the contract is signed today."""
        rng = self.rng
        for _ in range(4):
            applied = datetime(day.year, day.month, day.day, rng.randint(9, 18), rng.randint(0, 59)) + UTC_OFFSET
            applied -= timedelta(days=rng.randint(2, 6))
            person = credit.new_person(self.next_id("driver"), applied, self.end, rng)
            self.people.append(person)
            app_id = self._application(person, applied, v)
            if app_id:
                signed = datetime(day.year, day.month, day.day, rng.randint(10, 17), rng.randint(0, 59)) + UTC_OFFSET
                contract = credit.Contract(
                    contract_id=f"lto_{self.next_id('contract'):05d}",
                    application_id=app_id,
                    driver=person,
                    vehicle_id=v.vehicle_id,
                    signed_at=signed,
                    first_due_date=day + timedelta(days=7),
                    term_weeks=rng.choice((156, 156, 208)),
                    weekly=v.model.weekly_payment_mxn,
                    down_payment=round(rng.choice((10_000, 15_000, 20_000)) * 1.0, 2),
                )
                if self.start <= day < self.end and (not self.cancel_forced or rng.random() < world.EARLY_CANCEL_RATE):
                    self.cancel_forced = True  # the driver gives the vehicle back before the first due date
                    contract.cancel_on = min(day + timedelta(days=rng.randint(1, 5)), self.end)
                self.contracts.append(contract)
                self.lease[v.vehicle_id] = contract
                self.pool.pop(v.vehicle_id, None)
                return

    def _credit_day(self, day: date) -> None:
        """Swaps, new leases, each active contract's installment due today, and closes. Before the start (the
        back-book) there are no swaps, cancellations or payoffs."""
        if day >= self.start:
            self._swaps(day)
        for vehicle_id, available in sorted(self.pool.items()):
            if available <= day and self.rng.random() < 0.35:
                self._lease_out(self.by_id[vehicle_id], day)
        for vehicle_id, c in sorted(self.lease.items()):
            k = (day - c.first_due_date).days
            if c.cancel_on == day:
                c.status, c.closed_at, c.close_reason = "terminated", _noon(day), "early_cancellation"
                del self.lease[vehicle_id]
                self.pool[vehicle_id] = day + timedelta(days=self.rng.randint(1, 3))
                continue
            if k >= 0 and k % 7 == 0 and k // 7 < c.term_weeks:
                force = self.reversal_pending and c.script is None and self._may_reverse(day)
                payment = credit.pay_week(c, day, self.rng, self.payment_id, self.no_payment_day, force)
                if force and payment is not None and payment.reversed_at is not None:
                    self.reversal_pending = False
                if (
                    c.script is None
                    and day >= self.start
                    and day != self.no_payment_day
                    and c.driver.risk < 0.2
                    and self.rng.random() < world.EARLY_PAYOFF_RATE
                ):
                    c.payoff_on = day
            if c.payoff_on == day:
                self._pay_off(c, day)
            if c.paid >= c.term_weeks * c.weekly - 0.005:
                c.status, c.closed_at = "completed", _noon(day)
                c.close_reason = "early_payoff" if c.payoff_on == day else "completed"
            elif c.dpd(day) >= world.TERMINATION_DPD:
                c.status, c.closed_at, c.close_reason = "terminated", _noon(day), "repossession"
                c.default_date = day
            if c.status != "active":
                del self.lease[vehicle_id]
                self._after_close(c, day)

    def _may_reverse(self, day: date) -> bool:
        """The forced reversal: a payment due a week into the horizon, reversed (2-10 days later) inside it."""
        return self.start + timedelta(days=7) <= day <= self.end - timedelta(days=14)

    def _pay_off(self, c: credit.Contract, day: date) -> None:
        """The whole balance in one SPEI transfer in the morning; the contract completes at noon."""
        balance = round(c.term_weeks * c.weekly - c.paid, 2)
        if balance <= 0:
            return
        local = datetime(day.year, day.month, day.day, self.rng.randint(9, 11), self.rng.randint(0, 59))
        self.payment_id[0] += 1
        at = local + UTC_OFFSET + timedelta(seconds=self.rng.randint(0, 59))
        c.payments.append(credit.Payment(f"pay_{self.payment_id[0]:07d}", at, balance, "spei", "succeeded"))
        c.paid += balance

    def _after_close(self, c: credit.Contract, day: date) -> None:
        """Where the vehicle goes: to its driver (early payoff), sold (some repossessions), else back to the pool."""
        vehicle_id = c.vehicle_id
        if c.close_reason == "early_payoff":
            self.disposed[vehicle_id] = (_noon(day), "transferred to its driver at the early payoff", c.contract_id)
            return
        if c.close_reason == "repossession" and day >= self.start:
            sold = day + timedelta(days=self.rng.randint(3, 10))
            sell = c.script == credit.REPOSSESSION or self.rng.random() < world.REPOSSESSED_SOLD_RATE
            if sell and sold <= self.end:
                at = datetime(sold.year, sold.month, sold.day, 11) + UTC_OFFSET
                why = f"sold {(sold - day).days} days after its repossession"
                self.disposed[vehicle_id] = (at, why, c.contract_id)
                return
        self.pool[vehicle_id] = day + timedelta(days=self.rng.randint(5, 15))  # repossession, prep

    def _swaps(self, day: date) -> None:
        """On a day a vehicle is free, a driver in good standing may move to it (the RFID card goes along)."""
        free = sorted(vehicle_id for vehicle_id, available in self.pool.items() if available <= day)
        for _, c in sorted(self.lease.items()):
            if free and self._may_swap(c, day) and self.rng.random() < world.VEHICLE_SWAP_RATE:
                self._swap(c, free.pop(self.rng.randrange(len(free))), day)

    def _may_swap(self, c: credit.Contract, day: date) -> bool:
        """A depot-charging driver (no home charger) three weeks into the contract and the horizon, not about to
        churn, nothing owed nor prepaid at noon today, on an unscripted contract."""
        close = _noon(day)
        churn = c.driver.churn_date
        return (
            not c.driver.has_home_charger
            and c.signed_at.date() + timedelta(days=21) <= day <= self.end - timedelta(days=21)
            and (churn is None or churn > day + timedelta(days=30))
            and c.script is None
            and c.cancel_on is None
            and all(p.at <= close for p in c.payments)
            # nothing owed and nothing prepaid (the old contract's schedule ends at the close: credit would be lost)
            and abs(c.paid - c.installments_due(day) * c.weekly) < 0.005
        )

    def _swap(self, old: credit.Contract, vehicle_id: str, day: date) -> None:
        """The contract is cancelled (terminated, nothing owed) and a new one signed the same day, same terms."""
        old.status, old.closed_at, old.close_reason = "terminated", _noon(day), "vehicle_swap"
        del self.lease[old.vehicle_id]
        self.pool[old.vehicle_id] = day + timedelta(days=self.rng.randint(2, 7))
        del self.pool[vehicle_id]
        signed = datetime(day.year, day.month, day.day, self.rng.randint(13, 17), self.rng.randint(0, 59)) + UTC_OFFSET
        new = credit.Contract(
            contract_id=f"lto_{self.next_id('contract'):05d}",
            application_id=old.application_id,
            driver=old.driver,
            vehicle_id=vehicle_id,
            signed_at=signed,
            first_due_date=day + timedelta(days=7),
            term_weeks=old.term_weeks,
            weekly=old.weekly,
            down_payment=old.down_payment,
        )
        self.contracts.append(new)
        self.lease[vehicle_id] = new
        self.mess["vehicle_swaps"] += 1
        self._truth(
            "vehicle_swaps",
            [
                old.driver.driver_id,
                _id_tag(old.driver),
                old.vehicle_id,
                vehicle_id,
                _utc(old.closed_at),
                old.contract_id,
                new.contract_id,
            ],
        )

    # --- vehicles -------------------------------------------------------------------------------------
    def _charge_mode(self, vehicle_id: str, at_utc: datetime) -> str:
        """How the vehicle is charged in the local month of `at_utc`: mixed, AC only or DC only."""
        key = (vehicle_id, (at_utc - UTC_OFFSET).strftime("%Y-%m"))
        if key not in self.charge_modes:
            r = random.Random(f"lafa-{self.c.seed}-{vehicle_id}-{key[1]}-charging").random()
            dc_only, ac_only = world.DC_ONLY_MONTH_RATE, world.DC_ONLY_MONTH_RATE + world.AC_ONLY_MONTH_RATE
            self.charge_modes[key] = DC_ONLY if r < dc_only else AC_ONLY if r < ac_only else MIXED
        return self.charge_modes[key]

    def _vehicle_day(self, v: VehicleState, day: date) -> None:
        contract = self.lease.get(v.vehicle_id)
        if contract is None or contract.signed_at.date() >= day:
            fade_one_day(v, self.rng)
            return
        if self._in_workshop(v, day):
            fade_one_day(v, self.rng)
            return
        person = contract.driver
        driver = Driver(
            person.start_hour, person.shift_hours, person.charge_below, person.has_home_charger, person.home_zone
        )
        rng = random.Random(f"lafa-{self.c.seed}-{v.vehicle_id}-{day}")
        log = simulate_day(
            v,
            driver,
            datetime(day.year, day.month, day.day),
            credit.activity(person, day, rng),
            rng,
            self.c.ping_seconds,
            lambda at: self._charge_mode(v.vehicle_id, at),
        )
        self._emit_readings(v, log.readings, rng)
        self._emit_trips(v, person, day, log, rng)
        for s in v.sessions:
            self._emit_session(s, person, rng)
        v.sessions.clear()
        for d in log.dropouts:
            self.mess[f"dropouts_{d.during}"] += 1
            self._truth("telematics_dropouts", [v.vehicle_id, _utc(d.started_at), _utc(d.ended_at), d.during])
        fade_one_day(v, self.rng)

    def _in_workshop(self, v: VehicleState, day: date) -> bool:
        """Opens today's work orders (maintenance draws its own random stream); True when the vehicle is not driven
        today: an order opened today, or still in the workshop at local noon. A vehicle out earlier starts its shift
        after it leaves."""
        opened_today = self._maintenance(v, day, random.Random(f"lafa-{self.c.seed}-{v.vehicle_id}-{day}-workshop"))
        noon = datetime(day.year, day.month, day.day, 12) + UTC_OFFSET
        if opened_today or (v.workshop_until is not None and v.workshop_until > noon):
            return True
        if v.workshop_until is not None and (v.busy_until is None or v.busy_until < v.workshop_until):
            v.busy_until = v.workshop_until
        return False

    def _emit_trips(self, v: VehicleState, person: credit.Person, day: date, log: DayLog, rng: random.Random) -> None:
        """The platform's daily export (`trips/<shift day>.csv`); a few trips first appear in the next day's file,
        and a few fares are corrected two days later in `trips/<shift day + 2>_adjusted.csv` (the corrected fare is the
        truth)."""
        for trip in log.trips:
            surge = 1.3 if (trip.started_at - UTC_OFFSET).hour in (7, 8, 18, 19, 20) else 1.0
            if day in world.HOLIDAYS:
                surge *= 1.15
            fare = round(28 + 7.2 * trip.distance_km + 2.1 * trip.minutes * surge, 2)
            platform = person.platform if rng.random() < 0.8 else rng.choice(world.PLATFORMS)
            file = day.isoformat()
            if rng.random() < world.TRIP_LATE_RATE:
                file = (day + timedelta(days=1)).isoformat()
                self.mess["trips_late"] += 1
            row: list[object] = [
                f"trp_{self.next_id('trip'):08d}",
                person.driver_id,
                v.vehicle_id,
                self.dirty(platform, rng),
                _local(trip.started_at),
                _local(trip.ended_at),
                f"{trip.distance_km:.2f}",
                f"{fare:.2f}",
                trip.pickup_zone,
                trip.dropoff_zone,
            ]
            self.landing.row("trips", file, row)
            if rng.random() < world.TRIP_ADJUSTED_RATE:
                fare = round(fare * rng.uniform(0.6, 1.25), 2)
                issued = (day + timedelta(days=2)).isoformat()  # after the day's and the next day's (late) export
                self.landing.row("trips", f"{issued}_adjusted", [*row[:7], f"{fare:.2f}", *row[8:]])
                self.mess["trips_adjusted"] += 1
            started = lending.local_date(trip.started_at)
            totals = self.trips_daily.setdefault((v.vehicle_id, person.driver_id, started), [0, 0.0, 0.0])
            totals[0] += 1
            totals[1] += round(trip.distance_km, 2)
            totals[2] += fare
            self.last_trip[person.driver_id] = max(started, self.last_trip.get(person.driver_id, started))

    def _emit_readings(self, v: VehicleState, readings: list[Reading], rng: random.Random) -> None:
        by_partition: dict[str, list[str]] = {}
        soh_milli = round(round(v.soh + v.oem_bias)) * 1000
        glitched = False
        for p in readings:
            at = _utc(p.at)
            soc = min(100.0, max(0.0, p.soc + rng.gauss(0, world.SOC_NOISE_PCT)))
            soc_milli = round(soc * 1000)
            energy = None if p.energy_kwh is None else round(p.energy_kwh * 1e9)
            if rng.random() < world.IMPOSSIBLE_RATE:
                self.mess["impossible_values"] += 1
                if energy is not None:
                    energy = -energy - 1
                else:
                    soc_milli = 100_000 + rng.randint(1, 20_000)
            odometer = round(p.odometer_m)
            reported = odometer
            if not p.charging and not glitched and rng.random() < world.ODOMETER_GLITCH_RATE:
                reported = 0 if rng.random() < 0.25 else odometer + rng.randint(1_000, 9_000) * 1000
                self.mess["odometer_glitches"] += 1
                self._truth("odometer_glitches", [v.vehicle_id, at, reported, odometer])
            glitched = reported != odometer
            gps = None
            if rng.random() >= world.GPS_DROPOUT_RATE:
                gps = (p.lat, p.lon, p.speed_kph / 1.609344)
            else:
                self.mess["gps_dropouts"] += 1
            body = payload(
                v.vehicle_id,
                v.vin,
                at,
                soc_milli,
                2 if p.charging else 1,
                energy,
                reported,
                round(p.temp_c * 1000),
                soh_milli if rng.random() < world.OEM_SOH_RATE else None,
                gps,
            )
            publish = self._publish_time(v, p.at, at, rng)
            message_id = f"{self.next_id('message'):013d}"
            line = envelope(message_id, publish.isoformat(timespec="milliseconds") + "Z", body)
            by_partition.setdefault(publish.date().isoformat(), []).append(line)
            if rng.random() < world.DUPLICATE_RATE:
                self.mess["duplicates"] += 1
                later = publish + timedelta(minutes=rng.uniform(1, 30 * 60))
                by_partition.setdefault(later.date().isoformat(), []).append(line)
        for partition, lines in sorted(by_partition.items()):
            for i in range(0, len(lines) - 1, 7):  # a little out of order within a file
                if rng.random() < 0.3:
                    lines[i], lines[i + 1] = lines[i + 1], lines[i]
            self.landing.lines(partition, lines)

    def _publish_time(self, v: VehicleState, at: datetime, recorded_at: str, rng: random.Random) -> datetime:
        """1-20 s after the reading; 1 % late (5 min to 48 h), 0.1 % very late (3 to 14 days)."""
        publish = at + timedelta(seconds=rng.uniform(1, 20))
        r = rng.random()
        if r < world.LATE_RATE:
            self.mess["late"] += 1
            publish += timedelta(minutes=rng.uniform(5, 48 * 60))
        elif r < world.LATE_RATE + world.VERY_LATE_RATE:
            self.mess["very_late"] += 1
            publish += timedelta(days=rng.uniform(3, 14))
            self._truth(
                "very_late_readings", [v.vehicle_id, recorded_at, publish.isoformat(timespec="milliseconds") + "Z"]
            )
        return publish

    def _station(self, s: Session, rng: random.Random) -> str:
        if s.replug is not None and s.replug.same_station:
            return self.last_station[s.vehicle_id][0]
        if s.location_type == "depot":
            return f"DEPOT-IZT-{rng.randint(1, 12):02d}"
        return f"PUB-{rng.choice(world.ZONES).upper()}-{rng.randint(1, 4)}"

    def _emit_session(self, s: Session, person: credit.Person, rng: random.Random) -> None:
        ocpp_id, id_tag = "", ""
        if s.location_type != "home":
            ocpp_id, id_tag = f"ocpp_{self.next_id('ocpp'):07d}", _id_tag(person)
            station = self._station(s, rng)
            if s.location_type == "depot":
                price = s.energy_grid_kwh * world.DEPOT_MXN_PER_KWH
            else:
                price = s.energy_grid_kwh * world.PUBLIC_DC_MXN_PER_KWH + world.PUBLIC_DC_SESSION_FEE_MXN
            meter_start = self.meter_wh.get(station, rng.randint(1_000_000, 9_000_000))
            meter_stop = meter_start + round(s.energy_grid_kwh * 1000)
            self.meter_wh[station] = meter_stop + rng.randint(0, 50)
            self.landing.row(
                "charging_sessions",
                (s.started_at - UTC_OFFSET).date().isoformat(),
                [
                    ocpp_id,
                    station,
                    self.dirty(s.charger_type, rng),
                    id_tag,
                    "" if rng.random() < 0.1 else s.vehicle_id,
                    _local(s.started_at - timedelta(seconds=rng.randint(5, 90))),
                    _local(s.ended_at + timedelta(seconds=rng.randint(5, 90))),
                    meter_start,
                    meter_stop,
                    f"{price:.2f}",
                ],
            )
            if s.replug is not None:
                self._replug(s, ocpp_id)
            self.last_station[s.vehicle_id] = (station, ocpp_id)
        self._truth(
            "charging_sessions",
            [
                s.vehicle_id,
                _utc(s.started_at),
                _utc(s.ended_at),
                s.location_type,
                s.charger_type,
                f"{s.soc_start:.4f}",
                f"{s.soc_end:.4f}",
                f"{s.energy_battery_kwh:.6f}",
                f"{s.energy_grid_kwh:.6f}",
                ocpp_id,
                id_tag,
            ],
        )
        if s.first_reading_at is not None and s.first_reading_at > s.started_at:
            self.mess["first_charging_reading_after_plug_in"] += 1
        self._charge_mode(s.vehicle_id, s.started_at)  # known already: the mode was asked at plug-in
        month = (s.vehicle_id, (s.started_at - UTC_OFFSET).strftime("%Y-%m"))
        self.month_sessions.setdefault(month, [0, 0])[s.charger_type == "dc"] += 1

    def _replug(self, s: Session, ocpp_id: str) -> None:
        assert s.replug is not None
        self.mess["replugs"] += 1
        self._truth(
            "replugs",
            [
                s.vehicle_id,
                _utc(s.replug.unplugged_at),
                _utc(s.started_at),
                f"{s.replug.km:.3f}",
                str(s.replug.same_station).lower(),
                self.last_station[s.vehicle_id][1],
                ocpp_id,
            ],
        )

    def _maintenance(self, v: VehicleState, day: date, rng: random.Random) -> bool:
        """This morning's work orders (opened 09:00-09:59 local, unless the vehicle is still in the workshop then):
        preventive every PREVENTIVE_INTERVAL_KM, a failure planned 3-10 days earlier (a precursor DTC first,
        FAILURE_PRECURSOR_RATE of the time), a collision. Returns whether one was opened."""
        opened = datetime(day.year, day.month, day.day, 9, rng.randint(0, 59)) + UTC_OFFSET
        if v.workshop_until is not None and v.workshop_until > opened:
            return False
        age_years = max(0.0, (day - v.acquired_at.date()).days / 365)
        km = v.odometer_m / 1000
        opened_any = False
        if km >= v.next_service_km:
            v.next_service_km += world.PREVENTIVE_INTERVAL_KM
            self._work_order(v, opened, "preventive", "scheduled_service", km, rng.uniform(1_200, 2_500), 800.0, rng)
            opened_any = True
        pending = self.pending_failures.get(v.vehicle_id)
        if pending and pending[0] <= day:
            del self.pending_failures[v.vehicle_id]
            parts, labor = rng.uniform(2_000, 25_000), rng.uniform(1_000, 6_000)
            wo = self._work_order(v, opened, "corrective", pending[1], km, parts, labor, rng)
            dtc_at = "" if pending[2] is None else _utc(pending[2])
            self._truth("failures", [v.vehicle_id, _utc(opened - timedelta(hours=2)), pending[1], wo, dtc_at])
            opened_any = True
        elif not pending and rng.random() < world.FAILURE_HAZARD_PER_DAY * (1 + age_years) * (1 + km / 60_000):
            component = rng.choice(tuple(world.FAILURE_DTC_SEVERITY))
            warned = None
            if rng.random() < world.FAILURE_PRECURSOR_RATE:
                warned = self._dtc(v, day, f"P0{rng.randint(100, 999)}", world.FAILURE_DTC_SEVERITY[component], rng)
            self.pending_failures[v.vehicle_id] = (day + timedelta(days=rng.randint(3, 10)), component, warned)
        if rng.random() < world.SPURIOUS_DTC_RATE["info"]:
            self._dtc(v, day, f"U0{rng.randint(100, 999)}", "info", rng)
        if rng.random() < world.SPURIOUS_DTC_RATE["warning"]:
            self._dtc(v, day, f"P0{rng.randint(100, 999)}", "warning", rng)
        if day in self.scripted_collisions or rng.random() < world.COLLISION_RATE_PER_DAY:
            self.scripted_collisions.discard(day)
            parts, labor = rng.uniform(3_000, 40_000), rng.uniform(2_000, 10_000)
            self._work_order(v, opened, "collision", "body", km, parts, labor, rng)
            opened_any = True
        return opened_any

    def _dtc(self, v: VehicleState, day: date, code: str, severity: str, rng: random.Random) -> datetime:
        at = datetime(day.year, day.month, day.day, rng.randint(6, 20), rng.randint(0, 59)) + UTC_OFFSET
        self.landing.row(
            "diagnostic_codes", day.strftime("%Y-%m"), [v.vehicle_id, _local(at), code, self.dirty(severity, rng)]
        )
        return at

    def _work_order(
        self,
        v: VehicleState,
        opened: datetime,
        kind: str,
        component: str,
        km: float,
        parts: float,
        labor: float,
        rng: random.Random,
    ) -> str:
        """A work order in the monthly export of its opening month (`maintenance_work_orders/<YYYY-MM>.csv`, cut at
        the month's end or the horizon's): an order still open at that cut is listed open (no closed_at) and
        re-listed closed in the export of the month it closes in, labour revised up to +20 %; one open at the
        horizon's end stays open. The vehicle is in the workshop from opening to closing (`_truth/workshop_visits`)."""
        wo = f"wo_{self.next_id('work_order'):06d}"
        low, high = world.WORKSHOP_HOURS[kind]
        closed = opened + timedelta(minutes=rng.randint(low * 60, high * 60))
        v.workshop_until = closed if v.workshop_until is None else max(v.workshop_until, closed)
        horizon_end = datetime.combine(self.end + timedelta(days=1), datetime.min.time()) + UTC_OFFSET
        month_start = lending.local_date(opened).replace(day=1)
        next_month = (month_start + timedelta(days=32)).replace(day=1)
        cut = min(datetime.combine(next_month, datetime.min.time()) + UTC_OFFSET, horizon_end)

        def export(partition: str, closed_at: str, labor_mxn: float) -> None:
            values = [wo, v.vehicle_id, _local(opened), closed_at, self.dirty(kind, rng), component, f"{km:.1f}"]
            self.landing.row("maintenance_work_orders", partition, [*values, f"{parts:.2f}", f"{labor_mxn:.2f}"])

        if closed <= cut:
            export(month_start.strftime("%Y-%m"), _local(closed), labor)
        else:
            export(month_start.strftime("%Y-%m"), "", labor)
            if closed <= horizon_end:
                revised = labor * (1 + rng.uniform(*world.CORRECTIVE_LABOR_REVISION))
                export(lending.local_date(closed).strftime("%Y-%m"), _local(closed), revised)
                self.mess["work_orders_relisted"] += 1
            else:
                self.mess["work_orders_open_at_end"] += 1
        out_at = _utc(closed) if closed <= horizon_end else ""
        self._truth("workshop_visits", [wo, v.vehicle_id, kind, _utc(opened), out_at])
        return wo

    # --- costs and the platform's own jobs ------------------------------------------------------------
    def _month_costs(self, day: date) -> None:
        month = day.strftime("%Y-%m")
        month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        active = [v for v in self.vehicles if v.acquired_at.date() <= month_end and not self._gone(v, day)]
        for v in active:
            lines = [("insurance", 2_150.00), ("telematics", 349.00)]
            if day.month == 1 or v.acquired_at.strftime("%Y-%m") == month:
                lines.append(("registration", 862.00))
            for category, amount in lines:
                self.landing.row(
                    "vehicle_costs",
                    month,
                    [f"cost_{self.next_id('cost'):07d}", v.vehicle_id, month, self.dirty(category), f"{amount:.2f}"],
                )
        for category, amount in (
            ("parking", 45_000.00 + 150.00 * len(active)),
            ("insurance", 9_500.00),
            ("other", 3_100.00),
        ):
            self.landing.row(
                "vehicle_costs",
                month,
                [f"cost_{self.next_id('cost'):07d}", "", month, self.dirty(category), f"{amount:.2f}"],
            )

    def _warehouse_jobs(self, day: date, fleet_size: int, days_of_data: int) -> None:
        rng = self.rng
        users = (
            "dbt-prod@lafa-data.iam.gserviceaccount.com",
            "metabase@lafa-data.iam.gserviceaccount.com",
            "loader@lafa-data.iam.gserviceaccount.com",
            "analista.datos@lafa.mx",
        )
        for _ in range(int(20 + 0.3 * fleet_size * rng.uniform(0.7, 1.3))):
            at = datetime(day.year, day.month, day.day, rng.randint(0, 23), rng.randint(0, 59)) + UTC_OFFSET
            user = rng.choices(users, (0.3, 0.5, 0.1, 0.1))[0]
            job_type = "load" if user.startswith("loader") else "query"
            cache = job_type == "query" and rng.random() < 0.35
            days_scanned = min(days_of_data, rng.choice((1, 1, 2, 7, 30)))
            scanned = int(fleet_size * 1440 * 180 * days_scanned * rng.uniform(0.02, 0.6))
            billed = 0 if cache or job_type == "load" else max(10 * 2**20, scanned)
            self.landing.row(
                "warehouse_jobs",
                at.strftime("%Y-%m"),
                [
                    f"job_{self.next_id('job'):08d}",
                    _utc(at),
                    user,
                    job_type,
                    "" if job_type == "load" else rng.choice(("SELECT", "SELECT", "MERGE", "CREATE_TABLE_AS_SELECT")),
                    billed,
                    "true" if cache else "false",
                ],
            )

    # --- the run --------------------------------------------------------------------------------------
    def run(self, progress: Callable[[str], None] | None) -> dict[str, int]:
        for source in SOURCES:
            (self.out / source).mkdir(parents=True, exist_ok=True)
        self._back_book_days()
        self._script_churners()
        for i in range(self.c.days):
            day = self.c.start + timedelta(days=i)
            for n in self.acquisitions.get(day, []):
                self.pool[f"veh_{n:04d}"] = day
            if day.day == 1 or i == 0:
                self._month_costs(day)
            self._credit_day(day)
            fleet = [v for v in self.vehicles if v.acquired_at.date() <= day and not self._gone(v, day)]
            for v in fleet:
                self._vehicle_day(v, day)
                self._truth("battery_daily", [v.vehicle_id, day.isoformat(), f"{v.capacity_kwh:.4f}", f"{v.soh:.4f}"])
                self._flush_km(v, day)
            self._warehouse_jobs(day, len(fleet), i + 1)
            self.landing.close("trips")
            self.landing.close("charging_sessions")
            keep = {(day + timedelta(days=k)).isoformat() for k in range(-1, 16)}  # late: up to 14 days
            self.landing.close("telematics", keep=keep)
            if progress:
                progress(
                    f"day {i + 1}/{self.c.days} ({day}): {len(fleet)} vehicles, "
                    f"{self.landing.rows['telematics']:,} pings so far"
                )
        for v in self.vehicles:
            self._flush_km(v, None)
        self._charging_months()
        self._snapshots()
        self.landing.close()
        for f, _ in self.truth.values():
            f.close()
        return dict(sorted(self.landing.rows.items()))

    def _script_churners(self) -> None:
        """On a horizon of 60 days or more, SCRIPTED_CHURNERS drivers leasing at the start (at most a third of them),
        on unscripted contracts and not churning inside the horizon already, churn at 50-85 % of it (their own random
        stream): a horizon that short holds churn (tested)."""
        end = self.c.start + timedelta(days=self.c.days)
        leasing = sorted(
            (c.driver for c in self.lease.values() if c.script is None and not (c.driver.churn_date or end) < end),
            key=lambda p: p.driver_id,
        )
        if self.c.days < 60:
            return
        for person in leasing[: min(world.SCRIPTED_CHURNERS, len(leasing) // 3)]:
            share = random.Random(f"lafa-{self.c.seed}-{person.driver_id}-churn").uniform(0.5, 0.85)
            person.churn_date = self.c.start + timedelta(days=round(self.c.days * share))

    def _gone(self, v: VehicleState, day: date) -> bool:
        """Disposed of before local `day` (the disposal day itself still counts)."""
        disposed = self.disposed.get(v.vehicle_id)
        return disposed is not None and lending.local_date(disposed[0]) < day

    def _flush_km(self, v: VehicleState, through: date | None) -> None:
        """Write the true km of local dates no later vehicle-day can reach (all of them at the end)."""
        for d in sorted(v.km_by_date):
            if through is None or d <= through:
                self._truth("vehicle_daily_km", [v.vehicle_id, d.isoformat(), f"{v.km_by_date.pop(d):.6f}"])

    def _charging_months(self) -> None:
        for (vehicle_id, month), (ac, dc) in sorted(self.month_sessions.items()):
            mode = self.charge_modes[(vehicle_id, month)]
            if mode != MIXED:
                self.mess[f"{mode}_months"] += 1
            self._truth("charging_months", [vehicle_id, month, mode, ac, dc])

    def _snapshots(self) -> None:
        for v in self.vehicles:
            self.landing.row(
                "vehicles",
                "vehicles",
                [
                    v.vehicle_id,
                    v.vin,
                    v.model.make,
                    v.model.model,
                    2025 if v.acquired_at.year < 2026 else 2026,
                    f"{v.model.nominal_kwh:.2f}",
                    _local(v.acquired_at),
                    f"{v.model.price_mxn:.2f}",
                    _local(self.disposed[v.vehicle_id][0]) if v.vehicle_id in self.disposed else "",
                ],
            )
        for p in self.people:
            self.landing.row(
                "drivers", "drivers", [p.driver_id, p.full_name, p.phone, p.curp, _local(p.onboarded_at), p.home_zone]
            )
        for row in self.applications:
            self.landing.row("credit_applications", "credit_applications", row)
        for c in self.contracts:
            self.landing.row(
                "lto_contracts",
                "lto_contracts",
                [
                    c.contract_id,
                    c.application_id,
                    c.driver.driver_id,
                    c.vehicle_id,
                    _local(c.signed_at),
                    c.first_due_date.isoformat(),
                    c.term_weeks,
                    f"{c.weekly:.2f}",
                    f"{c.down_payment:.2f}",
                    self.dirty(c.status),
                    "" if c.closed_at is None else _local(c.closed_at),
                ],
            )
        self._payment_exports()
        header = ["driver_id", "latent_risk", "churn_date", "default_date", "last_trip_date"]
        f, w = truth_writer(self.out, "drivers.csv", header)
        defaults = {c.driver.driver_id: c.default_date for c in self.contracts if c.default_date}
        for p in self.people:
            last_trip = self.last_trip.get(p.driver_id) or ""
            w.writerow([p.driver_id, f"{p.risk:.4f}", p.churn_date or "", defaults.get(p.driver_id) or "", last_trip])
        f.close()
        for (vehicle_id, driver_id, day), (n, km, fares) in sorted(self.trips_daily.items()):
            self._truth("trips_daily", [vehicle_id, driver_id, day.isoformat(), int(n), f"{km:.2f}", f"{fares:.2f}"])
        write_manifest(
            self.out,
            {
                "config": {k: str(v) for k, v in asdict(self.c).items()},
                "rows": dict(sorted(self.landing.rows.items())),
                "mess": self.mess,
                "lending_cases": self.lending_cases,
            },
        )

    # --- payments exports and the lending truth ---------------------------------------------------------
    def _payment_exports(self) -> None:
        """The processor's daily exports (lending.plan_exports), a stale copy delivered late, and the truth."""
        exports = lending.plan_exports(self.contracts, self.start, self.end, self.c.seed, self.no_payment_day)
        stale = lending.stale_copy(exports)
        header = SOURCES["payments"].column_names
        rendered: list[list[object]] = []
        for export in exports.exports:
            for payment, contract, state in export.rows:
                row = [
                    payment.payment_id,
                    contract.contract_id,
                    _utc(payment.at),
                    f"{payment.amount:.2f}",
                    self.dirty(payment.method),
                    self.dirty(state),
                    _utc(export.cut),
                ]
                self.landing.row("payments", export.day.isoformat(), row)
                if stale is not None and export.day == stale.day:
                    rendered.append(row)
        if stale is not None:
            lending.write_stale_copy(self.out, stale, rendered, header)
            self.landing.rows["payments"] += len(rendered)
        self._lending_truth(exports, stale)

    def _lending_truth(self, exports: lending.Exports, stale: lending.Export | None) -> None:
        cases: list[list[object]] = []

        def case(name: str, day: date | None, detail: str, c: credit.Contract | None = None, **ids: str) -> None:
            cases.append(
                [
                    name,
                    c.contract_id if c else ids.get("contract_id", ""),
                    ids.get("payment_id", ""),
                    ids.get("vehicle_id", c.vehicle_id if c else ""),
                    ids.get("file", ""),
                    "" if day is None else day.isoformat(),
                    detail,
                ]
            )

        f, w = truth_writer(self.out, "payment_exports.csv", lending.EXPORT_COLUMNS)
        for export in exports.exports:
            note = {
                "history": "the first export: every payment made before its cut (the back-book's history)",
                "daily": "payments made or changed since the previous cut"
                + ("" if export.rows else " (none: no file delivered)"),
                "covers_two_days": "the previous day's export was skipped: this one covers both days",
            }[export.kind]
            w.writerow(
                [
                    export.file,
                    _utc(export.cut),
                    "" if export.since is None else _utc(export.since),
                    _utc(export.cut),
                    len(export.rows),
                    export.kind,
                    note,
                ]
            )
        if stale is not None:
            w.writerow(
                [
                    lending.stale_file(stale),
                    _utc(stale.cut),
                    "" if stale.since is None else _utc(stale.since),
                    _utc(stale.cut),
                    len(stale.rows),
                    "stale_copy",
                    f"a stale copy of {stale.file} (same rows, states and exported_at) delivered after the newer "
                    "exports: every row's newest export is elsewhere or the same",
                ]
            )
        f.close()

        f, w = truth_writer(self.out, "payments.csv", lending.PAYMENT_COLUMNS)
        for c in self.contracts:
            for p in sorted(c.payments, key=lambda p: (p.at, p.payment_id)):
                if p.payment_id in exports.final_file:
                    reversed_at = p.reversed_at if exports.final_state[p.payment_id] == "reversed" else None
                    w.writerow(
                        [
                            p.payment_id,
                            c.contract_id,
                            _utc(p.at),
                            lending.local_date(p.at).isoformat(),
                            f"{p.amount:.2f}",
                            p.method,
                            exports.final_state[p.payment_id],
                            "" if reversed_at is None else _utc(reversed_at),
                            exports.first_file[p.payment_id],
                            exports.final_file[p.payment_id],
                        ]
                    )
        f.close()

        books = lending.books(self.contracts, exports)
        f, w = truth_writer(self.out, "lending_contracts.csv", lending.CONTRACT_COLUMNS)
        for book in books:
            c = book.contract
            close = book.close_date
            due = book.due_count(close) if close else None
            paid = book.paid_through(close) if close else None
            owed = None if close is None else max(0, due * round(c.weekly * 100) - paid)  # type: ignore[operator]
            reached = lending.dpd_180_date(book, self.start, self.end)
            signed = lending.local_date(c.signed_at)
            w.writerow(
                [
                    c.contract_id,
                    c.vehicle_id,
                    c.driver.driver_id,
                    signed.isoformat(),
                    c.first_due_date.isoformat(),
                    str(signed < self.start).lower(),
                    c.status,
                    "" if close is None else close.isoformat(),
                    c.close_reason or "",
                    "" if due is None else due,
                    "" if paid is None else f"{paid / 100:.2f}",
                    "" if owed is None else f"{owed / 100:.2f}",
                    book.dpd(self.end),
                    "" if reached is None else reached.isoformat(),
                ]
            )
            if signed < self.start:
                case("back_book_contract", signed, f"signed {(self.start - signed).days} days before the start", c)
            if c.close_reason == "repossession" and owed:
                when = "before the start" if close < self.start else "inside the horizon"  # type: ignore[operator]
                case(
                    "repossession_with_arrears",
                    close,
                    f"terminated {when} owing {owed / 100:.2f} MXN ({due} installments due by the close, "
                    f"{paid / 100:.2f} paid); DPD keeps growing after the close",  # type: ignore[operator]
                    c,
                )
            if reached is not None:
                case("dpd_180", reached, "DPD (days since the oldest unpaid installment fell due) reaches 180", c)
            if c.close_reason == "early_cancellation":
                case(
                    "early_cancellation",
                    close,
                    f"terminated {(close - signed).days} days after signing, before the first due date "  # type: ignore[operator]
                    f"{c.first_due_date}; nothing owed",
                    c,
                )
            if c.close_reason == "vehicle_swap":
                case("vehicle_swap_cancellation", close, "terminated with nothing owed: the driver moved vehicle", c)
            if c.close_reason == "early_payoff":
                payoff = c.payments[-1]
                case(
                    "early_payoff",
                    close,
                    f"paid off {payoff.amount:.2f} MXN in one payment, {c.term_weeks - due} of "  # type: ignore[operator]
                    f"{c.term_weeks} installments before the term; status completed, closed_at that day",
                    c,
                    payment_id=payoff.payment_id,
                    file=exports.first_file.get(payoff.payment_id, ""),
                )
        paid_days = {lending.local_date(p.at) for c in self.contracts for p in c.payments}
        day = self.start
        while day <= self.end:
            if day not in paid_days:
                case("no_payment_day", day, "no payment of any status is dated on this local day, across the book")
            day += timedelta(days=1)
        if exports.skipped_day is not None:
            covering = exports.skipped_day + timedelta(days=1)
            case(
                "export_skipped",
                exports.skipped_day,
                f"no export for this day: payments/{covering}.csv covers it and {covering}",
                file=f"payments/{covering}.csv",
            )
        if exports.reversal is not None:
            p, c = exports.reversal
            case(
                "reversal_in_later_export",
                lending.local_date(p.reversed_at),  # type: ignore[arg-type]
                f"exported as succeeded in {exports.first_file[p.payment_id]}, re-listed as reversed in "
                f"{exports.final_file[p.payment_id]} (final: reversed)",
                c,
                payment_id=p.payment_id,
                file=exports.final_file[p.payment_id],
            )
            if stale is not None:
                case(
                    "stale_export_redelivered",
                    lending.local_date(stale.cut),
                    f"a stale copy of {stale.file} (exported_at {_utc(stale.cut)}, {p.payment_id} still succeeded) "
                    f"delivered after {exports.final_file[p.payment_id]}; the newest exported_at wins: "
                    f"{p.payment_id} is reversed",
                    c,
                    payment_id=p.payment_id,
                    file=lending.stale_file(stale),
                )
        for vehicle_id, (at, why, contract_id) in sorted(self.disposed.items()):
            case("vehicle_disposed", lending.local_date(at), why, contract_id=contract_id, vehicle_id=vehicle_id)
        f, w = truth_writer(self.out, "lending_cases.csv", lending.CASE_COLUMNS)
        w.writerows(cases)
        f.close()
        self.lending_cases = {name: sum(1 for row in cases if row[0] == name) for name in LENDING_CASES}


def generate_fleet(config: FleetConfig, out: Path, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Write every landing folder under `out` plus `out/_truth/`; return rows written per source folder."""
    if config.ping_seconds % 60 or not 60 <= config.ping_seconds <= 900:
        raise ValueError("--ping-seconds must be a multiple of 60 between 60 and 900 (the simulation steps a minute)")
    if config.vehicles < 1 or config.days < 1:
        raise ValueError("--vehicles and --days must be at least 1")
    if not 0 < config.initial_share <= 1:
        raise ValueError("--initial-share must be above 0 and at most 1")
    return _Fleet(config, out).run(progress)
