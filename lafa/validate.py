"""Great Expectations at the load boundary: the contract's expectations, run on each file's batch as a DataFrame.

Two GE checks per file (docs/loader.md):
- the header: `expect_table_columns_to_match_set` (required columns present; extra columns allowed). A failure
  rejects the whole file, naming the missing columns and what was expected.
- the typed rows about to be loaded: `not_be_null` for keys and required values, `be_between` for ranges
  (SoC and SoH in percent, after unit conversion; money and energy non-negative; timestamps not in the
  future), `be_in_set` for enums after trim + lower-case, `match_regex` for months. Rows GE flags are moved to
  quarantine by row number (`unexpected_index_list` on a DataFrame indexed by `_row_number`).

The per-row SQL checks in `lafa.load` run first (one DuckDB statement: fast, and they explain each bad row);
GE is the independent gate on what actually reaches the raw table. The typed DataFrame (only the checked
columns) is built by the SQL of `plan`. GE validates it in two passes: aggregate expectations on the whole batch
(min/max between, distinct values in set, proportion of non-null = 1), then, only for a check that failed, its
row-level expectation with COMPLETE results to map the failures to row numbers.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from lafa.clock import load_clock
from lafa.contract import (
    EARLIEST_VALID_INSTANT,
    FUTURE_TOLERANCE_MINUTES,
    TELEMATICS_FIELDS,
    TELEMATICS_PAYLOAD_FIELDS,
    TELEMATICS_RANGES,
    Column,
    Source,
)

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

FUTURE_TOLERANCE = dt.timedelta(minutes=FUTURE_TOLERANCE_MINUTES)
# typed timestamps are naive UTC
EARLIEST_VALID = dt.datetime.fromisoformat(EARLIEST_VALID_INSTANT).astimezone(dt.UTC).replace(tzinfo=None)
MILLI_PERCENT = "_milli_percent"


@dataclass(frozen=True)
class Check:
    """One row-level expectation on a column of the typed batch."""

    kind: str  # not_null | between | in_set | regex
    column: str
    min_value: float | dt.datetime | None = None
    max_value: float | None = None
    values: tuple[Any, ...] = ()
    regex: str = ""
    future: bool = False  # a timestamp column whose max is now + tolerance

    def describe(self) -> str:
        if self.kind == "between":
            bounds = (
                f"now + {FUTURE_TOLERANCE_MINUTES} min"
                if self.future
                else f"{_num(self.min_value)}..{_num(self.max_value)}"
            )
            return f"{self.column} between {bounds}"
        if self.kind == "in_set":
            return f"{self.column} in {'/'.join(str(v) for v in self.values)}"
        if self.kind == "regex":
            return f"{self.column} matches {self.regex}"
        return f"{self.column} not null"


def _num(value: float | dt.datetime | None) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return "" if value is None else f"{value:g}"


def _csv_column(column: Column) -> tuple[str, list[Check]]:
    """(SQL expression of the typed value, checks) for a CSV column (raw text in `batch`)."""
    text = f"nullif(trim({column.name}), '')"
    checks = [Check("not_null", column.name)] if column.required else []
    if column.kind in ("int", "number", "money"):
        expression = f"try_cast({text} as double)"
        if column.min_value is not None or column.max_value is not None:
            checks.append(Check("between", column.name, column.min_value, column.max_value))
    elif column.kind == "timestamp":
        expression = f"timezone('UTC', try_cast({text} as timestamptz))"
        checks.append(Check("between", column.name, future=True))
        checks.append(Check("between", column.name, min_value=EARLIEST_VALID))
    elif column.kind == "date":
        expression = f"try_cast({text} as date)"
    elif column.kind in ("enum", "bool"):
        expression = f"lower({text})"
        checks.append(Check("in_set", column.name, values=column.values or ("true", "false")))
    elif column.kind == "month":
        expression = text
        checks.append(Check("regex", column.name, regex=r"^\d{4}-(0[1-9]|1[0-2])$"))
    else:
        expression = text
    return f"{expression} as {column.name}", checks


def _telematics() -> tuple[list[str], list[Check]]:
    columns, checks = [], []
    for name, _, sql_type, required in TELEMATICS_FIELDS + TELEMATICS_PAYLOAD_FIELDS:
        if required:
            checks.append(Check("not_null", name))
        if sql_type == "timestamp":
            checks.append(Check("between", name, future=True))
            checks.append(Check("between", name, min_value=EARLIEST_VALID))
        columns.append(name)
    for name, low, high in TELEMATICS_RANGES:
        if name.endswith(MILLI_PERCENT):  # SoC / SoH checked in percent, after unit conversion
            pct = name.removesuffix(MILLI_PERCENT) + "_pct"
            columns.append(f"{name} / 1000.0 as {pct}")
            checks.append(Check("between", pct, low / 1000, None if high is None else high / 1000))
        elif name == "ev_charging_status":
            checks.append(Check("in_set", name, values=tuple(range(int(low), int(high or low) + 1))))
        else:
            checks.append(Check("between", name, low, high))
    return columns, checks


@cache
def plan(source: Source) -> tuple[str, tuple[Check, ...]]:
    """The SELECT over `_validated` that builds the typed batch GE sees, and the checks GE runs on it."""
    if source.name == "telematics":
        columns, checks = _telematics()
    else:
        pairs = [_csv_column(c) for c in source.columns]
        columns, checks = [p[0] for p in pairs], [c for p in pairs for c in p[1]]
    checked = {c.column for c in checks}
    columns = [c for c in columns if c.split(" as ")[-1] in checked]  # only what GE looks at
    sql = f"select _row_number, {', '.join(columns)} from _validated where _reason is null"
    return sql, tuple(checks)


@cache
def _gx() -> tuple[Any, Any, Any]:
    """GE's module, expectations module and a batch definition on an ephemeral pandas datasource (import is slow:
    done once, on the first file)."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = context.data_sources.add_pandas("lafa_boundary").add_dataframe_asset("batch")
    return gx, gxe, asset.add_batch_definition_whole_dataframe("whole")


