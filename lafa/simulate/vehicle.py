"""One vehicle's day: its true state as it drives, parks, charges and sleeps; the telematics device reading that
state on its own clock; battery fade."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from lafa.simulate import world
from lafa.simulate.world import VehicleModel

UTC_OFFSET = timedelta(hours=6)  # America/Mexico_City is UTC-6 all year since Oct 2022

# What the vehicle does from one simulated state to the next
OFF, DRIVE, PARK, CHARGE = "off", "drive", "park", "charge"
MIXED, AC_ONLY, DC_ONLY = "mixed", "ac_only", "dc_only"  # how a vehicle-month is charged


@dataclass(slots=True)
class Reading:
    """One telematics reading: the true state at `at`, interpolated between the simulated states around it."""

    at: datetime  # UTC, whole seconds
    soc: float  # true SoC, percent
    charging: bool
    energy_kwh: float | None  # into the battery since the session began
    odometer_m: float
    temp_c: float
    speed_kph: float
    lat: float
    lon: float


@dataclass(frozen=True)
class Replug:
    """The session before this one was unplugged, the vehicle driven `km`, and plugged in again."""

    unplugged_at: datetime
    km: float
    same_station: bool


@dataclass
class Session:
    vehicle_id: str
    started_at: datetime  # true plug-in
    ended_at: datetime  # true stop
    location_type: str  # depot, public, home
    charger_type: str  # ac, dc
    soc_start: float
    soc_end: float
    energy_battery_kwh: float
    first_reading_at: datetime | None = None  # the device's first charging reading
    replug: Replug | None = None

    @property
    def energy_grid_kwh(self) -> float:
        return self.energy_battery_kwh / world.CHARGER_EFFICIENCY[self.charger_type]


@dataclass(frozen=True)
class Dropout:
    """No telematics readings in [started_at, ended_at); the vehicle goes on driving or charging."""

    started_at: datetime
    ended_at: datetime
    during: str  # depot_charging, home_charging, driving


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
    busy_until: datetime | None = None  # UTC end of the last simulated day's activity
    workshop_until: datetime | None = None  # UTC end of the latest work order
    sessions: list[Session] = field(default_factory=list)
    km_by_date: dict[date, float] = field(default_factory=dict)  # true km per local date, not yet written

    @property
    def soh(self) -> float:
        return self.capacity_kwh / self.model.nominal_kwh * 100


def _ambient_c(at_utc: datetime) -> float:
    # CDMX: ~12 C at dawn, ~25 C mid-afternoon (local hour - 9 = UTC hour - 15)
    return 18.5 + 6.5 * math.sin((at_utc.hour + at_utc.minute / 60 - 15) / 24 * 2 * math.pi)


def local_date(at_utc: datetime) -> date:
    return (at_utc - UTC_OFFSET).date()


@dataclass
class Driver:
    """What the vehicle day needs to know about the person driving it."""

    start_hour: float
    shift_hours: float
    charge_below: float
    has_home_charger: bool
    home_zone: str


@dataclass
class DayLog:
    """What a vehicle-day leaves behind (its sessions go to `VehicleState.sessions`)."""

    readings: list[Reading]
    trips: list[Trip]
    dropouts: list[Dropout]


class Timeline:
    """The vehicle's true state as time moves on, and the telematics device reading it.

    From one simulated state to the next the vehicle drives, parks, charges or is switched off (`kind`). The
    device reads at ignition on, then every `ping_seconds` on its own clock, and at ignition off; at every
    plug-in its clock restarts at a random point of the interval. A reading is the true state interpolated at
    its time. True km are added to the local date they are driven on (a step across local midnight is split by time).
    """

    def __init__(self, v: VehicleState, at: datetime, ping_seconds: int, rng: random.Random) -> None:
        self.v = v
        self.at = at
        self.kind = OFF
        self.rng = rng
        self.ping_seconds = ping_seconds
        self.ping = timedelta(seconds=ping_seconds)
        self.next_reading: datetime | None = None
        self.energy = 0.0
        self.temp = _ambient_c(at)
        self.readings: list[Reading] = []
        self.drives: list[tuple[datetime, datetime]] = []
        self.dropouts: list[Dropout] = []
        self._drive_from = at
        self._last = (v.soc, v.odometer_m, v.lat, v.lon)
        self._add_km(0.0)

    def set(self, kind: str) -> None:
        """What the vehicle does from now on. The device reads at ignition on and off and sleeps in between;
        at plug-in it re-phases, so the first charging reading comes anywhere inside the interval."""
        if kind == self.kind:
            return
        if self.kind == CHARGE and self.next_reading == self.at:  # a reading exactly at the stop is charging
            self._read_now(charging=True)
        if kind == OFF:
            self._read_now(charging=False)
            self.next_reading = None
        elif self.kind == OFF:
            self.next_reading = self.at  # read by the next step
        elif kind == CHARGE:
            self.next_reading = self.at + timedelta(seconds=self.rng.randrange(self.ping_seconds))
        if self.kind == DRIVE:
            self.drives.append((self._drive_from, self.at))
        elif kind == DRIVE:
            self._drive_from = self.at
        if kind == CHARGE:
            self.energy = 0.0
        self.kind = kind

    def _read_now(self, charging: bool) -> None:
        """A reading of the state now: at the stop of a charge, or at ignition off if the vehicle moved since the
        last reading."""
        last = self.readings[-1] if self.readings else None
        if last is not None and (last.at == self.at or (not charging and last.odometer_m == self.v.odometer_m)):
            return
        v = self.v
        energy = self.energy if charging else None
        self.readings.append(Reading(self.at, v.soc, charging, energy, v.odometer_m, self.temp, 0.0, v.lat, v.lon))
        self.next_reading = self.at + self.ping

    def advance(self, seconds: int, temp_c: float, speed_kph: float = 0.0, energy_kwh: float = 0.0) -> None:
        """Move on `seconds` to the vehicle's new state (already in `v`); the device reads what lies between."""
        v = self.v
        soc0, odometer0, lat0, lon0 = self._last
        end = self.at + timedelta(seconds=seconds)
        r = self.next_reading
        if r is not None and r < end:
            charging = self.kind == CHARGE
            speed = speed_kph if self.kind == DRIVE else 0.0
            energy0, temp0 = self.energy, self.temp
            while r < end:
                f = (r - self.at).total_seconds() / seconds
                self.readings.append(
                    Reading(
                        r,
                        soc0 + f * (v.soc - soc0),
                        charging,
                        energy0 + f * (energy_kwh - energy0) if charging else None,
                        odometer0 + f * (v.odometer_m - odometer0),
                        temp0 + f * (temp_c - temp0),
                        speed,
                        lat0 + f * (v.lat - lat0),
                        lon0 + f * (v.lon - lon0),
                    )
                )
                r += self.ping
            self.next_reading = r
        if v.odometer_m != odometer0:
            self._add_km((v.odometer_m - odometer0) / 1000, end)
        self.at, self.energy, self.temp = end, energy_kwh, temp_c
        self._last = (v.soc, v.odometer_m, v.lat, v.lon)

    def wait(self, seconds: int) -> None:
        """Parked or switched off: nothing changes but the time."""
        if seconds > 0:
            self.advance(seconds, self.temp)

    def mute(self, start: datetime, seconds: int, during: str) -> None:
        """A telematics dropout: the readings in [start, start + seconds) never arrive."""
        end = start + timedelta(seconds=seconds)
        self.readings = [r for r in self.readings if not start <= r.at < end]
        self.dropouts.append(Dropout(start, end, during))

    def _add_km(self, km: float, end: datetime | None = None) -> None:
        """True km driven from now to `end` at constant speed, split at local midnight by time."""
        day = local_date(self.at)
        if end is not None and local_date(end) != day:
            midnight = datetime.combine(local_date(end), datetime.min.time()) + UTC_OFFSET
            before = km * (midnight - self.at).total_seconds() / (end - self.at).total_seconds()
            self.v.km_by_date[day] = self.v.km_by_date.get(day, 0.0) + before
            day, km = local_date(end), km - before
        self.v.km_by_date[day] = self.v.km_by_date.get(day, 0.0) + km

    def close(self) -> None:
        self.set(OFF)
        self._add_km(0.0)  # a row for the local date of the last state, even without km
        self.v.busy_until = self.at


