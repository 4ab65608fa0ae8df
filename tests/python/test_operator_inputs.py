"""Operator inputs (issue 19): environment values never become SQL, and a warehouse that cannot be used gives one
line that says why (locked, a directory, not DuckDB, no space left), never a traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import Warehouse, lafa_cli

import lafa.cli
import lafa.load
from lafa.warehouse import WarehouseError, connect, memory_limit


def test_memory_limit_from_the_environment_is_never_sql(warehouse: Warehouse) -> None:
    warehouse.env["LAFA_DUCKDB_MEMORY_LIMIT"] = "1GB'; create table raw.pwned as select 1 as x; --"
    warehouse.landing.mkdir(parents=True)
    done = warehouse.lafa("load", str(warehouse.landing))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "LAFA_DUCKDB_MEMORY_LIMIT" in done.stderr and "is not a size" in done.stderr
    if warehouse.path.exists():
        assert warehouse.query("select count(*) from duckdb_tables() where table_name = 'pwned'") == [(0,)]


@pytest.mark.parametrize("value", ["8GB", "512MB", "1.5GiB", " 2 GB "])
def test_memory_limit_accepts_sizes(value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LAFA_DUCKDB_MEMORY_LIMIT", value)
    assert memory_limit() == value.strip()
    with connect(tmp_path / "w.duckdb") as con:
        assert con.execute("select current_setting('memory_limit')").fetchone()[0]


def _status(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return lafa_cli(env, "status")


def test_status_on_a_directory_a_locked_file_or_not_duckdb_says_why(warehouse: Warehouse, tmp_path: Path) -> None:
    folder = tmp_path / "a_folder.duckdb"
    folder.mkdir()
    done = _status(warehouse.env | {"LAFA_DUCKDB_PATH": str(folder)})
    assert done.returncode == 2 and "Traceback" not in done.stderr and "is a directory" in done.stderr, done.stderr

    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 100)
    done = _status(warehouse.env | {"LAFA_DUCKDB_PATH": str(junk)})
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert str(junk) in done.stderr

    locked = tmp_path / "locked.duckdb"
    with duckdb.connect(str(locked)) as writer:  # this process holds the write lock
        writer.execute("create table t (x int)")
        done = _status(warehouse.env | {"LAFA_DUCKDB_PATH": str(locked)})
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "in use by another process" in done.stderr


def test_a_full_disk_says_no_space_left(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A full disk cannot be made here without root: the load fails the way DuckDB reports ENOSPC mid-write.
    def full_disk(*args: object, **kwargs: object) -> None:
        raise duckdb.IOException('IO Error: Could not write file "w.duckdb.wal": No space left on device')

    warehouse.landing.mkdir(parents=True)
    monkeypatch.setenv("LAFA_DUCKDB_PATH", str(warehouse.path))
    monkeypatch.setattr(lafa.load, "load_landing", full_disk)
    assert lafa.cli.main(["load", str(warehouse.landing)]) == 2
    err = capsys.readouterr().err
    assert "no space left" in err and "cannot open" not in err, err


def test_warehouse_error_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(WarehouseError) as raised:
        connect(tmp_path / "d", read_only=True)
    assert "\n" not in str(raised.value) and "is a directory" in str(raised.value)
