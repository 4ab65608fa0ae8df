"""Parameters of the synthetic LAFA fleet (documented in docs/generator.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class VehicleModel:
    make: str
    model: str
    nominal_kwh: float
    kwh_per_km: float  # at 25 C and city speeds
    price_mxn: float
    weekly_payment_mxn: float
    ac_max_kw: float
    dc_max_kw: float


# EVs sold in Mexico, with their nominal usable battery sizes.
MODELS: tuple[VehicleModel, ...] = (
    VehicleModel("BYD", "Dolphin Mini", 38.88, 0.118, 358_800, 2_899.00, 6.6, 40),
    VehicleModel("BYD", "Dolphin", 44.9, 0.128, 498_800, 3_399.99, 7.0, 60),
    VehicleModel("JAC", "E10X", 31.4, 0.121, 379_000, 2_749.50, 6.6, 40),
    VehicleModel("MG", "MG4", 51.0, 0.142, 619_000, 3_849.00, 11.0, 88),
    VehicleModel("Chevrolet", "Bolt EUV", 65.0, 0.155, 799_900, 4_249.00, 11.0, 55),
)
MODEL_WEIGHTS = (0.35, 0.3, 0.15, 0.12, 0.08)

CHARGER_EFFICIENCY = {"ac": 0.90, "dc": 0.93}
DEPOT_AC_KW = 11.0
HOME_AC_KW = 7.2
PUBLIC_DC_MXN_PER_KWH = 8.50
PUBLIC_DC_SESSION_FEE_MXN = 15.00
DEPOT_MXN_PER_KWH = 2.91

ZONES = tuple(f"z{i:02d}" for i in range(1, 17))  # the 16 alcaldias of CDMX
# Where riders ask for cars (relative pickup weights by zone; zones are the alcaldias in alphabetical order,
# seeds/zones.csv): the centre (z03 Benito Juarez, z06 Cuauhtemoc, z11 Miguel Hidalgo) busiest, the rural south
# (z10 Magdalena Contreras, z12 Milpa Alta, z13 Tlahuac) quietest. The first pickup of a shift is in the driver's
# home zone; afterwards half the pickups are in the zone of the last drop-off, the rest drawn from these weights.
ZONE_DEMAND = dict(
    zip(ZONES, (1.4, 1.0, 2.6, 1.6, 0.6, 3.0, 1.5, 0.9, 1.6, 0.4, 2.8, 0.2, 0.4, 1.0, 1.3, 0.5), strict=True)
)
SAME_ZONE_PICKUP = 0.5
# Rider demand by local hour (1 = an ordinary weekday daytime hour): the wait for the next trip is the base wait
# (TRIP_WAIT_MINUTES) divided by it. Weekdays peak 7-9 and 18-20; weekends have no morning peak and busy Friday and
# Saturday nights; public holidays run at HOLIDAY_DEMAND of a weekday.
WEEKDAY_HOUR_DEMAND = (0.3, 0.25, 0.2, 0.2, 0.3, 0.5, 0.9, 1.7, 1.8, 1.3, 1.0, 1.0,
                       1.1, 1.1, 1.0, 1.0, 1.1, 1.3, 1.8, 1.9, 1.6, 1.1, 0.8, 0.5)  # fmt: skip
WEEKEND_HOUR_DEMAND = (0.8, 0.7, 0.6, 0.4, 0.3, 0.3, 0.4, 0.6, 0.7, 0.8, 1.0, 1.1,
                       1.2, 1.2, 1.1, 1.1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.5, 1.2)  # fmt: skip
HOLIDAY_DEMAND = 0.7
TRIP_WAIT_MINUTES = (5, 25)
TRIP_ADJUSTED_RATE = 0.01  # trips whose fare the platform corrects in a later export (`<date>_adjusted.csv`)
TRIP_LATE_RATE = 0.005  # trips first exported in the next day's file
PLATFORMS = ("uber", "didi", "indrive")

# Mexican public holidays (and Dec 12) 2025-2027: fewer drivers work.
HOLIDAYS = frozenset(
    date.fromisoformat(d)
    for d in [
        "2025-01-01",
        "2025-02-03",
        "2025-03-17",
        "2025-05-01",
        "2025-09-16",
        "2025-11-17",
        "2025-12-12",
        "2025-12-25",
        "2026-01-01",
        "2026-02-02",
        "2026-03-16",
        "2026-05-01",
        "2026-09-16",
        "2026-11-16",
        "2026-12-12",
        "2026-12-25",
        "2027-01-01",
        "2027-02-01",
        "2027-03-15",
        "2027-05-01",
        "2027-09-16",
        "2027-11-15",
        "2027-12-12",
        "2027-12-25",
    ]
)

# Battery fade: calendar loss per year at 25 C and mid SoC, cycle loss per equivalent full cycle.
CALENDAR_FADE_PER_YEAR = 0.018
CYCLE_FADE_PER_EFC = 0.00008
DC_CYCLE_MULTIPLIER = 1.8
HEAT_FADE_PER_DEGREE = 0.04  # relative, per degree above 25 C
HIGH_SOC_MULTIPLIER = 1.5  # calendar fade while parked above 90 %

# Real-world mess (rates per record)
DUPLICATE_RATE = 0.005
LATE_RATE = 0.01
GPS_DROPOUT_RATE = 0.005
IMPOSSIBLE_RATE = 0.0001
DIRTY_CATEGORY_RATE = 0.01
OEM_SOH_RATE = 0.02
SOC_NOISE_PCT = 0.1
ODOMETER_GLITCH_RATE = 1 / 20_000  # of not-charging readings: one reading off by thousands of km (or 0)
VERY_LATE_RATE = 0.001  # publishTime 3-14 days after the reading (besides LATE_RATE: 5 min to 48 h)

# The telematics device and the driver around a charge
PARK_BEFORE_PLUG_IN_S = (0, 180)  # parked (readings: same odometer, not charging) before plugging in
PARK_AFTER_STOP_S = (60, 600)  # half the time parked this long after the stop, else drives off at once
REPLUG_RATE = 0.02  # depot/public charges interrupted: unplug, drive 1-5 km, plug in again within 15 min
CHARGE_DROPOUT_RATE = 0.03  # AC charges (depot, home) with a 5-60 min telematics dropout inside
DRIVE_DROPOUT_RATE = 0.02  # vehicle-days with a 5-60 min dropout inside a drive of 30 min or more
DROPOUT_MINUTES = (5, 60)
AC_ONLY_MONTH_RATE = 0.15  # vehicle-months charged only on AC (depot, home)
DC_ONLY_MONTH_RATE = 0.15  # vehicle-months charged only on public DC fast chargers

# Credit behaviour
CHURN_BASE_RATE = 0.15  # a driver churns with p = CHURN_BASE_RATE + CHURN_RISK_RATE x latent risk
CHURN_RISK_RATE = 0.35
CHURN_AFTER_DAYS = (45, 400)  # ... this many days after onboarding (shifts fade over the last 30)
SCRIPTED_CHURNERS = 3  # drivers leasing at the start who churn at 50-85 % of the horizon (a short horizon has few)
CARD_FAILED_FIRST_RATE = 0.2  # a card payment is declined first, then retried
PAYMENT_REVERSED_RATE = 0.005
REVERSAL_AFTER_DAYS = (2.0, 10.0)  # a reversed payment is reversed this long after it was made
VEHICLE_SWAP_RATE = 0.06  # per day a vehicle is free: a depot-charging driver in good standing moves to it
TERMINATION_DPD = 45  # a contract this many days past due is terminated and the vehicle repossessed

# Lending cases (docs/generator.md, "Lending cases")
BACK_BOOK_SHARE = 0.5  # of the day-0 fleet: leased before the start (at least 3 vehicles, the scripted contracts)
BACK_BOOK_DAYS = (30, 300)  # how long before the start an unscripted back-book vehicle became free to lease
EARLY_CANCEL_RATE = 0.03  # of contracts signed in the horizon: cancelled 1-5 days after signing (the first always)
EARLY_PAYOFF_RATE = 0.001  # per due date of a low-risk driver (risk < 0.2): pays the whole balance that day
REPOSSESSED_SOLD_RATE = 0.25  # a repossessed vehicle is sold 3-10 days later instead of leased again
EXPORT_CUT_LOCAL_HOUR = 6  # the processor cuts the day's payments export at ~06:00 local the next morning
PREVENTIVE_INTERVAL_KM = 10_000  # ride-hailing fleets service every 10,000 km
FIRST_SERVICE_SHARE = (0.3, 1.0)  # the first service falls this share of an interval after purchase (staggered)
FAILURE_HAZARD_PER_DAY = 0.008  # x (1 + age in years) x (1 + km / 60,000): a corrective failure is planned
FAILURE_PRECURSOR_RATE = 0.65  # of failures: a DTC 3-10 days before the corrective work order
FAILURE_DTC_SEVERITY = {  # failing component -> severity of its precursor DTC
    "12v_battery": "warning",
    "brakes": "warning",
    "suspension": "warning",
    "hv_cooling": "critical",
    "charging_port": "critical",
    "tires": "warning",
}
SPURIOUS_DTC_RATE = {"info": 0.01, "warning": 0.003}  # per vehicle-day: codes no failure follows
COLLISION_RATE_PER_DAY = 0.0004
# Hours in the workshop by work-order kind (the vehicle is not driven on the day it goes in, nor on a day it is
# still there at noon); the workshop closes the order when the vehicle leaves.
WORKSHOP_HOURS = {"preventive": (3, 8), "corrective": (20, 120), "collision": (72, 360)}
CORRECTIVE_LABOR_REVISION = (
    0.0,
    0.2,
)  # an order still open at a month's export is re-listed closed, labour up to +20 %
