"""Offline BigQuery check: compile every model for BigQuery (full refresh and incremental), then look for
SQL that BigQuery would reject; also the project's singular and own generic data tests and analyses. Exits 1
naming each model (test, analysis) and construct; part of `make test`.

    .venv/bin/python scripts/check_bigquery.py [--project-dir DIR] [--select SELECTOR]

No network: the `bigquery_offline` profile target (dummy oauth token) with `--no-introspect
--no-populate-cache`, NO_GCE_CHECK=true, and var bigquery_check_incremental (macros/overrides/is_incremental.sql)
choosing the branch of every incremental model. Checks on each compiled model:
- sqlglot parses it as BigQuery; no `::` cast; no function sqlglot does not know for BigQuery (epoch,
  list_agg, strftime, ...); no function sqlglot rewrites when writing BigQuery (datediff, try_cast,
  generate_series, arg_max, count(*) filter, ...: DuckDB spellings it tolerates on read);
- patterns sqlglot reads leniently: unit-first date_trunc/date_diff, `* exclude`, ilike, `interval '1 day'`,
  positional/asof joins, unnest() in a select list, DuckDB-only aggregates (median, list, bool_and, ...);
- every function called is in BigQuery's function list (BIGQUERY_FUNCTIONS: split_part, concat_ws, len, ...);
- sqlfluff's BigQuery dialect parses it (catches DuckDB type names such as varchar, double, timestamptz);
- every incremental model is partitioned by a date and clustered on BigQuery, with insert_overwrite or
  merge, and its incremental SQL filters the partition column (docs/bigquery.md, "Incremental models");
  a latest-per-key model (meta.source_partition_date) merges on its unique_key and filters its source's
  partition column with a constant.
"""

from __future__ import annotations

