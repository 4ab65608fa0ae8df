"""Streaming writers for the landing folders: CSV per partition, telematics JSONL per publish date (optionally
gzip-compressed)."""

from __future__ import annotations

import base64
import csv
import gzip
import io
import json
from collections import Counter
from pathlib import Path
from typing import IO

from lafa.contract import SOURCES


class Landing:
    """Opens partition files lazily, keeps a few open, counts rows per source."""

    def __init__(self, out: Path, gzip_telematics: bool = False) -> None:
        self.out = out
        self.gzip_telematics = gzip_telematics
        self.rows: Counter[str] = Counter()
        self._files: dict[tuple[str, str], tuple[IO[str], csv.writer | None]] = {}
        self._seen: set[tuple[str, str]] = set()

    def _handle(self, source: str, partition: str) -> tuple[IO[str], csv.writer | None]:
        key = (source, partition)
        if key not in self._files:
            is_jsonl = source == "telematics"
            compress = is_jsonl and self.gzip_telematics
            path = self.out / source / f"{partition}.{'jsonl' if is_jsonl else 'csv'}{'.gz' if compress else ''}"
            path.parent.mkdir(parents=True, exist_ok=True)
            new = key not in self._seen
            if compress:  # level 1: ~14x smaller at ~340 MB/s; mtime 0: same seed, same bytes
                gz = gzip.GzipFile(path, "wb" if new else "ab", compresslevel=1, mtime=0)
                f: IO[str] = io.TextIOWrapper(gz, encoding="utf-8", newline="")
            else:
                f = path.open("w" if new else "a", newline="", encoding="utf-8")
            writer = None if is_jsonl else csv.writer(f, lineterminator="\n")
            if new and writer is not None:
                writer.writerow(SOURCES[source].column_names)
            self._seen.add(key)
            self._files[key] = (f, writer)
        return self._files[key]

    def row(self, source: str, partition: str, values: list[object]) -> None:
        _, writer = self._handle(source, partition)
        assert writer is not None
        writer.writerow(["" if v is None else v for v in values])
        self.rows[source] += 1

    def lines(self, partition: str, lines: list[str]) -> None:
        f, _ = self._handle("telematics", partition)
        f.write("".join(lines))
        self.rows["telematics"] += len(lines)

    def close(self, source: str | None = None, keep: set[str] | None = None) -> None:
        for key in list(self._files):
            if (source is None or key[0] == source) and (keep is None or key[1] not in keep):
                self._files.pop(key)[0].close()


def truth_writer(out: Path, name: str, header: list[str]) -> tuple[IO[str], csv.writer]:
    path = out / "_truth" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    f = path.open("w", newline="", encoding="utf-8")
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow(header)
    return f, writer


SUBSCRIPTION = "projects/lafa-prod/subscriptions/telematics-push"


def envelope(message_id: str, publish_time: str, payload: str) -> str:
    data = base64.b64encode(payload.encode()).decode()
    return (
        f'{{"message": {{"data": "{data}", "messageId": "{message_id}", "publishTime": "{publish_time}", '
        f'"attributes": {{"provider": "samsara", "schema": "vehicle_stats.v1"}}}}, '
        f'"subscription": "{SUBSCRIPTION}"}}\n'
    )


def payload(
    vehicle_id: str,
    vin: str,
    time: str,
    soc_milli: int,
    status: int,
    energy_micro_wh: int | None,
    odometer_m: int,
    temp_milli_c: int,
    soh_milli: int | None,
    gps: tuple[float, float, float] | None,
) -> str:
    gps_json = (
        "null"
        if gps is None
        else f'{{"latitude": {gps[0]:.5f}, "longitude": {gps[1]:.5f}, "speedMilesPerHour": {gps[2]:.1f}}}'
    )
    return (
        f'{{"vehicleId": "{vehicle_id}", "vin": "{vin}", "time": "{time}", '
        f'"evStateOfChargeMilliPercent": {soc_milli}, "evChargingStatus": {status}, '
        f'"evChargingEnergyMicroWh": {"null" if energy_micro_wh is None else energy_micro_wh}, '
        f'"obdOdometerMeters": {odometer_m}, "evAverageBatteryTemperatureMilliCelsius": {temp_milli_c}, '
        f'"evBatteryStateOfHealthMilliPercent": {"null" if soh_milli is None else soh_milli}, "gps": {gps_json}}}'
    )


def write_manifest(out: Path, manifest: dict[str, object]) -> None:
    path = out / "_truth" / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
