"""Fuzz the loader with mutated records and files: no crash, no traceback, every row accounted for."""

from __future__ import annotations

import base64
import json
import random

from builders import envelope, ping
from conftest import Warehouse

PAYMENT_HEADER = "payment_id,contract_id,paid_at,amount_mxn,method,status"
PAYMENT_ROW = "p{n},c1,2026-01-12T18:00:00Z,1000.00,spei,succeeded"


def _mutate_line(line: str, rng: random.Random) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return line[: rng.randrange(len(line))]  # truncated
    if kind == 1:
        return line.replace('"data": "', '"data": "%%not base64%%', 1)
    if kind == 2:
        return line.replace("{", "[", 1)  # broken JSON
    if kind == 3:
        payload = json.loads(base64.b64decode(json.loads(line)["message"]["data"]))
        payload[rng.choice(list(payload))] = rng.choice(["text", [1, 2], {"a": 1}, None, True, -1, 10**30])
        return envelope(f"x{rng.randrange(10**9)}", payload, publish_time="2026-01-10T00:00:00Z")
    if kind == 4:
        return line + "\x00"
    if kind == 5:
        return line.replace("veh_", "veh_" + "9" * rng.randrange(1, 5000), 1)  # huge value
    if kind == 6:
        return "\ufeff" + line
    if kind == 7:
        return line + "\r"
    return line  # unchanged


def _mutate_csv_row(row: str, rng: random.Random) -> str:
    fields = row.split(",")
    kind = rng.randrange(7)
    if kind == 0:
        fields = fields[: rng.randrange(len(fields))]
    elif kind == 1:
        fields[rng.randrange(len(fields))] = rng.choice(["", "abc", "-5", "1e400", "2099-01-01T00:00:00Z", '"x'])
    elif kind == 2:
        fields.append("extra")
    elif kind == 3:
        fields[rng.randrange(len(fields))] = "9" * 10_000
    elif kind == 4:
        fields[2] = "2026-13-45T99:99:99Z"
    elif kind == 5:
        fields[rng.randrange(len(fields))] += "\x00"
    return ",".join(fields)


def test_mutated_records_and_files_are_loaded_or_quarantined(warehouse: Warehouse) -> None:
    rng = random.Random(20261124)
    telematics, payments = warehouse.landing / "telematics", warehouse.landing / "payments"
    telematics.mkdir(parents=True)
    payments.mkdir(parents=True)
    records = 0
    expected_lines: dict[str, int] = {}
    for f in range(40):
        lines = [
            envelope(f"m{f}-{i}", ping("veh_1", f"2026-01-10T10:{i % 60:02d}:00Z", 50, 1000 + i)) for i in range(25)
        ]
        mutated = [_mutate_line(line, rng) for line in lines]
        records += len(mutated)
        text = "\n".join(mutated) + rng.choice(["\n", "\r\n", ""])
        name = f"t{f:02d}.jsonl"
        data = text.encode()
        if rng.random() < 0.2:
            cut = rng.randrange(len(data))
            data = data[:cut] + b"\xc3\x28\xff" + data[cut:]  # invalid UTF-8 inside a line
        (telematics / name).write_bytes(data)
        decoded = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
        expected_lines[f"telematics/{name}"] = sum(1 for line in decoded.splitlines() if line.strip())
    for f in range(20):
        header = PAYMENT_HEADER if rng.random() > 0.2 else PAYMENT_HEADER.replace(",amount_mxn", "")
        rows = [_mutate_csv_row(PAYMENT_ROW.format(n=f"{f}-{i}"), rng) for i in range(25)]
        records += len(rows)
        text = "\n".join([header, *rows]) + "\n"
        if rng.random() < 0.2:
            text = "\ufeff" + text.replace("\n", "\r\n")
        data = text.encode()
        if rng.random() < 0.1:
            data = data[:40] + b"\xff\xfe" + data[40:]  # invalid UTF-8
        (payments / f"p{f:02d}.csv").write_bytes(data)
    (telematics / "empty.jsonl").write_bytes(b"")
    (payments / "empty.csv").write_bytes(b"")
    (payments / "header_only.csv").write_text(PAYMENT_HEADER + "\n")
    assert records >= 1_000

    done = warehouse.lafa("load", str(warehouse.landing))
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr + done.stdout

    log = {
        r[0]: r[1:]
        for r in warehouse.query("select file, rows_offered, rows_loaded, rows_quarantined, status from raw._load_log")
    }
    on_disk = {f"{p.parent.name}/{p.name}" for p in warehouse.landing.rglob("*.*")}
    assert set(log) == on_disk  # every file recorded (all contents differ)
    for offered, loaded, quarantined, _ in log.values():
        assert offered == loaded + quarantined
    for name, lines in expected_lines.items():
        assert log[name][0] == lines, name  # counted here, independently of the loader
    raw_rows = (
        warehouse.query("select count(*) from raw.telematics")[0][0]
        + warehouse.query("select count(*) from raw.payments")[0][0]
    )
    assert raw_rows == sum(v[1] for v in log.values())
    assert warehouse.query("select count(*) from raw._quarantine")[0][0] == sum(v[2] for v in log.values())
    assert sum(v[2] for v in log.values()) > 100  # the mutations did reach the quarantine
