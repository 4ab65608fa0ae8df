"""ML feature exports and guarded baselines (issue 22; docs/ml/README.md): the five use cases and their marts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Task = Literal["classification", "regression"]
MARTS_SCHEMA = "marts"


@dataclass(frozen=True)
class UseCase:
    name: str
    task: Task
    entity_columns: tuple[str, ...]
    # the heuristic that answers until a model may: a table `marts.ml_<name>_heuristic` (snapshot_id, score,
    # reason_codes) or, for demand, a feature column whose value is the prediction
    heuristic_table: str | None
    heuristic_feature: str | None = None

    @property
    def features_table(self) -> str:
        return f"ml_{self.name}_features"

    @property
    def heuristic_name(self) -> str:
        """How the refusal and the summary name the heuristic baseline."""
        return self.heuristic_table or str(self.heuristic_feature)


USE_CASES: dict[str, UseCase] = {
    uc.name: uc
    for uc in (
        UseCase("credit_risk", "classification", ("application_id", "driver_id"), "ml_credit_risk_heuristic"),
        UseCase("churn", "classification", ("driver_id",), "ml_churn_heuristic"),
        UseCase("battery_soh", "regression", ("vehicle_id",), "ml_battery_soh_heuristic"),
        UseCase("demand", "regression", ("zone_id", "snapshot_hour"), None, "f_trips_same_hour_last_week"),
        UseCase("maintenance", "classification", ("vehicle_id",), "ml_maintenance_heuristic"),
    )
}


class MlError(Exception):
    """An export or training run cannot go on; the message says why in one line (the CLI exits 2)."""
