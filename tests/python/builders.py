"""Write small landing folders by hand, in the raw-data contract's formats, for tests that know the answer."""

from __future__ import annotations

import base64
import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from lafa.contract import SOURCES


def write_csv(
    landing: Path,
    source: str,
    name: str,
    rows: Iterable[Mapping[str, object]],
    columns: Iterable[str] | None = None,
) -> Path:
    """A CSV file of `source` with every contract column (or only `columns`, e.g. without the optional ones)."""
    columns = list(SOURCES[source].column_names if columns is None else columns)
    path = landing / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in columns})
    return path


def envelope(message_id: str, payload: Mapping[str, object], publish_time: str | None = None) -> str:
    data = base64.b64encode(json.dumps(payload).encode()).decode()
    return json.dumps(
        {
            "message": {
                "data": data,
                "messageId": message_id,
                "publishTime": publish_time or str(payload["time"]),
                "attributes": {"provider": "test", "schema": "vehicle_stats.v1"},
            },
            "subscription": "projects/lafa-test/subscriptions/telematics-push",
        }
    )


def ping(
    vehicle_id: str,
    time: str,
    soc_pct: float,
    odometer_m: int,
    charging: bool = False,
    energy_wh: float | None = None,
) -> dict[str, object]:
    return {
        "vehicleId": vehicle_id,
        "vin": f"VIN{vehicle_id}",
        "time": time,
        "evStateOfChargeMilliPercent": round(soc_pct * 1000),
        "evChargingStatus": 2 if charging else 1,
        "evChargingEnergyMicroWh": None if energy_wh is None else round(energy_wh * 1_000_000),
        "obdOdometerMeters": odometer_m,
        "evAverageBatteryTemperatureMilliCelsius": 28000,
        "evBatteryStateOfHealthMilliPercent": None,
        "gps": {"latitude": 19.43, "longitude": -99.13, "speedMilesPerHour": 12.0},
    }


def write_telematics(landing: Path, name: str, lines: Iterable[str]) -> Path:
    path = landing / "telematics" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def payment(payment_id: str, **values: object) -> dict[str, object]:
    """A valid payments row; `values` override its columns."""
    row: dict[str, object] = {
        "payment_id": payment_id,
        "contract_id": "c1",
        "paid_at": "2026-01-12T18:00:00Z",
        "amount_mxn": "1000.00",
        "method": "spei",
        "status": "succeeded",
    }
    return row | values
