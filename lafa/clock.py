"""The loader's clock: what "in the future" means for the row checks (docs/loader.md). No heavy imports: the CLI
reads it before `lafa generate` too."""

from __future__ import annotations

import datetime as dt
import os


def load_clock() -> dt.datetime | None:
    """`LAFA_NOW` as an aware datetime (the loader's clock for "in the future"), None when unset: the real clock.
    For fleets generated past today's date (docs/generator.md); a value without an offset is an error."""
    text = os.environ.get("LAFA_NOW", "").strip()
    if not text:
        return None
    try:
        now = dt.datetime.fromisoformat(text)
    except ValueError:
        now = None
    if now is None or now.tzinfo is None:
        raise ValueError(f"LAFA_NOW must be an ISO-8601 timestamp with an offset, e.g. 2027-03-01T00:00:00Z: {text!r}")
    return now.astimezone(dt.UTC)
