"""`lafa export` on the small ML warehouse of ml_fixture.py: files that read back in DuckDB, pandas and pyarrow with
the documented schema, metadata that validates against lafa/ml/export_metadata.schema.json, point-in-time exports
at an earlier as-of date, refusal of a later one, whole files only."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import jsonschema
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO, lafa_cli
from ml_fixture import BUILD_AS_OF, BUILT_AT, INVOCATION_ID, TASKS, TRUTHS, build_warehouse, built_rows

from lafa.ml import export as ml_export

SCHEMA = json.loads((REPO / "lafa/ml/export_metadata.schema.json").read_text())
# a Wednesday: 11 of the 20 weekly churn snapshots (Mondays, the last 2026-05-11) are dated before it, and the labels
# of the first 7 are final (28 days + 2 of settling: the one of 2026-04-13 exactly on PAST)
PAST = date(2026, 5, 13)
LAST_SNAPSHOT = date(2026, 5, 11)


def validate(metadata: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(metadata)


def env_for(warehouse: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["LAFA_DUCKDB_PATH"] = str(warehouse)
    return env


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("ml") / "lafa.duckdb")


@pytest.fixture(scope="module")
def exported(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`lafa export` with the defaults (every use case, the build's as-of date), run once for the module."""
    out = tmp_path_factory.mktemp("exports")
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    done = lafa_cli(env_for(warehouse), "export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before  # read-only
    return out


@pytest.mark.parametrize("use_case", list(TASKS))
def test_export_reads_back_with_the_documented_schema(exported: Path, warehouse: Path, use_case: str) -> None:
    parquet_path = exported / use_case / f"{BUILD_AS_OF}.parquet"
    metadata = json.loads(parquet_path.with_suffix(".json").read_text())
    validate(metadata)
    arrow = pq.read_table(parquet_path)
    assert metadata["schema"] == [{"name": f.name, "type": str(f.type)} for f in arrow.schema]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        mart = con.execute(f"select * from marts.ml_{use_case}_features").fetch_df()
        mart_types = {r[0]: r[1] for r in con.execute(f"describe marts.ml_{use_case}_features").fetchall()}
        back = con.execute("select * from read_parquet(?)", [str(parquet_path)]).fetch_df()
        described = con.execute("describe select * from read_parquet(?)", [str(parquet_path)]).fetchall()
        back_types = {r[0]: r[1] for r in described}
    # DuckDB reads the columns of the mart, in its order, with its types
    assert list(back.columns) == list(mart.columns) == [c["name"] for c in metadata["schema"]]
    assert back_types == mart_types
    assert len(back) == len(mart) == metadata["row_count"]
    frame = pd.read_parquet(parquet_path)
    assert list(frame.columns) == list(mart.columns)
    assert frame["snapshot_id"].is_unique
    assert (frame["snapshot_date"].astype(str).min(), frame["snapshot_date"].astype(str).max()) == (
        metadata["snapshot_range"]["first"],
        metadata["snapshot_range"]["last"],
    )
    labelled = frame[frame["label_is_mature"] & frame["label"].notna()]
    assert metadata["label_counts"] == {
        "mature": int(frame["label_is_mature"].sum()),
        "immature": int((~frame["label_is_mature"]).sum()),
        "labelled": len(labelled),
        "positive": int(labelled["label"].astype(bool).sum()) if TASKS[use_case] == "classification" else None,
    }
    label_type = "bool" if TASKS[use_case] == "classification" else "double"
    assert {c["name"]: c["type"] for c in metadata["schema"]}["label"] == label_type
    assert metadata["use_case"] == use_case and metadata["task"] == TASKS[use_case]
    assert metadata["as_of_date"] == metadata["build_as_of_date"] == BUILD_AS_OF.isoformat()
    assert metadata["dbt_invocation_id"] == INVOCATION_ID
    assert metadata["built_at"] == BUILT_AT.isoformat() + "Z"
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert metadata["git_commit"] == head and isinstance(metadata["git_dirty"], bool)
    assert not [p.name for p in (exported / use_case).iterdir() if p.name.startswith(".")]  # no temporary file left


def test_metadata_schema_rejects_what_it_should(exported: Path) -> None:
    metadata = json.loads((exported / "churn" / f"{BUILD_AS_OF}.json").read_text())
    validate(metadata)
    for broken in (
        {k: v for k, v in metadata.items() if k != "git_commit"},
        metadata | {"row_count": -1},
        metadata | {"as_of_date": "20 May 2026"},
        metadata | {"label_counts": metadata["label_counts"] | {"positive": "119"}},
        metadata | {"schema": [{"name": "label"}]},
        metadata | {"exported_at": "2026-12-06 03:11:40"},
        metadata | {"extra": 1},
    ):
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)


