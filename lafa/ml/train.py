"""`lafa train`: guarded baselines for one use case (docs/ml/README.md, "Export and train").

Refuses while ml_readiness says the use case has too few labelled rows (the heuristic answers until then).
Otherwise: the mature labelled rows of the export, a time-based split (the last share of distinct snapshot dates is
the holdout), a linear model and XGBoost against the heuristic on the same holdout rows, one MLflow parent run with a
nested run per model. scikit-learn, XGBoost and MLflow are imported here only (requirements-ml.lock), so the rest of
the CLI starts without them."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata as package_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lafa.ml import MARTS_SCHEMA, USE_CASES, MlError, UseCase
from lafa.ml.export import Export, load_export, readiness_row, table_exists

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_TRACKING_URI = "sqlite:///data/mlflow.db"
MISSING_CATEGORY = "(missing)"
SEED = 0


class NotReady(MlError):
    """ml_readiness (or the export at an earlier as-of date) has too few labelled rows; the CLI exits 3."""


@dataclass(frozen=True)
class Split:
    """A time-based split: every holdout snapshot date is after every training one (no gap between them)."""

    train_dates: list[date]
    holdout_dates: list[date]


@dataclass
class ModelResult:
    name: str  # logistic_regression, ridge, xgboost, heuristic, random, training_mean
    params: dict[str, Any]
    metrics: dict[str, float | None]
    model: Any = None  # the fitted pipeline; None for the heuristic and the references
    logged: bool = True  # False for the expected references (random score, training mean): parent metrics only
    run_id: str | None = None


@dataclass
class TrainResult:
    use_case: UseCase
    as_of: date
    split: Split
    counts: dict[str, int]
    results: list[ModelResult] = field(default_factory=list)
    parent_run_id: str | None = None
    tracking_uri: str = DEFAULT_TRACKING_URI


def tracking_uri() -> str:
    """`MLFLOW_TRACKING_URI` when set, else the SQLite store data/mlflow.db (artifacts in data/mlartifacts)."""
    return os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def refusal_message(
    use_case: UseCase, labelled: int, min_labelled: int, positive: int | None, min_positive: int | None
) -> str:
    counts = f"{labelled:,} labelled rows ({min_labelled:,} needed)"
    if use_case.task == "classification":
        counts += f", {positive or 0:,} positive ({min_positive or 0:,} needed)"
    kind = "heuristic" if use_case.heuristic_table else "baseline"
    answer = f"the {kind} {use_case.heuristic_name} is the answer until then"
    return f"{use_case.name} is not ready to train: {counts}; {answer}"


def check_readiness(con: duckdb.DuckDBPyConnection, use_case: UseCase) -> dict[str, Any]:
    """The use case's ml_readiness row; NotReady when it says not ready."""
    row = readiness_row(con, use_case.name)
    if row is None:
        raise MlError(f"{MARTS_SCHEMA}.ml_readiness has no row for {use_case.name}; build the ML marts first")
    if not row["is_ready"]:
        raise NotReady(
            refusal_message(
                use_case,
                int(row["labelled_rows"] or 0),
                int(row["min_labelled_rows"] or 0),
                row["positive_rows"],
                row["min_positive_rows"],
            )
        )
    return row


def check_export_readiness(export: Export, readiness: dict[str, Any]) -> None:
    """At an as-of date before the build's, the readiness of the rows knowable then, against the same minimums."""
    counts = export.metadata["label_counts"]
    min_labelled = int(readiness["min_labelled_rows"] or 0)
    min_positive = readiness["min_positive_rows"]
    short = counts["labelled"] < min_labelled
    if export.use_case.task == "classification":
        short = short or counts["positive"] < int(min_positive or 0)
    if short:
        message = refusal_message(export.use_case, counts["labelled"], min_labelled, counts["positive"], min_positive)
        raise NotReady(message.replace(" is not ready", f" was not ready on {export.as_of}", 1))


