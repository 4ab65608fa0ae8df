"""The payments processor's daily exports and the lending truth (docs/generator.md, "Payments exports" and
"Lending cases").

The processor cuts an export every morning at ~06:00 local holding every payment created, or whose status changed,
since the previous cut, in its state at the cut: `payments/<local date covered>.csv`, one `exported_at` per file.
The first export (named after the day before the start) holds the whole history before the start. One day's export
is skipped (the next one covers two days), and a stale copy of an older export is delivered late under a name that
sorts after the newer ones (`payments/resent_<date>.csv`). The truth is computed from what the exports say (the
newest export of each payment wins), with the DPD rule of docs/lending.md.
"""

from __future__ import annotations

import bisect
import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from lafa.simulate import credit, world
from lafa.simulate.vehicle import UTC_OFFSET

EXPORT_COLUMNS = ["file", "exported_at", "covers_from", "covers_to", "rows", "kind", "note"]
PAYMENT_COLUMNS = [
    "payment_id",
    "contract_id",
    "paid_at",
    "paid_date",
    "amount_mxn",
    "method",
    "status",
    "reversed_at",
    "first_file",
    "final_file",
]
CASE_COLUMNS = ["case", "contract_id", "payment_id", "vehicle_id", "file", "date", "detail"]
CONTRACT_COLUMNS = [
    "contract_id",
    "vehicle_id",
    "driver_id",
    "signed_date",
    "first_due_date",
    "back_book",
    "status",
    "closed_date",
    "close_reason",
    "installments_due_at_close",
    "paid_at_close_mxn",
    "owed_at_close_mxn",
    "dpd_at_end",
    "dpd_180_date",
]


def local_date(at_utc: datetime) -> date:
    return (at_utc - UTC_OFFSET).date()


def _utc(at_utc: datetime) -> str:
    return at_utc.isoformat(timespec="seconds") + "Z"


def cut_time(day: date, rng: random.Random) -> datetime:
    """The cut of the export covering local `day`: ~06:00 local the next morning (0-20 min late), in UTC."""
    morning = datetime(day.year, day.month, day.day, world.EXPORT_CUT_LOCAL_HOUR) + timedelta(days=1)
    return morning + UTC_OFFSET + timedelta(seconds=rng.randint(0, 20 * 60))


@dataclass
class Export:
    day: date  # the last local day it covers (its file name)
    cut: datetime  # exported_at (UTC)
    since: datetime | None  # the previous cut (None: the first export, the whole history)
    kind: str  # history, daily, covers_two_days, stale_copy
    rows: list[tuple[credit.Payment, credit.Contract, str]] = field(default_factory=list)  # state at the cut

    @property
    def file(self) -> str:
        return f"payments/{self.day.isoformat()}.csv"


@dataclass
class Exports:
    exports: list[Export]
    skipped_day: date | None
    reversal: tuple[credit.Payment, credit.Contract] | None  # the case: succeeded in one export, reversed later
    first_file: dict[str, str]
    final_file: dict[str, str]
    final_state: dict[str, str]

    @property
    def last_cut(self) -> datetime:
        return self.exports[-1].cut


