"""The offline BigQuery check (scripts/check_bigquery.py) names the mart and the DuckDB-only construct put
into it, and holds every incremental model to the BigQuery shape (partitioned, clustered, pruning filter)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

import pytest
from conftest import REPO

# the injected copy is checked once, on one worker (conftest: --dist loadgroup)
pytestmark = pytest.mark.xdist_group("bigquery_check")

SCRIPT = REPO / "scripts" / "check_bigquery.py"
_spec = importlib.util.spec_from_file_location("check_bigquery", SCRIPT)
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)

# mart -> (replacement for its last line `select * from final`, what the check must say)
INJECTIONS = {
    "fct_lto_portfolio_daily": ("select *, contracts_in_portfolio::int as x from final", "`::` cast"),
    "dim_drivers": ("select *, date_trunc('day', onboarded_date) as x from final", "with the unit first"),
    "rpt_lto_roll_rates": ("select *, list_agg(to_state) over () as x from final", "function list_agg()"),
    "fct_data_platform_cost_monthly": ("select *, epoch(cost_month) as x from final", "function epoch()"),
    "dim_vehicles": ("select * exclude (vin) from final", "`* exclude`"),
}

# new models put into the copy: one following docs/bigquery.md's incremental pattern, one not
HELPER_MODEL = """{{ config(**event_incremental_config('recorded_date')) }}
select vehicle_id, recorded_date, count(*) as pings
from {{ ref('stg_telematics__vehicle_stats') }}
{% if is_incremental() %}
    where recorded_date >= {{ incremental_partition_floor('recorded_date', 3) }}
{% endif %}
group by 1, 2
"""
BARE_INCREMENTAL = """{{ config(materialized='incremental') }}
select vehicle_id, recorded_at from {{ ref('stg_telematics__vehicle_stats') }}
{% if is_incremental() %}
    where recorded_at > (select max(recorded_at) from {{ this }})
{% endif %}
"""


@pytest.mark.parametrize(("mart", "injection"), INJECTIONS.items(), ids=list(INJECTIONS))
def test_each_construct_alone_is_a_problem(mart: str, injection: tuple[str, str]) -> None:
    select, message = injection
    sql = f"with final as (select 1 as contracts_in_portfolio) {select}"
    assert any(message in problem for problem in check.problems(sql)), check.problems(sql)


@pytest.fixture(scope="module")
def injected_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """One run of the check on a copy of the project with each construct put into a different mart."""
    project = tmp_path_factory.mktemp("bq-check") / "project"
    project.mkdir()
    items = ("dbt_project.yml", "packages.yml", "profiles.yml.example", "dbt_packages")
    for item in (*items, "models", "macros", "seeds", "tests", "analyses"):
        source = REPO / item
        if source.is_dir():
            shutil.copytree(source, project / item, ignore=shutil.ignore_patterns("python", "__pycache__"))
        elif source.exists():
            shutil.copy(source, project / item)
    for mart, (select, _) in INJECTIONS.items():
        path = next(project.glob(f"models/marts/*/{mart}.sql"))
        text = path.read_text().rstrip()
        assert text.endswith("select * from final"), mart
        path.write_text(text[: -len("select * from final")] + select + "\n")
    (project / "models" / "marts" / "fleet" / "fct_helper_pattern.sql").write_text(HELPER_MODEL)
    (project / "models" / "marts" / "fleet" / "fct_bare_incremental.sql").write_text(BARE_INCREMENTAL)
    # only the changed models: `make bq-check` checks the whole project, without false positives
    select = " ".join([*INJECTIONS, "fct_helper_pattern", "fct_bare_incremental"])
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--project-dir", str(project), "--select", select],
        capture_output=True,
        text=True,
    )


def flagged(run: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in run.stdout.splitlines() if " (models/" in line]


@pytest.mark.parametrize("mart", INJECTIONS)
def test_the_check_fails_naming_the_mart_and_construct(
    injected_run: subprocess.CompletedProcess[str], mart: str
) -> None:
    assert injected_run.returncode == 1, injected_run.stdout + injected_run.stderr
    message = INJECTIONS[mart][1]
    assert any(line.startswith(f"{mart} (") and message in line for line in flagged(injected_run)), injected_run.stdout


def test_an_incremental_model_without_the_bigquery_shape_is_flagged(
    injected_run: subprocess.CompletedProcess[str],
) -> None:
    lines = [line for line in flagged(injected_run) if line.startswith("fct_bare_incremental (")]
    for message in ("not partitioned", "not clustered", "strategy None"):
        assert any(message in line for line in lines), injected_run.stdout


def test_nothing_else_is_flagged(injected_run: subprocess.CompletedProcess[str]) -> None:
    """No false positives on a model following the incremental pattern (helpers); the rest of the project is
    held to zero problems by `make bq-check`."""
    expected = set(INJECTIONS) | {"fct_bare_incremental"}
    assert {line.split(" (")[0] for line in flagged(injected_run)} == expected, injected_run.stdout


@pytest.mark.parametrize(
    "sql",
    [
        "select cast(x as varchar) as y from t",
        "select datediff('day', a, b) as y from t",
        "select try_cast(x as int) as y from t",
        "select count(*) filter (where x > 1) as y from t",
        "select median(x) as y from t",
        "select x ilike 'a%' as y from t",
        "select ts + interval '1 day' as y from t",
        "select unnest(xs) as y from t",
        "select * from generate_series(1, 3)",
        "select strftime(ts, '%Y') as y from t",
        "select split_part(x, ',', 1) as y, concat_ws(',', a, b) as z from t",
        "select ts at time zone 'UTC' as y from t",
    ],
)
def test_other_duckdb_only_constructs(sql: str) -> None:
    assert check.problems(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "select date_trunc(d, month) as y, timestamp_trunc(ts, day) as z from t",
        "select * except (a) from t qualify row_number() over (partition by a order by b) = 1",
        "select approx_quantiles(x, 100)[offset(50)] as y, countif(x > 1) as z from t group by all",
        "select date_diff(a, b, day) as y, date(ts, 'America/Mexico_City') as z, current_date() as w from t",
        "select d from unnest(generate_date_array(a, b)) as d where d >= date_sub(_dbt_max_partition, interval 3 day)",
        "select cast(x as numeric) as y, safe_cast(x as int64) as z, cast(x as float64) as w from t",
    ],
)
def test_valid_bigquery_passes(sql: str) -> None:
    assert check.problems(sql) == []


def node(**config: object) -> dict:
    return {"config": {"materialized": "incremental", **config}}


GOOD_CONFIG = {
    "partition_by": {"field": "event_date", "data_type": "date"},
    "cluster_by": ["vehicle_id"],
    "incremental_strategy": "insert_overwrite",
}
FULL = "select event_date, vehicle_id from s"
INCREMENTAL = "select event_date, vehicle_id from s where event_date >= date_sub(_dbt_max_partition, interval 3 day)"


def test_incremental_model_shape() -> None:
    assert check.incremental_problems(node(**GOOD_CONFIG), FULL, INCREMENTAL) == []
    unpartitioned = {**GOOD_CONFIG, "partition_by": None}
    assert "not partitioned" in " ".join(check.incremental_problems(node(**unpartitioned), FULL, INCREMENTAL))
    unclustered = {**GOOD_CONFIG, "cluster_by": None}
    assert "not clustered" in " ".join(check.incremental_problems(node(**unclustered), FULL, INCREMENTAL))
    appending = {**GOOD_CONFIG, "incremental_strategy": "append"}
    assert "strategy 'append'" in " ".join(check.incremental_problems(node(**appending), FULL, INCREMENTAL))
    no_pruning = "select event_date, vehicle_id from s where loaded_at > (select max(loaded_at) from t)"
    assert "does not filter the partition column" in " ".join(
        check.incremental_problems(node(**GOOD_CONFIG), FULL, no_pruning)
    )
    assert "equals the full-refresh SQL" in " ".join(check.incremental_problems(node(**GOOD_CONFIG), FULL, FULL))


def test_partition_filter_kinds() -> None:
    """BigQuery prunes on a constant (or dbt-bigquery's script variable), not reliably on a subquery or join."""
    assert check.filters_partition(INCREMENTAL, "event_date") == "constant"
    assert check.filters_partition(FULL + " where event_date >= (select max(event_date) from t)", "event_date") == (
        "subquery"
    )
    assert check.filters_partition(FULL + " as n where n.event_date = o.event_date", "event_date") == "subquery"
    assert check.filters_partition(FULL + " where x > 1", "event_date") is None


def test_latest_per_key_model_shape() -> None:
    """An unpartitioned one-row-per-key model merges on its key and reads its source's partitions with a literal:
    dbt-bigquery declares _dbt_max_partition only for a partitioned table."""
    latest = {"incremental_strategy": "merge", "unique_key": "vehicle_id", "meta": {"source_partition_date": "d"}}
    full = "select vehicle_id, max(d) as d from s group by 1"
    literal = "select vehicle_id, max(d) as d from s where d >= cast('2026-03-01' as date) group by 1"
    assert check.incremental_problems(node(**latest), full, literal) == []
    scripted = literal.replace("cast('2026-03-01' as date)", "date_sub(_dbt_max_partition, interval 4 day)")
    assert "_dbt_max_partition" in " ".join(check.incremental_problems(node(**latest), full, scripted))
    no_key = {**latest, "unique_key": None}
    assert "without merge on a unique_key" in " ".join(check.incremental_problems(node(**no_key), full, literal))
    subquery = full.replace("group by", "where d >= (select max(d) from t) group by")
    assert "with a constant" in " ".join(check.incremental_problems(node(**latest), full, subquery))