def simulate_day(
    v: VehicleState,
    driver: Driver,
    day_local: datetime,
    activity: float,
    rng: random.Random,
    ping_seconds: int = 60,
    charge_mode: Callable[[datetime], str] = lambda _: MIXED,
) -> DayLog:
    """Drive a shift starting on local day `day_local` (midnight, naive local time); charge as needed.

    `charge_mode(at_utc)` says how the vehicle is charged in the month of `at_utc` (mixed, AC only, DC only).
    """
    start = day_local + timedelta(hours=driver.start_hour + rng.gauss(0, 0.4))
    shift_minutes = int(driver.shift_hours * 60 * activity * (0.8 if day_local.weekday() >= 5 else 1.0))
    if shift_minutes < 30:
        return DayLog([], [], [])
    start_utc = start.replace(microsecond=0) + UTC_OFFSET
    if v.busy_until is not None and start_utc <= v.busy_until:
        start_utc = v.busy_until + timedelta(seconds=rng.randint(60, 900))  # still charging from yesterday
    tl = Timeline(v, start_utc, ping_seconds, rng)
    trips = _Trips(driver.home_zone, rng)
    break_at = shift_minutes // 2 + rng.randint(-30, 30)
    break_len = rng.randint(30, 60)
    tl.set(DRIVE)
    minute = 0
    while minute < shift_minutes:
        if minute == break_at:
            trips.close(tl)
            tl.set(OFF)  # parked, switched off: no readings
            tl.wait(break_len * 60)
            tl.set(DRIVE)
            minute += 1
            continue
        if v.soc < max(driver.charge_below, 8.0):
            trips.close(tl)
            _charge_stop(tl, None, rng, charge_mode)
            tl.set(DRIVE)
            minute += 60
            continue
        in_trip = trips.gap <= 0
        if in_trip:
            trips.open(tl)
        _drive_minute(tl, max(0.0, rng.gauss(26 if in_trip else 14, 12)) if rng.random() > 0.2 else 0.0, rng)
        if in_trip:
            trips.minute(tl)
        else:
            trips.gap -= 1
        minute += 1
    trips.close(tl)
    for _ in range(rng.randint(15, 40)):  # the drive home (or to the depot)
        _drive_minute(tl, max(0.0, rng.gauss(14, 12)) if rng.random() > 0.2 else 0.0, rng)
    if v.soc < 60:
        _charge_stop(tl, "home" if driver.has_home_charger else "depot", rng, charge_mode)
    tl.close()
    if rng.random() < world.DRIVE_DROPOUT_RATE:
        long_drives = [(a, b) for a, b in tl.drives if (b - a).total_seconds() >= 30 * 60]
        if long_drives:
            _drop_out(tl, *rng.choice(long_drives), "driving", rng)
    return DayLog(tl.readings, trips.done, tl.dropouts)


