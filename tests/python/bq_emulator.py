"""A local BigQuery emulator (crucible-emulator, in its own venv) for tests of the dbt-bigquery path."""

from __future__ import annotations

import csv
import datetime
import io
import os
import socket
import subprocess
import time
from pathlib import Path

import duckdb
from conftest import REPO
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

EMULATOR = Path(os.environ.get("LAFA_BQ_EMULATOR", REPO / ".venv-bqemu" / "bin" / "crucible"))
PROJECT = "lafa-emu"
TYPES = {"VARCHAR": "STRING", "BIGINT": "INT64", "INTEGER": "INT64", "TIMESTAMP": "TIMESTAMP", "DOUBLE": "FLOAT64"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [str(EMULATOR), "serve", "--dialect", "bigquery", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the BigQuery emulator did not start") from None
            time.sleep(0.2)


def client(port: int) -> bigquery.Client:
    return bigquery.Client(
        project=PROJECT,
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=f"http://127.0.0.1:{port}"),
    )


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    return value


def seed_raw(port: int, duckdb_path: Path, dataset: str = "lafa_raw") -> None:
    """Copy the DuckDB raw tables into <dataset> with CSV load jobs, as the loader's BigQuery path would."""
    bq = client(port)
    bq.create_dataset(dataset, exists_ok=True)
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw' and not starts_with(table_name, '_')"
            ).fetchall()
        ]
        for table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns where "
                "table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for row in con.execute(f"select * from raw.{table}").fetchall():
                writer.writerow([_csv_value(v) for v in row])
            config = bigquery.LoadJobConfig(
                schema=[bigquery.SchemaField(name, TYPES[kind]) for name, kind in columns],
                source_format="CSV",
                write_disposition="WRITE_TRUNCATE",
            )
            bq.load_table_from_file(
                io.BytesIO(buffer.getvalue().encode()), f"{PROJECT}.{dataset}.{table}", job_config=config
            ).result()


def profiles(directory: Path) -> Path:
    """A profiles dir holding the committed profiles.yml.example (its bigquery_emulator target)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "profiles.yml").write_text((REPO / "profiles.yml.example").read_text())
    return directory


def dbt_env(base: dict[str, str], port: int, target_path: Path) -> dict[str, str]:
    """Environment for dbt against the emulator on `port`: no metadata-server probe, isolated target/logs."""
    return dict(
        base,
        NO_GCE_CHECK="true",
        LAFA_DBT_TARGET="bigquery_emulator",
        LAFA_BQ_DATASET="lafa",
        LAFA_BQ_EMULATOR_ENDPOINT=f"http://127.0.0.1:{port}",
        DBT_TARGET_PATH=str(target_path / "target"),
        DBT_LOG_PATH=str(target_path / "logs"),
    )
