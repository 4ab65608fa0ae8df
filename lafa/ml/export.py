"""`lafa export`: one use case's feature mart as it was knowable at an as-of date, as Parquet plus a JSON metadata
file beside it (docs/ml/README.md, "Export and train"). Reads the marts only, on a read-only connection."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

import lafa
from lafa.ml import MARTS_SCHEMA, USE_CASES, MlError, UseCase

METADATA_SCHEMA_PATH = Path(__file__).with_name("export_metadata.schema.json")
REPO = Path(lafa.__file__).resolve().parents[1]


@dataclass(frozen=True)
class Export:
    """The rows of one use case at `as_of` (Arrow, in column order of the mart) and their metadata."""

    use_case: UseCase
    as_of: date
    build_as_of: date
    table: pa.Table
    metadata: dict[str, Any]


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    # fetchall, never fetchone: DuckDB keeps a partly fetched result open and refuses the next query
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [MARTS_SCHEMA, table],
    ).fetchall()
    return bool(found[0][0])


def _require_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    if not table_exists(con, table):
        raise MlError(f"{MARTS_SCHEMA}.{table} is not in the warehouse; build the ML marts first (`dbt build`)")


def readiness_row(con: duckdb.DuckDBPyConnection, use_case: str) -> dict[str, Any] | None:
    """The use case's row of marts.ml_readiness as a dict, None when it has none."""
    _require_table(con, "ml_readiness")
    cursor = con.execute(f"select * from {MARTS_SCHEMA}.ml_readiness where use_case = ?", [use_case])
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    return dict(zip(names, rows[0], strict=True)) if rows else None


def build_as_of(con: duckdb.DuckDBPyConnection, use_case: UseCase) -> date:
    """The as-of date of the build that wrote the features table (ml_readiness's when the table is empty)."""
    _require_table(con, use_case.features_table)
    found = con.execute(f"select max(as_of_date) from {MARTS_SCHEMA}.{use_case.features_table}").fetchall()
    if found[0][0] is not None:
        return found[0][0]
    readiness = readiness_row(con, use_case.name)
    if readiness and readiness.get("as_of_date") is not None:
        return readiness["as_of_date"]
    raise MlError(f"{MARTS_SCHEMA}.{use_case.features_table} is empty and ml_readiness has no as-of date for it")


def check_as_of(use_case: UseCase, as_of: date | None, built: date) -> date:
    """`as_of` or the build's; a date after the build's is an error (the build cannot know what came later)."""
    if as_of is None:
        return built
    if as_of > built:
        raise MlError(
            f"--as-of {as_of} is after the as-of date {built} of the build of "
            f"{MARTS_SCHEMA}.{use_case.features_table}; an export knows only what the build knew"
        )
    return as_of


def read_features(con: duckdb.DuckDBPyConnection, use_case: UseCase, as_of: date, built: date) -> pa.Table:
    """The features table as knowable at `as_of`: at the build's date the mart as it is; earlier, only snapshots
    dated on or before `as_of`, labels known after it set to null and not mature, and `as_of_date` = `as_of`.
    Column order and types are the mart's; rows by snapshot_date, snapshot_id."""
    source = f"{MARTS_SCHEMA}.{use_case.features_table}"
    if as_of == built:
        return con.sql(f"select * from {source} order by snapshot_date, snapshot_id").to_arrow_table()
    sql = f"""
        select * replace (
            case when label_known_date <= $as_of then label end as label,
            coalesce(label_known_date <= $as_of, false) as label_is_mature,
            $as_of::date as as_of_date
        )
        from {source}
        where snapshot_date <= $as_of
        order by snapshot_date, snapshot_id
    """
    return con.sql(sql, params={"as_of": as_of}).to_arrow_table()


