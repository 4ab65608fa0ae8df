"""Personal data (docs/privacy.md): no personal value, nor an unkeyed digest of one, anywhere in the analytics
warehouse; keyed tokens identical across formattings; the originals only in the restricted store."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import re
import stat
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from builders import write_csv
from conftest import PII_KEY_FILE, REPO, Warehouse, lafa_cli

from lafa import pii

DRIVER = {
    "driver_id": "d1",
    "full_name": "Ana María Pérez Gómez",
    "phone": "+52 (55) 1234-5678",
    "curp": "PEGA800101MDFRMN09",
    "onboarded_at": "2026-01-05T10:00:00Z",
    "home_zone_id": "cdmx-centro",
}
KEY = b"k" * 40


# ---------------------------------------------------------------- the search


def _landing_rows(landing: Path, source: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted((landing / source).glob("*.csv*")):
        data = path.read_bytes()
        text = (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8-sig")
        rows.extend(csv.DictReader(io.StringIO(text, newline="")))
    return rows


def _phone_forms(phone: str) -> set[str]:
    digits = re.sub(r"[^0-9]", "", phone)
    national = digits[-10:]
    return {phone, digits, national, "52" + national, "+52" + national, "521" + national, "+521" + national}


def personal_values(landing: Path) -> dict[str, set[str]]:
    """Every plain value of the landing files, by kind: names (whole), phones, CURPs, e-mails."""
    drivers = _landing_rows(landing, "drivers")
    jobs = _landing_rows(landing, "warehouse_jobs")
    values: dict[str, set[str | None]] = {
        "name": {d.get("full_name") for d in drivers},
        "phone": {d.get("phone") for d in drivers},
        "curp": {d.get("curp") for d in drivers},
        "email": {j.get("user_email") for j in jobs},
    }
    return {kind: {v for v in found if v and v.strip()} for kind, found in values.items()}


def candidates(values: dict[str, set[str]]) -> set[str]:
    """What a personal value may look like in a column: as is, lower, upper, trimmed; a phone digits only,
    national, with 52 / +52 / 521; and the md5, sha1 and sha256 hex digests (lower and upper case) of each."""
    plain: set[str] = set()
    for kind, found in values.items():
        for value in found:
            forms = _phone_forms(value) if kind == "phone" else {value}
            for form in forms:
                plain |= {form, form.strip(), form.lower(), form.upper(), form.strip().lower(), form.strip().upper()}
    digests = {h(form.encode()).hexdigest() for form in plain for h in (hashlib.md5, hashlib.sha1, hashlib.sha256)}
    return plain | digests | {d.upper() for d in digests}


WINDOW = 10  # every needle is at least this long: a value holding one holds its first WINDOW characters


def search(database: Path | str, needles: set[str]) -> dict[str, list[str]]:
    """Every text column of every table and view of `database` -> the values holding a needle as a substring
    (at most 3 per column). In DuckDB: the distinct texts of all columns at once, every WINDOW-character window
    of each hash-joined to the needles' first WINDOW characters, then `contains` on those pairs only (a
    regexp alternation of ~3,000 needles took minutes on a million telematics rows)."""
    assert min(len(n) for n in needles) >= WINDOW
    found: dict[str, list[str]] = {}
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{database}' as db (read_only)")
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where table_catalog = 'db' and data_type = 'VARCHAR' order by 1, 2, 3"
        ).fetchall()
        assert columns, f"no text column in {database}"
        con.execute("create temp table needles as select unnest(?::varchar[]) as needle", [sorted(needles)])
        texts = " union ".join(f'select "{c}" as v from db."{s}"."{t}"' for s, t, c in columns)
        con.execute(f"create temp table texts as select v from ({texts}) where length(v) >= {WINDOW}")
        con.execute(
            f"""
            create temp table hits as
            with windows as (
                select v, substr(v, i, {WINDOW}) as w from texts, range(1, length(v) - {WINDOW - 2}) as r(i)
            )
            select distinct windows.v from windows
            join needles on windows.w = left(needles.needle, {WINDOW})
            where contains(windows.v, needles.needle)
            """
        )
        if con.execute("select count(*) from hits").fetchone()[0]:
            for schema, table, column in columns:
                rows = con.execute(
                    f'select distinct "{column}" from db."{schema}"."{table}"'
                    f' where "{column}" in (select v from hits) limit 3'
                ).fetchall()
                if rows:
                    found[f"{schema}.{table}.{column}"] = [r[0] for r in rows]
    return found


@pytest.mark.xdist_group("default_fleet")
def test_no_personal_value_nor_its_digest_in_any_text_column_of_the_warehouse(default_fleet: Warehouse) -> None:
    values = personal_values(default_fleet.landing)
    assert all(values.values()), values
    needles = candidates(values)
    assert len(needles) > 1000

    assert search(default_fleet.path, needles) == {}

    # the search works: the restricted store holds every original, and a planted digest is found
    restricted = search(default_fleet.restricted, needles)
    for column in ("full_name", "phone", "curp"):
        assert f"main.drivers.{column}" in restricted, restricted.keys()
    assert "main.warehouse_jobs.user_email" in restricted
    with duckdb.connect(str(default_fleet.restricted), read_only=True) as con:
        stored = {r[0] for r in con.execute("select full_name from drivers").fetchall()}
    assert stored == values["name"]


def test_the_search_finds_values_and_digests_under_the_usual_normalisations(tmp_path: Path) -> None:
    needles = candidates({"name": {DRIVER["full_name"]}, "phone": {DRIVER["phone"]}, "curp": {DRIVER["curp"]}})
    planted = tmp_path / "planted.duckdb"
    with duckdb.connect(str(planted)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.t (a varchar, b varchar)")
        con.execute("create view marts.v as select 'x' || upper(a) || 'y' as c from marts.t")
        rows = [
            (hashlib.md5(b"5512345678").hexdigest(), "clean"),  # dbt.hash of the national digits
            ("note", "call " + "+525512345678" + " today"),
            ("clean", hashlib.sha256(DRIVER["curp"].lower().encode()).hexdigest().upper()),
            ("ana maría pérez gómez", "clean"),
        ]
        con.executemany("insert into marts.t values (?, ?)", rows)
    found = search(planted, needles)
    assert set(found) == {"marts.t.a", "marts.t.b", "marts.v.c"}
    assert len(found["marts.t.a"]) == 2


# ---------------------------------------------------------------- tokens


def test_two_formattings_of_one_value_give_one_token() -> None:
    phones = ["55 1234 5678", "+52 (55) 1234-5678", "5215512345678", "525512345678", " 55-1234-5678 "]
    assert {pii.normalise("phone", p) for p in phones} == {"+525512345678"}
    assert len({pii.token("phone", p, KEY) for p in phones}) == 1
    assert pii.token("curp", " pega800101mdfrmn09 ", KEY) == pii.token("curp", "PEGA800101MDFRMN09", KEY)
    assert pii.token("email", " Ana@LAFA.mx", KEY) == pii.token("email", "ana@lafa.mx", KEY)
    assert pii.token("phone", "  ", KEY) is None
    token = pii.token("phone", phones[0], KEY)
    assert token is not None and re.fullmatch("[0-9a-f]{64}", token)
    # not an unkeyed digest of any normalisation
    assert token not in {hashlib.sha256(v.encode()).hexdigest() for v in ("+525512345678", "phone:+525512345678")}


def test_different_keys_and_kinds_give_different_tokens() -> None:
    assert pii.token("phone", "5512345678", KEY) != pii.token("phone", "5512345678", b"j" * 40)
    # domain separation: one text as a CURP and as an e-mail are two tokens
    assert pii.token("curp", "x@y.mx", KEY) != pii.token("email", "x@y.mx", KEY)


@pytest.mark.xdist_group("default_fleet")
def test_the_key_is_in_no_table_manifest_or_log(default_fleet: Warehouse) -> None:
    key = PII_KEY_FILE.read_text().strip()
    assert search(default_fleet.path, {key, key.upper()}) == {}
    target = Path(default_fleet.env["DBT_TARGET_PATH"])
    logs = Path(default_fleet.env["DBT_LOG_PATH"])
    assert (target / "manifest.json").exists()
    for path in [*target.rglob("*"), *logs.rglob("*")]:
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


# ---------------------------------------------------------------- the boundary


def _drivers_file(landing: Path, name: str = "2026-01-05.csv") -> Path:
    bad = DRIVER | {"driver_id": "d2", "onboarded_at": "yesterday", "phone": "55 9876 5432"}
    path = write_csv(landing, "drivers", name, [DRIVER, bad])
    with path.open("a", encoding="utf-8") as f:  # a row that does not parse into the columns
        f.write("d3,Juan Unparsed Ríos,5511112222\n")
    return path


def test_raw_and_quarantine_hold_tokens_and_the_restricted_store_the_originals(warehouse: Warehouse) -> None:
    _drivers_file(warehouse.landing)
    done = warehouse.lafa("load", str(warehouse.landing))
    assert done.returncode == 0, done.stderr
    key = PII_KEY_FILE.read_text().strip().encode()

    columns = [r[0] for r in warehouse.query("select column_name from (describe raw.drivers)")]
    assert not {"full_name", "phone", "curp"} & set(columns)
    assert warehouse.query("select driver_id, phone_token, curp_token from raw.drivers") == [
        ("d1", pii.token("phone", "5512345678", key), pii.token("curp", DRIVER["curp"], key))
    ]
    quarantined = dict(warehouse.query("select row_number, raw_record from raw._quarantine order by 1"))
    assert quarantined[3] == pii.UNPARSED
    assert quarantined[2] == (
        f"d2,[restricted],token:{pii.token('phone', '5598765432', key)},token:{pii.token('curp', DRIVER['curp'], key)}"
        ",yesterday,cdmx-centro"
    )
    assert search(warehouse.path, candidates(personal_values(warehouse.landing)) | {"Juan Unparsed"}) == {}

    assert stat.S_IMODE(warehouse.restricted.stat().st_mode) == 0o600
    with duckdb.connect(str(warehouse.restricted), read_only=True) as con:
        assert con.execute("select driver_id, full_name, phone, curp, _row_number from drivers").fetchall() == [
            ("d1", DRIVER["full_name"], DRIVER["phone"], DRIVER["curp"], 1)
        ]
        originals = con.execute("select row_number, raw_record from _quarantine order by 1").fetchall()
    assert originals[1] == (3, "d3,Juan Unparsed Ríos,5511112222")
    assert "Ana María Pérez Gómez" in originals[0][1]


def test_the_restricted_rows_are_idempotent_by_file_and_row(warehouse: Warehouse, tmp_path: Path) -> None:
    """The restricted rows commit before the analytics rows: a crash between leaves them behind, and the rerun
    replaces them (keyed by file sha256 and row number) instead of adding a second copy."""
    _drivers_file(warehouse.landing)
    assert warehouse.lafa("load", str(warehouse.landing)).returncode == 0
    # the analytics warehouse lost (as after a crash before its commit), the restricted file kept
    warehouse.path.unlink()
    again = warehouse.lafa("load", str(warehouse.landing))
    assert again.returncode == 0, again.stderr
    with duckdb.connect(str(warehouse.restricted), read_only=True) as con:
        assert con.execute("select count(*) from drivers").fetchone() == (1,)
        assert con.execute("select count(*) from _quarantine").fetchone() == (2,)


def test_the_duckdb_target_creates_a_key_file_outside_the_repo(warehouse: Warehouse, tmp_path: Path) -> None:
    _drivers_file(warehouse.landing)
    home = tmp_path / "home"
    env = {k: v for k, v in warehouse.env.items() if k not in ("LAFA_PII_KEY_FILE", "XDG_CONFIG_HOME")}
    env["HOME"] = str(home)
    done = lafa_cli(env, "load", str(warehouse.landing))
    assert done.returncode == 0, done.stderr
    created = home / ".config" / "lafa" / "pii.key"
    assert f"created the pseudonymisation key {created}" in done.stderr
    assert stat.S_IMODE(created.stat().st_mode) == 0o600
    key = created.read_text().strip()
    assert len(key) == 64 and key not in done.stderr + done.stdout
    expected = pii.token("phone", DRIVER["phone"], key.encode())
    assert warehouse.query("select phone_token from raw.drivers") == [(expected,)]

    inside = dict(warehouse.env, LAFA_PII_KEY_FILE=str(REPO / "pii.key"))
    refused = lafa_cli(inside, "load", str(warehouse.landing))
    assert refused.returncode == 2 and "inside the repository" in refused.stderr
    assert not (REPO / "pii.key").exists()


def test_a_missing_key_on_the_bigquery_target_is_a_clear_error(warehouse: Warehouse, tmp_path: Path) -> None:
    _drivers_file(warehouse.landing)
    env = dict(warehouse.env, LAFA_PII_KEY_FILE=str(tmp_path / "absent.key"), LAFA_BQ_PROJECT="lafa-none")
    env.pop("LAFA_PII_KEY", None)
    done = lafa_cli(env, "load", str(warehouse.landing), "--target", "bigquery")
    assert done.returncode == 2
    assert done.stderr.startswith("error: no pseudonymisation key: set LAFA_PII_KEY or LAFA_PII_KEY_FILE")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "absent.key").exists()
    short = dict(env, LAFA_PII_KEY="too-short")
    done = lafa_cli(short, "load", str(warehouse.landing), "--target", "bigquery")
    assert done.returncode == 2 and "shorter than 32 characters" in done.stderr


def test_a_warehouse_with_plain_personal_values_is_refused(warehouse: Warehouse) -> None:
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.drivers (driver_id varchar, full_name varchar, phone varchar, curp varchar,"
            " onboarded_at varchar, home_zone_id varchar, _extra_columns varchar, _file varchar,"
            " _file_sha256 varchar, _row_number bigint, _loaded_at timestamp)"
        )
        con.execute("insert into raw.drivers (driver_id, phone) values ('d0', '5500000000')")
    _drivers_file(warehouse.landing)
    done = warehouse.lafa("load", str(warehouse.landing))
    assert done.returncode == 2
    assert done.stderr.startswith("error: raw.drivers holds plain personal data from before pseudonymisation")

    with duckdb.connect(str(warehouse.path)) as con:  # an empty one is migrated
        con.execute("delete from raw.drivers")
    done = warehouse.lafa("load", str(warehouse.landing))
    assert done.returncode == 0, done.stderr
    assert warehouse.query("select driver_id from raw.drivers") == [("d1",)]
    assert os.path.exists(warehouse.restricted)


def test_the_hook_redacts_every_copy_of_a_row_in_the_validated_batch() -> None:
    """`lafa.pii.protect` on `_validated` as `lafa.load._commit` leaves it: tokens in, plain values, the raw record
    and any other raw copy of the row (e.g. the original bytes of a quarantined row) out; originals handed to the
    restricted writer first."""
    from lafa.contract import SOURCES

    written: list[tuple[int, int]] = []

    class Writer:
        def write(self, source: object, name: str, sha: str, rows: pa.Table, quarantined: pa.Table) -> None:
            written.append((rows.num_rows, quarantined.num_rows))
            assert rows.column("phone").to_pylist() == [DRIVER["phone"]]

    con = duckdb.connect()
    con.execute(
        "create temp table _validated as select 1::bigint as _row_number, 'd1' as driver_id, ? as full_name,"
        " ? as phone, ? as curp, '2026-01-05T10:00:00Z' as onboarded_at, 'z' as home_zone_id,"
        " null::varchar as _extra_columns, 'the,original,row' as _raw_record, null::varchar as _parse_error,"
        " 'row'::blob as _raw_bytes, null::varchar as _reason",
        [DRIVER["full_name"], DRIVER["phone"], DRIVER["curp"]],
    )
    pii.protect(con, SOURCES["drivers"], "drivers/x.csv", "0" * 64, Writer())
    assert written == [(1, 0)]
    row = con.execute(
        "select full_name, phone, curp, _raw_bytes, phone_token = ?, _raw_record from _validated",
        [pii.token("phone", DRIVER["phone"], pii.load_key())],
    ).fetchone()
    assert row[:5] == (None, None, None, None, True)
    assert DRIVER["phone"] not in row[5] and row[5].startswith("d1,[restricted],token:")
