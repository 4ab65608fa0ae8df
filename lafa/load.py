"""Load a landing folder into the raw tables: one transaction per file, bad rows to quarantine.

A file is identified by its source and the sha256 of its bytes (of its content, for a gzip-compressed `*.gz`
landing file) and loaded at most once; a landing file already logged under the same name, size and modification
time is skipped without being read. A file is streamed: read (and gunzipped) in pieces while its sha256 is
computed, cut into chunks of lines (telematics) or rows (CSV) that are validated into the temp table `_validated`
inside the file's transaction, so memory holds one chunk, not the file. Telematics lines go to DuckDB as bytes (an
Arrow array over the decompressed buffer, no Python per line): UTF-8, envelope JSON, base64, payload JSON and the
row checks of `lafa.contract` are one SQL statement per chunk. CSV rows are parsed by the csv module (any byte
sequence is survivable) and checked per chunk in SQL; the whole-file checks (a key seen twice, one export time per
file) run on the accumulated table. Then the Great Expectations gate, and the good rows, the quarantined rows (with
their original bytes) and the load-log row are committed together.
`LAFA_NOW` (an ISO-8601 timestamp with offset) replaces the clock of the "in the future" checks (docs/loader.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from queue import Full, Queue
from typing import BinaryIO, Protocol, TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from lafa import pii, validate
from lafa.clock import load_clock
from lafa.contract import (
    EARLIEST_VALID_DATE,
    EARLIEST_VALID_INSTANT,
    FUTURE_TOLERANCE_MINUTES,
    LATEST_VALID_DATE,
    MONEY_DECIMALS,
    SOURCES,
    TELEMATICS_FIELDS,
    TELEMATICS_PAYLOAD_FIELDS,
    TELEMATICS_RANGES,
    TELEMATICS_SCHEMAS,
    TELEMATICS_UNIT_ERRORS,
    Column,
    Source,
)
from lafa.warehouse import LOAD_LOG, RAW_SCHEMA, ensure_raw_tables

T = TypeVar("T")
# Compressed bytes per zlib call: the output (~1 MB) stays in cache; 2x faster than 1 MB calls (measured).
GZIP_READ_BYTES = 1 << 16
PLAIN_READ_BYTES = 8 << 20
# Content per telematics chunk (~90k lines) and rows per CSV chunk: what one chunk holds in memory at once.
CHUNK_BYTES = 64 << 20
CSV_CHUNK_ROWS = 100_000
# Rows per Arrow record batch handed to DuckDB: one batch is one scan unit, so a chunk uses both cores.
SCAN_BATCH_ROWS = 8_192
# Two bytes that are a UTF-8 lead and continuation byte: a file holding them is UTF-8 with a broken byte, not a
# Windows-1252 export (in Spanish cp1252 text "Ã" or "Â" before a byte 0x80-0xBF does not occur).
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
# (encoding, Python codec) tried in order on a CSV file; latin-1 only reads a file rejected as undecodable (any
# byte is one character, so each row's original bytes come back exactly).
UTF8, CP1252, UNDECODABLE = ("utf-8", "utf-8-sig"), ("cp1252", "cp1252"), (None, "latin-1")
FUTURE_TOLERANCE = f"interval {FUTURE_TOLERANCE_MINUTES} minutes"
_EARLIEST_SQL = f"cast('{EARLIEST_VALID_INSTANT}' as timestamptz)"
_EARLIEST_WHY = " (before the first LAFA vehicle: a reset clock or a placeholder)"
# A number written in decimal notation (an exponent allowed): no hex, no thousands separators, no 'inf' / 'nan'.
DECIMAL_NUMBER = r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?"


def _now_sql() -> str:
    """The clock of the future checks: now(), or `LAFA_NOW` (a documented override, e.g. to load a fleet generated
    past today's date)."""
    now = load_clock()
    return "now()" if now is None else f"cast('{now.isoformat()}' as timestamptz)"


ISO_TIMESTAMP = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([zZ]|[+-]\d{2}:?\d{2})"


@dataclass(frozen=True)
class FileResult:
    source: str
    file: str
    sha256: str
    status: str  # loaded | quarantined (every row) | rejected | skipped
    rows_offered: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    error: str | None = None
    encoding: str | None = None


class FileRejected(Exception):
    """The whole file breaks the contract (e.g. a required column is missing)."""


# (file name, rows validated so far, seconds since the file's start): called after each chunk of a file
RowProgress = Callable[[str, int, float], None]


def discover(landing: Path) -> Iterator[tuple[Source, Path]]:
    """Every landing file, source by source, in name order, gzip-compressed (`<pattern>.gz`) or not; `_truth/` and
    unknown folders are ignored."""
    for source in SOURCES.values():
        folder = landing / source.name
        if folder.is_dir():
            for path in sorted({*folder.glob(source.pattern), *folder.glob(f"{source.pattern}.gz")}):
                if path.is_file():
                    yield source, path


def load_landing(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    progress: Callable[[FileResult, int, int], None] | None = None,
    sink: Sink | None = None,
    rehash: bool = False,
    row_progress: RowProgress | None = None,
) -> list[FileResult]:
    """Load every new file of `landing`. A file logged under the same name, size and modification time is skipped
    unread (re-hashing a year of telematics took ~1 min per run); `rehash` reads and hashes every file."""
    ensure_raw_tables(con)
    sink = sink or DuckDBSink(con)
    logged = {} if rehash else sink.logged_files()
    files = list(discover(landing))
    results = []
    for i, (source, path) in enumerate(files, start=1):
        name = str(path.relative_to(landing))
        stat = path.stat()
        sha = logged.get((source.name, name, stat.st_size, stat.st_mtime_ns))
        if sha:
            result = FileResult(source.name, name, sha, "skipped", error="unchanged since it was loaded")
        else:
            result = load_file(con, source, path, display_name=name, sink=sink, stat=stat, row_progress=row_progress)
        results.append(result)
        if progress:
            progress(result, i, len(files))
    return results


def load_file(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    display_name: str | None = None,
    sink: Sink | None = None,
    stat: os.stat_result | None = None,
    row_progress: RowProgress | None = None,
) -> FileResult:
    """Stream a landing file into the warehouse. Its sha256 is known once it has been read, so a renamed copy of a
    loaded file is validated, then rolled back and reported `skipped` (reading it twice would cost every file)."""
    stat = stat or path.stat()  # before reading: a file rewritten meanwhile gets a newer time than the one logged
    gzip = path.suffix == ".gz"

    def open_content() -> Content:
        return Content(path.open("rb"), gzip)

    file_stat = (stat.st_size, stat.st_mtime_ns)
    return _load(
        con, sink or DuckDBSink(con), source, display_name or path.name, open_content, file_stat, None, row_progress
    )


def load_bytes(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    data: bytes,
    name: str,
    sink: Sink | None = None,
    file_stat: tuple[int, int] | None = None,
    sha: str | None = None,
) -> FileResult:
    """Validate a file's bytes in `con` (e.g. one Pub/Sub push envelope); write it to `sink` (default: the raw schema
    of `con`) whole or not at all. `sha` (default: the sha256 of `data`) identifies the file in the load log."""
    sha = sha or hashlib.sha256(data).hexdigest()

    def open_content() -> Content:
        return Content(io.BytesIO(data), gzip=False)

    return _load(con, sink or DuckDBSink(con), source, name, open_content, file_stat, sha, None)


class Content:
    """A file's content in pieces: read in blocks, gunzipped for `*.gz` (every member, as `gzip -d` reads it), the
    sha256 of the content and of the stored bytes updated as it goes. A broken gzip file keeps the content of its
    members before the break; `error` says what broke, and the file is then known by the sha256 of its bytes as
    stored (what it yields, maybe nothing, is not its content)."""

    def __init__(self, stream: BinaryIO, gzip: bool) -> None:
        self.stream, self.gzip = stream, gzip
        self.content_sha, self.stored_sha = hashlib.sha256(), hashlib.sha256()
        self.error: str | None = None
        self.stored_bytes = 0

    @property
    def sha(self) -> str:
        return (self.stored_sha if self.error else self.content_sha).hexdigest()

    def pieces(self) -> Iterator[bytes]:
        with self.stream:
            yield from self._gunzipped() if self.gzip else self._plain()

    def _plain(self) -> Iterator[bytes]:
        while block := self.stream.read(PLAIN_READ_BYTES):
            self.content_sha.update(block)
            self.stored_bytes += len(block)
            yield block

    def _gunzipped(self) -> Iterator[bytes]:
        member: zlib._Decompress | None = None
        try:
            while block := self.stream.read(GZIP_READ_BYTES):
                self.stored_sha.update(block)
                self.stored_bytes += len(block)
                while block:
                    member = member or zlib.decompressobj(wbits=31)  # 31: gzip header and trailer
                    out = member.decompress(block)
                    if out:
                        self.content_sha.update(out)
                        yield out
                    block, member = (member.unused_data, None) if member.eof else (b"", member)
        except zlib.error as exc:
            self.error = f"not a readable gzip file ({exc})"
            return
        if not self.stored_bytes:
            self.error = "empty file: not gzip (an empty content compresses to 20 bytes)"
        elif member is not None:
            self.error = "truncated gzip file: its last member ends early"


def _line_chunks(pieces: Iterable[bytes], size: int | None = None) -> Iterator[memoryview]:
    """The content cut into chunks of whole lines of about `size` bytes (default CHUNK_BYTES; the last chunk may lack
    its newline, and a line longer than `size` is one chunk)."""
    size = size or CHUNK_BYTES
    held: list[bytes] = []
    held_bytes = 0
    for piece in pieces:
        held.append(piece)
        held_bytes += len(piece)
        if held_bytes < size:
            continue
        joined = b"".join(held)
        view, start = memoryview(joined), 0
        while len(joined) - start >= size:
            cut = joined.rfind(b"\n", start, start + size) + 1 or joined.find(b"\n", start + size) + 1
            if not cut:
                break
            yield view[start:cut]
            start = cut
        held = [joined[start:]]
        held_bytes = len(held[0])
    if held_bytes:
        yield memoryview(b"".join(held))


def _newlines(data: np.ndarray) -> np.ndarray:
    """Offsets of every b"\\n" in `data`, 1 MB at a time (a compare over the whole buffer leaves the cache: 2x)."""
    step = 1 << 20
    found = [np.flatnonzero(data[i : i + step] == 10) + i for i in range(0, len(data), step)]
    return np.concatenate(found) if found else np.empty(0, np.int64)


def _lines_table(chunk: memoryview, first_line: int, skip: int = 0) -> tuple[pa.Table, int]:
    """The lines of a chunk as an Arrow table over the chunk's own buffer (no copy, no Python per line):
    _row_number (the physical line number), _line (its bytes with the line end), _length (without "\\n" or
    "\\r\\n"); and the number of lines. `skip` bytes at the start are dropped (a byte order mark)."""
    data = np.frombuffer(chunk, np.uint8)
    newlines = _newlines(data)
    starts = np.concatenate(([skip], newlines + 1))
    if starts[-1] == len(data):  # the chunk ends with a newline: no line starts after it
        starts = starts[:-1]
    ends = np.append(newlines, len(data))[: len(starts)]
    lengths = ends - starts
    lengths -= (lengths > 0) & (data[np.maximum(ends - 1, 0)] == 13)  # "\r\n"
    offsets = np.append(starts, len(data)).astype(np.int64)
    lines = pa.Array.from_buffers(pa.large_binary(), len(starts), [None, pa.py_buffer(offsets), pa.py_buffer(chunk)])
    numbers = np.arange(first_line, first_line + len(starts), dtype=np.int64)
    table = pa.table({"_row_number": numbers, "_line": lines, "_length": lengths.astype(np.int64)})
    return table, len(starts)


def _line_text(blob: str) -> str:
    """SQL: the text of a line's bytes; bytes that are not UTF-8 as DuckDB prints a blob (`\\xFF`): readable, and the
    exact bytes are kept beside it."""
    return f"coalesce(try(decode({blob})), cast({blob} as varchar))"


def raw_columns(source: Source) -> list[str]:
    """The contract columns of a raw table (personal ones as their tokens: `lafa.pii`), before its lineage columns."""
    return pii.stored_columns(source) + ([] if source.name == "telematics" else ["_extra_columns"])


class Sink(Protocol):
    """Where validated files go: the DuckDB warehouse (default) or BigQuery (`lafa.bigquery_load`)."""

    def loaded_as(self, source: str, sha: str) -> str | None:
        """The name a file with this content was loaded under, if it was."""
        ...

    def logged_files(self) -> dict[tuple[str, str, int, int], str]:
        """(source, file, size, modification time in ns) -> sha256 of every landing file in the load log."""
        ...

    def remember_file(self, source: str, name: str, sha: str, file_stat: tuple[int, int]) -> None:
        """Record the size and modification time at which a logged file was read again with the same bytes."""
        ...

    def write(self, con: duckdb.DuckDBPyConnection, source: Source, name: str, sha: str, log: LogRow) -> None:
        """Write `_validated` (good rows, quarantined rows) and the load-log row; called inside `con`'s transaction."""
        ...

    @property
    def restricted(self) -> pii.RestrictedWriter:
        """Where the originals of personal sources go, before `write` (`lafa.pii`)."""
        ...


@dataclass(frozen=True)
class LogRow:
    rows_offered: int
    rows_loaded: int
    rows_quarantined: int
    status: str
    error: str | None
    file_size: int | None = None  # of a landing file (None for bytes pushed to the Cloud Function)
    file_mtime_ns: int | None = None
    encoding: str | None = None  # utf-8 or cp1252 as read; None for a file no encoding of the contract reads

    def counts(self) -> list[object]:
        return [self.rows_offered, self.rows_loaded, self.rows_quarantined, self.status, self.error]


# SQL of the original bytes of a quarantined row: kept per row when they are not the UTF-8 of its text
QUARANTINE_BYTES = "coalesce(_raw_bytes, encode(_raw_record))"


class DuckDBSink:
    """The raw schema of the DuckDB warehouse; the writes join the validation's transaction (all or nothing)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._restricted: pii.DuckDBRestricted | None = None

    @property
    def restricted(self) -> pii.RestrictedWriter:
        """The restricted DuckDB file (`lafa.pii.restricted_duckdb_path`), its own database and connection."""
        if self._restricted is None:
            self._restricted = pii.DuckDBRestricted(pii.restricted_duckdb_path(self.con))
        return self._restricted

    def loaded_as(self, source: str, sha: str) -> str | None:
        seen = self.con.execute(
            f"select file from {RAW_SCHEMA}._load_log where source = ? and sha256 = ? limit 1", [source, sha]
        ).fetchone()
        return None if seen is None else str(seen[0])

    def logged_files(self) -> dict[tuple[str, str, int, int], str]:
        rows = self.con.execute(
            f"select source, file, file_size, file_mtime_ns, sha256 from {RAW_SCHEMA}._load_log"
            " where file_mtime_ns is not null"
        ).fetchall()
        return {(source, file, size, mtime): sha for source, file, size, mtime, sha in rows}

    def remember_file(self, source: str, name: str, sha: str, file_stat: tuple[int, int]) -> None:
        self.con.execute(
            f"update {RAW_SCHEMA}._load_log set file_size = ?, file_mtime_ns = ? where source = ? and file = ?"
            " and sha256 = ?",
            [*file_stat, source, name, sha],
        )

    def write(self, con: duckdb.DuckDBPyConnection, source: Source, name: str, sha: str, log: LogRow) -> None:
        if log.rows_loaded:  # a rejected file's batch has no parsed columns
            columns = ", ".join(raw_columns(source))
            # by name: a column added to the contract later was appended to an older table (after the lineage)
            con.execute(
                f"insert into {RAW_SCHEMA}.{source.name} ({columns}, _file, _file_sha256, _row_number, _loaded_at)"
                f" select {columns}, ?, ?, _row_number, now() from _validated where _reason is null",
                [name, sha],
            )
        if log.rows_quarantined:
            con.execute(
                f"insert into {RAW_SCHEMA}._quarantine (source, file, file_sha256, row_number, reason, raw_record,"
                f" quarantined_at, raw_bytes) select ?, ?, ?, _row_number, _reason, _raw_record, now(),"
                f" {QUARANTINE_BYTES} from _validated where _reason is not null",
                [source.name, name, sha],
            )
        con.execute(
            f"insert into {RAW_SCHEMA}._load_log ({', '.join(name for name, _ in LOAD_LOG)})"
            " values (?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?)",
            [source.name, name, sha, *log.counts(), log.file_size, log.file_mtime_ns, log.encoding],
        )


@dataclass(frozen=True)
class Attempt:
    """How a file is read: its encoding (CSV), and what rejects it whole, if known before its rows are read (then
    every row is quarantined with it, its bytes kept; a rejected CSV file is read as lines)."""

    encoding: tuple[str | None, str] = UTF8
    file_error: str | None = None
    not_utf8: str | None = None  # why the file is not UTF-8 (an attempt at another encoding)


class Retry(Exception):
    """Read the file again (after a rollback) as `attempt` says: learnt while reading it, e.g. it is not UTF-8."""

    def __init__(self, attempt: Attempt) -> None:
        super().__init__(attempt.file_error or attempt.encoding[0])
        self.attempt = attempt


def _load(
    con: duckdb.DuckDBPyConnection,
    sink: Sink,
    source: Source,
    name: str,
    open_content: Callable[[], Content],
    file_stat: tuple[int, int] | None,
    sha: str | None,
    row_progress: RowProgress | None,
) -> FileResult:
    """One file, whole or not at all; read again only when reading it showed it must be read otherwise (`Retry`)."""
    if sha:
        skipped = _skip_if_loaded(sink, source, name, sha, file_stat)
        if skipped:
            return skipped
    attempt = Attempt()
    while True:
        try:
            return _commit(con, sink, source, name, open_content(), attempt, file_stat, sha, row_progress)
        except Retry as retry:
            attempt = retry.attempt


def _skip_if_loaded(
    sink: Sink, source: Source, name: str, sha: str, file_stat: tuple[int, int] | None
) -> FileResult | None:
    seen = sink.loaded_as(source.name, sha)
    if not seen:
        return None
    if seen == name and file_stat:  # touched, or logged before file stats were: skip it unread next time
        sink.remember_file(source.name, name, sha, file_stat)
    return FileResult(source.name, name, sha, "skipped", error=f"already loaded as {seen}")


def _validate_chunks(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    content: Content,
    attempt: Attempt,
    progress: Callable[[int], None],
) -> None:
    """Fill `_validated` chunk by chunk (each chunk's rows checked by one SQL statement); raises `Retry` when the
    file must be read otherwise."""
    telematics = source.name == "telematics"
    chunks = _telematics_chunks(content, attempt) if telematics else _csv_chunks(content, source, attempt)
    rows = 0
    for i, (batch, sql) in enumerate(_prefetched(chunks)):
        # several record batches: DuckDB scans an Arrow table one batch per thread (zero-copy slices)
        batch = pa.Table.from_batches(batch.to_batches(max_chunksize=SCAN_BATCH_ROWS), schema=batch.schema)
        con.register("batch", batch)
        con.execute(
            f"insert into _validated by name {sql}" if i else f"create or replace temp table _validated as {sql}"
        )
        con.unregister("batch")
        rows += batch.num_rows
        progress(rows)


def _prefetched(items: Iterator[T]) -> Iterator[T]:
    """`items`, each produced in a thread while the caller works on the one before: the next chunk is read,
    gunzipped, hashed and split (C code that releases the GIL) while DuckDB checks this one, on the other core."""
    queue: Queue[tuple[T | None, BaseException | None, bool]] = Queue(maxsize=1)
    stop = threading.Event()

    def put(entry: tuple[T | None, BaseException | None, bool]) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None, False)):
                    return
            put((None, None, True))
        except BaseException as error:  # Retry, I/O errors...: raised in the caller's thread
            put((None, error, True))

    thread = threading.Thread(target=produce, name="lafa-load-read", daemon=True)
    thread.start()
    try:
        while True:
            item, error, done = queue.get()
            if error is not None:
                raise error
            if done:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _rejected_sql(file_error: str, where: str = "true") -> str:
    """Every row of a file rejected whole: quarantined with the reason, its bytes kept."""
    return (
        f"select _row_number, {_literal('file rejected: ' + file_error)} as _reason, _raw_record, _raw_bytes"
        f" from batch where {where}"
    )


def _telematics_chunks(content: Content, attempt: Attempt) -> Iterator[tuple[pa.Table, str]]:
    if attempt.file_error is None:
        sql = _telematics_sql()
    else:
        lines = (
            f"select _row_number, {_line_text('_line[1:_length]')} as _raw_record, _line[1:_length] as _raw_bytes"
            " from batch where _length > 0 and not coalesce(regexp_full_match(try(decode(_line)), '\\s*'), false)"
        )
        sql = _rejected_sql(attempt.file_error).replace("from batch where true", f"from ({lines})")
    line = 1
    first = True
    for chunk in _line_chunks(content.pieces()):
        skip = 3 if first and chunk[:3] == b"\xef\xbb\xbf" else 0  # a byte order mark is not part of a line
        table, count = _lines_table(chunk, line, skip)
        line, first = line + count, False
        yield table, sql
    if first:  # an empty file: `_validated` still exists, empty
        yield _lines_table(memoryview(b""), 1)[0], sql
    if content.error and attempt.file_error is None:  # known only at its end: read it again, rejected
        raise Retry(replace(attempt, file_error=content.error))


class _PiecesReader(io.RawIOBase):
    """A binary stream over the content's pieces, for io.TextIOWrapper. `cp1252`: a piece holding a UTF-8 sequence
    means the file is broken UTF-8, not a Windows-1252 export (`Retry` as undecodable)."""

    def __init__(self, pieces: Iterator[bytes], attempt: Attempt) -> None:
        self.pieces, self.attempt, self.rest = pieces, attempt, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self.rest:
            piece = next(self.pieces, None)
            if piece is None:
                return 0
            if self.attempt.encoding == CP1252 and UTF8_SEQUENCE.search(piece):
                raise Retry(
                    Attempt(
                        UNDECODABLE,
                        f"{self.attempt.not_utf8}; it holds UTF-8 sequences, so it is UTF-8 with broken bytes, not "
                        "a Windows-1252 export: fix or re-export it as UTF-8",
                    )
                )
            self.rest = piece
        n = min(len(buffer), len(self.rest))
        buffer[:n] = self.rest[:n]
        self.rest = self.rest[n:]
        return n


def _csv_chunks(content: Content, source: Source, attempt: Attempt) -> Iterator[tuple[pa.Table, str]]:
    """A CSV file in chunks of rows, decoded as `attempt` says: UTF-8 first, then Windows-1252 (a file that is not
    UTF-8 but reads cleanly as cp1252: an Excel export), else rejected as undecodable (read as latin-1 so each
    row's bytes come back exactly)."""
    codec = attempt.encoding[1]
    text = io.TextIOWrapper(
        io.BufferedReader(_PiecesReader(content.pieces(), attempt), 1 << 20), encoding=codec, newline=""
    )
    state = _LineCount()
    try:
        if attempt.file_error:
            yield from _rejected_csv_lines(text, codec, attempt.file_error)
        else:
            yield from _csv_rows(text, source, codec, state)
    except UnicodeDecodeError as exc:
        where = f"{exc.reason} near line {state.lines + 1}"
        if attempt.encoding == UTF8:
            raise Retry(Attempt(CP1252, not_utf8=f"not valid UTF-8 ({where})")) from exc
        raise Retry(
            Attempt(UNDECODABLE, f"{attempt.not_utf8} nor Windows-1252 ({where}): re-export it as UTF-8")
        ) from exc
    except csv.Error as exc:
        raise Retry(replace(attempt, file_error=f"unparseable CSV: {exc}")) from exc
    except FileRejected as exc:
        raise Retry(replace(attempt, file_error=str(exc))) from exc


@dataclass
class _LineCount:
    lines: int = 0


def _without_line_end(line: str) -> str:
    return line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith(("\n", "\r")) else line


def _csv_rows(text: io.TextIOWrapper, source: Source, codec: str, state: _LineCount) -> Iterator[tuple[pa.Table, str]]:
    """Rows as text under the contract's column names, each with the exact text of its record (the physical lines
    the csv module consumed for it); structural problems become `_parse_error`."""
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in text:
            state.lines += 1
            consumed.append(line)
            yield line

    records = csv.reader(lines())
    header = next((row for row in records if row), None)
    if header is None:
        raise FileRejected("empty file: no header row")
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        raise FileRejected(f"duplicate column names in header: {', '.join(header)}")
    missing = validate.missing_columns(source, header)
    if missing:
        expected = [c.name + (" (optional)" if c.optional else "") for c in source.columns]
        raise FileRejected(
            f"missing required column(s) {', '.join(missing)}; "
            f"expected columns: {', '.join(expected)}; found: {', '.join(header)}"
        )
    sql = _csv_sql(source)
    chunk = _CsvChunk(source, header, codec, 1)
    consumed.clear()
    for row in records:
        record = _without_line_end("".join(consumed))
        consumed.clear()
        if not row:
            continue
        chunk.add(row, record)
        if chunk.rows == CSV_CHUNK_ROWS:
            yield chunk.table(), sql
            chunk = _CsvChunk(source, header, codec, chunk.first + chunk.rows)
    yield chunk.table(), sql


class _CsvChunk:
    """Up to CSV_CHUNK_ROWS parsed rows, as the columns of an Arrow table."""

    def __init__(self, source: Source, header: list[str], codec: str, first: int) -> None:
        self.source, self.header, self.codec, self.first = source, header, codec, first
        self.index = {name: i for i, name in enumerate(header)}
        self.extra = [h for h in header if h not in source.column_names]
        self.columns: dict[str, list[str | None]] = {c: [] for c in source.column_names}
        self.extras: list[str | None] = []
        self.raw: list[str] = []
        self.raw_bytes: list[bytes] = []
        self.errors: list[str | None] = []

    @property
    def rows(self) -> int:
        return len(self.raw)

    def add(self, row: list[str], record: str) -> None:
        self.raw.append(record)
        if self.codec != UTF8[1]:  # the text re-encoded: the row's bytes as they arrived
            self.raw_bytes.append(record.encode(self.codec))
        ok = len(row) == len(self.header)
        self.errors.append(None if ok else f"expected {len(self.header)} fields, found {len(row)}")
        for c in self.source.column_names:  # an optional column absent from the header is NULL
            self.columns[c].append(row[self.index[c]] if ok and c in self.index else None)
        self.extras.append(json.dumps({h: row[self.index[h]] for h in self.extra}) if ok and self.extra else None)

    def table(self) -> pa.Table:
        n = self.rows
        return pa.table(
            {
                "_row_number": pa.array(range(self.first, self.first + n), pa.int64()),
                **{c: pa.array(v, pa.string()) for c, v in self.columns.items()},
                "_extra_columns": pa.array(self.extras, pa.string()),
                "_raw_record": pa.array(self.raw, pa.string()),
                "_raw_bytes": pa.array(self.raw_bytes or [None] * n, pa.binary()),
                "_parse_error": pa.array(self.errors, pa.string()),
            }
        )


def _rejected_csv_lines(text: io.TextIOWrapper, codec: str, file_error: str) -> Iterator[tuple[pa.Table, str]]:
    """A CSV file rejected whole: its non-blank lines after the first (the header) are its rows."""
    sql = _rejected_sql(file_error)
    records: list[str] = []
    header_seen = False
    first = 1

    def table() -> pa.Table:
        raw_bytes = [r.encode(codec) for r in records] if codec != UTF8[1] else [None] * len(records)
        return pa.table(
            {
                "_row_number": pa.array(range(first, first + len(records)), pa.int64()),
                "_raw_record": pa.array(records, pa.string()),
                "_raw_bytes": pa.array(raw_bytes, pa.binary()),
            }
        )

    for line in text:
        record = _without_line_end(line)
        if not record.strip():
            continue
        if header_seen:
            records.append(record)
        header_seen = True
        if len(records) == CSV_CHUNK_ROWS:
            yield table(), sql
            first, records = first + len(records), []
    yield table(), sql


def _whole_file_checks(con: duckdb.DuckDBPyConnection, source: Source) -> str | None:
    """The checks of a CSV file that need all its rows, on `_validated`: keys seen twice (row reasons), and why the
    file is rejected whole, if it is."""
    duplicates = _duplicate_key_sql(source)
    if duplicates:
        con.execute(duplicates)
    return _one_per_file_error(con, source)


def _one_per_file_error(con: duckdb.DuckDBPyConnection, source: Source) -> str | None:
    """Why the file is rejected whole, if a `one_per_file` column holds two instants (e.g. two export cuts in one
    payments file): rows of two exports in one file cannot be ordered by their export downstream."""
    for column in source.columns:
        if not column.one_per_file:
            continue
        texts = {
            str(v)
            for (v,) in con.execute(
                f"select distinct trim({column.name}) as v from _validated where nullif(trim({column.name}), '')"
                " is not null"
            ).fetchall()
        }
        instants: dict[dt.datetime, str] = {}
        for text in sorted(texts):
            parsed = _instant(text)
            if parsed is not None:  # an unreadable value is a row check's business
                instants.setdefault(parsed, text)
        if len(instants) > 1:
            shown = ", ".join(instants[k] for k in sorted(instants)[:3]) + (", ..." if len(instants) > 3 else "")
            return (
                f"{len(instants)} distinct {column.name} values in one file ({shown}); "
                f"a file holds one export, with one {column.name}"
            )
    return None


def _instant(text: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else None


def _check(column: Column) -> list[str]:
    """SQL expressions that are a reason string when the value breaks the contract, else null."""
    c = f"nullif(trim({column.name}), '')"
    n = column.name
    bad: list[tuple[str, str]] = []  # (condition on a non-blank value, reason)
    if column.kind == "int":
        bad.append((f"not regexp_full_match({c}, '[+-]?[0-9]+')", "is not an integer"))
    elif column.kind == "money":
        pattern = f"[+-]?[0-9]+([.][0-9]{{1,{MONEY_DECIMALS}}})?"
        bad.append(
            (f"not regexp_full_match({c}, '{pattern}')", f"is not an amount with at most {MONEY_DECIMALS} decimals")
        )
    elif column.kind == "number":
        bad.append((f"not regexp_full_match({c}, '{DECIMAL_NUMBER}')", "is not a decimal number"))
    if column.kind in ("int", "number", "money"):
        value = f"try_cast({c} as double)"
        bad.append((f"{value} is null or not isfinite({value})", "is not a number"))
        bad.append((f"{value} < {column.min_value}", f"is below {column.min_value:g}"))
        bad.append((f"{value} > {column.max_value}", f"is above {column.max_value:g}"))
    elif column.kind == "timestamp":
        timestamp = f"try_cast({c} as timestamptz)"
        bad.append(
            (
                f"not regexp_full_match({c}, '{ISO_TIMESTAMP}') or {timestamp} is null",
                "is not an ISO-8601 timestamp with offset",
            )
        )
        bad.append((f"{timestamp} > {_now_sql()} + {FUTURE_TOLERANCE}", "is in the future"))
        bad.append((f"{timestamp} < {_EARLIEST_SQL}", f"is before {EARLIEST_VALID_DATE}{_EARLIEST_WHY}"))
    elif column.kind == "date":
        date = f"try_cast({c} as date)"
        bad.append(
            (f"not regexp_full_match({c}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') or {date} is null", "is not a YYYY-MM-DD date")
        )
        bad.append((f"{date} < date '{EARLIEST_VALID_DATE}'", f"is before {EARLIEST_VALID_DATE}{_EARLIEST_WHY}"))
        bad.append((f"{date} > date '{LATEST_VALID_DATE}'", f"is after {LATEST_VALID_DATE}"))
    elif column.kind == "month":
        month = f"try_cast({c} || '-01' as date)"
        bad.append((f"not regexp_full_match({c}, '\\d{{4}}-(0[1-9]|1[0-2])')", "is not a YYYY-MM month"))
        bad.append((f"{month} < date '{EARLIEST_VALID_DATE}'", f"is before {EARLIEST_VALID_DATE[:7]}{_EARLIEST_WHY}"))
        bad.append(
            (
                f"{month} > date_trunc('month', timezone('UTC', {_now_sql()}))",
                "is a month that has not started",
            )
        )
    elif column.kind in ("enum", "bool"):
        values = column.values or ("true", "false")
        allowed = ", ".join(f"'{v}'" for v in values)
        bad.append((f"lower({c}) not in ({allowed})", f"is not one of {'/'.join(values)}"))
    checks = [f"case when {c} is null then '{n} is missing' end"] if column.required else []
    checks += [f"case when {c} is not null and ({condition}) then '{n} {reason}' end" for condition, reason in bad]
    return checks


def _order_checks(source: Source) -> list[str]:
    """A reason when both values of an `ordered` pair are present and the second is less than the first."""
    kinds = {c.name: c.kind for c in source.columns}
    checks = []
    for first, then in source.ordered:
        sql_type = "timestamptz" if kinds[first] == "timestamp" else "double"
        a, b = (f"try_cast(nullif(trim({n}), '') as {sql_type})" for n in (first, then))
        checks.append(f"case when {b} < {a} then '{then} is before {first}' end")
    return checks


def _csv_sql(source: Source) -> str:
    """The row checks of one chunk of a CSV file (text columns in `batch`); keys are checked on the whole file
    afterwards (`_duplicate_key_sql`)."""
    checks = [check for column in source.columns for check in _check(column)] + _order_checks(source)
    reason = f"coalesce(_parse_error, nullif(concat_ws('; ', {', '.join(checks)}), ''))"
    return f"select *, {reason} as _reason from batch"


def _duplicate_key_sql(source: Source) -> str | None:
    """Every row of a key seen twice in this file, once all its chunks are in `_validated`: the keys counted more
    than once (a hash aggregate) joined back, the reason appended to the row's others."""
    if not source.key:
        return None
    key = f"nullif(trim({source.key}), '')"
    return (
        f"update _validated set _reason = concat_ws('; ', _reason, 'duplicate {source.key} in file (' || _dup._rows"
        f" || ' rows)') from (select {key} as _key, count(*) as _rows from _validated where {key} is not null"
        f" group by 1 having count(*) > 1) as _dup where _dup._key = nullif(trim(_validated.{source.key}), '')"
        " and _validated._parse_error is null"
    )


def _json_shape(fields: tuple[tuple[str, str, str, bool], ...]) -> str:
    """A from_json structure reading every field of `fields` as text (one JSON parse per line)."""
    shape: dict[str, object] = {}
    for _, path, _, _ in fields:
        node = shape
        *parents, leaf = path.removeprefix("$.").split(".")
        for key in parents:
            node = node.setdefault(key, {})  # type: ignore[assignment]
        node[leaf] = "VARCHAR"
    return json.dumps(shape)


TYPE_NAMES = {
    "timestamp": "an ISO-8601 timestamp with offset",
    "bigint": "an integer",
    "integer": "an integer",
    "double": "a number",
}


def _json_object(text: str) -> str:
    """SQL: `text` may be a JSON object (its first non-blank character is "{"); then a failed from_json (try: null)
    means it is not valid JSON. One parse instead of three (json_valid, json_type, from_json): 0.3 s per 233k lines."""
    return f"starts_with(ltrim({text}, chr(32) || chr(9) || chr(10) || chr(13)), '{{')"


def _telematics_sql() -> str:
    """Decode line bytes -> UTF-8 -> envelope -> base64 -> payload JSON, type and range checks, in one pass over a
    chunk of lines (`batch`: _row_number, _line with its line end, _length without it). Only a quarantined row keeps
    its text and bytes: copying every line into `_validated` cost more than the checks."""

    def text(doc: str, path: str) -> str:
        return doc + "".join(f"['{key}']" for key in path.removeprefix("$.").split("."))

    def typed(name: str, doc: str, path: str, sql_type: str) -> str:
        if sql_type == "varchar":
            return f"{text(doc, path)} as {name}"
        if sql_type == "timestamp":  # only with an offset: a naive time is not taken as UTC
            value = text(doc, path)
            return (
                f"case when regexp_full_match({value}, '{ISO_TIMESTAMP}')"
                f" then timezone('UTC', try_cast({value} as timestamptz)) end as {name}"
            )
        if sql_type in ("bigint", "integer"):  # integral only (from_json writes 1e3 as '1000.0'): 0.82 is not 1
            value = text(doc, path)
            integral = f"regexp_full_match({value}, '-?[0-9]+([.]0*)?')"
            return f"case when {integral} then try_cast({value} as {sql_type}) end as {name}"
        return f"try_cast({text(doc, path)} as {sql_type}) as {name}"

    def type_check(name: str, doc: str, path: str, sql_type: str, required: bool) -> list[str]:
        checks = []
        if required:
            checks.append(f"case when {doc} is not null and {text(doc, path)} is null then '{path} is missing' end")
        if sql_type != "varchar":
            what = TYPE_NAMES[sql_type]
            checks.append(f"case when {text(doc, path)} is not null and {name} is null then '{path} is not {what}' end")
        if sql_type == "timestamp":
            checks.append(f"case when {name} > {now} + {FUTURE_TOLERANCE} then '{path} is in the future' end")
            checks.append(
                f"case when {name} < {_EARLIEST_SQL} then '{path} is before {EARLIEST_VALID_DATE}{_EARLIEST_WHY}' end"
            )
        return checks

    now = _now_sql()
    names = [name for name, *_ in TELEMATICS_FIELDS + TELEMATICS_PAYLOAD_FIELDS]
    env = [typed(n, "envelope", p, t) for n, p, t, _ in TELEMATICS_FIELDS]
    payload = [typed(n, "payload", p, t) for n, p, t, _ in TELEMATICS_PAYLOAD_FIELDS]
    checks = [
        "case when _raw_record is null then 'line is not valid UTF-8' end",
        "case when _raw_record is not null and envelope is null then 'line is not a JSON object' end",
        "case when envelope is not null and payload_text is null then '$.message.data is not base64 of UTF-8 text' end",
        "case when payload_text is not null and payload is null then 'payload is not a JSON object' end",
    ]
    for fields, doc in ((TELEMATICS_FIELDS, "envelope"), (TELEMATICS_PAYLOAD_FIELDS, "payload")):
        for name, path, sql_type, required in fields:
            checks += type_check(name, doc, path, sql_type, required)
    for name, low, high in TELEMATICS_RANGES:
        checks.append(f"case when {name} < {low} then '{name} is below {low}' end")
        if high is not None:
            checks.append(f"case when {name} > {high} then '{name} is above {high}' end")
    for name, low, high in TELEMATICS_UNIT_ERRORS:
        checks.append(
            f"case when {name} > {low} and {name} < {high} then '{name} is between {low} and {high}:"
            " a percent or a fraction in a milli-percent field' end"
        )
    known = ", ".join(f"'{schema}'" for schema in TELEMATICS_SCHEMAS)
    checks.append(
        f"case when attributes_schema is distinct from null and attributes_schema not in ({known})"
        f" then '$.message.attributes.schema ' || attributes_schema || ' is not {'/'.join(TELEMATICS_SCHEMAS)}' end"
    )
    envelope_shape = _json_shape((*TELEMATICS_FIELDS, ("data", "$.message.data", "varchar", True)))
    return f"""
        with lines as (
            select _row_number, _line, _length, try(decode(_line)) as _raw_record from batch where _length > 0
        ),
        envelopes as (
            select _row_number, _line, _length, _raw_record,
                case when {_json_object("_raw_record")} then try(from_json(_raw_record, '{envelope_shape}')) end
                    as envelope,
            from lines
            where not coalesce(regexp_full_match(_raw_record, '\\s*'), false)
        ),
        decoded as (
            select *, try(decode(from_base64(envelope['message']['data']))) as payload_text,
            from envelopes
        ),
        payloads as (
            select *,
                case when {_json_object("payload_text")}
                    then try(from_json(payload_text, '{_json_shape(TELEMATICS_PAYLOAD_FIELDS)}')) end as payload,
            from decoded
        ),
        typed as (
            select *, {", ".join(env + payload)} from payloads
        )
        select {", ".join(["_row_number", *names])}, _reason,
            case when _reason is not null then {_line_text("_line[1:_length]")} end as _raw_record,
            case when _reason is not null then _line[1:_length] end as _raw_bytes,
        from (select *, nullif(concat_ws('; ', {", ".join(checks)}), '') as _reason from typed)
    """


def _fault_point(name: str) -> None:
    """Test hook: with LAFA_LOAD_PAUSE_BEFORE_COMMIT=<seconds>, announce and wait inside the open transaction,
    so a test can kill the process mid-load (tests/python/test_load_crash.py)."""
    pause = os.environ.get("LAFA_LOAD_PAUSE_BEFORE_COMMIT")
    if pause:
        print(f"about to commit {name}", file=sys.stderr, flush=True)
        time.sleep(float(pause))


def _ge_gate(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Great Expectations on the typed rows that passed the SQL checks; rows it flags go to quarantine too."""
    typed_sql, _ = validate.plan(source)
    # arrow-backed columns: no conversion to numpy objects (0.05 s instead of 0.19 s per 233k telematics rows)
    frame = con.sql(typed_sql).to_arrow_table().to_pandas(types_mapper=pd.ArrowDtype)
    failures = validate.row_failures(source, frame)
    if failures:
        flagged = pa.table(
            {
                "_row_number": pa.array(list(failures), pa.int64()),
                "_ge_reason": pa.array(list(failures.values()), pa.string()),
            }
        )
        con.register("ge_failures", flagged)
        con.execute(
            "update _validated set _reason = f._ge_reason from ge_failures as f"
            " where _validated._row_number = f._row_number"
        )
        con.unregister("ge_failures")


def _commit(
    con: duckdb.DuckDBPyConnection,
    sink: Sink,
    source: Source,
    name: str,
    content: Content,
    attempt: Attempt,
    file_stat: tuple[int, int] | None,
    sha: str | None,
    row_progress: RowProgress | None,
) -> FileResult:
    """One transaction: `_validated` filled chunk by chunk, the whole-file checks, the GE gate, `sink.write`,
    commit. A file whose content turns out to be loaded already (known once read) is rolled back and skipped."""
    started = time.monotonic()

    def progress(rows: int) -> None:
        if row_progress:
            row_progress(name, rows, time.monotonic() - started)

    con.execute("begin transaction")
    try:
        _validate_chunks(con, source, content, attempt, progress)
        sha = sha or content.sha
        if sink.loaded_as(source.name, sha):
            con.execute("rollback")
            return _skip_if_loaded(sink, source, name, sha, file_stat) or FileResult(source.name, name, sha, "skipped")
        file_error = attempt.file_error or content.error
        if file_error is None and source.name != "telematics":
            file_error = _whole_file_checks(con, source)
        if file_error is None:
            _ge_gate(con, source)
        elif attempt.file_error is None:  # found after the rows were checked: every row goes, with its bytes
            con.execute("update _validated set _reason = ?", [f"file rejected: {file_error}"])
        # personal data (lafa/pii.py): originals to the restricted store, committed there first; `_validated`
        # tokenised and redacted in place before anything reaches the sink
        pii.protect(con, source, name, sha, sink.restricted)
        offered, quarantined = con.execute(
            "select count(*), count(*) filter (where _reason is not null) from _validated"
        ).fetchone()
        status = "rejected" if file_error else "quarantined" if offered and quarantined == offered else "loaded"
        log = LogRow(
            offered,
            offered - quarantined,
            quarantined,
            status,
            file_error,
            *(file_stat or (None, None)),
            encoding=attempt.encoding[0],
        )
        sink.write(con, source, name, sha, log)
        con.execute("drop table _validated")
        _fault_point(name)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return FileResult(
        source.name,
        name,
        sha,
        log.status,
        log.rows_offered,
        log.rows_loaded,
        log.rows_quarantined,
        file_error,
        log.encoding,
    )
