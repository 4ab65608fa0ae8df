"""Parameters of the synthetic LAFA fleet. Every number here is documented in docs/generator.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class ModelSpec:
    make: str
    model: str
    nominal_kwh: float  # nominal usable battery capacity
    ac_max_kw: float  # on-board charger limit
    dc_max_kw: float  # DC fast-charge peak
    kwh_per_km: float  # traction energy at city speeds and 23 C, without auxiliaries
    price_mxn: float  # acquisition cost
    weekly_payment_mxn: float  # LTO installment
    term_weeks: int
    weight: float  # share of purchases


# EVs sold in Mexico (same specs as seeds/fleet/vehicle_model_specs.csv).
MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("BYD", "Dolphin Mini", 38.88, 6.6, 40.0, 0.118, 358_800.00, 2_899.00, 156, 0.35),
    ModelSpec("BYD", "Dolphin", 44.9, 7.0, 60.0, 0.128, 498_800.00, 3_399.99, 156, 0.28),
    ModelSpec("JAC", "E10X", 31.4, 6.6, 40.0, 0.121, 379_000.00, 2_819.50, 156, 0.15),
    ModelSpec("MG", "MG4", 51.0, 11.0, 88.0, 0.142, 619_000.00, 3_849.00, 208, 0.14),
    ModelSpec("Chevrolet", "Bolt EUV", 65.0, 11.0, 55.0, 0.155, 799_900.00, 4_189.90, 208, 0.08),
)

LOCAL_OFFSET_S = -6 * 3600  # America/Mexico_City: UTC-6 all year since Oct 2022 (checked against tzdata)
LOCAL_SUFFIX = "-06:00"

# --- charging -------------------------------------------------------------------------------------
CHARGER_EFFICIENCY = {"ac": 0.90, "dc": 0.93}  # battery energy / grid energy (seeds/fleet/charger_efficiencies.csv)
DEPOT_AC_KW = 11.0
HOME_AC_KW = (3.7, 7.2)  # a driver's home wallbox, one of these
PUBLIC_DC_KW = (50.0, 60.0, 90.0)  # station peak; the car's dc_max_kw caps it
DC_TAPER_FROM_SOC = 75.0  # above this SoC, DC power falls linearly to 0 at 100 %
AC_TAPER_FROM_SOC = 95.0
MIN_SESSION_GAP_S = 30 * 60  # two sessions of a vehicle are at least this far apart
DEPOT_MXN_PER_KWH = {2025: 2.78, 2026: 2.91, 2027: 3.05}  # = seeds/finance/electricity_tariffs.csv
PUBLIC_DC_MXN_PER_KWH = 8.50
PUBLIC_DC_SESSION_FEE_MXN = 15.00
OCPP_VEHICLE_BLANK_RATE = 0.10  # OCPP rows whose vehicle_id the charger could not resolve

# --- driving --------------------------------------------------------------------------------------
AUX_KW = 0.35  # climate, electronics while switched on
AUX_KW_PER_DEGREE_ABOVE_24 = 0.06  # air conditioning
HIGH_SPEED_PENALTY_PER_KPH = 0.008  # relative consumption above 50 km/h
TEMPERATURE_PENALTY_PER_DEGREE = 0.008  # relative consumption per degree of battery temp away from 23 C
# mean trip speed (km/h) by local hour: CDMX congestion
SPEED_BY_HOUR = (38, 38, 38, 38, 36, 32, 26, 18, 16, 18, 22, 23, 23, 23, 22, 21, 19, 16, 15, 17, 22, 26, 30, 34)
# ride-hailing demand by local hour (1 = average): shorter waits between trips when high
DEMAND_BY_HOUR = (
    0.55, 0.4, 0.3, 0.25, 0.3, 0.6, 1.0, 1.45, 1.5, 1.2, 0.9, 0.85,
    0.95, 1.0, 1.0, 1.05, 1.15, 1.3, 1.45, 1.4, 1.25, 1.1, 0.95, 0.8,
)  # fmt: skip
DEMAND_BY_WEEKDAY = (0.95, 0.95, 1.0, 1.05, 1.2, 1.15, 0.8)  # Monday..Sunday
WAIT_MINUTES_MEAN = 9.0  # between trips at demand 1
TRIP_MINUTES_MEDIAN = 17.0
FARE_BASE_MXN = 28.0
FARE_PER_KM_MXN = 6.9
FARE_PER_MIN_MXN = 2.0
FARE_MIN_MXN = 45.0
PLATFORMS = ("uber", "didi", "indrive")
PLATFORM_WEIGHTS = (0.55, 0.33, 0.12)
PLATFORM_FARE_FACTOR = {"uber": 1.0, "didi": 0.93, "indrive": 0.88}

# 16 alcaldias of Mexico City: id, centroid (lat, lon), pickup demand weight, home weight
ZONES: tuple[tuple[str, float, float, float, float], ...] = (
    ("alvaro_obregon", 19.360, -99.220, 6, 8),
    ("azcapotzalco", 19.485, -99.185, 4, 5),
    ("benito_juarez", 19.372, -99.158, 10, 3),
    ("coyoacan", 19.330, -99.160, 7, 6),
    ("cuajimalpa", 19.360, -99.285, 3, 2),
    ("cuauhtemoc", 19.432, -99.150, 14, 3),
    ("gustavo_a_madero", 19.490, -99.110, 7, 14),
    ("iztacalco", 19.395, -99.100, 4, 6),
    ("iztapalapa", 19.357, -99.060, 8, 22),
    ("magdalena_contreras", 19.310, -99.240, 2, 3),
    ("miguel_hidalgo", 19.430, -99.200, 11, 2),
    ("milpa_alta", 19.210, -99.020, 1, 2),
    ("tlahuac", 19.280, -99.010, 2, 7),
    ("tlalpan", 19.280, -99.170, 4, 7),
    ("venustiano_carranza", 19.430, -99.100, 6, 6),
    ("xochimilco", 19.260, -99.100, 3, 6),
)
LAT_RANGE = (19.2, 19.6)
LON_RANGE = (-99.3, -98.95)
DEPOT_ZONE = "iztapalapa"

# Mean daily min/max air temperature in CDMX by month (C)
TEMP_MIN_MAX_BY_MONTH = (
    (6, 22), (7, 24), (10, 26), (12, 27), (13, 27), (13, 25), (12, 23), (12, 23), (12, 23), (10, 23), (8, 22), (7, 21),
)  # fmt: skip

# --- battery fade ---------------------------------------------------------------------------------
CALENDAR_FADE_PER_YEAR = 0.011  # at 25 C and mid SoC
CALENDAR_DOUBLING_C = 10.0  # calendar fade doubles every 10 C of battery temperature above 25
HIGH_SOC_CALENDAR_MULTIPLIER = 2.0  # extra calendar fade for the share of the day spent above 90 % SoC
CYCLE_FADE_PER_EFC = 0.000055  # per equivalent full cycle
DC_CYCLE_MULTIPLIER = 1.7  # cycle fade of DC fast-charged energy
FADE_MULTIPLIER_SIGMA = 0.3  # per-vehicle lognormal spread
OEM_SOH_PING_RATE = 0.02  # share of pings carrying the OEM SoH (whole percent, per-vehicle bias)
SOC_NOISE_PCT = 0.05  # reported SoC noise while driving (charging pings are exact)

# --- credit ---------------------------------------------------------------------------------------
RISK_BETA = (2.0, 4.5)
APPLICATION_RATE_PER_FREE_VEHICLE = 0.6  # applications a day per vehicle waiting for a driver
APPROVAL_MAX_RISK_SCORE = 0.42
AFFORDABILITY_EARNINGS_MULTIPLE = 2.2  # weekly earnings must cover this many installments
METHODS = ("oxxo", "spei", "card", "cash")
METHOD_WEIGHTS = (0.38, 0.36, 0.16, 0.10)
CARD_DECLINE_RATE = 0.15  # a card payment is declined (failed row) and retried
PAYMENT_REVERSAL_RATE = 0.005
LATE_NIGHT_PAYMENT_RATE = 0.10  # paid 23:00-23:59 local: the next day in UTC
STRESS_START_PER_WEEK = (0.015, 0.12)  # + slope x risk: a spell of financial stress begins
STRESS_END_PER_WEEK = 0.3
REPOSSESSION_DPD = ((0.6, 21, 45), (0.3, 46, 90), (0.1, 91, 150))  # share, DPD range at which collections repossess
VOLUNTARY_RETURN_RATE = 0.4  # churners who hand the vehicle back instead of defaulting
CHURN_PER_MONTH = (0.02, 0.10)  # + slope x risk
CHURN_SLOWDOWN_DAYS = 28
REFURBISH_DAYS = (5, 15)  # a repossessed or returned vehicle is ready for a new driver after this

# --- maintenance ----------------------------------------------------------------------------------
PREVENTIVE_INTERVAL_KM = 15_000
DEGRADATION_HAZARD_PER_DAY = 0.0012  # x (1 + age years) x (1 + km / 40,000) x (1 + km today / 250)
DTC_WARNING_RATE_PER_DAY = 0.35  # while a component degrades
SILENT_FAILURE_RATE = 0.2  # degradations that give no warning codes
SPURIOUS_DTC_RATE_PER_DAY = 0.003
COLLISION_RATE_PER_DAY = 0.0004  # x (1 + 2 x risk) on driving days
# component, warning code, weight, parts range, labor range, days out of service
COMPONENTS: tuple[tuple[str, str, float, tuple[int, int], tuple[int, int], tuple[int, int]], ...] = (
    ("12v_battery", "P0562", 0.22, (1_800, 3_200), (300, 600), (0, 1)),
    ("brakes", "C0040", 0.18, (1_500, 6_000), (600, 1_500), (1, 2)),
    ("suspension", "C0561", 0.16, (2_500, 12_000), (900, 2_500), (1, 3)),
    ("hv_cooling", "P0A7E", 0.10, (4_000, 22_000), (1_500, 4_000), (2, 5)),
    ("charging_port", "P0D27", 0.12, (3_000, 15_000), (800, 2_000), (1, 3)),
    ("hv_isolation", "P0AA6", 0.06, (8_000, 45_000), (2_000, 6_000), (3, 8)),
    ("tires", "C0750", 0.16, (2_400, 7_500), (300, 700), (0, 1)),
)
SPURIOUS_CODES = ("U0155", "B1325", "U0140", "P0AFA")

# --- fixed costs (MXN) ----------------------------------------------------------------------------
INSURANCE_RATE_OF_PRICE_PER_MONTH = 0.0055
TELEMATICS_PER_VEHICLE_MONTH = 349.00
REGISTRATION_PER_YEAR = 862.00  # refrendo/tenencia paid in March or the month of purchase
FLEET_LINES = (("parking", 42_000.00, 160.00), ("insurance", 9_500.00, 0.0), ("other", 3_100.00, 0.0))

# --- warehouse jobs -------------------------------------------------------------------------------
JOBS_PER_DAY = (18, 0.25)  # + per vehicle
BYTES_PER_VEHICLE_DAY_SCANNED = 180_000  # raw + staged telematics bytes a query scans per vehicle-day of data
CACHE_HIT_RATE = 0.35

# --- real-world mess (per record) -----------------------------------------------------------------
DUPLICATE_RATE = 0.005
LATE_RATE = 0.01
SWAP_RATE = 0.03  # adjacent lines swapped inside a file
GPS_DROPOUT_RATE = 0.005
IMPOSSIBLE_RATE = 0.0001
UNKNOWN_CHARGING_STATUS_RATE = 0.0005
DIRTY_CATEGORY_RATE = 0.01


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def _nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def holidays(year: int) -> dict[date, float]:
    """Mexican public holidays (and days CDMX treats as such) with their demand factor."""
    e = easter(year)
    return {
        date(year, 1, 1): 0.7,
        _nth_monday(year, 2, 1): 0.85,  # Constitution Day
        _nth_monday(year, 3, 3): 0.85,  # Benito Juarez
        e - timedelta(days=3): 0.7,  # Holy Thursday: the city empties
        e - timedelta(days=2): 0.65,  # Good Friday
        date(year, 5, 1): 0.8,
        date(year, 9, 16): 0.8,
        date(year, 11, 2): 0.9,  # Day of the Dead
        _nth_monday(year, 11, 3): 0.85,  # Revolution Day
        date(year, 12, 12): 1.2,  # Guadalupe: pilgrims to the Basilica
        date(year, 12, 24): 1.15,
        date(year, 12, 25): 0.7,
        date(year, 12, 31): 1.15,
    }