def _git() -> tuple[str | None, bool | None]:
    """(HEAD commit, whether tracked files differ from it) of the checkout lafa runs from; (None, None) outside one."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return head, bool(status.strip())


def _iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


def label_counts(table: pa.Table, use_case: UseCase) -> dict[str, int | None]:
    mature = table.column("label_is_mature").to_pylist()
    labels = table.column("label").to_pylist()
    labelled = [label for label, is_mature in zip(labels, mature, strict=True) if is_mature and label is not None]
    return {
        "mature": sum(1 for m in mature if m),
        "immature": sum(1 for m in mature if not m),
        "labelled": len(labelled),
        "positive": sum(1 for label in labelled if label is True) if use_case.task == "classification" else None,
    }


def build_metadata(
    table: pa.Table, use_case: UseCase, as_of: date, built: date, readiness: dict[str, Any] | None, file_name: str
) -> dict[str, Any]:
    """The JSON beside the Parquet file; lafa/ml/export_metadata.schema.json is its schema."""
    dates = [d for d in table.column("snapshot_date").to_pylist() if d is not None]
    commit, dirty = _git()
    return {
        "use_case": use_case.name,
        "task": use_case.task,
        "source_table": f"{MARTS_SCHEMA}.{use_case.features_table}",
        "file": file_name,
        "as_of_date": as_of.isoformat(),
        "build_as_of_date": built.isoformat(),
        "row_count": table.num_rows,
        "snapshot_range": {
            "first": min(dates).isoformat() if dates else None,
            "last": max(dates).isoformat() if dates else None,
        },
        "label_counts": label_counts(table, use_case),
        "schema": [{"name": field.name, "type": str(field.type)} for field in table.schema],
        "dbt_invocation_id": (readiness or {}).get("dbt_invocation_id"),
        "built_at": _iso_utc((readiness or {}).get("built_at")),
        "git_commit": commit,
        "git_dirty": dirty,
        "exported_at": _iso_utc(datetime.now(UTC)),
        "lafa_version": lafa.__version__,
    }


def load_export(con: duckdb.DuckDBPyConnection, use_case: UseCase, as_of: date | None = None) -> Export:
    """The export of `use_case` at `as_of` (default: the build's as-of date), in memory."""
    built = build_as_of(con, use_case)
    as_of = check_as_of(use_case, as_of, built)
    table = read_features(con, use_case, as_of, built)
    missing = {"snapshot_id", "snapshot_date", "label", "label_known_date", "label_is_mature", "as_of_date"} - set(
        table.column_names
    )
    if missing:
        raise MlError(f"{MARTS_SCHEMA}.{use_case.features_table} lacks the column(s) {', '.join(sorted(missing))}")
    metadata = build_metadata(
        table, use_case, as_of, built, readiness_row(con, use_case.name), f"{as_of.isoformat()}.parquet"
    )
    return Export(use_case, as_of, built, table, metadata)


@contextmanager
def _atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed onto it when the block succeeds and removed when it fails: a reader
    sees the old file or the whole new one, never a half-written one."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with tmp.open("rb") as written:
            os.fsync(written.fileno())
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def write_export(export: Export, out_dir: Path) -> tuple[Path, Path]:
    """DIR/<use_case>/<as_of>.parquet, then the JSON beside it (written last: a JSON names a complete Parquet file)."""
    folder = out_dir / export.use_case.name
    folder.mkdir(parents=True, exist_ok=True)
    parquet_path = folder / f"{export.as_of.isoformat()}.parquet"
    json_path = parquet_path.with_suffix(".json")
    with _atomic_path(parquet_path) as tmp:
        pq.write_table(export.table, tmp)
    with _atomic_path(json_path) as tmp:
        tmp.write_text(json.dumps(export.metadata, indent=2) + "\n")
    return parquet_path, json_path


def export_use_cases(
    con: duckdb.DuckDBPyConnection,
    use_cases: list[str],
    as_of: date | None,
    out_dir: Path,
    progress: Callable[[str], None] = lambda _: None,
) -> list[tuple[Export, Path, Path]]:
    """Export each use case; every as-of date is checked against its build before the first file is written."""
    selected = [USE_CASES[name] for name in use_cases]
    for use_case in selected:
        check_as_of(use_case, as_of, build_as_of(con, use_case))
    done = []
    for use_case in selected:
        progress(f"exporting {use_case.name} ({MARTS_SCHEMA}.{use_case.features_table})")
        export = load_export(con, use_case, as_of)
        parquet_path, json_path = write_export(export, out_dir)
        done.append((export, parquet_path, json_path))
    return done
