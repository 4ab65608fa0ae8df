"""A small warehouse with the ML marts of issue 22 (the interface `lafa export` and `lafa train` read), filled by
code instead of dbt: the tests of lafa/ml run in seconds and need no dbt build.

Every use case's rows come from one seeded 'truth' (features that use only the past, the label and the day it
becomes final); `build_warehouse(path, as_of)` writes what a dbt build on `as_of` would hold: the snapshots dated on
or before it, a label only where it was final by then, `label_is_mature`, `as_of_date`, ml_readiness.

- churn: 20 drivers x 20 weekly snapshots (400 rows); the label (no trip in the next 28 days, final 2 days later)
  depends on f_trips_last_28d and f_platform plus noise: learnable. Ready at the default as-of (320 labelled).
- credit_risk: 20 applications, 12 labelled of which 3 positive at the default as-of: not ready.
- battery_soh: 15 vehicles x 16 monthly snapshots, SoH 3 months later (regression): ready (195 labelled).
- demand: 2 zones x 24 hours x 14 days, no heuristic table (f_trips_same_hour_last_week is the baseline): 576
  labelled of the 1,000 its minimum asks here, not ready.
- maintenance: 5 vehicles x 30 days: not ready.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

BUILD_AS_OF = date(2026, 7, 20)
MIN_LABELLED, MIN_POSITIVE = 150, 30
MIN_LABELLED_DEMAND = 1000  # minimums are per use case (a seed on the dbt side): demand stays not ready here
INVOCATION_ID = "0f5c3a52-1b7e-4d6a-9e2f-6a1d2c3b4e5f"
BUILT_AT = datetime(2026, 7, 20, 6, 30, 15)

TASKS = {
    "credit_risk": "classification",
    "churn": "classification",
    "battery_soh": "regression",
    "demand": "regression",
    "maintenance": "classification",
}


@dataclass
class Truth:
    """Rows of one use case independent of any build: `label` is the final label, known from `label_known_date`."""

    entity: dict[str, pa.DataType]
    features: dict[str, pa.DataType]
    label_type: pa.DataType
    rows: list[dict[str, Any]]
    heuristic: dict[str, tuple[float | None, str]]  # snapshot_id -> (score, reason codes); empty for demand


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def churn_truth() -> Truth:
    rng = np.random.default_rng(22)
    rows, heuristic = [], {}
    platforms = ["uber", "didi", "indrive", None]
    for week in range(20):
        snapshot = date(2026, 3, 2) + timedelta(weeks=week)
        for driver in range(20):
            trips = int(rng.integers(0, 31))
            platform = platforms[int(rng.integers(0, 4))]
            rating = None if rng.random() < 0.1 else round(float(rng.normal(4.6, 0.2)), 2)
            churned = rng.random() < _sigmoid(4.0 - 0.35 * trips + (0.8 if platform == "didi" else 0.0))
            snapshot_id = f"D{driver:03d}|{snapshot}"
            rows.append(
                {
                    "snapshot_id": snapshot_id,
                    "snapshot_date": snapshot,
                    "driver_id": f"D{driver:03d}",
                    "f_trips_last_28d": trips,
                    "f_rating": rating,
                    "f_platform": platform,
                    "f_has_contract": bool(rng.random() < 0.5),
                    "label": bool(churned),
                    "label_known_date": snapshot + timedelta(days=28 + 2),
                }
            )
            score = min(1.0, max(0.0, 1 - trips / 20 + float(rng.normal(0, 0.15))))
            heuristic[snapshot_id] = (round(score, 4), "LOW_TRIPS" if trips < 8 else "")
    features = {"f_trips_last_28d": pa.int32(), "f_rating": pa.float64(), "f_platform": pa.string()}
    features["f_has_contract"] = pa.bool_()
    return Truth({"driver_id": pa.string()}, features, pa.bool_(), rows, heuristic)


def credit_truth() -> Truth:
    rows, heuristic = [], {}
    for i in range(20):
        decided = date(2026, 2, 2) + timedelta(weeks=i)
        snapshot_id = f"A{i:03d}"
        rows.append(
            {
                "snapshot_id": snapshot_id,
                "snapshot_date": decided,
                "application_id": f"A{i:03d}",
                "driver_id": f"D{i:03d}",
                "f_platform_tenure_days": 30 * (i % 7 + 1),
                "f_rating": 4.0 + (i % 10) / 10,
                "f_prior_contracts": i % 3,
                "label": i % 4 == 0,
                "label_known_date": decided + timedelta(weeks=12, days=7),
            }
        )
        heuristic[snapshot_id] = (round(0.1 + (i % 5) / 10, 2), "SHORT_TENURE" if i % 7 == 0 else "")
    features = {"f_platform_tenure_days": pa.int32(), "f_rating": pa.float64(), "f_prior_contracts": pa.int64()}
    return Truth({"application_id": pa.string(), "driver_id": pa.string()}, features, pa.bool_(), rows, heuristic)


def battery_truth() -> Truth:
    rng = np.random.default_rng(7)
    rows, heuristic = [], {}
    for vehicle in range(15):
        soh = 100.0 - float(rng.uniform(0, 4))
        fast_share = float(rng.uniform(0, 0.8))
        for month in range(16):
            snapshot = date(2025 + (3 + month) // 12, (3 + month) % 12 + 1, 1)
            fade = 0.4 + 1.2 * fast_share
            later = soh - 3 * fade + float(rng.normal(0, 0.15))
            snapshot_id = f"V{vehicle:02d}|{snapshot}"
            rows.append(
                {
                    "snapshot_id": snapshot_id,
                    "snapshot_date": snapshot,
                    "vehicle_id": f"V{vehicle:02d}",
                    "f_soh_pct": round(soh, 3),
                    "f_fast_charge_share": round(fast_share, 3),
                    "f_chemistry": "LFP" if vehicle % 3 else "NMC",
                    "label": round(later, 3),
                    "label_known_date": snapshot + timedelta(days=92 + 3),
                }
            )
            heuristic[snapshot_id] = (round(soh - 3 * 0.8, 3), "")
            soh -= fade + float(rng.normal(0, 0.1))
    features = {"f_soh_pct": pa.float64(), "f_fast_charge_share": pa.float64(), "f_chemistry": pa.string()}
    return Truth({"vehicle_id": pa.string()}, features, pa.float64(), rows, heuristic)


def demand_truth() -> Truth:
    rng = np.random.default_rng(3)
    rows = []
    last_week: dict[tuple[str, int, date], int] = {}
    for day in range(14):
        snapshot = date(2026, 7, 6) + timedelta(days=day)
        for zone in ("Z1", "Z2"):
            for hour in range(24):
                trips = int(rng.poisson(8 if 7 <= hour <= 20 else 2))
                last_week[(zone, hour, snapshot)] = trips
                rows.append(
                    {
                        "snapshot_id": f"{zone}|{snapshot}|{hour:02d}",
                        "snapshot_date": snapshot,
                        "zone_id": zone,
                        "snapshot_hour": hour,
                        "f_trips_same_hour_last_week": last_week.get((zone, hour, snapshot - timedelta(days=7))),
                        "f_is_weekend": snapshot.weekday() >= 5,
                        "label": float(trips),
                        "label_known_date": snapshot + timedelta(days=1 + 2),
                    }
                )
    features = {"f_trips_same_hour_last_week": pa.int64(), "f_is_weekend": pa.bool_()}
    return Truth({"zone_id": pa.string(), "snapshot_hour": pa.int32()}, features, pa.float64(), rows, {})


def maintenance_truth() -> Truth:
    rows, heuristic = [], {}
    for day in range(30):
        snapshot = date(2026, 6, 1) + timedelta(days=day)
        for vehicle in range(5):
            snapshot_id = f"V{vehicle:02d}|{snapshot}"
            km = 1000 * vehicle + 150 * day
            rows.append(
                {
                    "snapshot_id": snapshot_id,
                    "snapshot_date": snapshot,
                    "vehicle_id": f"V{vehicle:02d}",
                    "f_km_since_service": km,
                    "f_dtc_count_30d": (vehicle + day) % 4,
                    "label": km > 5000,
                    "label_known_date": snapshot + timedelta(days=30 + 1),
                }
            )
            heuristic[snapshot_id] = (min(1.0, km / 8000), "HIGH_KM" if km > 5000 else "")
    features = {"f_km_since_service": pa.int64(), "f_dtc_count_30d": pa.int32()}
    return Truth({"vehicle_id": pa.string()}, features, pa.bool_(), rows, heuristic)


TRUTHS = {
    "credit_risk": credit_truth,
    "churn": churn_truth,
    "battery_soh": battery_truth,
    "demand": demand_truth,
    "maintenance": maintenance_truth,
}


def built_rows(truth: Truth, as_of: date) -> list[dict[str, Any]]:
    """The features table of a build on `as_of`: what was known then."""
    rows = []
    for row in truth.rows:
        if row["snapshot_date"] > as_of:
            continue
        mature = row["label_known_date"] <= as_of
        rows.append(row | {"label": row["label"] if mature else None, "label_is_mature": mature, "as_of_date": as_of})
    return rows


def features_table(truth: Truth, as_of: date) -> pa.Table:
    schema = pa.schema(
        [
            ("snapshot_id", pa.string()),
            ("snapshot_date", pa.date32()),
            *truth.entity.items(),
            *truth.features.items(),
            ("label", truth.label_type),
            ("label_known_date", pa.date32()),
            ("label_is_mature", pa.bool_()),
            ("as_of_date", pa.date32()),
        ]
    )
    return pa.Table.from_pylist(built_rows(truth, as_of), schema=schema)


def readiness(use_case: str, table: pa.Table, as_of: date) -> dict[str, Any]:
    task = TASKS[use_case]
    labelled = [
        label
        for label, mature in zip(
            table.column("label").to_pylist(), table.column("label_is_mature").to_pylist(), strict=True
        )
        if mature and label is not None
    ]
    positive = sum(1 for label in labelled if label) if task == "classification" else None
    min_labelled = MIN_LABELLED_DEMAND if use_case == "demand" else MIN_LABELLED
    short = [f"{len(labelled)} labelled rows of {min_labelled} needed"] if len(labelled) < min_labelled else []
    if positive is not None and positive < MIN_POSITIVE:
        short.append(f"{positive} positive of {MIN_POSITIVE} needed")
    return {
        "use_case": use_case,
        "task": task,
        "labelled_rows": len(labelled),
        "positive_rows": positive,
        "min_labelled_rows": min_labelled,
        "min_positive_rows": MIN_POSITIVE if task == "classification" else None,
        "is_ready": not short,
        "reason": "; ".join(short) or "ready",
        "as_of_date": as_of,
        "dbt_invocation_id": INVOCATION_ID,
        "built_at": BUILT_AT,
    }


READINESS_SCHEMA = pa.schema(
    [
        ("use_case", pa.string()),
        ("task", pa.string()),
        ("labelled_rows", pa.int64()),
        ("positive_rows", pa.int64()),
        ("min_labelled_rows", pa.int32()),
        ("min_positive_rows", pa.int32()),
        ("is_ready", pa.bool_()),
        ("reason", pa.string()),
        ("as_of_date", pa.date32()),
        ("dbt_invocation_id", pa.string()),
        ("built_at", pa.timestamp("us")),
    ]
)
HEURISTIC_SCHEMA = pa.schema([("snapshot_id", pa.string()), ("score", pa.float64()), ("reason_codes", pa.string())])


def build_warehouse(path: Path, as_of: date = BUILD_AS_OF) -> Path:
    """A DuckDB file at `path` holding the marts of a build on `as_of` (features, heuristics, ml_readiness)."""
    readiness_rows = []
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        for use_case, make in TRUTHS.items():
            truth = make()
            features = features_table(truth, as_of)
            con.register("features_rows", features)
            con.execute(f"create table marts.ml_{use_case}_features as select * from features_rows")
            con.unregister("features_rows")
            if truth.heuristic:
                ids = set(features.column("snapshot_id").to_pylist())
                heuristic = pa.Table.from_pylist(
                    [
                        {"snapshot_id": s, "score": score, "reason_codes": codes}
                        for s, (score, codes) in truth.heuristic.items()
                        if s in ids
                    ],
                    schema=HEURISTIC_SCHEMA,
                )
                con.register("heuristic_rows", heuristic)
                con.execute(f"create table marts.ml_{use_case}_heuristic as select * from heuristic_rows")
                con.unregister("heuristic_rows")
            readiness_rows.append(readiness(use_case, features, as_of))
        con.register("readiness_rows", pa.Table.from_pylist(readiness_rows, schema=READINESS_SCHEMA))
        con.execute("create table marts.ml_readiness as select * from readiness_rows")
    return path
