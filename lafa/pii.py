"""Personal data at the boundary (docs/privacy.md): keyed tokens in the warehouse, originals in a restricted store.

A personal column of the contract (`PERSONAL`) never reaches the analytics warehouse. The loader replaces it, in
the validated batch (`_validated`), by an HMAC-SHA256 token of its normalised value (phone, CURP, e-mail) or by
nothing (a name); the original row goes to the restricted store first (a separate DuckDB file, or the
`<dataset>_restricted` BigQuery dataset), idempotently by (file sha256, row number). A quarantined row of a
personal source keeps a redacted record in `raw._quarantine`; its original text goes to the restricted store.

The key: `LAFA_PII_KEY` (at least 32 characters, e.g. `openssl rand -hex 32`), else the file `LAFA_PII_KEY_FILE`
(default `~/.config/lafa/pii.key`, outside the repository). Never a dbt var, never logged.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import io
import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import duckdb
import pyarrow as pa

from lafa.contract import LINEAGE, QUARANTINE, Source

Kind = Literal["phone", "curp", "email", "name"]
RESTRICTED = "[restricted]"
UNPARSED = "[restricted: row not parsed into columns; the original is in the restricted store]"
MIN_KEY_CHARS = 32
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Personal:
    """A personal column of a source: its kind (the normalisation and the token's domain) and the raw column that
    holds its token (None: no token, the value only exists in the restricted store)."""

    column: str
    kind: Kind
    token_column: str | None


PERSONAL: dict[str, tuple[Personal, ...]] = {
    "drivers": (
        Personal("full_name", "name", None),
        Personal("phone", "phone", "phone_token"),
        Personal("curp", "curp", "curp_token"),
    ),
    "warehouse_jobs": (Personal("user_email", "email", "user_token"),),
}


class KeyMissing(Exception):
    """No usable pseudonymisation key (one-line message for the CLI)."""


class LegacyPersonalData(Exception):
    """A raw table still holds plain personal values from before pseudonymisation (one-line message)."""


# ---------------------------------------------------------------- normalisation and tokens


def normalise(kind: Kind, value: str | None) -> str | None:
    """The canonical form a token is computed from; None for a blank value (or a phone without a digit)."""
    if value is None or not value.strip():
        return None
    if kind == "phone":
        digits = re.sub(r"[^0-9]", "", value)
        if not digits:
            return None
        if len(digits) == 10:  # national number
            return "+52" + digits
        if len(digits) == 12 and digits.startswith("52"):
            return "+" + digits
        if len(digits) == 13 and digits.startswith("521"):  # the old mobile prefix "1" after the country code
            return "+52" + digits[3:]
        return "+" + digits
    if kind == "curp":
        return value.strip().upper()
    if kind == "email":
        return value.strip().lower()
    return value.strip()


def token(kind: Kind, value: str | None, key: bytes) -> str | None:
    """HMAC-SHA256 (64 lower-case hex) of `<kind>:<normalised value>`: the kind separates the domains, so a phone and
    a CURP never share a token. None for a blank value."""
    normalised = normalise(kind, value)
    if normalised is None:
        return None
    return hmac.new(key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- the key


def key_file() -> Path:
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return Path(os.environ.get("LAFA_PII_KEY_FILE") or config / "lafa" / "pii.key").expanduser()


def _inside_repo(path: Path) -> bool:
    return path.resolve().is_relative_to(REPO)


def load_key() -> bytes:
    """The key from `LAFA_PII_KEY`, else from the key file; `KeyMissing` when neither is usable."""
    value = os.environ.get("LAFA_PII_KEY")
    origin = "LAFA_PII_KEY"
    if not value:
        path = key_file()
        origin = str(path)
        if _inside_repo(path):
            raise KeyMissing(f"the pseudonymisation key file {path} is inside the repository; keep it outside")
        try:
            value = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise KeyMissing(
                f"no pseudonymisation key: set LAFA_PII_KEY or LAFA_PII_KEY_FILE (no key file at {path}; "
                "docs/privacy.md)"
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise KeyMissing(f"cannot read the pseudonymisation key file {path}: {error}") from None
    value = value.strip()
    if len(value) < MIN_KEY_CHARS:
        raise KeyMissing(f"the pseudonymisation key in {origin} is shorter than {MIN_KEY_CHARS} characters")
    return value.encode("utf-8")


def ensure_local_key() -> Path | None:
    """DuckDB target: create the local key file (32 random bytes as hex, mode 0600) when no key is configured.
    Returns the path created, None when a key already exists."""
    if os.environ.get("LAFA_PII_KEY"):
        return None
    path = key_file()
    if path.exists():
        return None
    if _inside_repo(path):
        raise KeyMissing(f"the pseudonymisation key file {path} would be inside the repository; keep it outside")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_hex(32) + "\n")
    return path


# ---------------------------------------------------------------- the stored columns


def stored_columns(source: Source) -> list[str]:
    """The contract columns as the raw table stores them: a personal column replaced in place by its token column,
    or dropped when it has none."""
    personal = {p.column: p for p in PERSONAL.get(source.name, ())}
    columns: list[str] = []
    for name in source.column_names:
        p = personal.get(name)
        if p is None:
            columns.append(name)
        elif p.token_column:
            columns.append(p.token_column)
    return columns


def restricted_columns(source: Source) -> list[str]:
    """The columns of a restricted table: the source's key, the originals and their tokens (lineage follows)."""
    key = [source.key] if source.key else []
    personal = PERSONAL[source.name]
    tokens = [p.token_column for p in personal if p.token_column]
    return [*key, *(p.column for p in personal), *tokens, "_extra_columns"]


# the raw tables' lineage without the load time, and the quarantine's columns up to the row's text
RESTRICTED_LINEAGE = LINEAGE[:3]
RESTRICTED_QUARANTINE = QUARANTINE[:6]


class RestrictedWriter(Protocol):
    """Where the originals go (a sink's `restricted`): written and committed before the analytics rows."""

    def write(self, source: Source, name: str, sha: str, rows: pa.Table, quarantined: pa.Table) -> None: ...


# ---------------------------------------------------------------- the hook of lafa.load._commit


def protect(con: duckdb.DuckDBPyConnection, source: Source, name: str, sha: str, restricted: RestrictedWriter) -> None:
    """For a personal source: originals of `_validated` to `restricted` (committed there first), then `_validated`
    itself tokenised and redacted in place (token columns added, personal columns nulled, `_raw_record` and
    `_extra_columns` redacted). Other sources: nothing."""
    personal = PERSONAL.get(source.name)
    if not personal:
        return
    key = load_key()
    present = {row[0] for row in con.execute("select column_name from (describe _validated)").fetchall()}
    parsed = all(p.column in present for p in personal)
    picked = [c for c in source.column_names if c in present]
    optional = [c for c in ("_extra_columns", "_parse_error") if c in present]
    batch = con.sql(
        f"select _row_number, _raw_record, _reason, {', '.join([*picked, *optional])}"
        " from _validated order by _row_number"
    ).to_arrow_table()
    data = batch.to_pydict()
    n = batch.num_rows
    none: list[str | None] = [None] * n
    tokens: dict[str, list[str | None]] = {
        p.token_column: [token(p.kind, v, key) for v in data[p.column]] if parsed else none
        for p in personal
        if p.token_column
    }
    extras = data.get("_extra_columns", none)
    parse_errors = data.get("_parse_error", none)
    records: list[str] = []
    for i in range(n):
        if not parsed or parse_errors[i] is not None:
            records.append(UNPARSED)
            continue
        fields = [_redacted(personal, c, data[c][i], tokens, i) for c in source.column_names if c in data]
        records.append(_csv_line(fields))
    redacted_extras = [_redact_extras(e) for e in extras]

    good = [i for i in range(n) if data["_reason"][i] is None]
    bad = [i for i in range(n) if data["_reason"][i] is not None]
    columns = restricted_columns(source)
    values = {**data, **tokens, "_extra_columns": extras}
    rows = pa.table(
        {
            **{c: pa.array([values.get(c, none)[i] for i in good], pa.string()) for c in columns},
            "_row_number": pa.array([data["_row_number"][i] for i in good], pa.int64()),
        }
    )
    quarantined = pa.table(
        {
            "_row_number": pa.array([data["_row_number"][i] for i in bad], pa.int64()),
            "_reason": pa.array([data["_reason"][i] for i in bad], pa.string()),
            "_raw_record": pa.array([data["_raw_record"][i] for i in bad], pa.string()),
        }
    )
    restricted.write(source, name, sha, rows, quarantined)

    protected = pa.table(
        {
            "_row_number": batch.column("_row_number"),
            **{c: pa.array(v, pa.string()) for c, v in tokens.items()},
            "_redacted_record": pa.array(records, pa.string()),
            "_redacted_extras": pa.array(redacted_extras, pa.string()),
        }
    )
    con.register("_pii_protected", protected)
    try:
        for column in tokens:
            con.execute(f"alter table _validated add column {column} varchar")
        assignments = [f"{c} = p.{c}" for c in tokens]
        assignments += [f"{p.column} = null" for p in personal if p.column in present]
        assignments.append("_raw_record = p._redacted_record")
        # any other copy of the original row (e.g. its bytes, `_raw_bytes`) never reaches the warehouse either
        assignments += [f"{c} = null" for c in sorted(present) if c.startswith("_raw") and c != "_raw_record"]
        if "_extra_columns" in present:
            assignments.append("_extra_columns = p._redacted_extras")
        con.execute(
            f"update _validated set {', '.join(assignments)} from _pii_protected as p"
            " where _validated._row_number = p._row_number"
        )
    finally:
        con.unregister("_pii_protected")


def _redacted(
    personal: tuple[Personal, ...], column: str, value: str | None, tokens: dict[str, list[str | None]], i: int
) -> str | None:
    """A field of a redacted quarantine record: a personal value becomes `token:<hex>` (or `[restricted]` for a
    value without a token: a name, a phone without a digit); a blank value stays blank."""
    p = next((p for p in personal if p.column == column), None)
    if p is None or value is None or not value.strip():
        return value
    tok = tokens[p.token_column][i] if p.token_column else None
    return RESTRICTED if tok is None else f"token:{tok}"


def _csv_line(fields: list[str | None]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(["" if f is None else f for f in fields])
    return buffer.getvalue()


def _redact_extras(extras: str | None) -> str | None:
    """Extra (non-contract) columns of a personal source may be personal too: their names stay, values do not."""
    if extras is None:
        return None
    try:
        names = list(json.loads(extras))
    except (ValueError, TypeError):
        return json.dumps({"_": RESTRICTED})
    return json.dumps(dict.fromkeys(names, RESTRICTED))


# ---------------------------------------------------------------- the DuckDB restricted store


def restricted_duckdb_path(con: duckdb.DuckDBPyConnection) -> str:
    """`LAFA_RESTRICTED_DUCKDB_PATH`, else `lafa_restricted.duckdb` next to the warehouse file of `con` (":memory:"
    for an in-memory warehouse)."""
    configured = os.environ.get("LAFA_RESTRICTED_DUCKDB_PATH")
    if configured:
        return configured
    row = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    if row is None or not row[0]:
        return ":memory:"
    return str(Path(row[0]).parent / "lafa_restricted.duckdb")


@contextlib.contextmanager
def _private_files() -> Iterator[None]:
    """Files created meanwhile (the database, its WAL) are readable by their owner only."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def restricted_ddl(source: Source) -> list[str]:
    cols = ", ".join(f"{c} varchar" for c in restricted_columns(source))
    quarantine = ", ".join(f"{c} {t}" for c, t in RESTRICTED_QUARANTINE)
    return [
        f"create table if not exists {source.name} ({cols}, _file varchar, _file_sha256 varchar,"
        " _row_number bigint, _loaded_at timestamp, primary key (_file_sha256, _row_number))",
        f"create table if not exists _quarantine ({quarantine}, quarantined_at timestamp,"
        " primary key (source, file_sha256, row_number))",
    ]


class DuckDBRestricted:
    """The restricted DuckDB file: its own connection, opened, written, committed and closed per file (so no WAL
    outlives the write), created with mode 0600. Rows are keyed by (file sha256, row number): writing a file
    again replaces its rows."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.memory = duckdb.connect() if path == ":memory:" else None

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.memory is not None:
            yield self.memory
            return
        with _private_files():
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(self.path)
            try:
                os.chmod(self.path, 0o600)
                yield con
            finally:
                con.close()

    def write(self, source: Source, name: str, sha: str, rows: pa.Table, quarantined: pa.Table) -> None:
        with self.connect() as con:
            con.execute("begin transaction")
            for statement in restricted_ddl(source):
                con.execute(statement)
            con.register("_rows", rows)
            con.register("_bad", quarantined)
            columns = ", ".join(restricted_columns(source))
            con.execute(
                f"insert or replace into {source.name} ({columns}, _file, _file_sha256, _row_number, _loaded_at)"
                f" select {columns}, ?, ?, _row_number, now() from _rows",
                [name, sha],
            )
            con.execute(
                "insert or replace into _quarantine select ?, ?, ?, _row_number, _reason, _raw_record, now() from _bad",
                [source.name, name, sha],
            )
            con.execute("commit")
            con.unregister("_rows")
            con.unregister("_bad")


# ---------------------------------------------------------------- warehouses from before pseudonymisation


def legacy_message(table: str, columns: list[str], rows: int) -> str:
    return (
        f"{table} holds plain personal data from before pseudonymisation ({', '.join(columns)}; {rows:,} rows "
        "with its quarantine): it is not migrated in place. Load the landing files into a new warehouse (DuckDB: "
        "move the file away and run `lafa load`; BigQuery: the scrub of docs/privacy.md), then delete the old one"
    )


def check_legacy_tables(con: duckdb.DuckDBPyConnection, schema: str = "raw") -> None:
    """A raw table of a personal source created before pseudonymisation: empty, it gets its new columns (plain
    ones dropped, token ones added); with rows (or quarantined rows of its source), `LegacyPersonalData`."""
    for table, personal in PERSONAL.items():
        existing = {
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns where table_catalog = current_database()"
                " and table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchall()
        }
        legacy = [p.column for p in personal if p.column in existing]
        if not legacy:
            continue
        rows = con.execute(
            f"select (select count(*) from {schema}.{table})"
            f" + (select count(*) from {schema}._quarantine where source = ?)",
            [table],
        ).fetchone()[0]
        if rows:
            raise LegacyPersonalData(legacy_message(f"{schema}.{table}", legacy, rows))
        for column in legacy:
            con.execute(f"alter table {schema}.{table} drop column {column}")
        for p in personal:
            if p.token_column:
                con.execute(f"alter table {schema}.{table} add column if not exists {p.token_column} varchar")
