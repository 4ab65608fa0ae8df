"""Streaming writers: one CSV per partition (header first), telematics JSONL per publish date, truth files."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np

from lafa.generate.params import LOCAL_OFFSET_S, LOCAL_SUFFIX

# DESIGN.md section 3: the required columns of every landing folder, in file order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "vehicles": (
        "vehicle_id", "vin", "make", "model", "model_year", "battery_capacity_kwh", "acquired_at",
        "acquisition_cost_mxn",
    ),
    "drivers": ("driver_id", "full_name", "phone", "curp", "onboarded_at", "home_zone_id"),
    "credit_applications": (
        "application_id", "driver_id", "applied_at", "platform", "platform_tenure_months", "platform_rating",
        "weekly_earnings_mxn", "decision",
    ),
    "lto_contracts": (
        "contract_id", "application_id", "driver_id", "vehicle_id", "signed_at", "first_due_date", "term_weeks",
        "weekly_payment_mxn", "down_payment_mxn", "status", "closed_at",
    ),
    "payments": ("payment_id", "contract_id", "paid_at", "amount_mxn", "method", "status"),
    "charging_sessions": (
        "session_id", "station_id", "connector_type", "id_tag", "vehicle_id", "started_at", "stopped_at",
        "meter_start_wh", "meter_stop_wh", "price_mxn",
    ),
    "trips": (
        "trip_id", "driver_id", "vehicle_id", "platform", "started_at", "ended_at", "distance_km", "fare_mxn",
        "pickup_zone_id", "dropoff_zone_id",
    ),
    "maintenance_work_orders": (
        "work_order_id", "vehicle_id", "opened_at", "closed_at", "kind", "component", "odometer_km",
        "parts_cost_mxn", "labor_cost_mxn",
    ),
    "diagnostic_codes": ("vehicle_id", "recorded_at", "code", "severity"),
    "vehicle_costs": ("cost_id", "vehicle_id", "month", "category", "amount_mxn"),
    "warehouse_jobs": (
        "job_id", "creation_time", "user_email", "job_type", "statement_type", "total_bytes_billed", "cache_hit",
    ),
}  # fmt: skip
SOURCES: tuple[str, ...] = ("telematics", *COLUMNS)

TRUTH_COLUMNS: dict[str, tuple[str, ...]] = {
    "battery_daily": ("vehicle_id", "date", "usable_capacity_kwh", "soh_pct"),
    "charging_sessions": (
        "vehicle_id", "started_at", "ended_at", "location_type", "charger_type", "soc_start_pct", "soc_end_pct",
        "energy_battery_kwh", "energy_grid_kwh", "ocpp_session_id",
    ),
    "drivers": ("driver_id", "latent_risk", "churn_date", "default_date"),
    "failures": ("vehicle_id", "failed_at", "component", "work_order_id"),
}  # fmt: skip


def local_ts(epoch_s: int) -> str:
    """Local wall time with its offset, e.g. 2026-06-01T08:15:00-06:00."""
    return datetime.fromtimestamp(epoch_s + LOCAL_OFFSET_S, UTC).strftime("%Y-%m-%dT%H:%M:%S") + LOCAL_SUFFIX


def utc_ts(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_date(epoch_s: int) -> date:
    return datetime.fromtimestamp(epoch_s + LOCAL_OFFSET_S, UTC).date()


def epoch(day: date, seconds_local: float = 0.0) -> int:
    """Epoch seconds (UTC) of a local wall time: `seconds_local` after local midnight of `day`."""
    midnight_utc = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    return midnight_utc - LOCAL_OFFSET_S + round(seconds_local)


def utc_strings(epoch_s: np.ndarray, unit: str = "s") -> list[str]:
    """Vectorised ISO-8601 UTC strings without the zone letter."""
    return np.datetime_as_string(epoch_s.astype(f"datetime64[{unit}]"), unit=unit).tolist()  # type: ignore[no-any-return]


def money(x: float) -> str:
    return f"{x:.2f}"


class Landing:
    """Lazily opened partition files; a partition closed once is never reopened (writes go forward in time)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.rows: Counter[str] = Counter()
        self._open: dict[tuple[str, str], tuple[IO[str], Any]] = {}
        self._closed: set[tuple[str, str]] = set()
        for source in SOURCES:
            folder = out / source
            folder.mkdir(parents=True, exist_ok=True)
            for old in sorted(folder.glob("*.csv")) + sorted(folder.glob("*.jsonl")):
                old.unlink()  # a regenerated landing folder holds only this run's files

    def _handle(self, source: str, partition: str) -> tuple[IO[str], Any]:
        key = (source, partition)
        handle = self._open.get(key)
        if handle is None:
            if key in self._closed:
                raise RuntimeError(f"partition {source}/{partition} written after it was closed")
            suffix = "jsonl" if source == "telematics" else "csv"
            f = (self.out / source / f"{partition}.{suffix}").open("w", newline="", encoding="utf-8")
            writer = None
            if source != "telematics":
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(COLUMNS[source])
            handle = self._open[key] = (f, writer)
        return handle

    def row(self, source: str, partition: str, values: list[object] | tuple[object, ...]) -> None:
        self._handle(source, partition)[1].writerow(values)
        self.rows[source] += 1

    def rows_many(self, source: str, partition: str, rows: list[list[object]]) -> None:
        self._handle(source, partition)[1].writerows(rows)
        self.rows[source] += len(rows)

    def text(self, source: str, partition: str, text: str, count: int) -> None:
        self._handle(source, partition)[0].write(text)
        self.rows[source] += count

    def lines(self, partition: str, lines: list[str]) -> None:
        self._handle("telematics", partition)[0].write("".join(lines))
        self.rows["telematics"] += len(lines)

    def close_before(self, source: str, partition: str) -> None:
        """Close the partitions of `source` that sort before `partition` (ISO dates and months sort in time)."""
        for key in sorted(self._open):
            if key[0] == source and key[1] < partition:
                self._open.pop(key)[0].close()
                self._closed.add(key)

    def close(self) -> None:
        for key in sorted(self._open):
            self._open.pop(key)[0].close()
            self._closed.add(key)

    def counts(self) -> dict[str, int]:
        return {source: self.rows.get(source, 0) for source in SOURCES}


class Truth:
    """The hidden `_truth/` files."""

    def __init__(self, out: Path) -> None:
        self.folder = out / "_truth"
        self.folder.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, tuple[IO[str], Any]] = {}
        for name, header in TRUTH_COLUMNS.items():
            f = (self.folder / f"{name}.csv").open("w", newline="", encoding="utf-8")
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            self._files[name] = (f, writer)

    def row(self, name: str, values: list[object] | tuple[object, ...]) -> None:
        self._files[name][1].writerow(values)

    def rows_many(self, name: str, rows: list[list[object]]) -> None:
        self._files[name][1].writerows(rows)

    def manifest(self, content: dict[str, object]) -> None:
        (self.folder / "manifest.json").write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")

    def close(self) -> None:
        for f, _ in self._files.values():
            f.close()
