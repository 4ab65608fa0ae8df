"""One vehicle's local day, vectorised with numpy: a shift of trips, charging by SoC and shift, battery fade."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from lafa.generate import params as P
from lafa.generate.credit import DayPlan
from lafa.generate.output import epoch

ZONE_LAT = np.array([z[1] for z in P.ZONES])
ZONE_LON = np.array([z[2] for z in P.ZONES])
ZONE_DEMAND = np.array([z[3] for z in P.ZONES], dtype=float)
DEPOT = next(i for i, z in enumerate(P.ZONES) if z[0] == P.DEPOT_ZONE)
SPEED_BY_HOUR = np.array(P.SPEED_BY_HOUR, dtype=float)
DEMAND_BY_HOUR = np.array(P.DEMAND_BY_HOUR, dtype=float)


@dataclass
class Session:
    started_at: int  # epoch s of the first charging ping
    ended_at: int  # epoch s of the last charging ping
    location: str  # depot, public, home
    charger: str  # ac, dc
    soc_start: float
    soc_end: float
    capacity_kwh: float  # true usable capacity during the session
    zone: int

    @property
    def energy_battery_kwh(self) -> float:
        return (self.soc_end - self.soc_start) / 100 * self.capacity_kwh

    @property
    def energy_grid_kwh(self) -> float:
        return self.energy_battery_kwh / P.CHARGER_EFFICIENCY[self.charger]


@dataclass
class Trip:
    started_at: int
    ended_at: int
    distance_km: float
    pickup: int
    dropoff: int
    surge: float


@dataclass
class VehicleState:
    num: int
    vehicle_id: str
    vin: str
    spec: P.ModelSpec
    acquired_at: int  # epoch s
    fade_multiplier: float
    oem_bias: float
    id_tag: str
    capacity_kwh: float
    soc: float
    odometer_m: float
    lat: float
    lon: float
    busy_until: int = 0  # driving or charging until then (epoch s)
    last_session_end: int = -(10**9)
    next_service_km: float = P.PREVENTIVE_INTERVAL_KM
    out_until: date | None = None  # in the workshop
    degrading: tuple[int, date] | None = None  # component index, failure date
    day_efc: float = 0.0
    day_dc_efc: float = 0.0
    day_km: float = 0.0
    day_temp_c: float = 20.0
    day_high_soc_s: float = 0.0

    @property
    def soh(self) -> float:
        return self.capacity_kwh / self.spec.nominal_kwh * 100


@dataclass
class DayResult:
    t: np.ndarray  # epoch s, int64
    soc: np.ndarray  # true SoC percent
    charging: np.ndarray  # bool
    energy_kwh: np.ndarray  # into the battery since the session began (nan when not charging)
    odometer_m: np.ndarray
    temp_c: np.ndarray
    speed_kph: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    endpoint: np.ndarray  # bool: first or last ping of a charging session (kept clean of injected mess)
    trips: list[Trip] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)


def ambient_c(local_hour: np.ndarray | float, month: int) -> np.ndarray | float:
    lo, hi = P.TEMP_MIN_MAX_BY_MONTH[month - 1]
    return (lo + hi) / 2 + (hi - lo) / 2 * np.cos(2 * np.pi * (np.asarray(local_hour) - 15.0) / 24)


def charge_curve(
    soc0: float, target: float, kw: float, capacity: float, knee: float, dt: int, max_seconds: float
) -> np.ndarray | None:
    """SoC at each ping (every dt seconds from plug-in) charging at `kw` with a linear taper above `knee`."""
    rate = kw / capacity * 100 / 3600  # percent per second below the knee
    t_knee = max(0.0, (knee - soc0) / rate)
    s_knee = max(soc0, knee)
    if target <= knee:
        seconds = (target - soc0) / rate
    else:
        seconds = t_knee + (100 - knee) / rate * math.log((100 - s_knee) / (100 - target))
    steps = min(max(1, math.ceil(seconds / dt)), int(max_seconds // dt))
    if steps < 1:
        return None
    ts = np.arange(steps + 1, dtype=float) * dt
    after = 100 - (100 - s_knee) * np.exp(-rate * np.maximum(ts - t_knee, 0) / (100 - knee))
    return np.where(ts <= t_knee, soc0 + rate * ts, after)


class _Blocks:
    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, *arrays: np.ndarray) -> None:
        self.parts.append(arrays)

    def result(self) -> DayResult:
        if not self.parts:
            empty_f = np.empty(0)
            return DayResult(
                np.empty(0, np.int64), empty_f, np.empty(0, bool), empty_f, empty_f, empty_f, empty_f, empty_f, empty_f,
                np.empty(0, bool),
            )  # fmt: skip
        cols = [np.concatenate(c) for c in zip(*self.parts, strict=True)]
        order = np.argsort(cols[0], kind="stable")
        return DayResult(*(c[order] for c in cols))


def simulate_day(
    v: VehicleState,
    plan: DayPlan | None,
    day: date,
    dt: int,
    holiday_factor: float | None,
    rng: np.random.Generator,
) -> DayResult:
    """Drive `plan`'s shift on local `day` (or stay parked), charging as needed; mutates `v`."""
    month = day.month
    v.day_efc = v.day_dc_efc = v.day_km = 0.0
    v.day_high_soc_s = 0.0
    v.day_temp_c = float(ambient_c(12.0, month))
    blocks = _Blocks()
    trips: list[Trip] = []
    sessions: list[Session] = []
    if plan is None:
        if v.soc > 90:
            v.day_high_soc_s = 86_400.0
        return blocks.result()

    weekday = day.weekday()
    start = epoch(day, plan.start_hour * 3600 + float(rng.uniform(0, 2_700)))
    start = max(start, v.busy_until + 600)
    shift_s = plan.shift_hours * 3600 * plan.activity * (0.95 if weekday == 5 else 0.8 if weekday == 6 else 1.0)
    shift_s *= float(rng.uniform(0.9, 1.1))
    n = int(shift_s // dt)
    if shift_s < 1.5 * 3600 or n < 10:
        if v.soc > 90:
            v.day_high_soc_s = 86_400.0
        return blocks.result()
    start_local_h = ((start - epoch(day)) / 3600) % 24
    demand_day = P.DEMAND_BY_WEEKDAY[weekday] * (holiday_factor or 1.0)

    # --- segments: wait/cruise to a pickup, then a trip, alternately -----------------------------------------
    k_trips = int(shift_s / 60 / 12) + 8
    trip_min = np.clip(rng.lognormal(math.log(P.TRIP_MINUTES_MEDIAN), 0.5, k_trips), 4, 80)
    wait_raw = rng.exponential(P.WAIT_MINUTES_MEAN, k_trips)
    approx_h = (start_local_h + np.concatenate(([0.0], np.cumsum(trip_min + wait_raw)[:-1])) / 60).astype(int) % 24
    wait_min = np.clip(wait_raw / (DEMAND_BY_HOUR[approx_h] * demand_day), 1, 60)
    seg_min = np.empty(2 * k_trips)
    seg_min[0::2], seg_min[1::2] = wait_min, trip_min
    seg_steps = np.maximum(1, np.round(seg_min * 60 / dt).astype(np.int64))
    seg = np.repeat(np.arange(2 * k_trips), seg_steps)[:n]
    n = seg.size
    seg_first = np.concatenate(([0], np.cumsum(seg_steps)[:-1]))
    seg_last = np.minimum(seg_first + seg_steps - 1, n - 1)
    is_trip = (seg % 2) == 1
    hour = ((start_local_h + np.arange(n) * dt / 3600) % 24).astype(int)

    # --- speeds, energy, positions ------------------------------------------------------------------------------
    highway = rng.random(k_trips) < 0.12
    trip_mean = SPEED_BY_HOUR[hour] * np.where(highway[seg // 2], 2.2, 1.0)
    speed = np.where(
        is_trip,
        rng.normal(np.minimum(trip_mean, 85), 7),
        np.where(rng.random(n) < 0.45, 0.0, rng.normal(13, 5, n)),
    )
    speed = np.clip(speed, 0, 110)
    km = speed * dt / 3600
    amb = np.asarray(ambient_c(hour + 0.5, month))
    batt = amb + 3 + 0.08 * speed
    kwh = km * v.spec.kwh_per_km * (1 + P.HIGH_SPEED_PENALTY_PER_KPH * np.maximum(0, speed - 50))
    kwh *= 1 + P.TEMPERATURE_PENALTY_PER_DEGREE * np.abs(batt - 23)
    kwh += (P.AUX_KW + P.AUX_KW_PER_DEGREE_ABOVE_24 * np.maximum(0, amb - 24)) * dt / 3600

    weights = ZONE_DEMAND * (
        np.where(np.arange(len(P.ZONES)) == 6, 3.0, 1.0) if (day.month, day.day) == (12, 12) else 1.0
    )
    pickup = rng.choice(len(P.ZONES), size=k_trips, p=weights / weights.sum())
    if rng.random() < 0.5:
        pickup[0] = plan.home_zone
    dropoff = np.where(
        rng.random(k_trips) < 0.35, pickup, rng.choice(len(P.ZONES), size=k_trips, p=weights / weights.sum())
    )
    pts_lat = np.empty(2 * k_trips + 1)
    pts_lon = np.empty(2 * k_trips + 1)
    pts_lat[0], pts_lon[0] = v.lat, v.lon
    pts_lat[1::2] = ZONE_LAT[pickup] + rng.normal(0, 0.012, k_trips)
    pts_lon[1::2] = ZONE_LON[pickup] + rng.normal(0, 0.012, k_trips)
    pts_lat[2::2] = ZONE_LAT[dropoff] + rng.normal(0, 0.012, k_trips)
    pts_lon[2::2] = ZONE_LON[dropoff] + rng.normal(0, 0.012, k_trips)
    frac = (np.arange(n) - seg_first[seg] + 1) / seg_steps[seg]
    lat = pts_lat[seg] + frac * (pts_lat[seg + 1] - pts_lat[seg]) + rng.normal(0, 0.0015, n)
    lon = pts_lon[seg] + frac * (pts_lon[seg + 1] - pts_lon[seg]) + rng.normal(0, 0.0015, n)
    lat = np.clip(lat, *P.LAT_RANGE)
    lon = np.clip(lon, *P.LON_RANGE)

    # --- a break mid-shift (switched off) and charging stops inserted between segments ---------------------------
    extra = np.zeros(n, dtype=np.int64)  # seconds without pings before step i
    if shift_s > 5 * 3600:
        mid_seg = int(seg[n // 2]) & ~1  # the wait segment around the middle of the shift
        if mid_seg > 0 and seg_first[mid_seg] < n:
            extra[seg_first[mid_seg]] += int(rng.integers(30, 61)) * 60
    soc_arr = np.empty(n)
    soc = v.soc
    cap = v.capacity_kwh
    i = 0
    charges: list[tuple[int, int, np.ndarray, str, str, float, int]] = []
    while i < n:
        path = soc - np.cumsum(kwh[i:]) / cap * 100
        below = np.flatnonzero(path < plan.charge_below)
        if below.size == 0:
            soc_arr[i:] = path
            soc = float(path[-1])
            break
        e = int(seg_last[seg[i + below[0]]])
        transit = int(rng.integers(2, 7)) * 60
        # two sessions at least MIN_SESSION_GAP apart: keep driving to a later segment end if needed
        while (
            e < n - 1
            and start + e * dt + int(extra[: e + 1].sum()) + dt + transit < v.last_session_end + P.MIN_SESSION_GAP_S
        ):
            e = int(seg_last[seg[e + 1]])
        if e >= n - 1:
            soc_arr[i:] = np.maximum(path, 1.0)
            soc = float(soc_arr[-1])
            break
        soc_arr[i : e + 1] = np.maximum(path[: e + 1 - i], 1.0)
        soc = float(soc_arr[e])
        dc = soc < 10 or rng.random() < plan.dc_preference
        if dc:
            kw = min(v.spec.dc_max_kw, float(rng.choice(P.PUBLIC_DC_KW)))
            curve = charge_curve(soc, float(rng.uniform(78, 92)), kw, cap, P.DC_TAPER_FROM_SOC, dt, 4 * 3600)
        else:
            kw = min(v.spec.ac_max_kw, P.DEPOT_AC_KW)
            curve = charge_curve(soc, float(rng.uniform(80, 95)), kw, cap, P.AC_TAPER_FROM_SOC, dt, 6 * 3600)
        assert curve is not None
        t0 = start + e * dt + int(extra[: e + 1].sum()) + dt + transit
        after = int(rng.integers(2, 7)) * 60
        extra[e + 1] += transit + (curve.size - 1) * dt + after
        zone = int(np.argmin((ZONE_LAT - lat[e]) ** 2 + (ZONE_LON - lon[e]) ** 2)) if dc else DEPOT
        charges.append((t0, e, curve, "public" if dc else "depot", "dc" if dc else "ac", kw, zone))
        v.last_session_end = t0 + (curve.size - 1) * dt
        soc = float(curve[-1])
        i = e + 1

    t = start + np.arange(n, dtype=np.int64) * dt + np.cumsum(extra)
    odo = v.odometer_m + np.cumsum(km) * 1000
    blocks.add(t, soc_arr, np.zeros(n, bool), np.full(n, np.nan), odo, batt, speed, lat, lon, np.zeros(n, bool))
    for t0, e, curve, location, charger, kw, zone in charges:
        s = _session_block(v, blocks, t0, curve, location, charger, kw, zone, float(odo[e]), month, dt, rng)
        sessions.append(s)

    # trips: the odd segments inside the shift
    for k in range(k_trips):
        j = 2 * k + 1
        if seg_first[j] >= n:
            break
        a, b = int(seg_first[j]), int(seg_last[j])
        hour_k = int(hour[a])
        surge = (1.25 if DEMAND_BY_HOUR[hour_k] >= 1.3 else 1.0) * (1.1 if (holiday_factor or 0) > 1 else 1.0)
        surge *= float(np.exp(rng.normal(0, 0.08)))
        trips.append(
            Trip(int(t[a]), int(t[b]) + dt, float(km[a : b + 1].sum()), int(pickup[k]), int(dropoff[k]), surge)
        )

    v.odometer_m = float(odo[-1])
    v.day_km = float(km.sum())
    end_shift = int(t[-1]) + dt
    v.lat, v.lon = float(lat[-1]), float(lon[-1])
    v.soc = soc

    # --- after the shift: plug in overnight (home, or the depot) when SoC is low enough -----------------------
    next_start = epoch(day + timedelta(days=1), plan.start_hour * 3600) - 900
    plug = end_shift + int(rng.integers(20, 76)) * 60
    plug = max(plug, v.last_session_end + P.MIN_SESSION_GAP_S)
    if v.soc < plan.overnight_below and next_start - plug > 3600:
        home = plan.home_kw > 0
        kw = min(v.spec.ac_max_kw, plan.home_kw if home else P.DEPOT_AC_KW)
        curve = charge_curve(v.soc, float(rng.uniform(90, 99)), kw, cap, P.AC_TAPER_FROM_SOC, dt, next_start - plug)
        if curve is not None:
            zone = plan.home_zone if home else DEPOT
            v.lat = float(ZONE_LAT[zone] + rng.normal(0, 0.01))
            v.lon = float(ZONE_LON[zone] + rng.normal(0, 0.01))
            s = _session_block(
                v, blocks, plug, curve, "home" if home else "depot", "ac", kw, zone, v.odometer_m, month, dt, rng
            )
            sessions.append(s)
            v.last_session_end = s.ended_at
            v.soc = s.soc_end
            end_shift = s.ended_at + dt
            if s.soc_end > 90:
                v.day_high_soc_s += max(0, next_start - s.ended_at)
    v.busy_until = end_shift
    if v.soc > 90 and not sessions:
        v.day_high_soc_s = 43_200.0
    res = blocks.result()
    res.trips, res.sessions = trips, sessions
    v.day_temp_c = float(0.6 * ambient_c(12.0, month) + 0.4 * res.temp_c.mean()) if res.t.size else v.day_temp_c
    return res


def _session_block(
    v: VehicleState,
    blocks: _Blocks,
    t0: int,
    curve: np.ndarray,
    location: str,
    charger: str,
    kw: float,
    zone: int,
    odometer_m: float,
    month: int,
    dt: int,
    rng: np.random.Generator,
) -> Session:
    m = curve.size
    t = t0 + np.arange(m, dtype=np.int64) * dt
    local_h = ((t + P.LOCAL_OFFSET_S) % 86_400) / 3600
    rise = 6 + kw / 10 if charger == "dc" else 1.5
    temp = np.asarray(ambient_c(local_h, month)) + 2 + rise * (1 - np.exp(-np.arange(m) * dt / 1200))
    energy = (curve - curve[0]) / 100 * v.capacity_kwh
    lat = np.full(m, ZONE_LAT[zone] + float(rng.normal(0, 0.008)))
    lon = np.full(m, ZONE_LON[zone] + float(rng.normal(0, 0.008)))
    endpoint = np.zeros(m, bool)
    endpoint[0] = endpoint[-1] = True
    blocks.add(t, curve, np.ones(m, bool), energy, np.full(m, odometer_m), temp, np.zeros(m), lat, lon, endpoint)
    gain = (float(curve[-1]) - float(curve[0])) / 100
    v.day_efc += gain
    if charger == "dc":
        v.day_dc_efc += gain
    return Session(int(t[0]), int(t[-1]), location, charger, float(curve[0]), float(curve[-1]), v.capacity_kwh, zone)


def fade_one_day(v: VehicleState, rng: np.random.Generator) -> None:
    """Capacity loss of a day: calendar (battery heat, time above 90 % SoC) plus cycles (more for DC fast)."""
    heat = 2 ** ((v.day_temp_c - 25) / P.CALENDAR_DOUBLING_C)
    high = 1 + (P.HIGH_SOC_CALENDAR_MULTIPLIER - 1) * min(1.0, v.day_high_soc_s / 86_400)
    calendar = P.CALENDAR_FADE_PER_YEAR / 365 * heat * high
    ac_efc = v.day_efc - v.day_dc_efc
    cycles = P.CYCLE_FADE_PER_EFC * (ac_efc + P.DC_CYCLE_MULTIPLIER * v.day_dc_efc)
    v.capacity_kwh *= 1 - (calendar + cycles) * v.fade_multiplier * float(rng.uniform(0.8, 1.2))
