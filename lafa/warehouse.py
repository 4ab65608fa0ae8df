"""The embedded DuckDB warehouse: where it lives and the raw tables that exist before any file arrives."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from lafa.contract import CSV_SOURCES, LINEAGE, QUARANTINE, TELEMATICS_FIELDS, TELEMATICS_PAYLOAD_FIELDS
from lafa.pii import check_legacy_tables, stored_columns

DEFAULT_DUCKDB_PATH = "data/lafa.duckdb"
RAW_SCHEMA = "raw"
LINEAGE_COLUMNS = ", ".join(f"{name} {sql_type}" for name, sql_type in LINEAGE)
# (column, DuckDB type) of raw._load_log, one row per file offered; the BigQuery raw dataset has the same columns
LOAD_LOG = (
    ("source", "varchar"),
    ("file", "varchar"),
    ("sha256", "varchar"),
    ("rows_offered", "bigint"),
    ("rows_loaded", "bigint"),
    ("rows_quarantined", "bigint"),
    ("status", "varchar"),
    ("error", "varchar"),
    ("loaded_at", "timestamp"),
    ("file_size", "bigint"),  # size and modification time of a landing file when last read (null: pushed bytes)
    ("file_mtime_ns", "bigint"),
    ("encoding", "varchar"),  # utf-8 or cp1252 as the file was read; null when no encoding read it (rejected)
)


def duckdb_path() -> Path:
    """`LAFA_DUCKDB_PATH`, the one warehouse file shared by `lafa load` and the dbt duckdb target."""
    return Path(os.environ.get("LAFA_DUCKDB_PATH", DEFAULT_DUCKDB_PATH))


# DuckDB's memory_limit syntax as the operator writes it (`LAFA_DUCKDB_MEMORY_LIMIT`, also read by the dbt profile)
MEMORY_LIMIT = re.compile(r"[0-9]+([.][0-9]+)?\s*([KMGT]i?B|B)", re.IGNORECASE)


class WarehouseError(Exception):
    """The warehouse cannot be used as configured; the message says why in one line."""


def memory_limit() -> str:
    """`LAFA_DUCKDB_MEMORY_LIMIT` (default 8GB), checked: it is a size, never SQL."""
    value = os.environ.get("LAFA_DUCKDB_MEMORY_LIMIT", "8GB").strip()
    if not MEMORY_LIMIT.fullmatch(value):
        raise WarehouseError(f"LAFA_DUCKDB_MEMORY_LIMIT={value!r} is not a size such as 8GB, 512MB or 1.5GiB")
    return value


def describe_error(error: Exception, path: Path) -> str:
    """One line for an operator: what went wrong with the warehouse file and what to do."""
    first = (str(error).splitlines() or [type(error).__name__])[0]
    text = first.lower()
    if "no space left" in text or "file too large" in text:
        return f"no space left for the warehouse {path} ({first}); free space or set LAFA_DUCKDB_PATH elsewhere"
    if "lock" in text:
        return f"the warehouse {path} is in use by another process (dbt or lafa load?); retry when it ends ({first})"
    if path.is_dir():
        return f"the warehouse path {path} is a directory, not a DuckDB file (set LAFA_DUCKDB_PATH to a file)"
    if "not a valid duckdb database" in text or "not a duckdb" in text:
        return f"{path} is not a DuckDB warehouse file ({first})"
    return f"cannot use the warehouse {path}: {first}"


def connect(path: Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; WarehouseError (one line) when it cannot be opened or the memory limit is not a size."""
    path = path or duckdb_path()
    # the same ceiling as the dbt profile: a big load spills to disk instead of taking the machine; passed as
    # configuration, never spliced into SQL
    config = {"memory_limit": memory_limit()}
    try:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except (duckdb.Error, OSError) as error:
        raise WarehouseError(describe_error(error, path)) from error
    con.execute("set TimeZone = 'UTC'")
    return con


def raw_table_ddl() -> list[str]:
    """DDL of every raw table; CSV sources keep the text that arrived, telematics is flattened and typed."""
    ddl = [f"create schema if not exists {RAW_SCHEMA}"]
    for source in CSV_SOURCES:
        cols = ", ".join(f"{c} varchar" for c in stored_columns(source))
        ddl.append(
            f"create table if not exists {RAW_SCHEMA}.{source.name} ({cols}, _extra_columns varchar, {LINEAGE_COLUMNS})"
        )
        # a column added to the contract after the table was created (optional: older files lack it)
        for column in source.columns:
            if column.optional:
                ddl.append(f"alter table {RAW_SCHEMA}.{source.name} add column if not exists {column.name} varchar")
    tel_cols = ", ".join(f"{name} {sql_type}" for name, _, sql_type, _ in TELEMATICS_FIELDS + TELEMATICS_PAYLOAD_FIELDS)
    ddl.append(f"create table if not exists {RAW_SCHEMA}.telematics ({tel_cols}, {LINEAGE_COLUMNS})")
    log_cols = ", ".join(f"{name} {sql_type}" for name, sql_type in LOAD_LOG)
    ddl.append(f"create table if not exists {RAW_SCHEMA}._load_log ({log_cols})")
    # warehouses from before the size and modification time were logged (2026-12-04)
    for column in ("file_size", "file_mtime_ns"):
        ddl.append(f"alter table {RAW_SCHEMA}._load_log add column if not exists {column} bigint")
    # and before the encoding was (2026-12-05)
    ddl.append(f"alter table {RAW_SCHEMA}._load_log add column if not exists encoding varchar")
    # raw_bytes: the row's original bytes (raw_record is their text; nothing of a quarantined row is lost)
    ddl.append(f"create table if not exists {RAW_SCHEMA}._quarantine ({', '.join(f'{n} {t}' for n, t in QUARANTINE)})")
    ddl.append(f"alter table {RAW_SCHEMA}._quarantine add column if not exists raw_bytes blob")
    return ddl


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in raw_table_ddl():
        con.execute(statement)
    check_legacy_tables(con)