class _Trips:
    """Ride-hailing trips: 8-35 driving minutes; the wait for the next one follows rider demand by hour and zone
    (world.WEEKDAY_HOUR_DEMAND, WEEKEND_HOUR_DEMAND, HOLIDAY_DEMAND, ZONE_DEMAND)."""

    def __init__(self, zone: str, rng: random.Random) -> None:
        self.zone = zone
        self.rng = rng
        self.done: list[Trip] = []
        self.gap = 0
        self._open: tuple[datetime, float] | None = None
        self._minutes = 0

    def open(self, tl: Timeline) -> None:
        if self._open is None:
            self._open, self._minutes = (tl.at, tl.v.odometer_m), 0

    def minute(self, tl: Timeline) -> None:
        self._minutes += 1
        if self._minutes >= self.rng.randint(8, 35):
            self.close(tl)

    def close(self, tl: Timeline) -> None:
        if self._open is None:
            return
        started_at, odometer_m = self._open
        km = (tl.v.odometer_m - odometer_m) / 1000
        dropoff = self._busy_zone()
        self.done.append(Trip(started_at, tl.at, km, self._minutes, self.zone, dropoff))
        self._open = None
        self.zone = dropoff if self.rng.random() < world.SAME_ZONE_PICKUP else self._busy_zone()
        self.gap = max(1, round(self.rng.randint(*world.TRIP_WAIT_MINUTES) / demand(tl.at)))

    def _busy_zone(self) -> str:
        return self.rng.choices(world.ZONES, weights=tuple(world.ZONE_DEMAND.values()))[0]


