"""The loader: every row offered is loaded or quarantined, reloads are no-ops, bad files are rejected."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import duckdb
from builders import envelope, ping, write_csv, write_telematics
from conftest import Warehouse

RAW_TABLES = ["telematics", "payments", "lto_contracts", "_load_log", "_quarantine"]


def _payments(landing: Path) -> None:
    write_csv(
        landing,
        "payments",
        "2026-01.csv",
        [
            {
                "payment_id": "p1",
                "contract_id": "c1",
                "paid_at": "2026-01-12T18:00:00Z",
                "amount_mxn": "1000.00",
                "method": " OXXO",
                "status": "Succeeded ",
            },
            {
                "payment_id": "p2",
                "contract_id": "c1",
                "paid_at": "yesterday",
                "amount_mxn": "-5",
                "method": "bitcoin",
                "status": "succeeded",
            },
            {
                "payment_id": "",
                "contract_id": "c1",
                "paid_at": "2026-01-12T18:00:00Z",
                "amount_mxn": "10",
                "method": "spei",
                "status": "failed",
            },
        ],
    )


def _telematics(landing: Path) -> None:
    good = [envelope(f"m{i}", ping("veh_1", f"2026-01-10T15:{i:02d}:00Z", 50, 1000 + i)) for i in range(5)]
    bad = [
        "{not json",
        '{"message": {"data": "***", "messageId": "x", "publishTime": "2026-01-10T15:00:00Z"}}',
        envelope("m_soc", ping("veh_1", "2026-01-10T16:00:00Z", 101.5, 2000)),
        envelope("m_future", ping("veh_1", "2099-01-01T00:00:00Z", 50, 2000)),
    ]
    write_telematics(landing, "2026-01-10.jsonl", good + bad + [good[0]])  # last line: a redelivery


def _snapshot(warehouse: Warehouse) -> dict[str, list[tuple]]:
    return {
        t: warehouse.query(f"select * exclude (_loaded_at) from raw.{t} order by all")
        if not t.startswith("_")
        else warehouse.query(
            f"select * exclude ({'loaded_at' if t == '_load_log' else 'quarantined_at'}) from raw.{t} order by all"
        )
        for t in RAW_TABLES
    }


def test_every_row_is_loaded_or_quarantined_with_a_reason(warehouse: Warehouse) -> None:
    _payments(warehouse.landing)
    _telematics(warehouse.landing)
    done = warehouse.lafa("load", str(warehouse.landing))
    assert done.returncode == 0, done.stderr

    log = {
        r[0]: r[1:]
        for r in warehouse.query("select file, rows_offered, rows_loaded, rows_quarantined, status from raw._load_log")
    }
    # 10 lines offered: 5 good + 1 redelivery (kept in raw: delivery history) + 4 bad
    assert log["telematics/2026-01-10.jsonl"] == (10, 6, 4, "loaded")
    assert log["payments/2026-01.csv"] == (3, 1, 2, "loaded")
    for offered, loaded, quarantined, _ in log.values():
        assert offered == loaded + quarantined

    reasons = dict(warehouse.query("select row_number, reason from raw._quarantine where source = 'payments'"))
    assert "paid_at is not an ISO-8601 timestamp" in reasons[2]
    assert "amount_mxn is below 0" in reasons[2]
    assert "method is not one of oxxo/spei/card/cash" in reasons[2]
    assert reasons[3] == "payment_id is missing"
    tel = dict(warehouse.query("select row_number, reason from raw._quarantine where source = 'telematics'"))
    assert tel[6] == "line is not a JSON object"
    assert "not base64" in tel[7]
    assert tel[8] == "ev_state_of_charge_milli_percent is above 100000"
    assert tel[9] == "$.message.publishTime is in the future; $.time is in the future"
    # raw keeps the text as it arrived; staging trims and lower-cases
    assert warehouse.query("select method, status from raw.payments") == [(" OXXO", "Succeeded ")]


def test_reloading_the_same_folder_or_a_renamed_copy_changes_nothing(warehouse: Warehouse) -> None:
    _payments(warehouse.landing)
    _telematics(warehouse.landing)
    assert warehouse.lafa("load", str(warehouse.landing)).returncode == 0
    before = _snapshot(warehouse)
    assert warehouse.lafa("load", str(warehouse.landing)).returncode == 0
    shutil.copy(warehouse.landing / "payments" / "2026-01.csv", warehouse.landing / "payments" / "copy.csv")
    again = warehouse.lafa("load", str(warehouse.landing))
    assert again.returncode == 0
    assert "0 new file(s)" in again.stdout
    assert _snapshot(warehouse) == before


def test_gzip_files_load_as_their_content_and_a_broken_one_is_rejected(warehouse: Warehouse, tmp_path: Path) -> None:
    """`<pattern>.gz` landing files are read decompressed and known by their content's sha256 (the plain file of a
    loaded .gz is a duplicate). A broken gzip file is rejected with the reason, the rows it held quarantined."""
    _payments(warehouse.landing)
    _telematics(warehouse.landing)
    plain = [warehouse.landing / "payments" / "2026-01.csv", warehouse.landing / "telematics" / "2026-01-10.jsonl"]
    for path in plain:
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes()))
        path.rename(tmp_path / path.name)
    assert warehouse.lafa("load", str(warehouse.landing)).returncode == 0
    log = "select file, rows_offered, rows_loaded, rows_quarantined, status from raw._load_log order by file"
    assert warehouse.query(log) == [
        ("payments/2026-01.csv.gz", 3, 1, 2, "loaded"),  # as the plain files in the first test
        ("telematics/2026-01-10.jsonl.gz", 10, 6, 4, "loaded"),
    ]

    for path in plain:
        (tmp_path / path.name).rename(path)
    telematics = warehouse.landing / "telematics"
    lines = [envelope(f"t{i}", ping("veh_2", f"2026-01-11T10:0{i}:00Z", 60, 500 + i)) for i in range(2)]
    (telematics / "truncated.jsonl.gz").write_bytes(gzip.compress("\n".join(lines).encode())[:-4])  # no length
    (telematics / "garbage.jsonl.gz").write_bytes(b"PK\x03\x04 a zip file, not gzip")
    (telematics / "empty.jsonl.gz").write_bytes(b"")  # a failed write
    again = warehouse.lafa("load", str(warehouse.landing))
    assert again.returncode == 1
    assert "payments/2026-01.csv: skipped (already loaded as payments/2026-01.csv.gz)" in again.stderr
    assert "telematics/2026-01-10.jsonl: skipped (already loaded as telematics/2026-01-10.jsonl.gz)" in again.stderr
    assert "telematics/garbage.jsonl.gz rejected: not a readable gzip file" in again.stderr
    assert "Traceback" not in again.stderr
    rejected = warehouse.query(
        "select file, rows_offered, rows_loaded, rows_quarantined, error from raw._load_log where status = 'rejected'"
        " order by file"
    )
    assert [r[:4] for r in rejected] == [
        ("telematics/empty.jsonl.gz", 0, 0, 0),
        ("telematics/garbage.jsonl.gz", 0, 0, 0),
        ("telematics/truncated.jsonl.gz", 2, 0, 2),
    ]
    assert rejected[0][4].startswith("empty file: not gzip")
    assert rejected[2][4] == "truncated gzip file: its last member ends early"
    assert warehouse.query(
        "select row_number, raw_record from raw._quarantine where file = 'telematics/truncated.jsonl.gz' order by 1"
    ) == [(1, lines[0]), (2, lines[1])]
    assert warehouse.query("select count(*) from raw.telematics") == [(6,)]


def test_missing_required_column_rejects_the_file_naming_file_and_column(warehouse: Warehouse) -> None:
    path = warehouse.landing / "payments" / "broken.csv"
    path.parent.mkdir(parents=True)
    path.write_text("payment_id,contract_id,paid_at,method,status\np1,c1,2026-01-12T18:00:00Z,spei,succeeded\n")
    done = warehouse.lafa("load", str(warehouse.landing))
    assert done.returncode == 1
    assert "payments/broken.csv rejected: missing required column(s) amount_mxn" in done.stderr
    assert "Traceback" not in done.stderr
    assert warehouse.query("select rows_offered, rows_loaded, rows_quarantined, status from raw._load_log") == [
        (1, 0, 1, "rejected")
    ]
    assert warehouse.query("select count(*) from raw.payments") == [(0,)]


def test_every_raw_table_exists_before_its_first_file(warehouse: Warehouse) -> None:
    warehouse.landing.mkdir()
    assert warehouse.lafa("load", str(warehouse.landing)).returncode == 0
    tables = {
        r[0] for r in warehouse.query("select table_name from information_schema.tables where table_schema = 'raw'")
    }
    from lafa.contract import SOURCES

    assert tables == set(SOURCES) | {"_load_log", "_quarantine"}


def test_a_file_unchanged_since_its_load_is_skipped_unread_and_a_changed_one_is_read(warehouse: Warehouse) -> None:
    """Skipped unread: same name, size and modification time as logged. Any change of those means the file is read
    and hashed again: new bytes are loaded, the same bytes are skipped by their sha256."""
    _payments(warehouse.landing)
    _telematics(warehouse.landing)
    assert warehouse.lafa("load", str(warehouse.landing)).returncode == 0
    payments = warehouse.landing / "payments" / "2026-01.csv"
    assert warehouse.query(
        "select file_size, file_mtime_ns from raw._load_log where file = 'payments/2026-01.csv'"
    ) == [(payments.stat().st_size, payments.stat().st_mtime_ns)]

    unchanged = warehouse.lafa("load", str(warehouse.landing))
    assert unchanged.stderr.count("(unchanged since it was loaded)") == 2, unchanged.stderr
    rehashed = warehouse.lafa("load", "--rehash", str(warehouse.landing))
    assert rehashed.stderr.count("(already loaded as ") == 2, rehashed.stderr

    stat = payments.stat()
    os.utime(payments, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # touched, same bytes
    touched = warehouse.lafa("load", str(warehouse.landing))
    assert "payments/2026-01.csv: skipped (already loaded as payments/2026-01.csv)" in touched.stderr
    remembered = warehouse.lafa("load", str(warehouse.landing))  # the new time was recorded
    assert "payments/2026-01.csv: skipped (unchanged since it was loaded)" in remembered.stderr
    # rewritten in place: same size, new bytes (p1's amount 1000.00 -> 2000.00), a later time
    payments.write_bytes(payments.read_bytes().replace(b"1000.00", b"2000.00"))
    assert payments.stat().st_size == stat.st_size
    os.utime(payments, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    rewritten = warehouse.lafa("load", str(warehouse.landing))
    assert "1 new file(s)" in rewritten.stdout, rewritten.stdout
    assert warehouse.query("select amount_mxn from raw.payments where payment_id = 'p1' order by 1") == [
        ("1000.00",),
        ("2000.00",),
    ]


def test_a_load_log_from_before_file_stats_gains_the_columns(warehouse: Warehouse) -> None:
    """A warehouse whose load log predates file_size/file_mtime_ns: the loader adds the columns, old rows keep
    nulls (their files are hashed once more and skipped by sha256), new rows get both."""
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw._load_log (source varchar, file varchar, sha256 varchar, rows_offered bigint,"
            " rows_loaded bigint, rows_quarantined bigint, status varchar, error varchar, loaded_at timestamp)"
        )
        con.execute("insert into raw._load_log values ('payments', 'old.csv', 'ab', 1, 1, 0, 'loaded', null, now())")
    _payments(warehouse.landing)
    assert warehouse.lafa("load", str(warehouse.landing)).returncode == 0
    assert warehouse.query(
        "select file, file_size is not null, file_mtime_ns is not null from raw._load_log order by 1"
    ) == [
        ("old.csv", False, False),
        ("payments/2026-01.csv", True, True),
    ]
