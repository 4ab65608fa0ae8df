"""The raw-data contract (docs/design.md, "Raw-data contract") as data: sources, columns, keys and row checks.

Raw tables keep CSV values as the text that arrived (staging casts them); a row that fails a check
goes to quarantine with the reason. Each check below becomes one SQL expression in `lafa.load`.
A column is in every file's header unless it is `optional` (added to the contract later: a file without it
loads, the raw table holds NULL). A source's `key` is unique inside one file: rows sharing one are all
quarantined (docs/loader.md).

This module is the only statement of what is valid: what it accepts, the models accept (a property test loads
contract-valid rows at every boundary and builds: tests/python/test_boundary_property.py). Every number has both
bounds, so no accepted value overflows a model's type; money has at most 2 decimals; every instant and date lies
between EARLIEST_VALID_DATE and the loader's clock (docs/loader.md, "What the contract accepts").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "int", "number", "money", "timestamp", "date", "month", "enum", "bool"]

# No instant, date or month of any source is earlier: LAFA started in 2025 (the price seeds start there), so an
# earlier value is a device clock reset (1970-01-01), a placeholder or a typo; it would create vehicle-days or
# months that never were, and months no seed prices.
EARLIEST_VALID_DATE = "2025-01-01"
# ... as an instant: its local midnight in Mexico City (UTC-6 all year since 2022), so no instant falls on an earlier
# local date or month.
EARLIEST_VALID_INSTANT = f"{EARLIEST_VALID_DATE}T00:00:00-06:00"
# Dates that are not instants (a contract's first due date) may lie ahead, but not beyond this.
LATEST_VALID_DATE = "2099-12-31"
# A timestamp later than the loader's clock by more than this is a clock or parsing error, not data.
FUTURE_TOLERANCE_MINUTES = 10
# Money: MXN with centavos, below this (a larger value is a unit or typing error; it fits every model's decimal).
MONEY_MAX_MXN = 10_000_000
MONEY_DECIMALS = 2


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = "text"
    required: bool = True  # a blank value quarantines the row
    min_value: float | None = None  # int, number, money: both bounds are set (a unit test checks it)
    max_value: float | None = None
    values: tuple[str, ...] = ()  # allowed values of an enum, compared after trim + lower
    optional: bool = False  # may be absent from a file's header (the raw table always has it: NULL then)
    one_per_file: bool = False  # every non-blank value of one file is the same instant, else the file is rejected


@dataclass(frozen=True)
class Source:
    name: str  # landing folder and raw table name
    description: str
    columns: tuple[Column, ...]
    pattern: str = "*.csv"
    key: str | None = None  # unique inside one file (a snapshot export has one row per key)
    # (first, then): when both are present, `then` is not less than `first` (a stop before its start, a meter that
    # runs backwards, a disposal before the acquisition can never be valid)
    ordered: tuple[tuple[str, str], ...] = ()
    # the column that says when a row happened (lafa status shows its latest; ML point-in-time tests cut on it)
    event_column: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def header_columns(self) -> list[str]:
        """The columns every file's header must have (all but the optional ones)."""
        return [c.name for c in self.columns if not c.optional]


def _money(name: str, required: bool = True, min_value: float = 0) -> Column:
    """MXN, at most 2 decimals, between `min_value` and MONEY_MAX_MXN."""
    return Column(name, "money", required=required, min_value=min_value, max_value=MONEY_MAX_MXN)


