"""A load killed in the middle of a file leaves nothing of it; the rerun loads it completely, once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from builders import envelope, ping, write_telematics
from conftest import REPO, Warehouse

LINES = 5_000


def test_sigkill_mid_load_leaves_no_partial_file(warehouse: Warehouse) -> None:
    lines = [
        envelope(
            f"m{i}", ping("veh_1", f"2026-01-10T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z", 50, 1000 + i)
        )
        for i in range(LINES)
    ]
    write_telematics(warehouse.landing, "2026-01-10.jsonl", lines)
    env = dict(warehouse.env, LAFA_LOAD_PAUSE_BEFORE_COMMIT="60")
    process = subprocess.Popen(
        [sys.executable, "-m", "lafa.cli", "load", str(warehouse.landing)],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    while "about to commit" not in process.stderr.readline():  # the rows are inserted, not yet committed
        assert time.monotonic() < deadline and process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()

    assert warehouse.query("select count(*) from raw.telematics") == [(0,)]
    assert warehouse.query("select count(*) from raw._load_log") == [(0,)]
    assert warehouse.query("select count(*) from raw._quarantine") == [(0,)]

    assert warehouse.lafa("load", str(warehouse.landing)).returncode == 0
    assert warehouse.query("select count(*), count(distinct message_id) from raw.telematics") == [(LINES, LINES)]
    assert warehouse.query("select rows_offered, rows_loaded, status from raw._load_log") == [(LINES, LINES, "loaded")]
    assert warehouse.lafa("load", str(warehouse.landing)).returncode == 0
    assert warehouse.query("select count(*) from raw.telematics") == [(LINES,)]