def demand(at_utc: datetime) -> float:
    """Rider demand at a UTC instant, relative to an ordinary weekday daytime hour."""
    local = at_utc - UTC_OFFSET
    weekend = local.weekday() >= 5
    hourly = (world.WEEKEND_HOUR_DEMAND if weekend else world.WEEKDAY_HOUR_DEMAND)[local.hour]
    return hourly * (world.HOLIDAY_DEMAND if local.date() in world.HOLIDAYS else 1.0)


def _drive_minute(tl: Timeline, speed: float, rng: random.Random) -> None:
    v = tl.v
    km = speed / 60
    temp_amb = _ambient_c(tl.at)
    kwh = km * v.model.kwh_per_km * (1 + 0.006 * max(0.0, speed - 50)) * (1 + 0.012 * abs(temp_amb - 22))
    kwh += 0.35 / 60  # auxiliaries and air conditioning
    v.soc = max(0.5, v.soc - kwh / v.capacity_kwh * 100)
    v.odometer_m += km * 1000
    v.lat += rng.gauss(0, 0.0015)
    v.lon += rng.gauss(0, 0.0015)
    v.lat, v.lon = min(max(v.lat, 19.2), 19.6), min(max(v.lon, -99.3), -98.95)
    tl.set(DRIVE)
    tl.advance(60, temp_amb + 4 + speed / 20, speed)


def _same_month_for(at_utc: datetime, hours: int) -> bool:
    return (at_utc - UTC_OFFSET).month == (at_utc - UTC_OFFSET + timedelta(hours=hours)).month


def _charge_stop(
    tl: Timeline, overnight: str | None, rng: random.Random, charge_mode: Callable[[datetime], str]
) -> None:
    """Park 0-3 min, plug in (sometimes unplug, drive and plug in again), park or drive off after the stop.

    Mid-shift (`overnight` None): public DC to 80 % (60 %) or depot AC to 92 %; after the shift, `overnight`
    (home or depot) AC to 88-100 %, skipped in a DC-only month.
    """
    v = tl.v
    tl.set(PARK)
    tl.wait(rng.randint(*world.PARK_BEFORE_PLUG_IN_S))
    mode = charge_mode(tl.at)
    if overnight is not None:
        if mode == DC_ONLY:
            return
        location, charger, target = overnight, "ac", rng.uniform(88, 100)
    else:
        dc = mode == DC_ONLY or (mode != AC_ONLY and (v.soc < 10 or rng.random() < 0.6))
        location, charger, target = ("public", "dc", 80.0) if dc else ("depot", "ac", 92.0)
    replug: Replug | None = None
    if location != "home" and rng.random() < world.REPLUG_RATE and _same_month_for(tl.at, 8):
        _charge(tl, location, charger, v.soc + rng.uniform(0.3, 0.7) * (target - v.soc), rng)
        replug = _unplug_and_drive(tl, rng)
    _charge(tl, location, charger, target, rng, replug)
    low, high = world.PARK_AFTER_STOP_S
    tl.wait(0 if rng.random() < 0.5 else rng.randint(low, high))


def _unplug_and_drive(tl: Timeline, rng: random.Random) -> Replug:
    """Unplug, drive 1-5 km for 4-8 minutes, park: plugged in again within 13 minutes of the stop."""
    unplugged_at, odometer_m = tl.at, tl.v.odometer_m
    tl.wait(rng.randint(0, 60))
    minutes = rng.randint(4, 8)
    km = rng.uniform(1.0, min(5.0, 0.65 * minutes))
    for _ in range(minutes):
        _drive_minute(tl, km / minutes * 60, rng)
    tl.set(PARK)
    tl.wait(rng.randint(*world.PARK_BEFORE_PLUG_IN_S))
    return Replug(unplugged_at, (tl.v.odometer_m - odometer_m) / 1000, rng.random() < 0.5)