CSV_SOURCES: tuple[Source, ...] = (
    Source(
        "vehicles",
        "A vehicle of the fleet.",
        (
            Column("vehicle_id"),
            Column("vin"),
            Column("make"),
            Column("model"),
            Column("model_year", "int", min_value=2000, max_value=2100),
            Column("battery_capacity_kwh", "number", min_value=1, max_value=300),
            Column("acquired_at", "timestamp"),
            _money("acquisition_cost_mxn"),
            Column("disposed_at", "timestamp", required=False, optional=True),  # sold / transferred; blank: in use
        ),
        key="vehicle_id",
        ordered=(("acquired_at", "disposed_at"),),
        event_column="acquired_at",
    ),
    Source(
        "drivers",
        "A driver (personal data: the loader keeps keyed tokens of phone and CURP, docs/privacy.md).",
        (
            Column("driver_id"),
            Column("full_name"),
            Column("phone"),
            Column("curp"),
            Column("onboarded_at", "timestamp"),
            Column("home_zone_id"),
        ),
        key="driver_id",
        event_column="onboarded_at",
    ),
    Source(
        "credit_applications",
        "An LTO credit application.",
        (
            Column("application_id"),
            Column("driver_id"),
            Column("applied_at", "timestamp"),
            Column("platform", "enum", values=("uber", "didi", "indrive", "cabify", "other")),
            Column("platform_tenure_months", "int", min_value=0, max_value=600),
            Column("platform_rating", "number", min_value=0, max_value=5),
            _money("weekly_earnings_mxn"),
            Column("decision", "enum", values=("approved", "rejected", "pending")),
        ),
        key="application_id",
        event_column="applied_at",
    ),
    Source(
        "lto_contracts",
        "A lease-to-own contract (current state).",
        (
            Column("contract_id"),
            Column("application_id"),
            Column("driver_id"),
            Column("vehicle_id"),
            Column("signed_at", "timestamp"),
            Column("first_due_date", "date"),
            Column("term_weeks", "int", min_value=1, max_value=520),
            _money("weekly_payment_mxn", min_value=0.01),
            _money("down_payment_mxn"),
            Column("status", "enum", values=("active", "completed", "terminated")),
            Column("closed_at", "timestamp", required=False),
        ),
        key="contract_id",
        ordered=(("signed_at", "closed_at"),),
        event_column="signed_at",
    ),
    Source(
        "payments",
        "A payment as the processor exports it (current state, UTC).",
        (
            Column("payment_id"),
            Column("contract_id"),
            Column("paid_at", "timestamp"),
            _money("amount_mxn", min_value=0.01),  # a zero payment moves no money: not a payment
            Column("method", "enum", values=("oxxo", "spei", "card", "cash")),
            Column("status", "enum", values=("succeeded", "failed", "reversed")),
            # when the processor cut the export holding the row: one instant per file (else the file is rejected)
            Column("exported_at", "timestamp", required=False, optional=True, one_per_file=True),
        ),
        key="payment_id",
        event_column="paid_at",
    ),
    Source(
        "charging_sessions",
        "An OCPP-style charging session at a LAFA depot or public charger.",
        (
            Column("session_id"),
            Column("station_id"),
            Column("connector_type", "enum", values=("ac", "dc")),
            Column("id_tag", required=False),
            Column("vehicle_id", required=False),
            Column("started_at", "timestamp"),
            Column("stopped_at", "timestamp"),
            Column("meter_start_wh", "number", min_value=0, max_value=1e12),
            Column("meter_stop_wh", "number", min_value=0, max_value=1e12),
            _money("price_mxn"),
        ),
        key="session_id",
        ordered=(("started_at", "stopped_at"), ("meter_start_wh", "meter_stop_wh")),
        event_column="started_at",
    ),
    Source(
        "trips",
        "A ride-hailing trip (platform export).",
        (
            Column("trip_id"),
            Column("driver_id"),
            Column("vehicle_id"),
            Column("platform", "enum", values=("uber", "didi", "indrive", "cabify", "other")),
            Column("started_at", "timestamp"),
            Column("ended_at", "timestamp"),
            Column("distance_km", "number", min_value=0, max_value=1000),
            _money("fare_mxn"),
            Column("pickup_zone_id"),
            Column("dropoff_zone_id"),
        ),
        key="trip_id",
        ordered=(("started_at", "ended_at"),),
        event_column="started_at",
    ),
    Source(
        "maintenance_work_orders",
        "A maintenance work order.",
        (
            Column("work_order_id"),
            Column("vehicle_id"),
            Column("opened_at", "timestamp"),
            Column("closed_at", "timestamp", required=False),
            Column("kind", "enum", values=("preventive", "corrective", "collision")),
            Column("component"),
            Column("odometer_km", "number", min_value=0, max_value=2_000_000),
            _money("parts_cost_mxn"),
            _money("labor_cost_mxn"),
        ),
        key="work_order_id",
        ordered=(("opened_at", "closed_at"),),
        event_column="opened_at",
    ),
    Source(
        "diagnostic_codes",
        "A diagnostic trouble code event.",
        (
            Column("vehicle_id"),
            Column("recorded_at", "timestamp"),
            Column("code"),
            Column("severity"),
        ),
        event_column="recorded_at",
    ),
    Source(
        "vehicle_costs",
        "A fixed cost line; blank vehicle_id means fleet-wide.",
        (
            Column("cost_id"),
            Column("vehicle_id", required=False),
            Column("month", "month"),
            Column("category", "enum", values=("insurance", "registration", "telematics", "parking", "other")),
            _money("amount_mxn"),
        ),
        key="cost_id",
        event_column="month",
    ),
    Source(
        "warehouse_jobs",
        "A warehouse query job (BigQuery INFORMATION_SCHEMA.JOBS extract; user_email is personal: tokenised).",
        (
            Column("job_id"),
            Column("creation_time", "timestamp"),
            Column("user_email"),
            Column("job_type"),
            Column("statement_type", required=False),
            Column("total_bytes_billed", "int", required=False, min_value=0, max_value=1e18),
            Column("cache_hit", "bool"),
        ),
        key="job_id",
        event_column="creation_time",
    ),
)

