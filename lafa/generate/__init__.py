"""A synthetic LAFA fleet, simulated day by day and streamed to the landing folders (docs/generator.md).

Same config, same bytes: every draw comes from a numpy PCG64 stream keyed by (seed, stream, vehicle, day),
nothing reads the clock, and every collection is walked in sorted order.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from multiprocessing import get_context
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path

import numpy as np

from lafa.generate import params as P
from lafa.generate import rand
from lafa.generate.credit import Credit, DayPlan
from lafa.generate.output import Landing, Truth, epoch, local_date, local_ts, money, utc_ts
from lafa.generate.telematics import encode
from lafa.generate.vehicle import Session, Trip, VehicleState, fade_one_day, simulate_day

__all__ = ["FleetConfig", "generate_fleet"]

VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
WMI = {"BYD": "LGX", "JAC": "LJ1", "MG": "LSJ", "Chevrolet": "1G1"}
VIN_YEAR = {2024: "R", 2025: "S", 2026: "T", 2027: "V", 2028: "W"}
WAREHOUSE_USERS = (
    ("dbt-prod@lafa-data.iam.gserviceaccount.com", 0.30),
    ("metabase@lafa-data.iam.gserviceaccount.com", 0.42),
    ("loader@lafa-data.iam.gserviceaccount.com", 0.12),
    ("grafana@lafa-data.iam.gserviceaccount.com", 0.08),
    ("ana.lopez@lafa.mx", 0.05),
    ("diego.ramirez@lafa.mx", 0.03),
)


@dataclass(frozen=True)
class FleetConfig:
    vehicles: int = 25  # vehicles at the END of the horizon (fleet grows over time)
    days: int = 90
    start: date = date(2026, 6, 1)
    seed: int = 42
    ping_seconds: int = 60  # telematics ping interval while the vehicle is on or charging


_Chunk = tuple[int, int, date, int, "float | None", list[tuple[VehicleState, "DayPlan | None"]]]
CHUNK_VEHICLES = 16  # vehicle-days per task sent to a worker process


@dataclass
class _VehicleDay:
    vehicle: VehicleState  # its state after the day
    texts: dict[str, tuple[str, int]]  # telematics partition -> (JSONL text, lines)
    trips: list[Trip]
    sessions: list[Session]
    mess: dict[str, int]


def _simulate_chunk(chunk: _Chunk) -> list[_VehicleDay]:
    """Simulate and encode vehicle-days; a pure function of its input (runs in a worker process)."""
    seed, dt, day, index, holiday, items = chunk
    out: list[_VehicleDay] = []
    for v, plan in items:
        sim_rng = rand.stream(seed, rand.VEHICLE_DAY, v.num, index, 1)
        res = simulate_day(v, plan, day, dt, holiday, sim_rng)
        mess: Counter[str] = Counter()
        parts = encode(v, res, index, rand.stream(seed, rand.VEHICLE_DAY, v.num, index, 2), mess)
        texts = {partition: ("".join(lines), len(lines)) for partition, lines in parts.items()}
        fade_one_day(v, sim_rng)
        out.append(_VehicleDay(v, texts, res.trips, res.sessions, dict(sorted(mess.items()))))
    return out


def workers_for(config: FleetConfig) -> int:
    """Worker processes: LAFA_GENERATE_WORKERS if set, else one per core for fleets big enough to gain."""
    env = os.environ.get("LAFA_GENERATE_WORKERS")
    if env:
        return max(1, int(env))
    return 1 if config.vehicles < 40 else max(1, min(4, os.cpu_count() or 1))


class _Fleet:
    def __init__(self, config: FleetConfig, out: Path) -> None:
        self.c = config
        self.workers = workers_for(config)
        self.pool: Pool | None = None
        self.out = out
        self.end = config.start + timedelta(days=config.days - 1)
        self.landing = Landing(out)
        self.truth = Truth(out)
        self.mess: Counter[str] = Counter(
            {
                k: 0
                for k in (
                    "duplicates",
                    "late",
                    "gps_dropouts",
                    "impossible_soc",
                    "negative_energy",
                    "unknown_charging_status",
                    "dirty_categories",
                )
            }
        )
        self.credit = Credit(config.seed, self.landing, self.mess)  # type: ignore[arg-type]
        self.mess_rng = rand.stream(config.seed, rand.MESS)
        self.counters: Counter[str] = Counter()
        self.meters: dict[str, int] = {}
        self.truth_rows: Counter[str] = Counter()
        self._vehicles()

    # --- helpers ------------------------------------------------------------------------------------
    def next_id(self, kind: str) -> int:
        self.counters[kind] += 1
        return self.counters[kind]

    def dirty(self, value: str) -> str:
        if self.mess_rng.random() < P.DIRTY_CATEGORY_RATE:
            self.mess["dirty_categories"] += 1
            k = int(self.mess_rng.integers(0, 3))
            return (f"  {value.upper()}", f"{value.capitalize()} ", f" {value.title()} ")[k]
        return value

    def _vehicles(self) -> None:
        rng = rand.stream(self.c.seed, rand.FLEET)
        n = self.c.vehicles
        initial = max(1, round(n / 2))
        weights = np.array([m.weight for m in P.MODELS])
        self.vehicles: list[VehicleState] = []
        for i in range(n):
            num = i + 1
            if i < initial:
                acquired = self.c.start - timedelta(days=int(rng.integers(1, 61)))
            else:
                step = self.c.days / (n - initial + 1)
                acquired = self.c.start + timedelta(days=min(self.c.days - 1, int(step * (i - initial + 1))))
            spec = P.MODELS[int(rng.choice(len(P.MODELS), p=weights / weights.sum()))]
            model_year = acquired.year + (1 if acquired.month >= 8 else 0)
            vin = (
                WMI[spec.make]
                + "".join(rng.choice(list(VIN_CHARS), 5))
                + str(rng.choice(list("0123456789X")))
                + VIN_YEAR.get(model_year, "T")
                + str(rng.choice(list("ABCDEFGH")))
                + f"{int(rng.integers(0, 1_000_000)):06d}"
            )
            days_before = max(0, (self.c.start - acquired).days)
            nominal = spec.nominal_kwh
            capacity = nominal * float(rng.uniform(0.985, 1.0)) * (1 - 7.5e-5 * days_before)
            v = VehicleState(
                num=num,
                vehicle_id=f"veh_{num:04d}",
                vin=vin,
                spec=spec,
                acquired_at=epoch(acquired, float(rng.uniform(10 * 3600, 16 * 3600))),
                fade_multiplier=float(np.clip(rng.lognormal(0, P.FADE_MULTIPLIER_SIGMA), 0.5, 2.0)),
                oem_bias=float(rng.uniform(-1.0, 1.0)),
                id_tag="04" + "".join(f"{int(b):02X}" for b in rng.integers(0, 256, 6)),
                capacity_kwh=capacity,
                soc=float(rng.uniform(60, 95)),
                odometer_m=float(rng.uniform(30, 300)) * 1000 + days_before * 185_000 * float(rng.uniform(0.5, 0.9)),
                lat=float(P.ZONES[7][1]),
                lon=float(P.ZONES[7][2]),
            )
            v.next_service_km = P.PREVENTIVE_INTERVAL_KM * (int(v.odometer_m / 1000 // P.PREVENTIVE_INTERVAL_KM) + 1)
            self.vehicles.append(v)
        self.spec_of = {v.num: v.spec for v in self.vehicles}
        self.acquired_on: dict[date, list[VehicleState]] = {}
        for v in self.vehicles:
            self.acquired_on.setdefault(local_date(v.acquired_at), []).append(v)

    # --- the run ------------------------------------------------------------------------------------
    def run(self, progress: Callable[[str], None] | None) -> dict[str, int]:
        first = min([self.c.start, *self.acquired_on])
        day = first
        if self.workers > 1:
            self.pool = get_context("fork" if os.name == "posix" else "spawn").Pool(self.workers)
        try:
            while day <= self.end:
                for v in self.acquired_on.get(day, []):
                    self.credit.available[v.num] = day + timedelta(days=int(self.credit.rng.integers(1, 6)))
                self.credit.step(day, self.spec_of)
                if day >= self.c.start:
                    self._day(day)
                    if progress is not None:
                        i = (day - self.c.start).days + 1
                        progress(
                            f"day {i}/{self.c.days} {day}: {self.landing.rows['telematics']:,} telematics messages"
                        )
                day += timedelta(days=1)
        finally:
            if self.pool is not None:
                self.pool.close()
                self.pool.join()
        self._snapshots()
        self.landing.close()
        self.truth.close()
        return self.landing.counts()

    def _day(self, day: date) -> None:
        index = (day - self.c.start).days
        iso = day.isoformat()
        for source in ("telematics", "trips", "charging_sessions"):
            self.landing.close_before(source, iso)
        if index == 0 or day.day == 1:
            self._month_costs(day)
        holiday = P.holidays(day.year).get(day)
        fleet = [v for v in self.vehicles if local_date(v.acquired_at) <= day]
        items: list[tuple[VehicleState, DayPlan | None]] = []
        for v in fleet:
            plan_rng = rand.stream(self.c.seed, rand.VEHICLE_DAY, v.num, index, 0)
            out = v.out_until is not None and v.out_until >= day
            items.append((v, None if out else self.credit.plan(v.num, day, holiday, plan_rng)))
            self.truth.row("battery_daily", [v.vehicle_id, iso, f"{v.capacity_kwh:.4f}", f"{v.soh:.4f}"])
            self.truth_rows["battery_daily"] += 1
        plans = {v.num: plan for v, plan in items}
        size = max(1, min(CHUNK_VEHICLES, -(-len(items) // max(1, 2 * self.workers))))
        chunks = [
            (self.c.seed, self.c.ping_seconds, day, index, holiday, items[i : i + size])
            for i in range(0, len(items), size)
        ]
        for result in self._map(chunks):
            v, texts, mess = result.vehicle, result.texts, result.mess
            self.vehicles[v.num - 1] = v
            for partition, (text, count) in texts.items():
                self.landing.text("telematics", partition, text, count)
            self.mess.update(mess)
            rng = rand.stream(self.c.seed, rand.VEHICLE_DAY, v.num, index, 3)
            plan = plans[v.num]
            if plan is not None:
                self._trips(v, plan, result.trips, day, rng)
            for s in result.sessions:
                self._session(v, s, rng)
            self._maintenance(v, day, plan, rand.stream(self.c.seed, rand.MAINTENANCE, v.num, index))
        self._warehouse_jobs(day, len(fleet), index + 1)

    def _map(self, chunks: list[_Chunk]) -> Iterator[_VehicleDay]:
        """Vehicle-days in vehicle order, simulated here or in worker processes (same bytes either way)."""
        if self.pool is None:
            for chunk in chunks:
                yield from _simulate_chunk(chunk)
            return
        pending: deque[AsyncResult[list[_VehicleDay]]] = deque()
        for chunk in chunks:
            pending.append(self.pool.apply_async(_simulate_chunk, (chunk,)))
            if len(pending) > 2 * self.workers:  # bounded: memory does not grow with the fleet
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()

    # --- per vehicle-day exports --------------------------------------------------------------------------
    def _trips(self, v: VehicleState, plan: DayPlan, trips: list[Trip], day: date, rng: np.random.Generator) -> None:
        others = [p for p in P.PLATFORMS if p != plan.platform]
        stamp = day.strftime("%Y%m%d")
        for k, t in enumerate(trips):
            platform = plan.platform if rng.random() < 0.8 else str(rng.choice(others))
            minutes = (t.ended_at - t.started_at) / 60
            fare = (P.FARE_BASE_MXN + P.FARE_PER_KM_MXN * t.distance_km + P.FARE_PER_MIN_MXN * minutes) * t.surge
            fare = max(P.FARE_MIN_MXN, fare * P.PLATFORM_FARE_FACTOR[platform])
            self.landing.row(
                "trips",
                local_date(t.started_at).isoformat(),
                [
                    f"trp_{v.num:04d}_{stamp}_{k + 1:03d}",
                    plan.driver_id,
                    v.vehicle_id,
                    self.dirty(platform),
                    local_ts(t.started_at),
                    local_ts(t.ended_at),
                    f"{t.distance_km:.2f}",
                    money(fare),
                    P.ZONES[t.pickup][0],
                    P.ZONES[t.dropoff][0],
                ],
            )

    def _session(self, v: VehicleState, s: Session, rng: np.random.Generator) -> None:
        ocpp_id = ""
        if s.location != "home":
            ocpp_id = f"cs_{self.next_id('ocpp'):08d}"
            if s.location == "depot":
                station = f"DEP-IZT-AC-{int(rng.integers(1, 13)):02d}"
                price = s.energy_grid_kwh * P.DEPOT_MXN_PER_KWH.get(local_date(s.started_at).year, 2.91)
            else:
                station = f"PUB-{P.ZONES[s.zone][0].upper().replace('_', '')[:8]}-DC{int(rng.integers(1, 4))}"
                price = s.energy_grid_kwh * P.PUBLIC_DC_MXN_PER_KWH + P.PUBLIC_DC_SESSION_FEE_MXN
            if station not in self.meters:
                code = sum(ord(ch) * 31**i for i, ch in enumerate(station)) % 1_000_003  # no hash(): stable
                self.meters[station] = int(
                    rand.stream(self.c.seed, rand.CHARGERS, code).integers(1_000_000, 90_000_000)
                )
            meter_start = self.meters[station]
            meter_stop = meter_start + round(s.energy_grid_kwh * 1000)
            busy = 200_000 if s.location == "public" else 20_000
            self.meters[station] = meter_stop + int(rng.integers(0, busy))  # other cars between our sessions
            self.landing.row(
                "charging_sessions",
                local_date(s.started_at).isoformat(),
                [
                    ocpp_id,
                    station,
                    self.dirty(s.charger),
                    v.id_tag,
                    "" if rng.random() < P.OCPP_VEHICLE_BLANK_RATE else v.vehicle_id,
                    local_ts(s.started_at - int(rng.integers(10, 91))),
                    local_ts(s.ended_at + int(rng.integers(10, 91))),
                    meter_start,
                    meter_stop,
                    money(price),
                ],
            )
        self.truth.row(
            "charging_sessions",
            [
                v.vehicle_id,
                utc_ts(s.started_at),
                utc_ts(s.ended_at),
                s.location,
                s.charger,
                f"{s.soc_start:.6f}",
                f"{s.soc_end:.6f}",
                f"{s.energy_battery_kwh:.6f}",
                f"{s.energy_grid_kwh:.6f}",
                ocpp_id,
            ],
        )
        self.truth_rows["charging_sessions"] += 1

    def _maintenance(self, v: VehicleState, day: date, plan: DayPlan | None, rng: np.random.Generator) -> None:
        km = v.odometer_m / 1000
        age_years = max(0.0, (day - local_date(v.acquired_at)).days / 365)
        if km >= v.next_service_km:
            v.next_service_km += P.PREVENTIVE_INTERVAL_KM
            opened = epoch(day + timedelta(days=1), float(rng.uniform(8 * 3600, 10 * 3600)))
            self._work_order(
                v,
                opened,
                "preventive",
                "scheduled_service",
                km,
                rng.uniform(1_200, 2_800),
                rng.uniform(600, 1_200),
                3,
                rng,
            )
        if v.degrading is not None:
            comp_i, fail_on = v.degrading
            comp = P.COMPONENTS[comp_i]
            if day >= fail_on:
                v.degrading = None
                failed_at = epoch(day, float(rng.uniform(7 * 3600, 20 * 3600)))
                opened = failed_at + int(rng.integers(30, 180)) * 60
                out_days = int(rng.integers(comp[5][0], comp[5][1] + 1))
                wo = self._work_order(
                    v,
                    opened,
                    "corrective",
                    comp[0],
                    km,
                    rng.uniform(*comp[3]),
                    rng.uniform(*comp[4]),
                    max(4, 24 * out_days),
                    rng,
                )
                v.out_until = day + timedelta(days=out_days) if out_days else None
                self.truth.row("failures", [v.vehicle_id, utc_ts(failed_at), comp[0], wo])
                self.truth_rows["failures"] += 1
            elif rng.random() < P.DTC_WARNING_RATE_PER_DAY and not self._silent(v, fail_on):
                severity = "critical" if (fail_on - day).days <= 2 else "warning"
                self._dtc(v, day, comp[1], severity, rng)
        else:
            hazard = P.DEGRADATION_HAZARD_PER_DAY * (1 + age_years) * (1 + km / 40_000) * (1 + v.day_km / 250)
            if rng.random() < hazard:
                weights = np.array([c[2] for c in P.COMPONENTS])
                comp_i = int(rng.choice(len(P.COMPONENTS), p=weights / weights.sum()))
                v.degrading = (comp_i, day + timedelta(days=int(rng.integers(4, 22))))
        if rng.random() < P.SPURIOUS_DTC_RATE_PER_DAY:
            self._dtc(v, day, str(rng.choice(P.SPURIOUS_CODES)), "info", rng)
        if plan is not None and rng.random() < P.COLLISION_RATE_PER_DAY * (1 + 2 * plan.risk):
            opened = epoch(day, float(rng.uniform(9 * 3600, 21 * 3600)))
            out_days = int(rng.integers(2, 8))
            self._work_order(
                v,
                opened,
                "collision",
                "body",
                km,
                rng.uniform(3_000, 40_000),
                rng.uniform(2_000, 10_000),
                24 * out_days,
                rng,
            )
            v.out_until = day + timedelta(days=out_days)

    def _silent(self, v: VehicleState, fail_on: date) -> bool:
        """Whether this degradation gives no warning codes (fixed per failure: keyed by vehicle and date)."""
        r = rand.stream(self.c.seed, rand.MAINTENANCE, v.num, 1_000_000 + fail_on.toordinal())
        return bool(r.random() < P.SILENT_FAILURE_RATE)

    def _work_order(
        self,
        v: VehicleState,
        opened: int,
        kind: str,
        component: str,
        km: float,
        parts: float,
        labor: float,
        hours: int,
        rng: np.random.Generator,
    ) -> str:
        wo = f"wo_{self.next_id('work_order'):06d}"
        closed = opened + int(rng.integers(max(1, hours // 2), hours + 1)) * 3600
        self.landing.row(
            "maintenance_work_orders",
            local_date(opened).strftime("%Y-%m"),
            [
                wo,
                v.vehicle_id,
                local_ts(opened),
                local_ts(closed),
                self.dirty(kind),
                component,
                f"{km:.1f}",
                money(parts),
                money(labor),
            ],
        )
        return wo

    def _dtc(self, v: VehicleState, day: date, code: str, severity: str, rng: np.random.Generator) -> None:
        at = epoch(day, float(rng.uniform(6 * 3600, 22 * 3600)))
        self.landing.row(
            "diagnostic_codes", day.strftime("%Y-%m"), [v.vehicle_id, local_ts(at), code, self.dirty(severity)]
        )

    # --- monthly costs and the platform's own jobs ------------------------------------------------------------
    def _month_costs(self, day: date) -> None:
        month = day.strftime("%Y-%m")
        month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        active = [v for v in self.vehicles if local_date(v.acquired_at) <= month_end]
        for v in active:
            lines = [
                ("insurance", v.spec.price_mxn * P.INSURANCE_RATE_OF_PRICE_PER_MONTH),
                ("telematics", P.TELEMATICS_PER_VEHICLE_MONTH),
            ]
            if day.month == 3 or local_date(v.acquired_at).strftime("%Y-%m") == month:
                lines.append(("registration", P.REGISTRATION_PER_YEAR))
            for category, amount in lines:
                cost_id = f"cost_{self.next_id('cost'):07d}"
                self.landing.row(
                    "vehicle_costs", month, [cost_id, v.vehicle_id, month, self.dirty(category), money(amount)]
                )
        for category, fixed, per_vehicle in P.FLEET_LINES:
            cost_id = f"cost_{self.next_id('cost'):07d}"
            amount = fixed + per_vehicle * len(active)
            self.landing.row("vehicle_costs", month, [cost_id, "", month, self.dirty(category), money(amount)])

    def _warehouse_jobs(self, day: date, fleet_size: int, days_of_data: int) -> None:
        rng = rand.stream(self.c.seed, rand.JOBS, (day - self.c.start).days)
        users = [u for u, _ in WAREHOUSE_USERS]
        weights = np.array([w for _, w in WAREHOUSE_USERS])
        count = int((P.JOBS_PER_DAY[0] + P.JOBS_PER_DAY[1] * fleet_size) * rng.uniform(0.8, 1.2))
        times = np.sort(rng.integers(0, 86_400, count)) + epoch(day)
        for k in range(count):
            user = users[int(rng.choice(len(users), p=weights / weights.sum()))]
            load = user.startswith("loader")
            cache = not load and rng.random() < P.CACHE_HIT_RATE
            scanned_days = min(days_of_data, int(rng.choice([1, 1, 1, 2, 7, 30, 90])))
            scanned = fleet_size * P.BYTES_PER_VEHICLE_DAY_SCANNED * scanned_days * float(rng.uniform(0.05, 1.0))
            if user.startswith("dbt"):
                scanned *= 4
            billed = 0 if cache or load else max(10 * 2**20, int(scanned) // 2**20 * 2**20)
            statement = (
                ""
                if load
                else str(rng.choice(["SELECT", "SELECT", "SELECT", "MERGE", "CREATE_TABLE_AS_SELECT", "INSERT"]))
            )
            self.landing.row(
                "warehouse_jobs",
                utc_ts(int(times[k]))[:7],
                [
                    f"bquxjob_{int(rng.integers(0, 2**32)):08x}_{(day - self.c.start).days:04x}{k:05x}",
                    utc_ts(int(times[k])),
                    user,
                    "LOAD" if load else "QUERY",
                    statement,
                    billed,
                    "true" if cache else "false",
                ],
            )

    # --- end of horizon -------------------------------------------------------------------------------------------
    def _snapshots(self) -> None:
        for v in self.vehicles:
            acquired = local_date(v.acquired_at)
            self.landing.row(
                "vehicles",
                "vehicles",
                [
                    v.vehicle_id,
                    v.vin,
                    v.spec.make,
                    v.spec.model,
                    acquired.year + (1 if acquired.month >= 8 else 0),
                    f"{v.spec.nominal_kwh:.2f}",
                    local_ts(v.acquired_at),
                    money(v.spec.price_mxn),
                ],
            )
        drivers, apps, contracts, truth = self.credit.snapshot_rows(self.end)
        self.landing.rows_many("drivers", "drivers", drivers)
        self.landing.rows_many("credit_applications", "credit_applications", apps)
        self.landing.rows_many("lto_contracts", "lto_contracts", contracts)
        self.truth.rows_many("drivers", truth)
        self.truth_rows["drivers"] = len(truth)
        rates = {
            "duplicate_rate": P.DUPLICATE_RATE,
            "late_rate": P.LATE_RATE,
            "adjacent_swap_rate": P.SWAP_RATE,
            "gps_dropout_rate": P.GPS_DROPOUT_RATE,
            "impossible_value_rate": P.IMPOSSIBLE_RATE,
            "unknown_charging_status_rate": P.UNKNOWN_CHARGING_STATUS_RATE,
            "dirty_category_rate": P.DIRTY_CATEGORY_RATE,
            "ocpp_vehicle_blank_rate": P.OCPP_VEHICLE_BLANK_RATE,
            "oem_soh_ping_rate": P.OEM_SOH_PING_RATE,
        }
        config = {k: str(v) for k, v in asdict(self.c).items()}
        self.truth.manifest(
            {
                "generator": "lafa.generate",
                "config": config,
                "rows": self.landing.counts(),
                "truth_rows": dict(sorted(self.truth_rows.items())),
                "mess": dict(sorted(self.mess.items())),
                "mess_rates": rates,
                "horizon": {"start": self.c.start.isoformat(), "end": self.end.isoformat()},
            }
        )


def generate_fleet(config: FleetConfig, out: Path, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Write every landing folder under `out` plus `out/_truth/`; return rows written per source folder."""
    if config.vehicles < 1 or config.days < 1:
        raise ValueError("vehicles and days must be at least 1")
    if not 10 <= config.ping_seconds <= 900:
        raise ValueError("ping_seconds must be between 10 and 900 (a charging session has no gap over 15 min)")
    if config.seed < 0:
        raise ValueError("seed must be >= 0")
    return _Fleet(config, Path(out)).run(progress)
