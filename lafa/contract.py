"""The raw-data contract (DESIGN.md section 3) as data: sources, columns, keys and row checks.

Raw tables keep CSV values as the text that arrived (staging casts them); a row that fails a check
goes to quarantine with the reason. Each check below becomes one SQL expression in `lafa.load`.
A column is in every file's header unless it is `optional` (added to the contract later: a file without it
loads, the raw table holds NULL). A source's `key` is unique inside one file: rows sharing one are all
quarantined (docs/loader.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "int", "number", "timestamp", "date", "month", "enum", "bool"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = "text"
    required: bool = True  # a blank value quarantines the row
    min_value: float | None = None
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

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def header_columns(self) -> list[str]:
        """The columns every file's header must have (all but the optional ones)."""
        return [c.name for c in self.columns if not c.optional]


def _money(name: str, required: bool = True) -> Column:
    return Column(name, "number", required=required, min_value=0)


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
    ),
    Source(
        "credit_applications",
        "An LTO credit application.",
        (
            Column("application_id"),
            Column("driver_id"),
            Column("applied_at", "timestamp"),
            Column("platform", "enum", values=("uber", "didi", "indrive", "cabify", "other")),
            Column("platform_tenure_months", "int", min_value=0),
            Column("platform_rating", "number", min_value=0, max_value=5),
            _money("weekly_earnings_mxn"),
            Column("decision", "enum", values=("approved", "rejected", "pending")),
        ),
        key="application_id",
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
            Column("weekly_payment_mxn", "number", min_value=0.01),
            _money("down_payment_mxn"),
            Column("status", "enum", values=("active", "completed", "terminated")),
            Column("closed_at", "timestamp", required=False),
        ),
        key="contract_id",
    ),
    Source(
        "payments",
        "A payment as the processor exports it (current state, UTC).",
        (
            Column("payment_id"),
            Column("contract_id"),
            Column("paid_at", "timestamp"),
            _money("amount_mxn"),
            Column("method", "enum", values=("oxxo", "spei", "card", "cash")),
            Column("status", "enum", values=("succeeded", "failed", "reversed")),
            # when the processor cut the export holding the row: one instant per file (else the file is rejected)
            Column("exported_at", "timestamp", required=False, optional=True, one_per_file=True),
        ),
        key="payment_id",
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
            Column("meter_start_wh", "number", min_value=0),
            Column("meter_stop_wh", "number", min_value=0),
            _money("price_mxn"),
        ),
        key="session_id",
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
            Column("odometer_km", "number", min_value=0),
            _money("parts_cost_mxn"),
            _money("labor_cost_mxn"),
        ),
        key="work_order_id",
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
            Column("total_bytes_billed", "int", required=False, min_value=0),
            Column("cache_hit", "bool"),
        ),
        key="job_id",
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
# Physical ranges checked at the boundary, in the feed's units: (column, min, max).
TELEMATICS_RANGES: tuple[tuple[str, float, float | None], ...] = (
    ("ev_state_of_charge_milli_percent", 0, 100_000),
    ("ev_charging_status", 0, 2),
    ("ev_charging_energy_micro_wh", 0, None),
    ("obd_odometer_meters", 0, None),
    ("ev_battery_state_of_health_milli_percent", 0, 100_000),
    ("gps_latitude", -90, 90),
    ("gps_longitude", -180, 180),
    ("gps_speed_miles_per_hour", 0, 250),
)
TELEMATICS = Source(
    "telematics",
    "A Pub/Sub push envelope of a vehicle_stats.v1 telematics message (delivery history: duplicates kept).",
    tuple(Column(name) for name, *_ in TELEMATICS_FIELDS + TELEMATICS_PAYLOAD_FIELDS),
    pattern="*.jsonl",
)

SOURCES: dict[str, Source] = {s.name: s for s in (TELEMATICS, *CSV_SOURCES)}