# Telematics envelopes are flattened by the loader into typed columns named after the JSON paths
# (units exactly as the feed sends them; staging converts). (column, JSON path, SQL type, required)
TELEMATICS_FIELDS: tuple[tuple[str, str, str, bool], ...] = (
    ("message_id", "$.message.messageId", "varchar", True),
    ("publish_time", "$.message.publishTime", "timestamp", True),
    ("subscription", "$.subscription", "varchar", False),
    ("attributes_provider", "$.message.attributes.provider", "varchar", False),
    ("attributes_schema", "$.message.attributes.schema", "varchar", False),
)
TELEMATICS_PAYLOAD_FIELDS: tuple[tuple[str, str, str, bool], ...] = (
    ("vehicle_id", "$.vehicleId", "varchar", True),
    ("vin", "$.vin", "varchar", False),
    ("event_time", "$.time", "timestamp", True),
    ("ev_state_of_charge_milli_percent", "$.evStateOfChargeMilliPercent", "bigint", True),
    ("ev_charging_status", "$.evChargingStatus", "integer", False),
    ("ev_charging_energy_micro_wh", "$.evChargingEnergyMicroWh", "bigint", False),
    ("obd_odometer_meters", "$.obdOdometerMeters", "bigint", False),
    (
        "ev_average_battery_temperature_milli_celsius",
        "$.evAverageBatteryTemperatureMilliCelsius",
        "bigint",
        False,
    ),
    ("ev_battery_state_of_health_milli_percent", "$.evBatteryStateOfHealthMilliPercent", "bigint", False),
    ("gps_latitude", "$.gps.latitude", "double", False),
    ("gps_longitude", "$.gps.longitude", "double", False),
    ("gps_speed_miles_per_hour", "$.gps.speedMilesPerHour", "double", False),
)
# The payload schemas this contract describes (the envelope's `attributes.schema`); any other is quarantined.
TELEMATICS_SCHEMAS: tuple[str, ...] = ("vehicle_stats.v1",)
# Physical ranges checked at the boundary, in the feed's units: (column, min, max).
TELEMATICS_RANGES: tuple[tuple[str, float, float], ...] = (
    ("ev_state_of_charge_milli_percent", 0, 100_000),
    ("ev_charging_status", 0, 2),
    ("ev_charging_energy_micro_wh", 0, 10**13),  # 10 MWh: a counter beyond it is corrupt
    ("obd_odometer_meters", 0, 2 * 10**9),  # 2 M km, as work orders' odometer_km
    ("ev_average_battery_temperature_milli_celsius", -50_000, 100_000),
    # an OEM SoH below 50 % is a glitch or a unit error, not a battery in service (the battery marts assume 50-105 %)
    ("ev_battery_state_of_health_milli_percent", 50_000, 105_000),
    ("gps_latitude", -90, 90),
    ("gps_longitude", -180, 180),
    ("gps_speed_miles_per_hour", 0, 250),
)
# Values inside a range that only a unit error produces: (column, low, high) exclusive, quarantined. A SoC above 0
# and below 1 % is a percent (0-100) or a fraction (0-1) sent in the milli-percent field: a real battery reads 0 or
# at least 1 % (an SoH that small is below its range anyway). Fractions are also caught as non-integers (every
# integer field must be integral).
TELEMATICS_UNIT_ERRORS: tuple[tuple[str, int, int], ...] = (("ev_state_of_charge_milli_percent", 0, 1000),)
TELEMATICS = Source(
    "telematics",
    "A Pub/Sub push envelope of a vehicle_stats.v1 telematics message (delivery history: duplicates kept).",
    tuple(Column(name) for name, *_ in TELEMATICS_FIELDS + TELEMATICS_PAYLOAD_FIELDS),
    pattern="*.jsonl",
    event_column="event_time",
)

SOURCES: dict[str, Source] = {s.name: s for s in (TELEMATICS, *CSV_SOURCES)}

# Columns every raw table ends with, and the quarantine's, as (name, DuckDB type): the DuckDB DDL, the BigQuery
# schemas and the restricted store's tables are all built from these.
LINEAGE: tuple[tuple[str, str], ...] = (
    ("_file", "varchar"),
    ("_file_sha256", "varchar"),
    ("_row_number", "bigint"),
    ("_loaded_at", "timestamp"),
)
QUARANTINE: tuple[tuple[str, str], ...] = (
    ("source", "varchar"),
    ("file", "varchar"),
    ("file_sha256", "varchar"),
    ("row_number", "bigint"),
    ("reason", "varchar"),
    ("raw_record", "varchar"),
    ("quarantined_at", "timestamp"),
    ("raw_bytes", "blob"),  # the row's original bytes (appended 2026-12-05: last, as on tables from before it)
)
