"""Time helpers: timestamps are int seconds since 1970-01-01 (UTC) while generating.

`Calendar` knows the generation window (`start` … `end`), the month grid and how to add calendar
months the way SQL engines do (same day and time of day, clamped to the month's last day).
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np

DAY = 86_400
HOUR = 3_600
US_PER_S = 1_000_000
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def date_to_s(value: dt.date) -> int:
    """Midnight (UTC) of a date, in seconds since the epoch."""
    return (value.toordinal() - _EPOCH_ORDINAL) * DAY


def s_to_date(seconds: int) -> dt.date:
    """The UTC date of a timestamp in seconds."""
    return dt.date.fromordinal(seconds // DAY + _EPOCH_ORDINAL)


def _add_month_index(year: int, month: int, n: int) -> tuple[int, int]:
    k = year * 12 + (month - 1) + n
    return k // 12, k % 12 + 1


class Calendar:
    """The month grid of the generation window plus future months for contracts and renewals.

    Month index 0 is the month of `start`; `n_months` months end with the month holding `end`.
    `horizon` is midnight after `end`: every historical timestamp is `< horizon`.
    """

    def __init__(
        self, start: dt.date, end: dt.date, months_before: int = 2, months_after: int = 72
    ):
        if start.day != 1:
            raise ValueError(f"start must be the first day of a month, got {start.isoformat()}")
        if end < start:
            raise ValueError(f"end ({end.isoformat()}) is before start ({start.isoformat()})")
        self.start = start
        self.end = end
        self.t0 = date_to_s(start)
        self.horizon = date_to_s(end) + DAY
        self.n_months = (end.year - start.year) * 12 + end.month - start.month + 1
        self._first = -months_before
        starts: list[int] = []
        for k in range(self._first, self.n_months + months_after + 1):
            y, m = _add_month_index(start.year, start.month, k)
            starts.append(date_to_s(dt.date(y, m, 1)))
        self._starts = starts
        self._base_day = starts[0] // DAY
        self._lens = [(b - a) // DAY for a, b in itertools.pairwise(starts)]
        day_slot: list[int] = []  # day number - base day -> position in `starts`
        for i, length in enumerate(self._lens):
            day_slot.extend([i] * length)
        self._day_slot = day_slot

    # ---------------------------------------------------------------- months
    def month_start(self, m: int) -> int:
        """First instant of month index m (m may be negative or past the window)."""
        return self._starts[m - self._first]

    def month_days(self, m: int) -> int:
        return self._lens[m - self._first]

    def month_of(self, ts: int) -> int:
        """Month index holding timestamp ts."""
        return self._day_slot[ts // DAY - self._base_day] + self._first

    def add_months(self, ts: int, n: int) -> int:
        """ts plus n calendar months: same day of month and time, clamped to the month's end."""
        i = self._day_slot[ts // DAY - self._base_day]
        day, tod = divmod(ts - self._starts[i], DAY)
        j = i + n
        length = self._lens[j]
        if day >= length:
            day = length - 1
        return self._starts[j] + day * DAY + tod

    def month_starts_array(self) -> np.ndarray:
        """Start (seconds) of months 0 … n_months (inclusive: the last is the month after end)."""
        return np.array([self.month_start(m) for m in range(self.n_months + 1)], dtype=np.int64)

    def month_date(self, m: int) -> dt.date:
        return s_to_date(self.month_start(m))
