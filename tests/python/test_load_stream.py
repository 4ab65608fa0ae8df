"""The streaming loader (issue 19): encodings, original bytes in quarantine, all-quarantined files, progress inside a
file, and memory bounded by the chunk, not the file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from builders import envelope, ping, write_telematics
from conftest import Warehouse

from lafa import load
from lafa.contract import SOURCES
from lafa.warehouse import connect

TRIPS_HEADER = (
    "trip_id,driver_id,vehicle_id,platform,started_at,ended_at,distance_km,fare_mxn,pickup_zone_id,dropoff_zone_id"
)


def _trip(trip_id: str, pickup: str, dropoff: str, distance: str = "12.5") -> str:
    return f"{trip_id},d1,veh_1,uber,2026-01-10T10:00:00Z,2026-01-10T10:30:00Z,{distance},150.00,{pickup},{dropoff}"


def _load(warehouse: Warehouse) -> list[load.FileResult]:
    with connect(warehouse.path) as con:
        return load.load_landing(con, warehouse.landing)


def test_a_cp1252_csv_is_loaded_as_cp1252_and_a_bad_rows_original_bytes_are_quarantined(warehouse: Warehouse) -> None:
    bad = _trip("t3", "Peñón de los Baños", "Álvaro Obregón", distance="doce")
    lines = [TRIPS_HEADER, _trip("t1", "Peñón de los Baños", "Álvaro Obregón"), _trip("t2", "Coyoacán", "Tláhuac"), bad]
    path = warehouse.landing / "trips" / "excel.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes("\r\n".join(lines).encode("cp1252") + b"\r\n")  # as Excel saves "CSV (delimitado por comas)"

    (result,) = _load(warehouse)

    assert (result.status, result.rows_loaded, result.rows_quarantined, result.encoding) == ("loaded", 2, 1, "cp1252")
    assert warehouse.query("select encoding, status from raw._load_log") == [("cp1252", "loaded")]
    assert warehouse.query("select pickup_zone_id, dropoff_zone_id from raw.trips order by trip_id") == [
        ("Peñón de los Baños", "Álvaro Obregón"),
        ("Coyoacán", "Tláhuac"),
    ]
    ((reason, record, raw_bytes),) = warehouse.query("select reason, raw_record, raw_bytes from raw._quarantine")
    assert "distance_km is not a number" in reason
    assert (record, raw_bytes) == (bad, bad.encode("cp1252"))  # the text, and the bytes exactly as they arrived


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"\x81\xe9", "nor Windows-1252"),  # 0x81 is no character of cp1252
        ("Peñón".encode() + b"\xff", "UTF-8 with broken bytes"),  # UTF-8 with a broken byte is not cp1252
    ],
)
def test_a_csv_in_no_accepted_encoding_is_rejected_naming_it_with_every_rows_bytes(
    warehouse: Warehouse, data: bytes, named: str
) -> None:
    rows = [_trip("t1", "a", "b").encode() + b" " + data, _trip("t2", "a", "b").encode()]
    path = warehouse.landing / "trips" / "odd.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\n".join([TRIPS_HEADER.encode(), *rows]) + b"\n")

    (result,) = _load(warehouse)

    assert (result.status, result.rows_offered, result.rows_quarantined) == ("rejected", 2, 2)
    assert named in (result.error or "")
    assert warehouse.query("select raw_bytes from raw._quarantine order by row_number") == [(r,) for r in rows]
    assert warehouse.query("select count(*) from raw.trips") == [(0,)]


def test_an_invalid_utf8_telematics_line_is_quarantined_with_its_exact_bytes(warehouse: Warehouse) -> None:
    good = [envelope(f"m{i}", ping("veh_1", f"2026-01-10T15:{i:02d}:00Z", 50, 1000 + i)) for i in range(3)]
    broken = good[1].encode().replace(b"messageId", b"message\xffId\xc3(")
    path = write_telematics(warehouse.landing, "2026-01-10.jsonl", [])
    path.write_bytes(good[0].encode() + b"\r\n" + broken + b"\r\n\n" + good[2].encode())  # CRLF, a blank line

    (result,) = _load(warehouse)

    assert (result.status, result.rows_offered, result.rows_loaded, result.rows_quarantined) == ("loaded", 3, 2, 1)
    ((row, reason, raw_bytes),) = warehouse.query("select row_number, reason, raw_bytes from raw._quarantine")
    assert (row, reason, raw_bytes) == (2, "line is not valid UTF-8", broken)
    assert warehouse.query("select _row_number from raw.telematics order by 1") == [(1,), (4,)]


def test_a_file_whose_every_row_is_quarantined_has_its_status_and_lafa_load_exits_1(warehouse: Warehouse) -> None:
    write_telematics(warehouse.landing, "2026-01-10.jsonl", ["{not json", "[]"])
    write_telematics(
        warehouse.landing, "2026-01-11.jsonl", [envelope("m1", ping("veh_1", "2026-01-11T10:00:00Z", 50, 1))]
    )
    (warehouse.landing / "trips").mkdir()
    (warehouse.landing / "trips" / "header_only.csv").write_text(TRIPS_HEADER + "\n")

    done = warehouse.lafa("load", str(warehouse.landing))

    assert done.returncode == 1, done.stderr
    assert "telematics/2026-01-10.jsonl: every row quarantined (2" in done.stderr
    log = {r[0]: r[1:] for r in warehouse.query("select file, status, rows_offered, rows_loaded from raw._load_log")}
    assert log == {
        "telematics/2026-01-10.jsonl": ("quarantined", 2, 0),
        "telematics/2026-01-11.jsonl": ("loaded", 1, 1),
        "trips/header_only.csv": ("loaded", 0, 0),  # no data rows: nothing to quarantine, not an error
    }


def test_progress_inside_a_file_reports_rows_chunk_by_chunk(warehouse: Warehouse, monkeypatch) -> None:
    monkeypatch.setattr(load, "CHUNK_BYTES", 2_000)  # a few lines per chunk
    monkeypatch.setattr(load, "CSV_CHUNK_ROWS", 4)
    lines = [envelope(f"m{i}", ping("veh_1", f"2026-01-10T15:{i:02d}:00Z", 50, 1000 + i)) for i in range(12)]
    write_telematics(warehouse.landing, "2026-01-10.jsonl", lines)
    (warehouse.landing / "trips").mkdir()
    trips = [_trip(f"t{i}", "a", "b") for i in range(10)]
    (warehouse.landing / "trips" / "t.csv").write_text("\n".join([TRIPS_HEADER, *trips]) + "\n")
    seen: dict[str, list[int]] = {}

    with connect(warehouse.path) as con:
        results = load.load_landing(
            con, warehouse.landing, row_progress=lambda f, n, s: seen.setdefault(f, []).append(n)
        )

    assert [(r.rows_loaded, r.rows_quarantined) for r in results] == [(12, 0), (10, 0)]
    assert seen["trips/t.csv"] == [4, 8, 10]
    counts = seen["telematics/2026-01-10.jsonl"]
    assert len(counts) > 2 and counts == sorted(counts) and counts[-1] == 12

    done = subprocess.run(
        [sys.executable, "-m", "lafa.cli", "load", str(warehouse.landing)],
        env={**warehouse.env, "LAFA_PROGRESS_SECONDS": "0"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr  # both files already loaded: skipped unread, no progress
    assert "rows/s" not in done.stderr


MEASURE = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[1:])\n"
    "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)\n"
)


def _peak_rss(warehouse: Warehouse, landing: Path, tmp: Path) -> tuple[int, str]:
    """Peak RSS in bytes of a `lafa load` process into a fresh warehouse, and its stderr."""
    env = {**warehouse.env, "LAFA_DUCKDB_PATH": str(tmp / f"{landing.name}.duckdb"), "LAFA_PROGRESS_SECONDS": "0"}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "lafa.cli", "load", str(landing)],
        env=env,
        capture_output=True,
        text=True,
    )
    rc, rss = done.stdout.splitlines()[-1].split()
    assert rc == "0", done.stderr
    return int(rss), done.stderr


@pytest.mark.xfail(
    strict=True,
    reason="issue 19 target not met yet: streaming bounds the Python side, but DuckDB's in-memory _validated and "
    "the Great Expectations frame still grow ~12x a CSV file (measured 2026-12-05: +1.2 GB for 100 MB)",
)
def test_peak_memory_of_a_large_csv_grows_by_at_most_3x_the_file(warehouse: Warehouse, tmp_path: Path) -> None:
    """A ~16 MB payments CSV against a 1-row one: the extra peak RSS (the process's own start-up, DuckDB and Great
    Expectations are the same in both) is at most 3x the file. The whole file in memory at once was 17x."""
    header = ",".join(SOURCES["payments"].column_names)
    row = "p{n},c{c},2026-01-12T18:00:{s:02d}Z,{n}.50,spei,succeeded,2026-01-13T06:00:00Z"
    for name, rows in (("small", 1), ("large", 200_000)):
        folder = tmp_path / name / "payments"
        folder.mkdir(parents=True)
        with (folder / "2026-01.csv").open("w") as f:
            f.write(header + "\n")
            f.writelines(row.format(n=n, c=n % 997, s=n % 60) + "\n" for n in range(rows))
    size = (tmp_path / "large" / "payments" / "2026-01.csv").stat().st_size
    assert size > 15_000_000

    small, _ = _peak_rss(warehouse, tmp_path / "small", tmp_path)
    large, stderr = _peak_rss(warehouse, tmp_path / "large", tmp_path)

    assert "200,000 loaded" in stderr and "rows/s" in stderr
    assert large - small <= 3 * size, (
        f"peak RSS {large / 2**20:.0f} MB vs {small / 2**20:.0f} MB, file {size / 2**20:.0f} MB"
    )
