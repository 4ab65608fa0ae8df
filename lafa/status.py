"""What the raw layer holds, per source: files, rows, quarantined rows and the latest event time."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from lafa.contract import SOURCES
from lafa.warehouse import RAW_SCHEMA


@dataclass(frozen=True)
class SourceStatus:
    source: str
    files: int
    rejected_files: int
    rows: int
    quarantined: int
    last_event_at: str | None


def source_status(con: duckdb.DuckDBPyConnection) -> list[SourceStatus]:
    out = []
    for name in SOURCES:
        column = SOURCES[name].event_column
        last = column if name in ("telematics", "vehicle_costs") else f"timezone('UTC', cast({column} as timestamptz))"
        files, rejected, quarantined = con.execute(
            f"select count(*), count(*) filter (where status = 'rejected'), coalesce(sum(rows_quarantined), 0)"
            f" from {RAW_SCHEMA}._load_log where source = ?",
            [name],
        ).fetchone()
        rows, last_event = con.execute(
            f"select count(*), cast(max({last}) as varchar) from {RAW_SCHEMA}.{name}"
        ).fetchone()
        out.append(SourceStatus(name, files, rejected, rows, int(quarantined), last_event))
    return out