def warm_up() -> None:
    """Import Great Expectations and build its context now (a server calls this at start, not on a request)."""
    _gx()


def _batch_expectations(check: Check, now: dt.datetime) -> list[Any]:
    """Aggregate twins of a row check (one number per column, ~3x cheaper than a row-level pass on 1 M rows)."""
    _, gxe, _ = _gx()
    if check.kind == "not_null":
        return [gxe.ExpectColumnProportionOfNonNullValuesToBeBetween(column=check.column, min_value=1.0)]
    if check.kind == "in_set":
        return [gxe.ExpectColumnDistinctValuesToBeInSet(column=check.column, value_set=list(check.values))]
    if check.kind == "between":
        high = now + FUTURE_TOLERANCE if check.future else check.max_value
        out = (
            []
            if check.min_value is None
            else [gxe.ExpectColumnMinToBeBetween(column=check.column, min_value=check.min_value)]
        )
        return out + ([] if high is None else [gxe.ExpectColumnMaxToBeBetween(column=check.column, max_value=high)])
    return [_expectation(check, now)]


def _expectation(check: Check, now: dt.datetime) -> Any:
    _, gxe, _ = _gx()
    if check.kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=check.column)
    if check.kind == "in_set":
        return gxe.ExpectColumnValuesToBeInSet(column=check.column, value_set=list(check.values))
    if check.kind == "regex":
        return gxe.ExpectColumnValuesToMatchRegex(column=check.column, regex=check.regex)
    if check.future:
        return gxe.ExpectColumnValuesToBeBetween(column=check.column, max_value=now + FUTURE_TOLERANCE)
    return gxe.ExpectColumnValuesToBeBetween(column=check.column, min_value=check.min_value, max_value=check.max_value)


def _validate(frame: pd.DataFrame, expectations: list[Any], result_format: dict[str, Any]) -> list[Any]:
    gx, _, batch_definition = _gx()
    suite = gx.ExpectationSuite(name="lafa_boundary")
    for expectation in expectations:
        suite.add_expectation(expectation)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    return list(batch.validate(suite, result_format=result_format).results)


def missing_columns(source: Source, header: list[str]) -> list[str]:
    """Required columns absent from a CSV header, by GE's `expect_table_columns_to_match_set` (extras allowed;
    an optional column of the contract may be absent)."""
    _, gxe, _ = _gx()
    required = source.header_columns
    expectation = gxe.ExpectTableColumnsToMatchSet(column_set=required, exact_match=False)
    (result,) = _validate(pd.DataFrame(columns=header), [expectation], {"result_format": "SUMMARY"})
    if result.success:
        return []
    missing = set(result.result.get("details", {}).get("mismatched", {}).get("missing", required))
    return [c for c in required if c in missing]


def row_failures(source: Source, frame: pd.DataFrame) -> dict[int, str]:
    """Row number -> reason for every row of the typed batch that fails an expectation of `plan(source)`."""
    if frame.empty:
        return {}
    _, checks = plan(source)
    now = (load_clock() or dt.datetime.now(dt.UTC)).replace(tzinfo=None)  # typed timestamps are naive UTC
    frame = frame.set_index("_row_number", drop=False)
    # Pass 1, the whole batch: aggregate expectations. Pass 2, only for checks that failed: the row-level
    # expectation, asking for the index (= row number) of every unexpected row.
    twins = [(check, e) for check in checks for e in _batch_expectations(check, now)]
    results = _validate(frame, [e for _, e in twins], {"result_format": "SUMMARY"})
    failed = list(dict.fromkeys(check for (check, _), result in zip(twins, results, strict=True) if not result.success))
    if not failed:
        return {}
    complete = {
        "result_format": "COMPLETE",
        "unexpected_index_column_names": ["_row_number"],
        "return_unexpected_index_query": False,
        "partial_unexpected_count": 0,
    }
    reasons: dict[int, list[str]] = {}
    for check, result in zip(failed, _validate(frame, [_expectation(c, now) for c in failed], complete), strict=True):
        exception = (result.exception_info or {}).get("exception_message")
        indexes = result.result.get("unexpected_index_list")
        if exception or indexes is None:  # GE could not evaluate it: every row of the batch is suspect
            indexes = [{"_row_number": n} for n in frame["_row_number"]]
        for index in indexes:
            number = int(index["_row_number"] if isinstance(index, dict) else index)
            reasons.setdefault(number, []).append(f"great_expectations: {check.describe()}")
    return {n: "; ".join(r) for n, r in reasons.items()}
