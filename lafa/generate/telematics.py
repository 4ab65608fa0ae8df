"""Telematics pings -> Pub/Sub push envelopes (JSONL by UTC publish date), with documented delivery mess."""

from __future__ import annotations

import base64
from collections import defaultdict

import numpy as np

from lafa.generate import params as P
from lafa.generate.output import utc_strings
from lafa.generate.vehicle import DayResult, VehicleState

SUBSCRIPTION = "projects/lafa-prod/subscriptions/telematics-push"
ATTRIBUTES = '"attributes":{"provider":"samsara","schema":"vehicle_stats.v1"}'
MS_TO_MPH = 1 / 1.609344


def encode(
    v: VehicleState,
    res: DayResult,
    day_index: int,
    rng: np.random.Generator,
    mess: dict[str, int],
) -> dict[str, list[str]]:
    """Envelopes of a vehicle-day grouped by the UTC date of publishTime (the file they land in)."""
    n = res.t.size
    if n == 0:
        return {}
    charging = res.charging
    driving = ~charging
    # reported values
    soc_milli = np.round(res.soc * 1000)
    noisy = soc_milli + np.round(rng.normal(0, P.SOC_NOISE_PCT * 1000, n))
    soc_milli = np.clip(np.where(driving, noisy, soc_milli), 0, 100_000).astype(np.int64)
    energy = np.round(np.nan_to_num(res.energy_kwh) * 1e9).astype(np.int64)
    status = np.where(charging, 2, 1)
    unknown = driving & (rng.random(n) < P.UNKNOWN_CHARGING_STATUS_RATE)
    status[unknown] = 0
    mess["unknown_charging_status"] += int(unknown.sum())
    # impossible values: SoC above 100 % on a driving ping, negative energy inside a charging session
    bad = (rng.random(n) < P.IMPOSSIBLE_RATE) & ~res.endpoint
    bad_soc = bad & driving
    bad_energy = bad & charging
    soc_milli[bad_soc] = 100_000 + rng.integers(1, 25_000, int(bad_soc.sum()))
    energy[bad_energy] = -energy[bad_energy] - rng.integers(1, 5_000_000, int(bad_energy.sum()))
    mess["impossible_soc"] += int(bad_soc.sum())
    mess["negative_energy"] += int(bad_energy.sum())
    odo = np.floor(res.odometer_m).astype(np.int64)
    temp = np.round(res.temp_c * 1000).astype(np.int64)
    soh_present = rng.random(n) < P.OEM_SOH_PING_RATE
    soh_milli = min(100, round(v.soh + v.oem_bias)) * 1000
    dropout = rng.random(n) < P.GPS_DROPOUT_RATE
    mess["gps_dropouts"] += int(dropout.sum())
    # delivery: publish a few seconds after the reading; some late (minutes to 2 days), some twice
    pub_ms = res.t * 1000 + rng.integers(300, 8_000, n)
    late = rng.random(n) < P.LATE_RATE
    late_ms = np.where(
        rng.random(n) < 0.7, rng.integers(5 * 60_000, 120 * 60_000, n), rng.integers(2 * 3_600_000, 48 * 3_600_000, n)
    )
    pub_ms = np.where(late, pub_ms + late_ms, pub_ms)
    mess["late"] += int(late.sum())
    dup = rng.random(n) < P.DUPLICATE_RATE
    redelivered_ms = pub_ms + rng.integers(10_000, 36 * 3_600_000, n)  # the redelivery lands when it lands
    mess["duplicates"] += int(dup.sum())

    times = utc_strings(res.t)
    pubs = utc_strings(pub_ms, "ms")
    pub_day = (pub_ms // 86_400_000).tolist()
    dup_day = (redelivered_ms // 86_400_000).tolist()
    socs = soc_milli.tolist()
    energies = energy.tolist()
    statuses = status.tolist()
    odos = odo.tolist()
    temps = temp.tolist()
    charging_l = charging.tolist()
    soh_l = soh_present.tolist()
    gps_l = (~dropout).tolist()
    lats = res.lat.tolist()
    lons = res.lon.tolist()
    mphs = (res.speed_kph * MS_TO_MPH).tolist()
    dups = np.flatnonzero(dup).tolist()
    head = f'{{"vehicleId":"{v.vehicle_id}","vin":"{v.vin}","time":"'
    soh_text = str(soh_milli)
    base_id = 1_000_000_000_000_000 + v.num * 10_000_000_000 + day_index * 100_000
    by_day: dict[int, list[str]] = defaultdict(list)
    b64 = base64.b64encode
    lines: list[str] = []
    for k in range(n):
        gps = (
            f'{{"latitude":{lats[k]:.5f},"longitude":{lons[k]:.5f},"speedMilesPerHour":{mphs[k]:.1f}}}'
            if gps_l[k]
            else "null"
        )
        body = (
            f'{head}{times[k]}Z","evStateOfChargeMilliPercent":{socs[k]},"evChargingStatus":{statuses[k]},'
            f'"evChargingEnergyMicroWh":{energies[k] if charging_l[k] else "null"},"obdOdometerMeters":{odos[k]},'
            f'"evAverageBatteryTemperatureMilliCelsius":{temps[k]},'
            f'"evBatteryStateOfHealthMilliPercent":{soh_text if soh_l[k] else "null"},"gps":{gps}}}'
        )
        line = (
            f'{{"message":{{"data":"{b64(body.encode()).decode()}","messageId":"{base_id + k}",'
            f'"publishTime":"{pubs[k]}Z",{ATTRIBUTES}}},"subscription":"{SUBSCRIPTION}"}}\n'
        )
        lines.append(line)
        by_day[pub_day[k]].append(line)
    for k in dups:
        by_day[dup_day[k]].append(lines[k])
    out: dict[str, list[str]] = {}
    for d in sorted(by_day):
        chunk = by_day[d]
        swaps = np.flatnonzero(rng.random(max(0, len(chunk) - 1)) < P.SWAP_RATE).tolist()
        for s in swaps:  # a little out of order inside the file
            chunk[s], chunk[s + 1] = chunk[s + 1], chunk[s]
        out[str(np.datetime64(d, "D"))] = chunk
    return out