import argparse
import json
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
TARGET = "bigquery_offline"
STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|--[^\n]*|/\*.*?\*/", re.DOTALL)
CALLS = re.compile(r"(?<![.\w`])([a-z_][a-z0-9_]*)\s*\(", re.IGNORECASE)
# BigQuery functions sqlglot parses as anonymous
KNOWN_BIGQUERY = {"APPROX_QUANTILES", "GENERATE_DATE_ARRAY", "TIMESTAMP_TRUNC", "DATETIME_ADD", "DATE_DIFF"}
# names sqlglot changes when writing BigQuery although BigQuery accepts them as written
REWRITE_OK = {"current_date", "current_timestamp", "current_datetime", "current_time"}
# words before "(" that are syntax, not function calls
NOT_CALLS = {
    "all", "and", "any", "array", "as", "between", "by", "cast", "cube", "distinct", "else", "except", "exists",
    "filter", "from", "having", "if", "in", "intersect", "interval", "is", "join", "like", "not", "offset", "on",
    "or", "ordinal", "over", "partition", "pivot", "qualify", "replace", "rollup", "safe_cast", "safe_offset",
    "safe_ordinal", "select", "sets", "some", "struct", "then", "union", "unnest", "unpivot", "using", "values",
    "when", "where", "window", "with",
}  # fmt: skip
# BigQuery's built-in functions (cloud.google.com/bigquery/docs/reference/standard-sql/functions-and-operators),
# by page; a call to any other name is flagged. Add a name here when BigQuery documents it.
BIGQUERY_FUNCTIONS = frozenset(
    """
    any_value array_agg array_concat_agg avg bit_and bit_or bit_xor count countif logical_and logical_or max max_by
    min min_by string_agg sum grouping corr covar_pop covar_samp stddev stddev_pop stddev_samp var_pop var_samp
    variance approx_count_distinct approx_quantiles approx_top_count approx_top_sum
    cume_dist dense_rank ntile percent_rank rank row_number first_value last_value lag lead nth_value
    percentile_cont percentile_disc
    coalesce if ifnull nullif nullifzero zeroifnull error
    bool float64 int64 string lax_bool lax_float64 lax_int64 lax_string parse_bignumeric parse_numeric
    from_base32 from_base64 from_hex to_base32 to_base64 to_hex to_code_points code_points_to_bytes
    code_points_to_string safe_convert_bytes_to_string
    abs acos acosh asin asinh atan atan2 atanh cbrt ceil ceiling cos cosh cot coth csc csch div exp floor greatest
    ieee_divide is_inf is_nan least ln log log10 mod pow power rand range_bucket round safe_add safe_divide
    safe_multiply safe_negate safe_subtract sec sech sign sin sinh sqrt tan tanh trunc cosine_distance
    euclidean_distance bit_count
    farm_fingerprint md5 sha1 sha256 sha512 generate_uuid session_user typeof
    ascii byte_length char_length character_length chr collate concat contains_substr edit_distance ends_with
    format initcap instr left length lower lpad ltrim normalize normalize_and_casefold octet_length
    regexp_contains regexp_extract regexp_extract_all regexp_instr regexp_replace regexp_substr repeat replace
    reverse right rpad rtrim soundex split starts_with strpos substr substring translate trim unicode upper
    json_array json_array_append json_array_insert json_extract json_extract_array json_extract_scalar
    json_extract_string_array json_keys json_object json_query json_query_array json_remove json_set
    json_strip_nulls json_type json_value json_value_array parse_json to_json to_json_string
    array array_concat array_first array_last array_length array_reverse array_slice array_to_string
    generate_array generate_date_array generate_timestamp_array generate_range_array
    current_date date date_add date_bucket date_diff date_from_unix_date date_sub date_trunc extract format_date
    last_day parse_date unix_date current_datetime datetime datetime_add datetime_bucket datetime_diff
    datetime_sub datetime_trunc format_datetime parse_datetime current_time time time_add time_diff time_sub
    time_trunc format_time parse_time current_timestamp timestamp timestamp_add timestamp_bucket timestamp_diff
    timestamp_micros timestamp_millis timestamp_seconds timestamp_sub timestamp_trunc format_timestamp
    parse_timestamp unix_micros unix_millis unix_seconds justify_days justify_hours justify_interval
    make_interval range range_contains range_end range_intersect range_overlaps range_sessionize range_start
    st_area st_astext st_asgeojson st_centroid st_contains st_distance st_dwithin st_geogfromtext st_geogpoint
    st_intersects st_length st_makeline st_x st_y
    """.split()  # noqa: SIM905
)
# type names that take parameters, e.g. cast(x as numeric(18, 2))
TYPE_NAMES = {"numeric", "bignumeric", "decimal", "bigdecimal", "string", "bytes"}
PATTERNS = [
    (re.compile(r"::"), "`::` cast (use cast(x as type))"),
    (re.compile(r"\*\s*exclude\b", re.I), "`* exclude` (BigQuery spells it `* except`)"),
    (re.compile(r"\bilike\b", re.I), "ilike (BigQuery: lower(x) like ...)"),
    (re.compile(r"\b(positional|asof)\s+join\b", re.I), "DuckDB-only join (positional/asof)"),
    (re.compile(r"\)\s*filter\s*\(\s*where\b", re.I), "aggregate filter (where ...) (BigQuery: countif / if())"),
    (re.compile(r"\bat\s+time\s+zone\b(?![^()]*\))", re.I), "at time zone (BigQuery: datetime(ts, zone))"),
    (
        re.compile(r"\b(median|list|bool_and|bool_or|columns|arbitrary|first|last|histogram|quantile)\s*\(", re.I),
        "DuckDB-only function (median, list, bool_and/bool_or, columns, first/last, ...)",
    ),
]
# checked on the raw SQL: they are about the string literal itself
STRING_PATTERNS = [
    (
        re.compile(r"\b(date|timestamp|datetime|time)_(trunc|diff)\s*\(\s*'", re.I),
        "date_trunc/date_diff with the unit first (BigQuery: date_trunc(x, unit); use dbt.date_trunc/datediff)",
    ),
    (
        re.compile(r"\binterval\s*'\s*-?[\d.]+\s+[a-z]+\s*'", re.I),
        "interval '1 day' string (BigQuery: interval 1 day)",
    ),
]


