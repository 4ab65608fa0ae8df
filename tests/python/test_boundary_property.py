"""What the contract accepts, the models accept (issue 19): property-based, with hypothesis.

The strategies are derived from `lafa.contract` itself (every column's kind and bounds), so a rule added there is
exercised here: values at both ends of every range, money at the precision limit, instants at the earliest valid
date and at the loader's clock plus its tolerance in several offsets and separators, dates at both edges, enums in
any case with spaces, blanks where allowed, foreign keys that exist and ones that do not (an export that runs ahead
of another), ids reused from the fleet with other content (a newer export), and telematics readings of unknown
vehicles, reused messageIds and every payload field at its bounds.

- `test_contract_valid_rows_load_and_build`: such rows are ALL loaded (none quarantined) next to a small generated
  fleet, and the following `dbt build` (models, data and unit tests) succeeds; warnings are allowed (that is how
  rows waiting for their parent are counted).
- `test_never_valid_values_are_quarantined_with_a_reason`: one broken value in an otherwise valid row sends the row
  to quarantine with a reason that names the column (in-process, many examples).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from builders import envelope, ping, write_telematics
from conftest import Warehouse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lafa.contract import (
    CSV_SOURCES,
    EARLIEST_VALID_DATE,
    EARLIEST_VALID_INSTANT,
    FUTURE_TOLERANCE_MINUTES,
    LATEST_VALID_DATE,
    SOURCES,
    TELEMATICS_RANGES,
    TELEMATICS_SCHEMAS,
    TELEMATICS_UNIT_ERRORS,
    Column,
    Source,
)
from lafa.load import load_bytes
from lafa.warehouse import ensure_raw_tables

NOW = dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC)  # LAFA_NOW of these loads (inside the price seeds)
EARLIEST = dt.datetime.fromisoformat(EARLIEST_VALID_INSTANT).astimezone(dt.UTC)
LATEST_INSTANT = NOW + dt.timedelta(minutes=FUTURE_TOLERANCE_MINUTES) - dt.timedelta(seconds=1)
OFFSETS = [dt.timedelta(0), dt.timedelta(hours=-6), dt.timedelta(hours=-5), dt.timedelta(hours=5, minutes=30)]
ROWS = 3  # per source and example (hypothesis gives up on larger draws)


def _instant_text(when: dt.datetime, offset: dt.timedelta, style: int) -> str:
    local = when.astimezone(dt.timezone(offset))
    text = local.isoformat(sep=" " if style == 1 else "T", timespec="milliseconds" if style == 2 else "seconds")
    return text.replace("+00:00", "Z") if style == 3 else text


@st.composite
def instants(draw: st.DrawFn, low: dt.datetime = EARLIEST, high: dt.datetime = LATEST_INSTANT) -> str:
    edge = st.sampled_from([low, high])
    any_time = st.datetimes(low.replace(tzinfo=None), high.replace(tzinfo=None)).map(lambda t: t.replace(tzinfo=dt.UTC))
    when = draw(st.one_of(edge, any_time))
    return _instant_text(when, draw(st.sampled_from(OFFSETS)), draw(st.integers(0, 3)))


def _spaced(value: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(["", " "]), value, st.sampled_from(["", "  "])).map("".join)


def _number(column: Column, integral: bool) -> st.SearchStrategy[str]:
    low, high = column.min_value, column.max_value
    assert low is not None and high is not None, f"{column.name}: every number has both bounds"
    if integral:
        return st.one_of(st.sampled_from([int(low), int(high)]), st.integers(int(low), int(high))).map(str)
    if column.kind == "money":
        cents = st.integers(round(low * 100), round(high * 100))
        edges = st.sampled_from([round(low * 100), round(high * 100)])
        return st.one_of(edges, cents).flatmap(
            lambda c: st.sampled_from([f"{Decimal(c) / 100:.2f}", f"{Decimal(c) / 100:f}"])
        )
    floats = st.floats(low, high, allow_nan=False, allow_infinity=False)
    return st.one_of(st.sampled_from([low, high]), floats).map(repr)


def value(column: Column, pools: dict[str, list[str]]) -> st.SearchStrategy[str]:
    """Contract-valid text for one column; an id column takes its values from `pools`."""
    if column.name in pools:
        return st.sampled_from(pools[column.name])
    if column.kind in ("int", "number", "money"):
        out = _spaced(_number(column, integral=column.kind == "int"))
    elif column.kind == "timestamp":
        out = instants()
    elif column.kind == "date":
        out = st.one_of(
            st.sampled_from([EARLIEST_VALID_DATE, LATEST_VALID_DATE]),
            st.dates(EARLIEST.date(), dt.date.fromisoformat(LATEST_VALID_DATE)).map(str),
        )
    elif column.kind == "month":
        months = [f"{y}-{m:02d}" for y in range(EARLIEST.year, NOW.year + 1) for m in range(1, 13)]
        out = st.sampled_from([m for m in months if m <= f"{NOW:%Y-%m}"])
    elif column.kind in ("enum", "bool"):
        values = column.values or ("true", "false")
        out = _spaced(st.sampled_from(values).flatmap(lambda v: st.sampled_from([v, v.upper(), v.title()])))
    else:
        out = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
        out = out.filter(lambda t: t.strip() != "")
    return st.one_of(st.just(""), out) if not column.required else out


@st.composite
def csv_rows(draw: st.DrawFn, source: Source, pools: dict[str, list[str]]) -> list[dict[str, str]]:
    # the file's own key: the fleet's ids sent again with other content, or new ones; a foreign key: the fleet's
    # ids or one no export has (yet)
    pools = pools | ({source.key: pools[f"{source.key}:key"]} if source.key else {})
    rows = [{c.name: draw(value(c, pools)) for c in source.columns} for _ in range(ROWS)]
    return [_in_order(source, row) for row in rows]


def _in_order(source: Source, row: dict[str, str]) -> dict[str, str]:
    """Swap the values of an `ordered` pair that came out reversed (the contract quarantines that)."""
    kinds = {c.name: c.kind for c in source.columns}
    for first, then in source.ordered:
        a, b = row[first].strip(), row[then].strip()
        if a and b:
            parse = dt.datetime.fromisoformat if kinds[first] == "timestamp" else float
            if parse(b) < parse(a):
                row[first], row[then] = row[then], row[first]
    return row


def _write_csv(path: Path, source: Source, rows: list[dict[str, str]]) -> None:
    if source.key:  # a key is unique inside one file (a repeat is quarantined: not what this test is about)
        rows = list({r[source.key].strip(): r for r in rows}.values())
    if source.name == "payments":  # one export per file: one exported_at
        rows = [r | {"exported_at": rows[-1]["exported_at"]} for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=source.column_names, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _payload_value(name: str) -> st.SearchStrategy[int | float | None]:
    low, high = next((lo, hi) for n, lo, hi in TELEMATICS_RANGES if n == name)
    for unit_error, below, above in TELEMATICS_UNIT_ERRORS:  # e.g. SoC: 0 or at least 1 %
        if name == unit_error:
            return st.one_of(st.sampled_from([low, below, above, high]), st.integers(above, int(high)))
    if isinstance(low, int) and isinstance(high, int):
        return st.one_of(st.sampled_from([low, high]), st.integers(low, high))
    return st.one_of(st.sampled_from([low, high]), st.floats(low, high, allow_nan=False))


@st.composite
def telematics_lines(draw: st.DrawFn, vehicles: list[str], message_ids: list[str]) -> list[str]:
    lines = []
    for i in range(ROWS * 2):
        when = draw(instants())
        payload = {
            "vehicleId": draw(st.sampled_from(vehicles)),
            "vin": draw(st.one_of(st.none(), st.just("VIN1"))),
            "time": when,
            "evStateOfChargeMilliPercent": draw(_payload_value("ev_state_of_charge_milli_percent")),
            "evChargingStatus": draw(st.one_of(st.none(), _payload_value("ev_charging_status"))),
            "evChargingEnergyMicroWh": draw(st.one_of(st.none(), _payload_value("ev_charging_energy_micro_wh"))),
            "obdOdometerMeters": draw(st.one_of(st.none(), _payload_value("obd_odometer_meters"))),
            "evAverageBatteryTemperatureMilliCelsius": draw(
                st.one_of(st.none(), _payload_value("ev_average_battery_temperature_milli_celsius"))
            ),
            "evBatteryStateOfHealthMilliPercent": draw(
                st.one_of(st.none(), _payload_value("ev_battery_state_of_health_milli_percent"))
            ),
            "gps": {
                "latitude": draw(_payload_value("gps_latitude")),
                "longitude": draw(_payload_value("gps_longitude")),
                "speedMilesPerHour": draw(_payload_value("gps_speed_miles_per_hour")),
            },
        }
        message_id = draw(st.sampled_from([*message_ids, f"probe-{i}"]))
        lines.append(envelope(message_id, payload, publish_time=draw(instants())))
    assert TELEMATICS_SCHEMAS == ("vehicle_stats.v1",)  # the schema builders.envelope sends
    return lines


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    """A small generated landing folder (3 vehicles x 10 days) and the ids its exports hold."""
    from lafa.simulate import FleetConfig, generate_fleet

    landing = tmp_path_factory.mktemp("boundary_fleet") / "landing"
    generate_fleet(FleetConfig(vehicles=3, days=10, start=dt.date(2026, 6, 1), seed=7), landing)

    def ids(source: str, column: str) -> list[str]:
        out: set[str] = set()
        for path in (landing / source).glob("*.csv"):
            with path.open(newline="", encoding="utf-8") as f:
                out |= {row[column] for row in csv.DictReader(f) if row[column]}
        return sorted(out)[:5]

    pools: dict[str, list[str]] = {}
    for source in CSV_SOURCES:
        if source.key:
            new = [f"{source.key.removesuffix('_id')}_probe_{i}" for i in range(ROWS)]
            pools[f"{source.key}:key"] = [*ids(source.name, source.key), *new]
            pools[source.key] = [*ids(source.name, source.key), f"{source.key.removesuffix('_id')}_not_yet_exported"]
    pools["id_tag"] = ["", "tag_unknown", *ids("charging_sessions", "id_tag")]
    first_file = sorted((landing / "telematics").glob("*.jsonl"))[0].read_text().splitlines()[:5]
    pools["message_id"] = [json.loads(line)["message"]["messageId"] for line in first_file]
    return landing, pools


EXAMPLES = 60  # hypothesis examples gathered into one load and one dbt build (a build is ~20 s)


def test_contract_valid_rows_load_and_build(fleet: tuple[Path, dict[str, list[str]]], warehouse: Warehouse) -> None:
    landing, pools = fleet
    vehicles = [*pools["vehicle_id"], "veh_only_in_telematics"]
    rows: dict[str, list[dict[str, str]]] = {source.name: [] for source in CSV_SOURCES}
    lines: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def gather(data: st.DataObject) -> None:  # cheap: the examples only collect rows
        for source in CSV_SOURCES:
            rows[source.name] += data.draw(csv_rows(source, pools), label=source.name)
        lines.extend(data.draw(telematics_lines(vehicles, pools["message_id"]), label="telematics"))

    gather()
    probe = warehouse.landing
    for source in CSV_SOURCES:
        _write_csv(probe / source.name / f"zz_probe.{source.pattern.removeprefix('*.')}", source, rows[source.name])
    write_telematics(probe, "zz_probe.jsonl", lines)
    for folder in landing.iterdir():  # the fleet's files beside the probe files (loaded first: name order)
        if folder.is_dir() and not folder.name.startswith("_"):
            (probe / folder.name).mkdir(exist_ok=True)
            for f in folder.iterdir():
                (probe / folder.name / f.name).symlink_to(f)
    warehouse.env["LAFA_NOW"] = NOW.isoformat()

    loaded = warehouse.lafa("load", str(probe))
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    quarantined = warehouse.query(
        "select source, reason, raw_record from raw._quarantine where file like '%zz_probe%' limit 5"
    )
    assert quarantined == [], f"contract-valid rows were quarantined: {quarantined}"

    # unit tests do not read the data (the default fleet's build runs them): left out to save ~8 s
    built = warehouse.dbt(
        "build",
        "--exclude",
        "test_type:unit",
        "--vars",
        json.dumps({"live_status_as_of": NOW.isoformat()}),
        check=False,
    )
    errors = [line for line in built.stdout.splitlines() if "ERROR" in line or "FAIL " in line]
    assert built.returncode == 0, "\n".join(errors[-30:]) or built.stdout[-4000:]


# One broken value per row: (column, text) pairs no contract-valid row can hold.
NEVER_VALID = {
    "payments": [
        ("amount_mxn", "0.00"),
        ("amount_mxn", "99999999999999999999.99"),
        ("amount_mxn", "1500.005"),
        ("amount_mxn", "1e3"),
        ("paid_at", "2026-06-01T10:00:00"),  # no offset
        ("paid_at", "1970-01-01T00:00:00Z"),
        ("paid_at", "2019-06-01T00:00:00Z"),
        ("paid_at", "2025-01-01T05:59:59Z"),  # 2024-12-31 in Mexico City
        ("paid_at", "2099-01-01T00:00:00Z"),
        ("method", "bitcoin"),
        ("payment_id", " "),
    ],
    "lto_contracts": [
        ("term_weeks", "521"),
        ("term_weeks", "12.5"),
        ("first_due_date", "2024-12-31"),
        ("first_due_date", "2100-01-01"),
        ("weekly_payment_mxn", "0"),
    ],
    "credit_applications": [("platform_tenure_months", "99999999999999999999"), ("platform_rating", "0x10")],
    "vehicle_costs": [("month", "2024-12"), ("month", "2027-01"), ("month", "2026-13")],
    "warehouse_jobs": [("total_bytes_billed", "99999999999999999999")],
    "maintenance_work_orders": [("odometer_km", "inf"), ("odometer_km", "1,000")],
}
VALID_ROWS = {
    "payments": {
        "payment_id": "p1",
        "contract_id": "c1",
        "paid_at": "2026-06-01T10:00:00Z",
        "amount_mxn": "100.00",
        "method": "spei",
        "status": "succeeded",
        "exported_at": "",
    },
    "lto_contracts": {
        "contract_id": "c1",
        "application_id": "a1",
        "driver_id": "d1",
        "vehicle_id": "v1",
        "signed_at": "2026-06-01T10:00:00Z",
        "first_due_date": "2026-06-08",
        "term_weeks": "156",
        "weekly_payment_mxn": "3400.00",
        "down_payment_mxn": "0",
        "status": "active",
        "closed_at": "",
    },
    "credit_applications": {
        "application_id": "a1",
        "driver_id": "d1",
        "applied_at": "2026-06-01T10:00:00Z",
        "platform": "uber",
        "platform_tenure_months": "12",
        "platform_rating": "4.9",
        "weekly_earnings_mxn": "7000",
        "decision": "approved",
    },
    "vehicle_costs": {
        "cost_id": "k1",
        "vehicle_id": "",
        "month": "2026-06",
        "category": "insurance",
        "amount_mxn": "1",
    },
    "warehouse_jobs": {
        "job_id": "j1",
        "creation_time": "2026-06-01T10:00:00Z",
        "user_email": "x",
        "job_type": "QUERY",
        "statement_type": "SELECT",
        "total_bytes_billed": "10",
        "cache_hit": "false",
    },
    "maintenance_work_orders": {
        "work_order_id": "w1",
        "vehicle_id": "v1",
        "opened_at": "2026-06-01T10:00:00Z",
        "closed_at": "",
        "kind": "corrective",
        "component": "brakes",
        "odometer_km": "1000",
        "parts_cost_mxn": "1",
        "labor_cost_mxn": "1",
    },
}


def _csv_text(source: Source, rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=source.column_names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


@settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(
    cases=st.lists(
        st.sampled_from([(s, c, v) for s, pairs in NEVER_VALID.items() for c, v in pairs]),
        min_size=1,
        max_size=6,
        unique=True,
    )
)
def test_never_valid_values_are_quarantined_with_a_reason(
    cases: list[tuple[str, str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAFA_NOW", NOW.isoformat())
    with duckdb.connect() as con:
        ensure_raw_tables(con)
        for n, (source_name, column, text) in enumerate(cases):
            source = SOURCES[source_name]
            good = dict(VALID_ROWS[source_name])
            bad = good | {column: text, source.key: f"bad{n}"} if column != source.key else good | {column: text}
            result = load_bytes(con, source, _csv_text(source, [good, bad]), f"{source_name}_{n}.csv")
            assert (result.rows_offered, result.rows_quarantined) == (2, 1), (column, text, result)
            reason = con.execute(
                "select reason from raw._quarantine where file = ? and row_number = 2", [f"{source_name}_{n}.csv"]
            ).fetchone()
            assert reason is not None and column in reason[0], (column, text, reason)


# Telematics probes: (what, payload or envelope change, words the reason must hold).
TELEMATICS_NEVER_VALID = [
    ("SoC as a fraction", {"evStateOfChargeMilliPercent": 0.82}, "evStateOfChargeMilliPercent is not an integer"),
    ("SoC as 0-100 in the milli-percent field", {"evStateOfChargeMilliPercent": 82}, "milli-percent"),
    ("time without an offset", {"time": "2026-06-01T10:00:00"}, "$.time"),
    ("time in 1970", {"time": "1970-01-01T00:00:00Z"}, "before 2025-01-01"),
    ("time in 2019", {"time": "2019-06-01T10:00:00Z"}, "before 2025-01-01"),
    ("OEM SoH as 0-100", {"evBatteryStateOfHealthMilliPercent": 97}, "ev_battery_state_of_health_milli_percent"),
    ("unknown schema", {"schema": "vehicle_stats.v2"}, "attributes.schema"),
]


@pytest.mark.parametrize(
    ("what", "change", "words"), TELEMATICS_NEVER_VALID, ids=[t[0] for t in TELEMATICS_NEVER_VALID]
)
def test_telematics_that_can_never_be_valid_is_quarantined(
    what: str, change: dict[str, object], words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAFA_NOW", NOW.isoformat())
    good = ping("veh_1", "2026-06-01T10:00:00Z", 50, 1000)
    bad = good | {k: v for k, v in change.items() if k != "schema"}
    line = envelope("m2", bad, publish_time="2026-06-01T10:00:05Z")
    if "schema" in change:
        line = line.replace('"schema": "vehicle_stats.v1"', f'"schema": "{change["schema"]}"')
    body = (envelope("m1", good) + "\n" + line + "\n").encode()
    with duckdb.connect() as con:
        ensure_raw_tables(con)
        result = load_bytes(con, SOURCES["telematics"], body, "t.jsonl")
        assert (result.rows_loaded, result.rows_quarantined) == (1, 1), what
        (reason,) = con.execute("select reason from raw._quarantine").fetchone()
    assert words in reason, reason


def test_every_number_has_both_bounds() -> None:
    """No accepted number can overflow a model's type: the contract bounds each one on both sides."""
    unbounded = [
        f"{s.name}.{c.name}"
        for s in CSV_SOURCES
        for c in s.columns
        if c.kind in ("int", "number", "money") and (c.min_value is None or c.max_value is None)
    ]
    assert unbounded == []
    assert all(high is not None for _, _, high in TELEMATICS_RANGES)
