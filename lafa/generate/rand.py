"""Deterministic random streams: one numpy PCG64 generator per (seed, stream, keys), independent of call order."""

from __future__ import annotations

import numpy as np

# stream ids (never reuse a number for another purpose: it would correlate draws)
FLEET = 1
VEHICLE_DAY = 2
CREDIT = 3
PERSON = 4
MAINTENANCE = 5
JOBS = 6
MESS = 7
COSTS = 8
CHARGERS = 9


def stream(seed: int, kind: int, *keys: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, kind, *keys])))
