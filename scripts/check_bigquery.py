"""Offline BigQuery check: compile every model for BigQuery (full refresh and incremental), then look for
SQL that BigQuery would reject. Exits 1 naming each model and construct; part of `make test`.

    .venv/bin/python scripts/check_bigquery.py [--project-dir DIR]

Checks on each compiled model: sqlglot parses it as BigQuery; no `::` casts; no function sqlglot does not
know for BigQuery (DuckDB-only functions such as epoch, list_agg); no *_trunc with the unit first
(DuckDB's date_trunc('day', ts)); no `* exclude`; and sqlfluff's BigQuery dialect parses it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import sqlfluff
import sqlglot
from sqlglot import exp

REPO = Path(__file__).resolve().parents[1]
STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|`[^`]*`|--[^\n]*")
# functions BigQuery has that sqlglot parses as anonymous
KNOWN_BIGQUERY = {"APPROX_QUANTILES", "GENERATE_DATE_ARRAY", "TIMESTAMP_TRUNC", "DATETIME_ADD", "DATE_DIFF"}


def compile_models(project: Path, target_path: Path, incremental: bool) -> None:
    env = dict(os.environ, NO_GCE_CHECK="true", DO_NOT_TRACK="1", DBT_LOG_PATH=str(target_path / "logs"))
    dbt = str(Path(sys.executable).with_name("dbt"))
    command = [
        dbt,
        "compile",
        "--target",
        "bigquery_offline",
        "--no-introspect",
        "--no-populate-cache",
        "--select",
        "resource_type:model",
        "--indirect-selection",
        "empty",
        "--target-path",
        str(target_path),
        "--profiles-dir",
        str(project),
        "--vars",
        f"{{bigquery_check_incremental: {str(incremental).lower()}}}",
    ]
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"dbt compile for BigQuery failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")


def problems(sql: str) -> list[str]:
    """What BigQuery would reject in one compiled statement (empty when it looks valid)."""
    found = []
    code = STRINGS.sub("''", sql)
    if "::" in code:
        found.append("`::` cast (use cast(x as type))")
    if re.search(r"\*\s*exclude\b", code, re.IGNORECASE):
        found.append("`* exclude` (BigQuery spells it `* except`)")
    if re.search(r"\b(date|timestamp|datetime)_trunc\s*\(\s*'", sql, re.IGNORECASE):
        found.append("date_trunc with the unit first (BigQuery: date_trunc(x, unit); use dbt.date_trunc)")
    try:
        tree = sqlglot.parse_one(sql, read="bigquery")
    except sqlglot.errors.ParseError as error:
        found.append(f"sqlglot cannot parse it as BigQuery: {str(error).splitlines()[0]}")
        tree = None
    if tree is not None:
        for function in tree.find_all(exp.Anonymous):
            name = str(function.this).upper()
            if name not in KNOWN_BIGQUERY:
                found.append(f"function {name.lower()}() is not a BigQuery function")
    parse_errors = [v for v in sqlfluff.lint(sql, dialect="bigquery", rules=["CP01"]) if v["code"] == "PRS"]
    if parse_errors:
        first = parse_errors[0]
        found.append(f"sqlfluff (bigquery) cannot parse line {first['start_line_no']}: {first['description'][:80]}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project-dir", type=Path, default=REPO)
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        checked: dict[str, str] = {}
        for state in ("full_refresh", "incremental"):
            target = Path(tmp) / state
            compile_models(args.project_dir, target, incremental=state == "incremental")
            for path in sorted((target / "compiled").rglob("*.sql")):
                model = path.stem
                sql = path.read_text()
                if checked.get(model) == sql:
                    continue  # the same SQL in both states: checked once
                checked[model] = sql
                for problem in problems(sql):
                    failures += 1
                    print(f"{model} ({state}): {problem}")
        print(f"BigQuery check: {len(checked)} models compiled in both states, {failures} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