def _charge(
    tl: Timeline, location: str, charger: str, target_soc: float, rng: random.Random, replug: Replug | None = None
) -> Session:
    """Charge to `target_soc` in steps of a minute (the last one shorter); parked at the stop."""
    v = tl.v
    if charger == "dc":
        max_kw = min(v.model.dc_max_kw, rng.choice((50.0, 60.0, 90.0)))
    else:
        max_kw = min(v.model.ac_max_kw, world.HOME_AC_KW if location == "home" else world.DEPOT_AC_KW)
    tl.set(CHARGE)
    started_at, soc_start, first = tl.at, v.soc, len(tl.readings)
    energy = 0.0
    temp = _ambient_c(started_at) + 3
    while v.soc < target_soc:
        taper = 1.0 if v.soc < 80 else max(0.12, (100 - v.soc) / 25)
        if charger == "ac":
            taper = 1.0 if v.soc < 95 else 0.5
        kw = max_kw * taper
        needed = (target_soc - v.soc) / 100 * v.capacity_kwh
        seconds = 60 if kw / 60 < needed else max(1, min(60, math.ceil(needed / kw * 3600)))
        kwh = min(kw * seconds / 3600, (100 - v.soc) / 100 * v.capacity_kwh)
        energy += kwh
        v.soc = min(100.0, v.soc + kwh / v.capacity_kwh * 100)
        temp += ((0.25 if charger == "dc" else 0.03) - (temp - _ambient_c(tl.at)) * 0.02) * seconds / 60
        tl.advance(seconds, temp, 0.0, energy)
    tl.set(PARK)
    gain_efc = (v.soc - soc_start) / 100
    v.efc += gain_efc
    v.day_efc += gain_efc
    if charger == "dc":
        v.day_dc_efc += gain_efc
    v.day_heat = max(v.day_heat, temp)
    first_reading = tl.readings[first].at if len(tl.readings) > first else None
    session = Session(
        v.vehicle_id, started_at, tl.at, location, charger, soc_start, v.soc, energy, first_reading, replug
    )
    v.sessions.append(session)
    if charger == "ac" and rng.random() < world.CHARGE_DROPOUT_RATE:
        _drop_out(tl, started_at, tl.at, f"{location}_charging", rng)
    return session


def _drop_out(tl: Timeline, start: datetime, end: datetime, during: str, rng: random.Random) -> None:
    """A 5-60 min dropout inside [start, end], with at least one reading left on each side of it; a driving
    one never spans local midnight (the km of the gap would go to the day before)."""
    seconds = rng.randint(world.DROPOUT_MINUTES[0] * 60, world.DROPOUT_MINUTES[1] * 60)
    room = int((end - start).total_seconds()) - seconds - 2 * tl.ping_seconds
    if room < 0:
        return
    muted_from = start + timedelta(seconds=tl.ping_seconds + rng.randint(0, room))
    if during != "driving" or local_date(muted_from) == local_date(muted_from + timedelta(seconds=seconds)):
        tl.mute(muted_from, seconds, during)


def fade_one_day(v: VehicleState, rng: random.Random) -> None:
    """Capacity loss of one day: calendar (heat, time at high SoC) plus cycles (more for DC fast)."""
    heat = 1 + world.HEAT_FADE_PER_DEGREE * max(0.0, v.day_heat - 25)
    high = world.HIGH_SOC_MULTIPLIER if v.soc > 90 else 1.0
    calendar = world.CALENDAR_FADE_PER_YEAR / 365 * heat * high
    cycles = world.CYCLE_FADE_PER_EFC * (v.day_efc - v.day_dc_efc + world.DC_CYCLE_MULTIPLIER * v.day_dc_efc)
    v.capacity_kwh *= 1 - (calendar + cycles) * v.fade_multiplier * rng.uniform(0.8, 1.2)
    v.day_efc = v.day_dc_efc = v.day_heat = 0.0