def time_split(snapshot_dates: Sequence[date], holdout_share: float) -> Split:
    """The last `holdout_share` of the distinct snapshot dates (rounded, at least one, never all) is the holdout."""
    if not 0 < holdout_share < 1:
        raise MlError(f"--holdout-share {holdout_share} is not between 0 and 1")
    distinct = sorted(set(snapshot_dates))
    if len(distinct) < 2:
        raise MlError(f"the labelled rows span {len(distinct)} snapshot date(s); a time-based split needs two")
    holdout = min(len(distinct) - 1, max(1, math.floor(holdout_share * len(distinct) + 0.5)))
    return Split(distinct[:-holdout], distinct[-holdout:])


def precision_at_top_decile(y: np.ndarray, score: np.ndarray) -> float:
    """Share of positives among the top ceil(n/10) scores; rows tied at the cut count by their expected share (as
    if ties were broken at random), so a constant score gets the positive rate."""
    k = math.ceil(len(y) / 10)
    cut = np.sort(score)[::-1][k - 1]
    above, tied = score > cut, score == cut
    taken = k - int(above.sum())
    return float((y[above].sum() + taken * y[tied].sum() / tied.sum()) / k)


def _feature_frame(table: pa.Table) -> tuple[pd.DataFrame, list[str], list[str], list[str]]:
    """The f_ columns as a frame: numbers and booleans as floats (null = NaN), text as categories (null = a
    '(missing)' category). Returns (frame, numeric, categorical, skipped columns of another type)."""
    import pandas as pd

    columns: dict[str, Any] = {}
    numeric, categorical, skipped = [], [], []
    for f in table.schema:
        if not f.name.startswith("f_"):
            continue
        column = table.column(f.name)
        kind = f.type
        if (
            pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_decimal(kind)
            or pa.types.is_boolean(kind)
        ):
            columns[f.name] = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
            numeric.append(f.name)
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            columns[f.name] = np.array([MISSING_CATEGORY if v is None else v for v in column.to_pylist()], dtype=object)
            categorical.append(f.name)
        else:
            skipped.append(f"{f.name} ({f.type})")
    return pd.DataFrame(columns), numeric, categorical, skipped


