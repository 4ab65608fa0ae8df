"""Pub/Sub push endpoint for telematics (Phase 1: telematics API -> Pub/Sub -> this function -> warehouse).

    functions-framework --target telematics_push --source lafa/cloud_function.py --port 8080

Each push body is one envelope, handled exactly like a line of a `telematics/*.jsonl` landing file
(`lafa.load.load_bytes`): validated, then written with its load-log row in one DuckDB transaction. Answers:
204 once the message is committed (or was already, for a redelivery of the same envelope), 400 when the
message can never succeed (it is in raw._quarantine with the reason), 503 when the write failed and
Pub/Sub should retry (e.g. the warehouse file is locked by another writer).
"""

from __future__ import annotations

import hashlib
import logging

import duckdb
import functions_framework
from flask import Request

from lafa.contract import TELEMATICS
from lafa.load import load_bytes
from lafa.validate import warm_up
from lafa.warehouse import WarehouseError, connect, ensure_raw_tables

log = logging.getLogger(__name__)
# Cold start: Great Expectations takes 5-10 s to import; pay it before the port opens, not on the first push
# (Pub/Sub's push deadline would otherwise expire on the first message of every new instance).
warm_up()


def handle_push(body: bytes) -> tuple[str, int]:
    """Write one push envelope; return (message, HTTP status)."""
    name = f"push/{hashlib.sha256(body).hexdigest()[:16]}"
    try:
        with connect() as con:
            ensure_raw_tables(con)
            result = load_bytes(con, TELEMATICS, body.rstrip(b"\n") + b"\n", name)
    except (WarehouseError, duckdb.IOException, duckdb.TransactionException, OSError) as error:
        log.warning("retryable failure writing %s: %s", name, error)
        return f"retry: {error}", 503
    if result.status == "skipped" or result.rows_loaded == 1:
        return "", 204
    reason = result.error or "quarantined (see raw._quarantine)"
    return f"rejected: {reason}", 400


@functions_framework.http
def telematics_push(request: Request) -> tuple[str, int]:
    return handle_push(request.get_data())
