"""The BigQuery target of `lafa load --target bigquery`: load jobs into `<LAFA_BQ_DATASET>_raw` (default lafa_raw).

Validation is the same as for DuckDB (`lafa.load`, in an in-memory DuckDB); this module only writes. Tables are
created by DDL (partitioned by event date for telematics, by load date for the text-typed CSV sources; clustered
by the entity id). A file's rows go in with CSV load jobs, in this order: good rows, quarantined rows, then the
load-log row, which is the commit marker. Every row of one attempt carries the same `_loaded_at` as its load-log
row. A rerun after a crash between the jobs first deletes the leftovers of the attempt that has no load-log row
(rows with the file's sha256), then loads again: at most one committed copy (docs/loader.md).

Configuration (the same variables as the dbt `bigquery` target): LAFA_BQ_PROJECT, LAFA_BQ_DATASET (prefix, default
lafa), LAFA_BQ_LOCATION (default US), LAFA_BQ_KEYFILE (service-account JSON; else application-default credentials),
LAFA_BQ_API_ENDPOINT (a local emulator; anonymous credentials).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from lafa import pii
from lafa.contract import (
    CSV_SOURCES,
    LINEAGE,
    QUARANTINE,
    SOURCES,
    TELEMATICS_FIELDS,
    TELEMATICS_PAYLOAD_FIELDS,
    Source,
)
from lafa.load import QUARANTINE_BYTES, LogRow, raw_columns
from lafa.warehouse import LOAD_LOG

BQ_TYPES = {
    # base64 text: the emulator cannot load CSV into BYTES ("Not supported by Crucible"); from_base64(raw_bytes)
    "blob": "STRING",
    "varchar": "STRING",
    "bigint": "INT64",
    "integer": "INT64",
    "double": "FLOAT64",
    "timestamp": "TIMESTAMP",
}
# BigQuery's CSV loader reads this timestamp spelling on every version (and on the emulator).
BQ_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f UTC"


class BigQueryConfigError(Exception):
    """The BigQuery target is not usable as configured (one-line message for the CLI)."""


def table_columns(name: str) -> tuple[tuple[str, str], ...]:
    """(column, DuckDB type) of a raw table as BigQuery holds it: the same columns as the DuckDB raw schema."""
    if name == "_load_log":
        return LOAD_LOG
    if name == "_quarantine":
        return QUARANTINE
    if name == "telematics":
        typed = tuple((n, t) for n, _, t, _ in TELEMATICS_FIELDS + TELEMATICS_PAYLOAD_FIELDS)
        return typed + LINEAGE
    return tuple((c, "varchar") for c in raw_columns(SOURCES[name])) + LINEAGE


def table_ddl(dataset: str, name: str) -> str:
    """Partitioned by event date where raw holds a typed event time (telematics), else by load date; clustered
    by the entity id (raw CSV values are text, as they arrived, so they cannot be a partition column)."""
    columns = ", ".join(f"{c} {BQ_TYPES[t]}" for c, t in table_columns(name))
    if name == "telematics":
        layout = "partition by timestamp_trunc(event_time, day) cluster by vehicle_id"
    elif name == "_load_log":
        layout = "partition by timestamp_trunc(loaded_at, day) cluster by source, sha256"
    elif name == "_quarantine":
        layout = "partition by timestamp_trunc(quarantined_at, day) cluster by source, file_sha256"
    else:
        source = SOURCES[name]
        layout = f"partition by timestamp_trunc(_loaded_at, day) cluster by {source.key or source.column_names[0]}"
    return f"create table if not exists `{dataset}.{name}` ({columns}) {layout}"


def client_from_env() -> Any:
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    project = os.environ.get("LAFA_BQ_PROJECT", "lafa-data")
    endpoint = os.environ.get("LAFA_BQ_API_ENDPOINT")
    keyfile = os.environ.get("LAFA_BQ_KEYFILE")
    location = os.environ.get("LAFA_BQ_LOCATION", "US")
    try:
        if endpoint:
            return bigquery.Client(
                project=project,
                location=location,
                credentials=AnonymousCredentials(),
                client_options=ClientOptions(api_endpoint=endpoint),
            )
        if keyfile:
            return bigquery.Client.from_service_account_json(keyfile, project=project, location=location)
        return bigquery.Client(project=project, location=location)
    except Exception as error:  # google.auth.exceptions.DefaultCredentialsError, bad keyfile, ...
        raise BigQueryConfigError(f"cannot create a BigQuery client: {error}".splitlines()[0]) from error


class BigQuerySink:
    """`lafa.load.Sink` writing raw tables of `<project>.<prefix>_raw` with load jobs."""

    def __init__(self, client: Any, dataset_prefix: str | None = None) -> None:
        self.client = client
        prefix = dataset_prefix or os.environ.get("LAFA_BQ_DATASET", "lafa")
        self.dataset = f"{client.project}.{prefix}_raw"
        self.table_order: dict[str, list[str]] = {}  # column order of a table altered after its creation
        self.restricted = BigQueryRestricted(self, f"{client.project}.{prefix}_restricted")

    def ensure_tables(self) -> None:
        """Every raw table exists, empty, before its first file (as on DuckDB)."""
        self.client.create_dataset(self.dataset, exists_ok=True)
        self._check_legacy()
        for name in ("telematics", *(s.name for s in CSV_SOURCES), "_load_log", "_quarantine"):
            self._query(table_ddl(self.dataset, name))
        self.restricted.ensure_tables()
        # load logs from before the size and modification time were logged (2026-12-04)
        added = ", ".join(f"add column if not exists {c} INT64" for c in ("file_size", "file_mtime_ns"))
        self._query(f"alter table `{self.dataset}._load_log` {added}, add column if not exists encoding STRING")
        self._query(f"alter table `{self.dataset}._quarantine` add column if not exists raw_bytes STRING")
        # optional columns added to the contract after a table was created: appended at its end, so the load jobs
        # follow the table's own column order
        for source in CSV_SOURCES:
            optional = [c.name for c in source.columns if c.optional]
            if optional:
                added = ", ".join(f"add column if not exists {c} STRING" for c in optional)
                self._query(f"alter table `{self.dataset}.{source.name}` {added}")
                schema = self.client.get_table(f"{self.dataset}.{source.name}").schema
                self.table_order[source.name] = [field.name for field in schema]

    def _check_legacy(self) -> None:
        """A raw table of a personal source from before pseudonymisation (lafa.pii.check_legacy_tables): refused
        when it holds rows, else recreated by the DDL below."""
        from google.api_core.exceptions import NotFound

        for table, personal in pii.PERSONAL.items():
            try:
                schema = self.client.get_table(f"{self.dataset}.{table}").schema
            except NotFound:
                continue
            legacy = [p.column for p in personal if p.column in {field.name for field in schema}]
            if not legacy:
                continue
            quarantined = f"select count(*) from `{self.dataset}._quarantine` where source = '{_name(table)}'"
            rows = self._query(f"select count(*) from `{self.dataset}.{table}`")[0][0] + self._query(quarantined)[0][0]
            if rows:
                raise BigQueryConfigError(pii.legacy_message(f"{self.dataset}.{table}", legacy, rows))
            self.client.delete_table(f"{self.dataset}.{table}")

    def _query(self, sql: str) -> list[Any]:
        return list(self.client.query(sql).result())

    def loaded_as(self, source: str, sha: str) -> str | None:
        # literals, not query parameters: source is a contract name and sha a hex digest (nothing user-typed)
        rows = self._query(
            f"select file from `{self.dataset}._load_log` where source = '{_name(source)}' and sha256 = '{_hex(sha)}'"
            " limit 1"
        )
        return str(rows[0][0]) if rows else None

    def logged_files(self) -> dict[tuple[str, str, int, int], str]:
        rows = self._query(
            f"select source, file, file_size, file_mtime_ns, sha256 from `{self.dataset}._load_log`"
            " where file_mtime_ns is not null"
        )
        return {(row[0], row[1], int(row[2]), int(row[3])): str(row[4]) for row in rows}

    def remember_file(self, source: str, name: str, sha: str, file_stat: tuple[int, int]) -> None:
        """Not on BigQuery: the load log is written by load jobs only (no DML on the commit marker, which the
        emulator could not test either), so a touched file is hashed again on every run (docs/loader.md)."""

    def write(self, con: duckdb.DuckDBPyConnection, source: Source, name: str, sha: str, log: LogRow) -> None:
        loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        self._remove_uncommitted(source.name, sha)
        con.execute(
            "create or replace temp table _attempt as select ? as file, ? as sha, ? as attempt_at",
            [name, sha, loaded_at],
        )
        if log.rows_loaded:
            self._load(
                con,
                source.name,
                f"select {', '.join(raw_columns(source))}, a.file, a.sha, _row_number, a.attempt_at"
                " from _validated, _attempt as a where _reason is null",
            )
        if log.rows_quarantined:
            self._load(
                con,
                "_quarantine",
                f"select '{_name(source.name)}', a.file, a.sha, _row_number, _reason, _raw_record, a.attempt_at,"
                f" {QUARANTINE_BYTES} from _validated, _attempt as a where _reason is not null",
            )
        columns = ", ".join(f"cast(? as {sql_type}) as {column}" for column, sql_type in LOAD_LOG)
        values = [source.name, name, sha, *log.counts(), loaded_at, log.file_size, log.file_mtime_ns, log.encoding]
        con.execute(f"create or replace temp table _log_row as select {columns}", values)
        self._load(con, "_load_log", "select * from _log_row")  # the commit marker, last

    def _remove_uncommitted(self, source: str, sha: str) -> None:
        """Rows of an earlier attempt at this file that died before its load-log row (see the module docstring)."""
        for table, column in ((source, "_file_sha256"), ("_quarantine", "file_sha256")):
            where = f"{column} = '{_hex(sha)}'" + (f" and source = '{_name(source)}'" if table == "_quarantine" else "")
            if self._query(f"select count(*) from `{self.dataset}.{table}` where {where}")[0][0]:
                self._query(f"delete from `{self.dataset}.{table}` where {where}")

    def _load(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        select_sql: str,
        dataset: str | None = None,
        columns: tuple[tuple[str, str], ...] | None = None,
    ) -> None:
        """One CSV load job of `select_sql` (its columns in the table's order) into `table` (of `dataset`, default
        the raw dataset; `columns` default: the raw table's)."""
        from google.cloud import bigquery

        dataset = dataset or self.dataset
        columns = columns or table_columns(table)
        order = self.table_order.get(table) if dataset == self.dataset else None
        if order and order != [c for c, _ in columns]:  # the table's order; a column the contract lacks is NULL
            types = dict(columns)
            picked = ", ".join(c if c in types else f"cast(null as varchar) as {c}" for c in order)
            select_sql = f"select {picked} from ({select_sql}) as s({', '.join(c for c, _ in columns)})"
            columns = tuple((c, types.get(c, "varchar")) for c in order)
        names = [f"c{i}" for i in range(len(columns))]
        formatted = ", ".join(_csv_value(n, t) for n, (_, t) in zip(names, columns, strict=True))
        multiline = (
            any(t == "varchar" for _, t in columns)
            and con.execute(
                f"select count(*) > 0 from ({select_sql}) as s({', '.join(names)}) where "
                + " or ".join(
                    f"regexp_matches({n}, '[\\r\\n]')"
                    for n, (_, t) in zip(names, columns, strict=True)
                    if t == "varchar"
                )
            ).fetchone()[0]
        )
        with tempfile.TemporaryDirectory(prefix="lafa-bq-") as tmp:
            path = Path(tmp) / f"{table}.csv"
            con.execute(
                f"copy (select {formatted} from ({select_sql}) as s({', '.join(names)})) to '{path}'"
                " (format csv, header false, quote '\"', escape '\"')"
            )
            config = bigquery.LoadJobConfig(
                source_format="CSV",
                schema=[bigquery.SchemaField(c, BQ_TYPES[t]) for c, t in columns],
                write_disposition="WRITE_APPEND",
            )
            if multiline:  # only then: the flag changes how BigQuery splits the file (and emulators lack it)
                config.allow_quoted_newlines = True
            with path.open("rb") as data:
                self.client.load_table_from_file(data, f"{dataset}.{table}", job_config=config).result()


class BigQueryRestricted:
    """`lafa.pii.RestrictedWriter` for BigQuery: the dataset `<prefix>_restricted`, written by the loader's service
    account only (docs/privacy.md). A file's rows are keyed by its sha256: leftovers of an earlier attempt are
    deleted before its rows are loaded again, and they are loaded before any of its analytics rows."""

    def __init__(self, sink: BigQuerySink, dataset: str) -> None:
        self.sink = sink
        self.dataset = dataset

    @staticmethod
    def columns(table: str) -> tuple[tuple[str, str], ...]:
        if table == "_quarantine":
            return (*pii.RESTRICTED_QUARANTINE, ("quarantined_at", "timestamp"))
        return (
            *((c, "varchar") for c in pii.restricted_columns(SOURCES[table])),
            *pii.RESTRICTED_LINEAGE,
            ("_loaded_at", "timestamp"),
        )

    def ensure_tables(self) -> None:
        self.sink.client.create_dataset(self.dataset, exists_ok=True)
        for table in (*pii.PERSONAL, "_quarantine"):
            columns = ", ".join(f"{c} {BQ_TYPES[t]}" for c, t in self.columns(table))
            self.sink._query(f"create table if not exists `{self.dataset}.{table}` ({columns})")

    def write(self, source: Source, name: str, sha: str, rows: pa.Table, quarantined: pa.Table) -> None:
        import duckdb

        digest = _hex(sha)
        for table, column in ((source.name, "_file_sha256"), ("_quarantine", "file_sha256")):
            where = f"{column} = '{digest}'"
            if self.sink._query(f"select count(*) from `{self.dataset}.{table}` where {where}")[0][0]:
                self.sink._query(f"delete from `{self.dataset}.{table}` where {where}")
        at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with duckdb.connect() as con:
            con.register("_rows", rows)
            con.register("_bad", quarantined)
            con.execute("create temp table _attempt as select ? as file, ? as sha, ? as at", [name, digest, at])
            if rows.num_rows:
                columns = ", ".join(f"r.{c}" for c in pii.restricted_columns(source))
                self.sink._load(
                    con,
                    source.name,
                    f"select {columns}, a.file, a.sha, r._row_number, a.at from _rows as r, _attempt as a",
                    self.dataset,
                    self.columns(source.name),
                )
            if quarantined.num_rows:
                self.sink._load(
                    con,
                    "_quarantine",
                    f"select '{_name(source.name)}', a.file, a.sha, b._row_number, b._reason, b._raw_record, a.at"
                    " from _bad as b, _attempt as a",
                    self.dataset,
                    self.columns("_quarantine"),
                )


def _csv_value(name: str, sql_type: str) -> str:
    if sql_type == "timestamp":
        return f"strftime({name}, '{BQ_TIMESTAMP}')"
    if sql_type == "varchar":
        return f"replace({name}, chr(0), '\ufffd')"  # BigQuery's CSV reader refuses NUL bytes
    if sql_type == "double":
        return f"cast({name} as varchar)"
    if sql_type == "blob":
        return f"to_base64({name})"  # the bytes as base64 text (see BQ_TYPES)
    return name


def _hex(value: str) -> str:
    if not all(c in "0123456789abcdef" for c in value):
        raise ValueError(f"not a hex digest: {value!r}")
    return value


def _name(value: str) -> str:
    if value not in SOURCES:
        raise ValueError(f"not a source of the contract: {value!r}")
    return value