def _preprocessor(numeric: list[str], categorical: list[str], scale: bool) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median", add_indicator=True))]
    if scale:
        steps.append(("scale", StandardScaler()))
    transformers: list[tuple[str, Any, list[str]]] = []
    if numeric:
        transformers.append(("numeric", Pipeline(steps), numeric))
    if categorical:
        transformers.append(("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical))
    return ColumnTransformer(transformers, sparse_threshold=0.0)


def _models(task: str, numeric: list[str], categorical: list[str], y_train: np.ndarray) -> list[tuple[str, Any]]:
    """The baselines, each a pipeline (preprocessing fitted on the training rows, then the model)."""
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import Pipeline
    from xgboost import XGBClassifier, XGBRegressor

    boost = {
        "n_estimators": 300,
        "max_depth": 3,
        "learning_rate": 0.05,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
        "tree_method": "hist",
        "random_state": SEED,
        "n_jobs": 2,
    }
    if task == "classification":
        positives = float(y_train.sum())
        boost["scale_pos_weight"] = round((len(y_train) - positives) / positives, 4)
        linear: tuple[str, Any] = (
            "logistic_regression",
            LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000),
        )
        boosted: tuple[str, Any] = ("xgboost", XGBClassifier(**boost, eval_metric="logloss"))
    else:
        linear = ("ridge", Ridge(alpha=1.0))
        boosted = ("xgboost", XGBRegressor(**boost, objective="reg:squarederror"))
    return [
        (name, Pipeline([("preprocess", _preprocessor(numeric, categorical, scale=name != "xgboost")), ("model", m)]))
        for name, m in (linear, boosted)
    ]


def _model_params(name: str, pipeline: Any) -> dict[str, Any]:
    params = pipeline.named_steps["model"].get_params()
    keep = (
        ("C", "class_weight", "max_iter", "penalty", "solver")
        if name == "logistic_regression"
        else ("alpha",)
        if name == "ridge"
        else (
            "n_estimators",
            "max_depth",
            "learning_rate",
            "subsample",
            "colsample_bytree",
            "tree_method",
            "scale_pos_weight",
            "objective",
            "random_state",
        )
    )
    return {"model_kind": name, **{k: params[k] for k in keep if params.get(k) is not None}}


def _heuristic_scores(con: duckdb.DuckDBPyConnection, use_case: UseCase, holdout: pa.Table) -> np.ndarray:
    """The heuristic's score (or prediction) for each holdout row, NaN where it has none."""
    if use_case.heuristic_table is None:
        return holdout.column(str(use_case.heuristic_feature)).cast(pa.float64()).to_numpy(zero_copy_only=False)
    if not table_exists(con, use_case.heuristic_table):
        raise MlError(f"{MARTS_SCHEMA}.{use_case.heuristic_table} is not in the warehouse; build the ML marts first")
    scores = dict(con.execute(f"select snapshot_id, score from {MARTS_SCHEMA}.{use_case.heuristic_table}").fetchall())
    return np.array(
        [np.nan if scores.get(s) is None else float(scores[s]) for s in holdout.column("snapshot_id").to_pylist()]
    )


def _classification_metrics(y: np.ndarray, score: np.ndarray) -> dict[str, float | None]:
    from sklearn.metrics import roc_auc_score

    auc = float(roc_auc_score(y, score)) if 0 < y.sum() < len(y) else None  # undefined with one class
    return {"auc": auc, "precision_at_top_decile": precision_at_top_decile(y, score)}


def fit_and_score(
    con: duckdb.DuckDBPyConnection,
    export: Export,
    holdout_share: float,
    progress: Callable[[str], None] = lambda _: None,
) -> TrainResult:
    """Split the export's mature labelled rows by time, fit the baselines, score them and the heuristic on the
    holdout. Nothing is written."""
    from sklearn.metrics import mean_absolute_error

    use_case = export.use_case
    table = export.table
    labelled = table.filter(
        pc.and_(pc.fill_null(table.column("label_is_mature"), False), pc.is_valid(table.column("label")))
    )
    split = time_split(labelled.column("snapshot_date").to_pylist(), holdout_share)
    first_holdout = pa.scalar(split.holdout_dates[0], pa.date32())
    in_holdout = pc.greater_equal(labelled.column("snapshot_date"), first_holdout)
    train, holdout = labelled.filter(pc.invert(in_holdout)), labelled.filter(in_holdout)
    x_train, numeric, categorical, skipped = _feature_frame(train)
    x_holdout = _feature_frame(holdout)[0]
    if skipped:
        progress(f"features not used (neither number, boolean nor text): {', '.join(skipped)}")
    empty = [name for name in numeric if x_train[name].isna().all()]
    if empty:  # no value to learn from (e.g. no applicant had an earlier contract yet): left out, said once
        progress(f"features not used (null on every training row): {', '.join(empty)}")
        numeric = [name for name in numeric if name not in empty]
    if not numeric and not categorical:
        raise MlError(f"{MARTS_SCHEMA}.{use_case.features_table} has no f_ feature column to train on")
    classification = use_case.task == "classification"
    as_float = pa.float64()
    y_train = train.column("label").cast(as_float).to_numpy(zero_copy_only=False)
    y_holdout = holdout.column("label").cast(as_float).to_numpy(zero_copy_only=False)
    if classification and not 0 < y_train.sum() < len(y_train):
        raise MlError(f"the training rows of {use_case.name} have a single class; no classifier can learn from them")
    counts = {
        "train_rows": train.num_rows,
        "holdout_rows": holdout.num_rows,
        "train_dates": len(split.train_dates),
        "holdout_dates": len(split.holdout_dates),
        "features_numeric": len(numeric),
        "features_categorical": len(categorical),
    }
    if classification:
        counts |= {"train_positive": int(y_train.sum()), "holdout_positive": int(y_holdout.sum())}
    result = TrainResult(use_case, export.as_of, split, counts)
    progress(
        f"{use_case.name}: {train.num_rows:,} training rows ({split.train_dates[0]} to {split.train_dates[-1]}), "
        f"{holdout.num_rows:,} holdout rows ({split.holdout_dates[0]} to {split.holdout_dates[-1]}), "
        f"{len(numeric)} numeric and {len(categorical)} categorical features"
    )
    for name, pipeline in _models(use_case.task, numeric, categorical, y_train):
        progress(f"fitting {name}")
        pipeline.fit(x_train, y_train.astype(int) if classification else y_train)
        if classification:
            metrics = _classification_metrics(y_holdout, pipeline.predict_proba(x_holdout)[:, 1])
        else:
            metrics = {"mae": float(mean_absolute_error(y_holdout, pipeline.predict(x_holdout)))}
        result.results.append(ModelResult(name, _model_params(name, pipeline), metrics, pipeline))
    heuristic = _heuristic_scores(con, use_case, holdout)
    missing = int(np.isnan(heuristic).sum())
    if missing:
        progress(f"the heuristic has no score for {missing:,} of {holdout.num_rows:,} holdout rows (see the docs)")
    source = f"{MARTS_SCHEMA}.{use_case.heuristic_table}" if use_case.heuristic_table else use_case.heuristic_feature
    heuristic_params = {"model_kind": "heuristic", "source": source, "rows_without_score": missing}
    if classification:
        # a row without a score ranks below every scored row (scores are 0-1)
        metrics = _classification_metrics(y_holdout, np.where(np.isnan(heuristic), -1.0, heuristic))
        result.results.append(ModelResult("heuristic", heuristic_params, metrics))
        rate = float(y_holdout.mean())
        reference = {"auc": 0.5, "precision_at_top_decile": rate}
        result.results.append(ModelResult("random", {"model_kind": "random"}, reference, logged=False))
    else:
        # a row without a prediction gets the training rows' median label
        filled = np.where(np.isnan(heuristic), float(np.median(y_train)), heuristic)
        result.results.append(
            ModelResult("heuristic", heuristic_params, {"mae": float(mean_absolute_error(y_holdout, filled))})
        )
        constant = np.full_like(y_holdout, float(y_train.mean()))
        reference = {"mae": float(mean_absolute_error(y_holdout, constant))}
        result.results.append(ModelResult("training_mean", {"model_kind": "training_mean"}, reference, logged=False))
    return result


def _artifact_location(uri: str) -> str | None:
    """Artifacts of a new experiment in a local SQLite store: the folder mlartifacts beside the database file (MLflow
    would otherwise put them under ./mlruns of the working directory). Other stores decide themselves."""
    if not uri.startswith("sqlite:///"):
        return None
    database = Path(uri.removeprefix("sqlite:///"))
    return (database.resolve().parent / "mlartifacts").as_uri()


def _pip_requirements(*packages: str) -> list[str]:
    return [f"{name}=={package_metadata.version(name)}" for name in packages]


def log_runs(result: TrainResult, export: Export, holdout_share: float, uri: str) -> None:
    """One parent run `<use_case> <as_of>` in experiment lafa-<use_case> (split, counts, the random or constant
    reference, the export metadata) and a nested run per model and for the heuristic."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow
    from mlflow.models import infer_signature

    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    result.tracking_uri = uri
    experiment_name = f"lafa-{result.use_case.name}"
    experiment = mlflow.get_experiment_by_name(experiment_name)
    experiment_id = (
        experiment.experiment_id
        if experiment
        else mlflow.create_experiment(experiment_name, artifact_location=_artifact_location(uri))
    )
    split = result.split
    common: dict[str, Any] = {
        "use_case": result.use_case.name,
        "task": result.use_case.task,
        "as_of_date": result.as_of.isoformat(),
        "holdout_share": holdout_share,
        "split": "time: last share of distinct snapshot dates, no gap",
        "train_first_date": split.train_dates[0].isoformat(),
        "train_last_date": split.train_dates[-1].isoformat(),
        "holdout_first_date": split.holdout_dates[0].isoformat(),
        "holdout_last_date": split.holdout_dates[-1].isoformat(),
        **result.counts,
        "dbt_invocation_id": export.metadata["dbt_invocation_id"],
        "git_commit": export.metadata["git_commit"],
    }
    references = {
        f"{r.name}_{metric}": value
        for r in result.results
        if not r.logged
        for metric, value in r.metrics.items()
        if value is not None
    }
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"{result.use_case.name} {result.as_of}") as parent:
        result.parent_run_id = parent.info.run_id
        mlflow.log_params(common)
        mlflow.log_metrics(references)
        mlflow.log_dict(export.metadata, "export_metadata.json")
        for r in result.results:
            if not r.logged:
                continue
            with mlflow.start_run(experiment_id=experiment_id, run_name=r.name, nested=True) as run:
                r.run_id = run.info.run_id
                mlflow.log_params(common | r.params)
                mlflow.log_metrics({k: v for k, v in r.metrics.items() if v is not None})
                mlflow.log_dict(export.metadata, "export_metadata.json")
                if r.model is not None:
                    packages = ["scikit-learn", "skops"] + (["xgboost-cpu"] if r.name == "xgboost" else [])
                    features = list(r.model.feature_names_in_)
                    sample = _feature_frame(export.table.slice(0, 5))[0][features]
                    mlflow.sklearn.log_model(
                        r.model,
                        name="model",
                        pip_requirements=_pip_requirements(*packages),
                        signature=infer_signature(sample, r.model.predict(sample)),
                        skops_trusted_types=_trusted_types(r.model),
                    )


def _trusted_types(model: Any) -> list[str]:
    """The skops types of a fitted pipeline to trust when loading it back (every class in it)."""
    import skops.io

    try:
        return list(skops.io.get_untrusted_types(data=skops.io.dumps(model)))
    except Exception:  # the model logs anyway; loading then names the types to trust
        return []


def train(
    con: duckdb.DuckDBPyConnection,
    use_case_name: str,
    as_of: date | None = None,
    holdout_share: float = 0.2,
    uri: str | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> TrainResult:
    """Readiness first (NotReady before anything is read or written), then fit, score and log to MLflow."""
    use_case = USE_CASES[use_case_name]
    readiness = check_readiness(con, use_case)
    if not 0 < holdout_share < 1:
        raise MlError(f"--holdout-share {holdout_share} is not between 0 and 1")
    export = load_export(con, use_case, as_of)
    if export.as_of < export.build_as_of:
        check_export_readiness(export, readiness)
    result = fit_and_score(con, export, holdout_share, progress)
    uri = uri or tracking_uri()
    progress(f"logging runs to {uri} (experiment lafa-{use_case.name})")
    log_runs(result, export, holdout_share, uri)
    return result


def summary(result: TrainResult) -> str:
    """The table printed by `lafa train`: one line per model and reference, with the run ids."""
    classification = result.use_case.task == "classification"
    split, counts = result.split, result.counts
    lines = [
        f"{result.use_case.name} as of {result.as_of}: train {split.train_dates[0]} to {split.train_dates[-1]} "
        f"({counts['train_rows']:,} rows), holdout {split.holdout_dates[0]} to {split.holdout_dates[-1]} "
        f"({counts['holdout_rows']:,} rows"
        + (f", {counts['holdout_positive']:,} positive)" if classification else ")"),
    ]
    header = ("model", "AUC", "precision@top10%") if classification else ("model", "MAE")
    lines.append(f"{header[0]:<26}" + "".join(f"{h:<20}" for h in header[1:]) + "run id")

    def cell(value: float | None) -> str:
        return f"{'n/a' if value is None else f'{value:.3f}':<20}"

    for r in result.results:
        name = r.name if r.logged else f"{r.name} (expected)"
        values = (r.metrics["auc"], r.metrics["precision_at_top_decile"]) if classification else (r.metrics["mae"],)
        lines.append(f"{name:<26}" + "".join(cell(v) for v in values) + (r.run_id or "-"))
    experiment = f"lafa-{result.use_case.name}"
    lines.append(f"parent run {result.parent_run_id} in experiment {experiment} at {result.tracking_uri}")
    return "\n".join(lines)
