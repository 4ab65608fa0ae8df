"""The Pub/Sub push endpoint answers a real HTTP POST and the message is in the raw table afterwards."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from builders import envelope, ping
from conftest import REPO, Warehouse


def _post(port: int, body: bytes) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_push_endpoint_status_codes_and_durable_write(warehouse: Warehouse) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("functions-framework")),
            "--target",
            "telematics_push",
            "--source",
            str(REPO / "lafa" / "cloud_function.py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=REPO,
        env=warehouse.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120  # the cold start imports Great Expectations
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "server did not start"
                time.sleep(0.2)
        good = envelope("msg-1", ping("veh_7", "2026-01-10T15:00:00Z", 64.5, 12_345)).encode()
        assert _post(port, good) == 204
        assert _post(port, good) == 204  # Pub/Sub redelivery: already written, acknowledged
        assert _post(port, envelope("msg-2", ping("veh_7", "2026-01-10T15:01:00Z", 140.0, 12_400)).encode()) == 400
        assert _post(port, b"{not json") == 400
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert warehouse.query(
        "select message_id, vehicle_id, ev_state_of_charge_milli_percent, obd_odometer_meters from raw.telematics"
    ) == [("msg-1", "veh_7", 64_500, 12_345)]
    reasons = [r[0] for r in warehouse.query("select reason from raw._quarantine order by quarantined_at")]
    assert reasons == ["ev_state_of_charge_milli_percent is above 100000", "line is not a JSON object"]


def test_a_locked_warehouse_is_a_retryable_503(warehouse: Warehouse, monkeypatch) -> None:
    import duckdb

    from lafa.cloud_function import handle_push

    monkeypatch.setenv("LAFA_DUCKDB_PATH", str(warehouse.path))
    body = envelope("msg-3", ping("veh_7", "2026-01-10T15:02:00Z", 60.0, 12_500)).encode()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); time.sleep(30)",
            str(warehouse.path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        message, status = handle_push(body)
        assert status == 503, message
    finally:
        holder.kill()
        holder.wait()
    assert handle_push(body)[1] == 204  # the retry succeeds once the lock is gone
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        assert con.execute("select count(*) from raw.telematics").fetchone() == (1,)