def dbt_compile(project: Path, target_path: Path, incremental: bool, select: str) -> None:
    env = dict(os.environ, NO_GCE_CHECK="true", DO_NOT_TRACK="1", DBT_LOG_PATH=str(target_path / "logs"))
    env.pop("DBT_TARGET_PATH", None)
    dbt = str(Path(sys.executable).with_name("dbt"))
    command = [
        dbt,
        "compile",
        "--target",
        TARGET,
        "--no-introspect",
        "--no-populate-cache",
        "--no-partial-parse",
        "--select",
        select,
        "--indirect-selection",
        "empty",
        "--target-path",
        str(target_path),
        "--profiles-dir",
        str(profiles_dir(project, target_path)),
        "--vars",
        f"{{bigquery_check_incremental: {str(incremental).lower()}}}",
    ]
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"dbt compile for BigQuery failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")


def profiles_dir(project: Path, scratch: Path) -> Path:
    """The project's profiles.yml.example (the committed profile, not a possibly stale ./profiles.yml)."""
    example = project / "profiles.yml.example"
    if not example.exists():
        return project
    folder = scratch / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.yml").write_text(example.read_text())
    return folder


def problems(sql: str) -> list[str]:
    """What BigQuery would reject in one compiled statement (empty when it looks valid)."""
    found = []
    code = STRINGS.sub("''", sql)
    found += [message for pattern, message in PATTERNS if pattern.search(code)]
    found += [message for pattern, message in STRING_PATTERNS if pattern.search(sql)]
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
        for unnest in tree.find_all(exp.Unnest):
            holder = unnest.parent.parent if isinstance(unnest.parent, exp.Alias) else unnest.parent
            owner = unnest.parent if holder is unnest.parent.parent else unnest
            if isinstance(holder, exp.Select) and owner.arg_key == "expressions":
                found.append("unnest() in a select list (BigQuery: from unnest(...) or array subquery)")
        written = sqlglot.transpile(sql, read="bigquery", write="bigquery")[0]
        before = {n.lower() for n in CALLS.findall(STRINGS.sub("''", sql))} - NOT_CALLS
        after = {n.lower() for n in CALLS.findall(STRINGS.sub("''", written))} - NOT_CALLS
        for name in sorted(before - after - REWRITE_OK):
            if f"function {name}() is not a BigQuery function" not in found:
                found.append(f"function {name}() is rewritten by sqlglot for BigQuery: a DuckDB spelling?")
    code_calls = {n.lower() for n in CALLS.findall(code)} - NOT_CALLS - TYPE_NAMES
    for name in sorted(code_calls - BIGQUERY_FUNCTIONS):
        if not any(f"function {name}()" in problem for problem in found):
            found.append(
                f"function {name}() is not in BigQuery's function list (BIGQUERY_FUNCTIONS, {Path(__file__).name})"
            )
    parse_errors = [v for v in sqlfluff.lint(sql, dialect="bigquery", rules=["CP01"]) if v["code"] == "PRS"]
    if parse_errors:
        first = parse_errors[0]
        found.append(f"sqlfluff (bigquery) cannot parse line {first['start_line_no']}: {first['description'][:80]}")
    return found


def incremental_problems(node: dict, full_sql: str, incremental_sql: str) -> list[str]:
    """The BigQuery shape every incremental model must have (docs/bigquery.md, "Incremental models")."""
    config = node["config"]
    found = []
    if incremental_sql == full_sql:
        found.append("incremental SQL equals the full-refresh SQL (no is_incremental() filter)")
    source_date = (config.get("meta") or {}).get("source_partition_date")
    if source_date:  # one row per key, kept up to date from a partitioned model (latest_per_key_incremental_config)
        if config.get("incremental_strategy") != "merge" or not config.get("unique_key"):
            found.append("latest-per-key incremental model without merge on a unique_key on BigQuery")
        if "_dbt_max_partition" in incremental_sql:
            found.append("_dbt_max_partition in an unpartitioned model (dbt-bigquery does not declare it there)")
        elif filters_partition(incremental_sql, source_date) != "constant":
            found.append(f"incremental SQL does not filter {source_date} of its source with a constant (no pruning)")
        return found
    partition = config.get("partition_by") or {}
    field = partition.get("field")
    if not field or partition.get("data_type", "date") not in ("date", "timestamp", "datetime"):
        found.append("incremental model not partitioned by a date on BigQuery (use event_incremental_config)")
    if partition.get("data_type") in ("timestamp", "datetime") and partition.get("granularity", "day") != "day":
        found.append("incremental model partitioned by other than day on BigQuery")
    if not config.get("cluster_by"):
        found.append("incremental model not clustered on BigQuery (use event_incremental_config)")
    if config.get("incremental_strategy") not in ("insert_overwrite", "merge", "microbatch"):
        found.append(
            f"incremental strategy {config.get('incremental_strategy')!r} on BigQuery (insert_overwrite/merge)"
        )
    if field and not filters_partition(incremental_sql, field):
        found.append(f"incremental SQL does not filter the partition column {field} (no pruning)")
    elif field and filters_partition(incremental_sql, field) == "subquery":
        print(
            f"warning: {node.get('name', '?')} filters {field} only through a subquery or join; BigQuery may not prune "
            "(incremental_partition_floor, docs/bigquery.md)"
        )
    return found


