"""The loader: every row offered is loaded or quarantined, reloads are no-ops, bad files are rejected."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
from builders import envelope, payment, ping, write_csv, write_telematics
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


# --- optional columns, one export per payments file, duplicate keys inside a file, the loader's clock -------------

OLD_PAYMENT_COLUMNS = ["payment_id", "contract_id", "paid_at", "amount_mxn", "method", "status"]


def _log(warehouse: Warehouse) -> dict[str, tuple]:
    return {
        r[0]: r[1:]
        for r in warehouse.query(
            "select file, rows_offered, rows_loaded, rows_quarantined, status, error from raw._load_log"
        )
    }


def test_an_optional_column_may_be_absent_and_the_raw_table_always_has_it(warehouse: Warehouse) -> None:
    """payments.exported_at and vehicles.disposed_at came later: files without them load (NULL in raw), files with
    them keep the text; the raw tables have both columns before any file."""
    warehouse.landing.mkdir()
    assert warehouse.lafa("load", str(warehouse.landing)).returncode == 0
    for table, column in (("payments", "exported_at"), ("vehicles", "disposed_at")):
        assert warehouse.query(
            "select count(*) from information_schema.columns where table_schema = 'raw' and table_name = ?"
            " and column_name = ?",
            [table, column],
        ) == [(1,)]
    write_csv(warehouse.landing, "payments", "old.csv", [payment("p1")], columns=OLD_PAYMENT_COLUMNS)
    write_csv(
        warehouse.landing, "payments", "new.csv", [payment("p2", exported_at="2026-01-13T12:04:00Z"), payment("p3")]
    )
    done = warehouse.lafa("load", str(warehouse.landing))
    assert done.returncode == 0, done.stderr
    assert warehouse.query("select payment_id, exported_at from raw.payments order by 1") == [
        ("p1", None),
        ("p2", "2026-01-13T12:04:00Z"),
        ("p3", ""),  # a blank value of a column the file has: text as it arrived
    ]
    log = _log(warehouse)
    assert (log["payments/old.csv"], log["payments/new.csv"]) == ((1, 1, 0, "loaded", None), (2, 2, 0, "loaded", None))


def test_a_raw_table_from_before_an_optional_column_gains_it_and_loads_by_name(warehouse: Warehouse) -> None:
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.payments (payment_id varchar, contract_id varchar, paid_at varchar, amount_mxn varchar,"
            " method varchar, status varchar, _extra_columns varchar, _file varchar, _file_sha256 varchar,"
            " _row_number bigint, _loaded_at timestamp)"
        )
    write_csv(warehouse.landing, "payments", "new.csv", [payment("p2", exported_at="2026-01-13T12:04:00Z")])
    assert warehouse.lafa("load", str(warehouse.landing)).returncode == 0
    assert warehouse.query("select payment_id, exported_at, _file, _row_number from raw.payments") == [
        ("p2", "2026-01-13T12:04:00Z", "payments/new.csv", 1)
    ]


def test_a_payments_file_with_two_export_times_is_rejected_whole(warehouse: Warehouse) -> None:
    """One export, one exported_at: two instants in one file cannot both be the file's cut. The same instant
    spelled with another offset, and blanks, are one export."""
    write_csv(
        warehouse.landing,
        "payments",
        "2026-01-12.csv",
        [
            payment("p1", exported_at="2026-01-13T12:04:00Z"),
            payment("p2", exported_at="2026-01-13T06:04:00-06:00"),
            payment("p3", exported_at=""),
        ],
    )
    write_csv(
        warehouse.landing,
        "payments",
        "2026-01-13.csv",
        [
            payment("p4", exported_at="2026-01-14T12:00:00Z"),
            payment("p5", exported_at="2026-01-15T12:00:00Z", amount_mxn="-1"),
            payment("p6", exported_at="2026-01-14T12:00:00Z"),
        ],
    )
    done = warehouse.lafa("load", str(warehouse.landing))
    assert done.returncode == 1
    message = (
        "2 distinct exported_at values in one file (2026-01-14T12:00:00Z, 2026-01-15T12:00:00Z); "
        "a file holds one export, with one exported_at"
    )
    assert f"error: payments/2026-01-13.csv rejected: {message}" in done.stderr
    assert "Traceback" not in done.stderr
    log = _log(warehouse)
    assert log["payments/2026-01-12.csv"] == (3, 3, 0, "loaded", None)
    assert log["payments/2026-01-13.csv"] == (3, 0, 3, "rejected", message)
    assert warehouse.query("select payment_id from raw.payments order by 1") == [("p1",), ("p2",), ("p3",)]
    assert warehouse.query(
        "select row_number, reason from raw._quarantine where file = 'payments/2026-01-13.csv' order by 1"
    ) == [(n, f"file rejected: {message}") for n in (1, 2, 3)]


def test_rows_sharing_a_key_inside_one_file_are_all_quarantined(warehouse: Warehouse) -> None:
    """Two rows of one key in one export: which is right is unknowable, so neither loads. The same key in another
    file is normal (a newer export of the same payment) and loads."""
    write_csv(
        warehouse.landing,
        "payments",
        "2026-01-12.csv",
        [
            payment("p1"),
            payment("p2", status="succeeded"),
            payment(" p2 ", status="reversed"),  # the same key after trim
            payment("p3"),
            payment("p3", amount_mxn="-5"),  # also bad on its own: both reasons
            payment("p3"),
            payment(""),  # a blank key is missing, not a duplicate
            payment(""),
        ],
    )
    write_csv(warehouse.landing, "payments", "2026-01-13.csv", [payment("p1", status="reversed"), payment("p4")])
    write_csv(
        warehouse.landing,
        "lto_contracts",
        "lto_contracts.csv",
        [
            {
                "contract_id": cid,
                "application_id": "a1",
                "driver_id": "d1",
                "vehicle_id": "v1",
                "signed_at": "2026-01-01T10:00:00-06:00",
                "first_due_date": "2026-01-08",
                "term_weeks": "156",
                "weekly_payment_mxn": "2899.00",
                "down_payment_mxn": "10000.00",
                "status": status,
            }
            for cid, status in (("c1", "active"), ("c2", "active"), ("c1", "terminated"))
        ],
    )
    done = warehouse.lafa("load", str(warehouse.landing))
    assert done.returncode == 0, done.stderr
    log = _log(warehouse)
    assert log["payments/2026-01-12.csv"] == (8, 1, 7, "loaded", None)
    assert log["payments/2026-01-13.csv"] == (2, 2, 0, "loaded", None)
    assert log["lto_contracts/lto_contracts.csv"] == (3, 1, 2, "loaded", None)
    for offered, loaded, quarantined, *_ in log.values():
        assert offered == loaded + quarantined
    reasons = dict(
        warehouse.query("select row_number, reason from raw._quarantine where file = 'payments/2026-01-12.csv'")
    )
    assert reasons == {
        2: "duplicate payment_id in file (2 rows)",
        3: "duplicate payment_id in file (2 rows)",
        4: "duplicate payment_id in file (3 rows)",
        5: "amount_mxn is below 0.01; duplicate payment_id in file (3 rows)",
        6: "duplicate payment_id in file (3 rows)",
        7: "payment_id is missing",
        8: "payment_id is missing",
    }
    assert warehouse.query("select payment_id, status, _file from raw.payments order by all") == [
        ("p1", "reversed", "payments/2026-01-13.csv"),
        ("p1", "succeeded", "payments/2026-01-12.csv"),
        ("p4", "succeeded", "payments/2026-01-13.csv"),
    ]
    assert warehouse.query("select contract_id from raw.lto_contracts") == [("c2",)]
    assert set(warehouse.query("select reason from raw._quarantine where source = 'lto_contracts'")) == {
        ("duplicate contract_id in file (2 rows)",)
    }
    before = _snapshot(warehouse)
    again = warehouse.lafa("load", str(warehouse.landing))
    assert again.returncode == 0 and "0 new file(s)" in again.stdout
    assert _snapshot(warehouse) == before


def test_every_keyed_source_quarantines_a_key_seen_twice_in_one_file() -> None:
    from lafa.contract import CSV_SOURCES
    from lafa.load import load_bytes
    from lafa.warehouse import ensure_raw_tables

    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    ensure_raw_tables(con)
    keyed = [s for s in CSV_SOURCES if s.key]
    assert {s.name for s in CSV_SOURCES} - {s.name for s in keyed} == {"diagnostic_codes"}
    for source in keyed:
        header = ",".join(source.column_names)
        row = ",".join(f"{source.key}-1" if c == source.key else "" for c in source.column_names)
        result = load_bytes(con, source, f"{header}\n{row}\n{row}\n".encode(), f"{source.name}.csv")
        assert (result.rows_offered, result.rows_loaded, result.rows_quarantined) == (2, 0, 2), source.name
        reasons = con.execute("select reason from raw._quarantine where source = ?", [source.name]).fetchall()
        assert all(f"duplicate {source.key} in file (2 rows)" in r for (r,) in reasons), reasons


def test_lafa_now_moves_the_loaders_clock_for_a_fleet_past_today(warehouse: Warehouse) -> None:
    write_csv(warehouse.landing, "payments", "2027-01-10.csv", [payment("p1", paid_at="2027-01-10T18:00:00Z")])
    bad = warehouse.lafa("load", str(warehouse.landing))
    assert bad.returncode == 1  # its one row quarantined: the file's status is `quarantined`
    assert warehouse.query("select reason from raw._quarantine") == [("paid_at is in the future",)]

    shutil.rmtree(warehouse.landing)
    write_csv(warehouse.landing, "payments", "2027-01-11.csv", [payment("p2", paid_at="2027-01-11T18:00:00Z")])
    env = dict(warehouse.env, LAFA_NOW="2027-01-12")  # no offset: refused
    wrong = subprocess.run(
        [sys.executable, "-m", "lafa.cli", "load", str(warehouse.landing)], env=env, capture_output=True, text=True
    )
    assert wrong.returncode == 2 and wrong.stderr.startswith("error: LAFA_NOW must be an ISO-8601 timestamp")
    env["LAFA_NOW"] = "2027-01-12T00:00:00Z"
    done = subprocess.run(
        [sys.executable, "-m", "lafa.cli", "load", str(warehouse.landing)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert warehouse.query("select payment_id from raw.payments") == [("p2",)]
