"""`lafa train` on the small ML warehouse of ml_fixture.py: the refusal while a use case is not ready (exit 3, one
line naming the counts, no run), the time-based split, the baselines beside the heuristic logged to MLflow."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import duckdb
import mlflow
import numpy as np
import pytest
from conftest import lafa_cli
from ml_fixture import BUILD_AS_OF, build_warehouse

from lafa.ml import USE_CASES, MlError
from lafa.ml.export import load_export
from lafa.ml.train import (
    NotReady,
    fit_and_score,
    precision_at_top_decile,
    time_split,
    train,
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("ml") / "lafa.duckdb")


def env_for(warehouse: Path, tracking: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(LAFA_DUCKDB_PATH=str(warehouse), MLFLOW_TRACKING_URI=f"sqlite:///{tracking}")
    return env


@pytest.mark.parametrize(
    ("use_case", "expected"),
    [
        (
            "credit_risk",
            "credit_risk is not ready to train: 12 labelled rows (150 needed), 3 positive (30 needed); "
            "the heuristic ml_credit_risk_heuristic is the answer until then",
        ),
        (
            "demand",
            "demand is not ready to train: 576 labelled rows (1,000 needed); "
            "the baseline f_trips_same_hour_last_week is the answer until then",
        ),
    ],
)
def test_not_ready_is_refused_in_one_line_and_writes_nothing(
    warehouse: Path, tmp_path: Path, use_case: str, expected: str
) -> None:
    tracking = tmp_path / "mlflow.db"
    done = lafa_cli(env_for(warehouse, tracking), "train", "--use-case", use_case)
    assert done.returncode == 3
    assert done.stderr.splitlines() == [expected]
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no tracking database, no artifacts


def test_the_split_is_by_time() -> None:
    mondays = [date(2026, 3, 2) + timedelta(weeks=w) for w in range(16)]
    shuffled = [d for _, d in sorted(zip(np.random.default_rng(1).random(16 * 20), mondays * 20, strict=True))]
    split = time_split(shuffled, 0.2)
    assert max(split.train_dates) < min(split.holdout_dates)
    assert split.holdout_dates == mondays[-3:] and split.train_dates == mondays[:-3]  # 0.2 x 16 = 3.2 -> 3
    assert time_split(mondays[:2], 0.9).holdout_dates == [mondays[1]]  # never every date
    assert time_split(mondays[:3], 0.01).holdout_dates == [mondays[2]]  # never none
    with pytest.raises(MlError, match="between 0 and 1"):
        time_split(mondays, 1.0)
    with pytest.raises(MlError, match="needs two"):
        time_split(mondays[:1] * 5, 0.2)


def test_precision_at_top_decile() -> None:
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1], dtype=float)  # 20 rows, k = 2
    perfect = y + np.linspace(0, 0.1, 20)
    assert precision_at_top_decile(y, perfect) == 1.0
    assert precision_at_top_decile(y, -perfect) == 0.0
    assert precision_at_top_decile(y, np.zeros(20)) == pytest.approx(3 / 20)  # all tied: the positive rate
    tied = np.array([0.9] + [0.5] * 19)  # one row above the cut, 19 tied for the last place with 2 positives
    assert precision_at_top_decile(y, tied) == pytest.approx((1 + 2 / 19) / 2)


def test_training_rows_come_before_the_holdout_rows(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        export = load_export(con, USE_CASES["churn"])
        result = fit_and_score(con, export, 0.2)
    # 16 weekly snapshots have mature labels at the build's as-of date: 13 train, 3 holdout
    assert len(result.split.train_dates) == 13 and len(result.split.holdout_dates) == 3
    assert result.counts["train_rows"] == 13 * 20 and result.counts["holdout_rows"] == 3 * 20
    assert max(result.split.train_dates) < min(result.split.holdout_dates) == date(2026, 6, 1)
    assert max(result.split.holdout_dates) == date(2026, 6, 15)  # the immature snapshots after it are not used


def test_train_churn_logs_the_baselines_beside_the_heuristic(warehouse: Path, tmp_path: Path) -> None:
    tracking = tmp_path / "mlflow.db"
    done = lafa_cli(env_for(warehouse, tracking), "train", "--use-case", "churn")
    assert done.returncode == 0, done.stderr
    mlflow.set_tracking_uri(f"sqlite:///{tracking}")
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name("lafa-churn")
    assert experiment is not None and experiment.artifact_location == (tmp_path / "mlartifacts").as_uri()
    runs = {r.info.run_name: r for r in client.search_runs([experiment.experiment_id])}
    assert set(runs) == {f"churn {BUILD_AS_OF}", "logistic_regression", "xgboost", "heuristic"}
    parent = runs.pop(f"churn {BUILD_AS_OF}")
    for name, run in runs.items():
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert run.info.run_id in done.stdout
        assert set(run.data.metrics) == {"auc", "precision_at_top_decile"}, name
        assert run.data.params["model_kind"] == name
        assert run.data.params["train_last_date"] < run.data.params["holdout_first_date"]
        assert [a.path for a in client.list_artifacts(run.info.run_id)] == ["export_metadata.json"]
    # the fixture's label is learnable: both models clearly beat a random score (AUC 0.5)
    assert runs["logistic_regression"].data.metrics["auc"] > 0.75
    assert runs["xgboost"].data.metrics["auc"] > 0.75
    assert 0.5 < runs["heuristic"].data.metrics["auc"] < 1.0
    assert runs["logistic_regression"].data.params["class_weight"] == "balanced"
    holdout_positive = int(parent.data.params["holdout_positive"])
    assert parent.data.metrics == {
        "random_auc": 0.5,
        "random_precision_at_top_decile": pytest.approx(holdout_positive / int(parent.data.params["holdout_rows"])),
    }
    assert parent.info.run_id in done.stdout
    models = mlflow.search_logged_models(experiment_ids=[experiment.experiment_id], output_format="list")
    assert sorted(m.source_run_id for m in models) == sorted(
        runs[n].info.run_id for n in ("logistic_regression", "xgboost")
    )
    model = mlflow.sklearn.load_model(f"models:/{models[0].model_id}")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute("select * from marts.ml_churn_features limit 5").fetch_df()
    assert model.predict_proba(frame[list(model.feature_names_in_)].astype({"f_has_contract": float})).shape == (5, 2)
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines[2:6]] == ["logistic_regression", "xgboost", "heuristic", "random"]


def test_train_regression_against_the_heuristic(warehouse: Path, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        result = train(con, "battery_soh", uri=uri)
    by_name = {r.name: r for r in result.results}
    assert set(by_name) == {"ridge", "xgboost", "heuristic", "training_mean"}
    assert all(set(r.metrics) == {"mae"} for r in result.results)
    # SoH three months later is learnable from today's SoH and the fast-charge share
    assert by_name["ridge"].metrics["mae"] < 0.5 * by_name["training_mean"].metrics["mae"]
    assert by_name["ridge"].metrics["mae"] < by_name["heuristic"].metrics["mae"]
    mlflow.set_tracking_uri(uri)
    run = mlflow.get_run(str(by_name["ridge"].run_id))
    assert run.data.metrics["mae"] == pytest.approx(by_name["ridge"].metrics["mae"])
    assert run.data.params["model_kind"] == "ridge" and run.data.params["task"] == "regression"


def test_an_earlier_as_of_is_checked_against_the_minimums(warehouse: Path, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with duckdb.connect(str(warehouse), read_only=True) as con, pytest.raises(NotReady) as refused:
        train(con, "churn", as_of=date(2026, 5, 13), uri=uri)
    assert str(refused.value).startswith("churn was not ready on 2026-05-13 to train: 140 labelled rows (150 needed)")
    assert list(tmp_path.iterdir()) == []