def filters_partition(sql: str, field: str) -> str | None:
    """How the incremental SQL filters the partition column: "constant", "subquery" (a subquery or another
    column on the other side, which BigQuery may not prune with) or None (not at all)."""
    try:
        tree = sqlglot.parse_one(sql, read="bigquery")
    except sqlglot.errors.ParseError:
        return None
    comparisons = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.EQ, exp.Between, exp.In)
    found = None
    for where in tree.find_all(exp.Where):
        for comparison in where.find_all(*comparisons):
            names = [column.name.lower() for column in comparison.find_all(exp.Column)]
            if field.lower() in names:
                # constant: nothing else to evaluate per row (dbt-bigquery's script variable counts as constant)
                others = [name for name in names if name != "_dbt_max_partition"]
                if others == [field.lower()] and not comparison.find(exp.Subquery, exp.Select):
                    return "constant"
                found = "subquery"
    return found


def ours(node: dict) -> bool:
    """Models, analyses, singular tests and tests of the project's own generic tests (dbt's built-in generic
    tests render BigQuery SQL from dbt-bigquery's macros; their YAML arguments are column names)."""
    if node["resource_type"] in ("model", "analysis"):
        return True
    if node["resource_type"] != "test":
        return False
    metadata = node.get("test_metadata")
    return metadata is None or metadata.get("name") not in ("unique", "not_null", "accepted_values", "relationships")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project-dir", type=Path, default=REPO)
    parser.add_argument(
        "--select",
        default="resource_type:model resource_type:test resource_type:analysis",
        help="dbt selector (default: every model, data test and analysis)",
    )
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="lafa-bq-check-") as tmp:
        compiled: dict[str, dict[str, str]] = {"full_refresh": {}, "incremental": {}}
        nodes: dict[str, dict] = {}
        for state in compiled:
            target = Path(tmp) / state
            dbt_compile(args.project_dir, target, state == "incremental", args.select)
            manifest = json.loads((target / "manifest.json").read_text())
            for node in manifest["nodes"].values():
                if ours(node) and node.get("compiled_code") is not None:
                    nodes[node["name"]] = node
                    compiled[state][node["name"]] = node["compiled_code"]
        for model in sorted(compiled["full_refresh"]):
            where = nodes[model]["original_file_path"]
            full_sql = compiled["full_refresh"][model]
            incremental_sql = compiled["incremental"].get(model, full_sql)
            for state, sql in (("full_refresh", full_sql), ("incremental", incremental_sql)):
                if state == "incremental" and sql == full_sql:
                    continue  # the same SQL in both states: checked once
                for problem in problems(sql):
                    failures += 1
                    print(f"{model} ({where}, {state}): {problem}")
            if nodes[model]["resource_type"] == "model" and nodes[model]["config"]["materialized"] == "incremental":
                for problem in incremental_problems(nodes[model], full_sql, incremental_sql):
                    failures += 1
                    print(f"{model} ({where}, incremental config): {problem}")
        kinds = [node["resource_type"] for node in nodes.values()]
        print(
            f"BigQuery check: {kinds.count('model')} models (both incremental states), {kinds.count('test')} data "
            f"tests, {kinds.count('analysis')} analyses compiled; {failures} problem(s)"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
