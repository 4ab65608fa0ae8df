"""Great Expectations at the boundary: the header check and the gate on the typed rows about to be loaded."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
import yaml
from builders import envelope, ping
from conftest import REPO

import lafa.load
from lafa.contract import SOURCES, TELEMATICS
from lafa.load import load_bytes
from lafa.validate import missing_columns, row_failures
from lafa.warehouse import ensure_raw_tables


def test_header_check_names_the_missing_required_columns() -> None:
    header = ["payment_id", "paid_at", "method", "status", "note"]  # an extra column is fine
    assert missing_columns(SOURCES["payments"], header) == ["contract_id", "amount_mxn"]
    assert missing_columns(SOURCES["payments"], [*SOURCES["payments"].column_names, "note"]) == []
    # an optional column (added to the contract later) may be absent
    old_header = [c for c in SOURCES["payments"].column_names if c != "exported_at"]
    assert missing_columns(SOURCES["payments"], old_header) == []


def test_row_failures_map_back_to_row_numbers() -> None:
    frame = pd.DataFrame(
        {
            "_row_number": [3, 7, 8, 12],
            "payment_id": ["p1", None, "p3", "p4"],
            "contract_id": ["c1", "c1", "c1", "c1"],
            "paid_at": pd.to_datetime(["2026-01-01", "2026-01-02", "2099-01-01", "2026-01-03"]),
            "amount_mxn": [10.0, 20.0, 30.0, -1.0],
            "method": ["spei", "oxxo", "card", "cash"],
            "status": ["succeeded", "failed", "bitcoin", "reversed"],
            "exported_at": pd.to_datetime([None, None, None, None]),  # optional: absent from a file's header
        }
    )
    failures = row_failures(SOURCES["payments"], frame)
    assert set(failures) == {7, 8, 12}
    assert "payment_id not null" in failures[7]
    assert "paid_at between now + 10 min" in failures[8] and "status in succeeded/failed/reversed" in failures[8]
    assert "amount_mxn between 0.01..1e+07" in failures[12]


def test_the_gate_quarantines_what_the_sql_checks_let_through(monkeypatch: pytest.MonkeyPatch) -> None:
    # Switch the SQL range checks off: GE alone must stop the 140 % SoC and the negative speed.
    monkeypatch.setattr(lafa.load, "TELEMATICS_RANGES", ())
    bad_speed = ping("veh_1", "2026-01-10T15:02:00Z", 50, 1002)
    bad_speed["gps"] = {"latitude": 19.4, "longitude": -99.1, "speedMilesPerHour": -3.0}
    lines = [
        envelope("m1", ping("veh_1", "2026-01-10T15:00:00Z", 50, 1000)),
        envelope("m2", ping("veh_1", "2026-01-10T15:01:00Z", 140, 1001)),
        envelope("m3", bad_speed),
        envelope("m4", ping("veh_1", "2026-01-10T15:03:00Z", 100, 1003)),
    ]
    con = duckdb.connect()
    ensure_raw_tables(con)
    result = load_bytes(con, TELEMATICS, "\n".join(lines).encode(), "t.jsonl")
    assert (result.rows_offered, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    assert con.execute("select message_id from raw.telematics order by 1").fetchall() == [("m1",), ("m4",)]
    reasons = dict(con.execute("select row_number, reason from raw._quarantine").fetchall())
    assert reasons == {
        2: "great_expectations: ev_state_of_charge_pct between 0..100",
        3: "great_expectations: gps_speed_miles_per_hour between 0..250",
    }


def test_the_longest_term_the_loader_accepts_is_the_one_the_models_schedule() -> None:
    """lto_contracts.term_weeks: the contract's maximum (lafa/contract.py) is dbt var lto_max_term_weeks, which sizes
    the installment schedule (int_lending__installments): a longer term would load and lose its last installments."""
    term = next(c for c in SOURCES["lto_contracts"].columns if c.name == "term_weeks")
    project = yaml.safe_load((REPO / "dbt_project.yml").read_text())
    assert term.max_value == project["vars"]["lto_max_term_weeks"] == 520
