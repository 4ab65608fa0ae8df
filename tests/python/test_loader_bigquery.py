"""`lafa load --target bigquery` against a local BigQuery emulator (crucible-emulator, in its own venv).

The emulator is taken from $LAFA_BQ_EMULATOR, else .venv-bqemu (`make test`), else installed once into
~/.cache/lafa/bqemu; the test is skipped, saying why, only if it cannot be installed. What the emulator cannot
run (DELETE, hence the cleanup after a crash between load jobs) is listed in docs/loader.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bq_emulator import PROJECT, client, free_port, start
from conftest import REPO, Warehouse, lafa_cli
from test_load import _payments, _telematics

CRUCIBLE = "crucible-emulator[server]==0.1.0a2"


def _emulator() -> Path:
    for candidate in (os.environ.get("LAFA_BQ_EMULATOR"), REPO / ".venv-bqemu" / "bin" / "crucible"):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    venv = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "lafa" / "bqemu"
    crucible = venv / "bin" / "crucible"
    if not crucible.exists():
        done = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True)
        if done.returncode == 0:
            done = subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", CRUCIBLE], capture_output=True
            )
        if done.returncode != 0 or not crucible.exists():
            pytest.skip(f"cannot install {CRUCIBLE}: {done.stderr.decode()[-300:]}")
    return crucible


def test_load_jobs_into_partitioned_raw_tables_with_the_same_load_log(warehouse: Warehouse, monkeypatch) -> None:
    monkeypatch.setenv("LAFA_BQ_EMULATOR", str(_emulator()))
    import bq_emulator

    monkeypatch.setattr(bq_emulator, "EMULATOR", Path(os.environ["LAFA_BQ_EMULATOR"]))
    port = free_port()
    server = start(port)
    try:
        env = dict(
            warehouse.env,
            LAFA_BQ_API_ENDPOINT=f"http://127.0.0.1:{port}",
            LAFA_BQ_PROJECT=PROJECT,
            LAFA_BQ_DATASET="lafa",
        )
        _payments(warehouse.landing)
        _telematics(warehouse.landing)

        def load() -> subprocess.CompletedProcess[str]:
            return lafa_cli(env, "load", str(warehouse.landing), "--target", "bigquery")

        first = load()
        assert first.returncode == 0, first.stderr
        bq = client(port)
        raw = f"{PROJECT}.lafa_raw"

        def rows(sql: str) -> list[tuple]:
            return [tuple(r.values()) for r in bq.query(sql).result()]

        def snapshot() -> dict[str, list[tuple]]:
            return {
                "log": rows(
                    f"select file, rows_offered, rows_loaded, rows_quarantined, status from `{raw}._load_log`"
                    " order by 1"
                ),
                "telematics": rows(f"select message_id, _row_number from `{raw}.telematics` order by 2"),
                "payments": rows(f"select payment_id, method, _file from `{raw}.payments`"),
                "quarantine": rows(f"select source, row_number from `{raw}._quarantine` order by 1, 2"),
            }

        before = snapshot()
        # the same numbers as the DuckDB target (tests/python/test_load.py), counted from the files by hand
        assert before["log"] == [
            ("payments/2026-01.csv", 3, 1, 2, "loaded"),
            ("telematics/2026-01-10.jsonl", 10, 6, 4, "loaded"),
        ]
        assert before["telematics"] == [("m0", 1), ("m1", 2), ("m2", 3), ("m3", 4), ("m4", 5), ("m0", 10)]
        assert before["payments"] == [("p1", " OXXO", "payments/2026-01.csv")]
        assert before["quarantine"] == [("payments", 2), ("payments", 3)] + [("telematics", n) for n in (6, 7, 8, 9)]
        # committed rows share their load-log row's load time (the commit marker)
        assert rows(
            f"select count(*) from `{raw}.telematics` as t join `{raw}._load_log` as l"
            " on t._file_sha256 = l.sha256 and t._loaded_at = l.loaded_at"
        ) == [(6,)]

        table = bq.get_table(f"{raw}.telematics")
        assert (table.time_partitioning.field, table.time_partitioning.type_) == ("event_time", "DAY")
        assert table.clustering_fields == ["vehicle_id"]
        assert bq.get_table(f"{raw}.payments").clustering_fields == ["payment_id"]
        assert {t.table_id for t in bq.list_tables(raw)} >= {"vehicles", "drivers", "warehouse_jobs", "_load_log"}

        shutil.copy(warehouse.landing / "payments" / "2026-01.csv", warehouse.landing / "payments" / "copy.csv")
        again = load()
        assert again.returncode == 0, again.stderr
        assert "0 new file(s), 3 already loaded" in again.stdout
        # the two loaded files unread (name, size and time in the BigQuery load log), the copy by its sha256
        assert again.stderr.count("(unchanged since it was loaded)") == 2, again.stderr
        assert "payments/copy.csv: skipped (already loaded as payments/2026-01.csv)" in again.stderr
        assert snapshot() == before
        # touched (same bytes, later time): hashed and skipped by its sha256, on every run (no UPDATE on BigQuery)
        payments = warehouse.landing / "payments" / "2026-01.csv"
        os.utime(payments, ns=(payments.stat().st_atime_ns, payments.stat().st_mtime_ns + 1_000_000_000))
        for _ in range(2):
            touched = load()
            assert "payments/2026-01.csv: skipped (already loaded as payments/2026-01.csv)" in touched.stderr
        assert snapshot() == before
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_an_optional_column_added_to_an_older_table_is_filled_by_name(warehouse: Warehouse, monkeypatch) -> None:
    """A raw table created before payments.exported_at: the loader adds the column (at the table's end) and its
    load jobs follow the table's own column order; a file without the column loads NULL, as on DuckDB."""
    monkeypatch.setenv("LAFA_BQ_EMULATOR", str(_emulator()))
    import bq_emulator
    from builders import payment, write_csv

    monkeypatch.setattr(bq_emulator, "EMULATOR", Path(os.environ["LAFA_BQ_EMULATOR"]))
    port = free_port()
    server = start(port)
    try:
        bq = client(port)
        raw = f"{PROJECT}.lafa_raw"
        bq.create_dataset(raw, exists_ok=True)
        old_columns = "payment_id, contract_id, paid_at, amount_mxn, method, status, _extra_columns"
        bq.query(
            f"create table `{raw}.payments` ({', '.join(f'{c} STRING' for c in old_columns.split(', '))},"
            " _file STRING, _file_sha256 STRING, _row_number INT64, _loaded_at TIMESTAMP)"
            " partition by timestamp_trunc(_loaded_at, day) cluster by payment_id"
        ).result()
        write_csv(
            warehouse.landing,
            "payments",
            "old.csv",
            [payment("p1")],
            columns=["payment_id", "contract_id", "paid_at", "amount_mxn", "method", "status"],
        )
        write_csv(warehouse.landing, "payments", "new.csv", [payment("p2", exported_at="2026-01-13T12:04:00Z")])
        env = dict(
            warehouse.env,
            LAFA_BQ_API_ENDPOINT=f"http://127.0.0.1:{port}",
            LAFA_BQ_PROJECT=PROJECT,
            LAFA_BQ_DATASET="lafa",
        )
        done = lafa_cli(env, "load", str(warehouse.landing), "--target", "bigquery")
        assert done.returncode == 0, done.stderr
        assert [f.name for f in bq.get_table(f"{raw}.payments").schema][-1] == "exported_at"
        rows = [
            tuple(r.values())
            for r in bq.query(
                f"select payment_id, status, exported_at, _file, _row_number from `{raw}.payments` order by 1"
            ).result()
        ]
        assert rows == [
            ("p1", "succeeded", None, "payments/old.csv", 1),
            ("p2", "succeeded", "2026-01-13T12:04:00Z", "payments/new.csv", 1),
        ]
        assert [f.name for f in bq.get_table(f"{raw}.vehicles").schema][8] == "disposed_at"  # created with it
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_duckdb_and_bigquery_give_the_same_tokens_and_keep_the_originals_apart(
    warehouse: Warehouse, monkeypatch
) -> None:
    """One drivers file loaded by both targets: the same tokens and redacted quarantine records in raw, the
    originals only in <dataset>_restricted (docs/privacy.md)."""
    monkeypatch.setenv("LAFA_BQ_EMULATOR", str(_emulator()))
    import bq_emulator
    from test_pii import DRIVER, _drivers_file

    monkeypatch.setattr(bq_emulator, "EMULATOR", Path(os.environ["LAFA_BQ_EMULATOR"]))
    _drivers_file(warehouse.landing)
    duck = warehouse.lafa("load", str(warehouse.landing))
    assert duck.returncode == 0, duck.stderr
    port = free_port()
    server = start(port)
    try:
        env = dict(
            warehouse.env,
            LAFA_BQ_API_ENDPOINT=f"http://127.0.0.1:{port}",
            LAFA_BQ_PROJECT=PROJECT,
            LAFA_BQ_DATASET="lafa",
        )
        done = lafa_cli(env, "load", str(warehouse.landing), "--target", "bigquery")
        assert done.returncode == 0, done.stderr
        bq = client(port)

        def rows(sql: str) -> list[tuple]:
            return [tuple(r.values()) for r in bq.query(sql).result()]

        raw, restricted = f"{PROJECT}.lafa_raw", f"{PROJECT}.lafa_restricted"
        tokens = "select driver_id, phone_token, curp_token from {} order by 1"
        expected = warehouse.query(tokens.format("raw.drivers"))
        assert expected and expected[0][1] is not None
        assert rows(tokens.format(f"`{raw}.drivers`")) == expected
        quarantine = "select row_number, raw_record from {} order by 1"
        assert rows(quarantine.format(f"`{raw}._quarantine`")) == warehouse.query(quarantine.format("raw._quarantine"))
        assert not {"full_name", "phone", "curp"} & {f.name for f in bq.get_table(f"{raw}.drivers").schema}
        assert rows(f"select driver_id, full_name, phone, curp, phone_token from `{restricted}.drivers`") == [
            ("d1", DRIVER["full_name"], DRIVER["phone"], DRIVER["curp"], expected[0][1])
        ]
        assert [r[0] for r in rows(f"select row_number from `{restricted}._quarantine` order by 1")] == [2, 3]
    finally:
        server.terminate()
        server.wait(timeout=10)
