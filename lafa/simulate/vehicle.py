"""One vehicle's day: a shift of driving minutes, charging by SoC and shift, battery fade, telematics pings."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lafa.simulate import world
from lafa.simulate.world import VehicleModel

UTC_OFFSET = timedelta(hours=6)  # America/Mexico_City is UTC-6 all year since Oct 2022


@dataclass
class Ping:
    at: datetime  # UTC
    soc: float  # true SoC, percent
    charging: bool
    energy_kwh: float | None  # into the battery since the session began
    odometer_m: float
    temp_c: float
    speed_kph: float
    lat: float
    lon: float


@dataclass
class Session:
    vehicle_id: str
    started_at: datetime
    ended_at: datetime
    location_type: str  # depot, public, home
    charger_type: str  # ac, dc
    soc_start: float
    soc_end: float
    energy_battery_kwh: float

    @property
    def energy_grid_kwh(self) -> float:
        return self.energy_battery_kwh / world.CHARGER_EFFICIENCY[self.charger_type]


@dataclass
class Trip:
    started_at: datetime
    ended_at: datetime
    distance_km: float
    minutes: int
    pickup_zone: str
    dropoff_zone: str


@dataclass
class VehicleState:
    vehicle_id: str
    vin: str
    model: VehicleModel
    acquired_at: datetime
    fade_multiplier: float
    oem_bias: float
    soc: float = 90.0
    odometer_m: float = 0.0
    capacity_kwh: float = 0.0
    lat: float = 19.43
    lon: float = -99.13
    efc: float = 0.0
    next_service_km: float = world.PREVENTIVE_INTERVAL_KM
    hours_high_soc: float = 0.0
    day_efc: float = 0.0
    day_dc_efc: float = 0.0
    day_heat: float = 0.0
    sessions: list[Session] = field(default_factory=list)

    @property
    def soh(self) -> float:
        return self.capacity_kwh / self.model.nominal_kwh * 100


def _ambient_c(at_local: datetime) -> float:
    # CDMX: ~12 C at dawn, ~25 C mid-afternoon
    return 18.5 + 6.5 * math.sin((at_local.hour + at_local.minute / 60 - 9) / 24 * 2 * math.pi)


@dataclass
class Driver:
    """What the vehicle day needs to know about the person driving it."""

    start_hour: float
    shift_hours: float
    charge_below: float
    has_home_charger: bool
    home_zone: str


def simulate_day(
    v: VehicleState, driver: Driver, day_local: datetime, activity: float, rng: random.Random
) -> tuple[list[Ping], list[Trip]]:
    """Drive a shift starting on local day `day_local` (midnight, naive local time); charge as needed."""
    pings: list[Ping] = []
    trips: list[Trip] = []
    start_local = day_local + timedelta(hours=driver.start_hour + rng.gauss(0, 0.4))
    shift_minutes = int(driver.shift_hours * 60 * activity * (0.8 if day_local.weekday() >= 5 else 1.0))
    if shift_minutes < 30:
        return pings, trips
    break_at = shift_minutes // 2 + rng.randint(-30, 30)
    break_len = rng.randint(30, 60)
    t = start_local
    minute = 0
    trip: list[Ping] = []
    trip_gap = 0
    zone = driver.home_zone
    while minute < shift_minutes:
        if minute == break_at:
            t += timedelta(minutes=break_len)  # parked, switched off: no pings
            minute += 1
            continue
        if v.soc < max(driver.charge_below, 8.0) or v.soc < 8.0:
            if trip:
                trips.append(_close_trip(trip, zone, rng))
                trip, zone = [], rng.choice(world.ZONES)
            dc = v.soc < 10 or rng.random() < 0.6
            t = _charge(v, t, "public" if dc else "depot", "dc" if dc else "ac", 80.0 if dc else 92.0, pings, rng)
            t += timedelta(minutes=rng.randint(2, 6))
            minute += 60
            continue
        in_trip = trip_gap <= 0
        speed = max(0.0, rng.gauss(26 if in_trip else 14, 12)) if rng.random() > 0.2 else 0.0
        km = speed / 60
        temp_amb = _ambient_c(t)
        kwh = km * v.model.kwh_per_km * (1 + 0.006 * max(0.0, speed - 50)) * (1 + 0.012 * abs(temp_amb - 22))
        kwh += 0.35 / 60  # auxiliaries and air conditioning
        v.soc = max(0.5, v.soc - kwh / v.capacity_kwh * 100)
        v.odometer_m += km * 1000
        v.lat += rng.gauss(0, 0.0015)
        v.lon += rng.gauss(0, 0.0015)
        v.lat, v.lon = min(max(v.lat, 19.2), 19.6), min(max(v.lon, -99.3), -98.95)
        p = Ping(t + UTC_OFFSET, v.soc, False, None, v.odometer_m, temp_amb + 4 + speed / 20, speed, v.lat, v.lon)
        pings.append(p)
        if in_trip:
            trip.append(p)
            if len(trip) >= rng.randint(8, 35):
                trips.append(_close_trip(trip, zone, rng))
                trip, zone = [], rng.choice(world.ZONES)
                trip_gap = rng.randint(3, 15)
        else:
            trip_gap -= 1
        t += timedelta(minutes=1)
        minute += 1
    if trip:
        trips.append(_close_trip(trip, zone, rng))
    if v.soc < 60:
        t += timedelta(minutes=rng.randint(30, 60))
        home = driver.has_home_charger
        _charge(v, t, "home" if home else "depot", "ac", rng.uniform(88, 100), pings, rng)
    return pings, trips


def _close_trip(trip: list[Ping], pickup: str, rng: random.Random) -> Trip:
    km = (trip[-1].odometer_m - trip[0].odometer_m) / 1000
    return Trip(trip[0].at, trip[-1].at, km, len(trip), pickup, rng.choice(world.ZONES))


def _charge(
    v: VehicleState,
    start_local: datetime,
    location: str,
    charger: str,
    target_soc: float,
    pings: list[Ping],
    rng: random.Random,
) -> datetime:
    """Charge minute by minute to `target_soc`; one ping a minute; returns local time after the session."""
    if charger == "dc":
        max_kw = min(v.model.dc_max_kw, rng.choice((50.0, 60.0, 90.0)))
    else:
        max_kw = min(v.model.ac_max_kw, world.HOME_AC_KW if location == "home" else world.DEPOT_AC_KW)
    t = start_local
    soc_start = v.soc
    energy = 0.0
    temp = _ambient_c(t) + 3
    while True:
        pings.append(Ping(t + UTC_OFFSET, v.soc, True, energy, v.odometer_m, temp, 0.0, v.lat, v.lon))
        if v.soc >= target_soc:
            break
        taper = 1.0 if v.soc < 80 else max(0.12, (100 - v.soc) / 25)
        if charger == "ac":
            taper = 1.0 if v.soc < 95 else 0.5
        kwh = max_kw * taper / 60
        kwh = min(kwh, (100 - v.soc) / 100 * v.capacity_kwh)
        energy += kwh
        v.soc = min(100.0, v.soc + kwh / v.capacity_kwh * 100)
        temp += (0.25 if charger == "dc" else 0.03) - (temp - _ambient_c(t)) * 0.02
        t += timedelta(minutes=1)
    gain_efc = (v.soc - soc_start) / 100
    v.efc += gain_efc
    v.day_efc += gain_efc
    if charger == "dc":
        v.day_dc_efc += gain_efc
    v.day_heat = max(v.day_heat, temp)
    v.sessions.append(
        Session(v.vehicle_id, start_local + UTC_OFFSET, t + UTC_OFFSET, location, charger, soc_start, v.soc, energy)
    )
    return t


def fade_one_day(v: VehicleState, rng: random.Random) -> None:
    """Capacity loss of one day: calendar (heat, time at high SoC) plus cycles (more for DC fast)."""
    heat = 1 + world.HEAT_FADE_PER_DEGREE * max(0.0, v.day_heat - 25)
    high = world.HIGH_SOC_MULTIPLIER if v.soc > 90 else 1.0
    calendar = world.CALENDAR_FADE_PER_YEAR / 365 * heat * high
    cycles = world.CYCLE_FADE_PER_EFC * (v.day_efc - v.day_dc_efc + world.DC_CYCLE_MULTIPLIER * v.day_dc_efc)
    v.capacity_kwh *= 1 - (calendar + cycles) * v.fade_multiplier * rng.uniform(0.8, 1.2)
    v.day_efc = v.day_dc_efc = v.day_heat = 0.0