def plan_exports(
    contracts: list[credit.Contract], start: date, end: date, seed: int, no_payment_day: date | None
) -> Exports:
    """Which payments, in which state, each export holds. Payments made after the last cut (the morning after the
    horizon's last day) are in no export yet."""
    rng = random.Random(f"lafa-{seed}-payment-exports")
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    history_cut = cut_time(start - timedelta(days=1), rng)
    cuts = [cut_time(d, rng) for d in days]
    events: list[tuple[datetime, str, int, credit.Payment, credit.Contract]] = []
    for c in contracts:
        for p in c.payments:
            events.append((p.at, p.payment_id, 0, p, c))
            if p.reversed_at is not None:
                events.append((p.reversed_at, p.payment_id, 1, p, c))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    times = [e[0] for e in events]

    def day_of(at: datetime) -> date | None:
        """The local day whose daily export (without a skip) first holds an event at `at`."""
        i = bisect.bisect_left(cuts, at)
        return days[i] if at > history_cut and i < len(days) else None

    reversal = None
    for p, c in sorted(
        ((e[3], e[4]) for e in events if e[2] == 1), key=lambda pc: (pc[0].reversed_at, pc[0].payment_id)
    ):
        first, second = day_of(p.at), day_of(p.reversed_at)  # type: ignore[arg-type]
        if first is not None and second is not None and first != second:
            reversal = (p, c)
            break
    busy = {day_of(t) for t in times}
    avoid = {no_payment_day, end}
    if reversal is not None:
        avoid |= {day_of(reversal[0].at), day_of(reversal[0].reversed_at)}  # type: ignore[arg-type]
    skipped = next((d for d in days[len(days) * 2 // 5 :] if d in busy and d not in avoid), None)

    exports = [Export(start - timedelta(days=1), history_cut, None, "history")]
    for d, cut in zip(days, cuts, strict=True):
        if d == skipped:
            continue
        previous = exports[-1]
        kind = "covers_two_days" if skipped is not None and d == skipped + timedelta(days=1) else "daily"
        exports.append(Export(d, cut, previous.cut, kind))
    first_file: dict[str, str] = {}
    final_file: dict[str, str] = {}
    final_state: dict[str, str] = {}
    for export in exports:
        lo = 0 if export.since is None else bisect.bisect_right(times, export.since)
        hi = bisect.bisect_right(times, export.cut)
        seen: dict[str, tuple[credit.Payment, credit.Contract, str]] = {}
        for _, payment_id, _, p, c in events[lo:hi]:
            reversed_now = p.reversed_at is not None and p.reversed_at <= export.cut
            seen[payment_id] = (p, c, "reversed" if reversed_now else ("succeeded" if p.reversed_at else p.status))
        export.rows = sorted(seen.values(), key=lambda r: (r[0].at, r[0].payment_id))
        for p, _, state in export.rows:
            first_file.setdefault(p.payment_id, export.file)
            final_file[p.payment_id] = export.file
            final_state[p.payment_id] = state
    return Exports(exports, skipped, reversal, first_file, final_file, final_state)


def stale_copy(exports: Exports) -> Export | None:
    """A late, stale copy of the export that first listed the reversal case (the payment still `succeeded`)."""
    if exports.reversal is None:
        return None
    first = exports.first_file[exports.reversal[0].payment_id]
    original = next(e for e in exports.exports if e.file == first)
    return Export(original.day, original.cut, original.since, "stale_copy", original.rows)


def stale_file(export: Export) -> str:
    return f"payments/resent_{export.day.isoformat()}.csv"  # sorts after every dated export


def write_stale_copy(out: Path, export: Export, rendered: list[list[object]], header: list[str]) -> None:
    """The same rows and exported_at, re-sent from another system: rows in reverse order, CRLF line ends (other
    bytes, so the loader loads it as a new file)."""
    path = out / stale_file(export)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(reversed(rendered))


# --- truth --------------------------------------------------------------------------------------------------


def _cents(amount: float) -> int:
    return round(amount * 100)


@dataclass
class Book:
    """A contract as the warehouse sees it: its schedule (installments due on or before its close date) and the
    succeeded payments of the exports (newest state), by local date."""

    contract: credit.Contract
    paid_by_date: list[tuple[date, int]]  # (local date, cumulative cents), ascending

    @property
    def close_date(self) -> date | None:
        c = self.contract
        return None if c.closed_at is None else local_date(c.closed_at)

    def paid_through(self, day: date) -> int:
        i = bisect.bisect_right(self.paid_by_date, (day, 1 << 62))
        return self.paid_by_date[i - 1][1] if i else 0

    def due_count(self, day: date) -> int:
        """Installments fallen due by `day` (none after the close date)."""
        c = self.contract
        last = day if self.close_date is None else min(day, self.close_date)
        if last < c.first_due_date:
            return 0
        return min(c.term_weeks, (last - c.first_due_date).days // 7 + 1)

    def dpd(self, day: date) -> int:
        """Days since the oldest unpaid installment fell due (FIFO: payments fill the oldest first)."""
        c = self.contract
        covered = min(c.term_weeks, self.paid_through(day) // _cents(c.weekly))
        if covered >= self.due_count(day):
            return 0
        return (day - (c.first_due_date + timedelta(weeks=covered))).days


def books(contracts: list[credit.Contract], exports: Exports) -> list[Book]:
    out = []
    for c in contracts:
        by_date: dict[date, int] = {}
        for p in c.payments:
            if exports.final_state.get(p.payment_id) == "succeeded":
                day = max(local_date(p.at), local_date(c.signed_at))  # before the signature: counts from it
                by_date[day] = by_date.get(day, 0) + _cents(p.amount)
        total, cumulative = 0, []
        for day in sorted(by_date):
            total += by_date[day]
            cumulative.append((day, total))
        out.append(Book(c, cumulative))
    return out


def dpd_180_date(book: Book, start: date, end: date) -> date | None:
    """The local date inside the horizon on which the contract's DPD reaches 180."""
    day = start
    while day <= end:
        dpd = book.dpd(day)
        if dpd == 180:
            return day
        # DPD grows by one a day at most: jump ahead when far below 180
        day += timedelta(days=max(1, 180 - dpd) if dpd < 180 else 1)
    return None
