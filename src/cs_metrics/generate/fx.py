"""Daily exchange rates (1 unit of currency = rate USD) as a mean-reverting random walk."""

from __future__ import annotations

import numpy as np

from cs_metrics.contract import RATE
from cs_metrics.generate import catalog as cat
from cs_metrics.generate.timeutil import DAY, Calendar


def build_fx(rng: np.random.Generator, cal: Calendar) -> dict[str, np.ndarray | list]:
    """One rate per non-USD currency and day from `start` to `end` (as contract columns)."""
    days = np.arange(cal.t0, cal.horizon, DAY, dtype=np.int64)
    dates, currencies, rates = [], [], []
    for c in (cat.EUR, cat.GBP, cat.JPY):
        level = np.log(cat.FX_START[c] * np.exp(rng.normal(0.0, 0.03)))
        mean = level
        shocks = rng.normal(0.0, cat.FX_DAILY_VOL[c], days.size)
        path = np.empty(days.size)
        x = level
        for i, shock in enumerate(shocks):
            x += 0.003 * (mean - x) + shock
            path[i] = x
        dates.append(days)
        currencies.extend([cat.CURRENCIES[c]] * days.size)
        rates.append(np.round(np.exp(path) * 10**RATE.scale).astype(np.int64))
    date_arr = np.concatenate(dates)
    rate_arr = np.concatenate(rates)
    order = np.lexsort((np.array(currencies, dtype=object).astype(str), date_arr))
    return {
        "rate_date": date_arr[order],
        "currency": [currencies[i] for i in order],
        "rate_to_reporting": rate_arr[order],
    }