def test_past_as_of_is_what_a_build_then_would_export(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    done = lafa_cli(env_for(warehouse), "export", "--use-case", "churn", "--as-of", PAST.isoformat(), "--out", str(out))
    assert done.returncode == 0, done.stderr
    past = pq.read_table(out / "churn" / f"{PAST}.parquet")
    # the export of a build made on PAST, by the same command
    then_warehouse = build_warehouse(tmp_path / "then.duckdb", as_of=PAST)
    then_out = tmp_path / "then_exports"
    done = lafa_cli(env_for(then_warehouse), "export", "--use-case", "churn", "--out", str(then_out))
    assert done.returncode == 0, done.stderr
    then = pq.read_table(then_out / "churn" / f"{PAST}.parquet")
    assert past.equals(then)
    assert past.num_rows == len(built_rows(TRUTHS["churn"](), PAST)) == 11 * 20
    rows = past.to_pylist()
    assert max(r["snapshot_date"] for r in rows) == LAST_SNAPSHOT
    assert {r["as_of_date"] for r in rows} == {PAST}
    for r in rows:
        assert r["label_is_mature"] == (r["label_known_date"] <= PAST)
        assert (r["label"] is None) == (r["label_known_date"] > PAST)
    # not vacuous: labels final today but not on PAST are masked
    today = {r["snapshot_id"]: r for r in pq.read_table(warehouse_export(warehouse, tmp_path)).to_pylist()}
    masked = [r for r in rows if r["label"] is None and today[r["snapshot_id"]]["label"] is not None]
    assert len(masked) == 4 * 20  # the snapshots of the 4 weeks before PAST: 28 + 2 days not yet elapsed
    assert any(r["label_known_date"] == PAST and r["label"] is not None for r in rows)  # final on PAST: kept
    past_meta = json.loads((out / "churn" / f"{PAST}.json").read_text())
    validate(past_meta)
    assert past_meta["as_of_date"] == PAST.isoformat() and past_meta["build_as_of_date"] == BUILD_AS_OF.isoformat()
    assert past_meta["label_counts"]["labelled"] == 7 * 20
    assert past_meta["snapshot_range"] == {"first": "2026-03-02", "last": LAST_SNAPSHOT.isoformat()}


def warehouse_export(warehouse: Path, tmp_path: Path) -> Path:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        export = ml_export.load_export(con, ml_export.USE_CASES["churn"])
    return ml_export.write_export(export, tmp_path / "today")[0]


def test_as_of_after_the_build_is_refused(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    done = lafa_cli(env_for(warehouse), "export", "--as-of", "2026-07-21", "--out", str(out))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "after the as-of date 2026-07-20" in lines[0], done.stderr
    assert not out.exists()


def test_a_missing_mart_is_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    done = lafa_cli(env_for(empty), "export", "--use-case", "churn", "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: marts.ml_churn_features is not in the warehouse; build the ML marts first (`dbt build`)"
    )


def test_a_crash_while_writing_leaves_the_old_files_whole(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        export = ml_export.load_export(con, ml_export.USE_CASES["churn"])
    parquet_path, json_path = ml_export.write_export(export, tmp_path)
    old_parquet, old_json = parquet_path.read_bytes(), json_path.read_text()
    real_write = pq.write_table

    def half_then_crash(table: pa.Table, where: Path) -> None:
        real_write(table.slice(0, 10), where)
        raise OSError("disk full")

    monkeypatch.setattr(ml_export.pq, "write_table", half_then_crash)
    with pytest.raises(OSError, match="disk full"):
        ml_export.write_export(export, tmp_path)
    assert parquet_path.read_bytes() == old_parquet and json_path.read_text() == old_json
    assert sorted(p.name for p in parquet_path.parent.iterdir()) == [json_path.name, parquet_path.name]
    # and the first export into an empty folder leaves nothing at all
    with pytest.raises(OSError, match="disk full"):
        ml_export.write_export(export, tmp_path / "fresh")
    assert list((tmp_path / "fresh" / "churn").iterdir()) == []


def test_the_cli_explains_export_and_train_without_importing_the_ml_packages() -> None:
    probe = (
        "import sys, contextlib, io\n"
        "import lafa.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):\n"
        "    lafa.cli.main(['--help'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'mlflow', 'sklearn', 'xgboost', 'pandas'})\n"
        "print(heavy, 'export' in out.getvalue() and 'train' in out.getvalue())\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO)
    assert done.stdout.strip() == "[] True", done.stderr
    for command in ("export", "train"):
        helped = lafa_cli(dict(os.environ), command, "--help")
        assert helped.returncode == 0 and "--as-of" in helped.stdout
