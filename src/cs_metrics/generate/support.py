"""Support tickets: volume and SLA performance follow account size and health.

Unhealthy accounts open more tickets, wait longer for answers and rate lower. A few priorities
arrive spelled the way help desks export them ('High ', 'URGENT', 'p2').
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np

from cs_metrics.generate import catalog as cat
from cs_metrics.generate.account_months import AccountMonths
from cs_metrics.generate.profiles import Profiles
from cs_metrics.generate.timeutil import DAY, HOUR, Calendar

TICKETS_PER_MONTH = (0.18, 0.7, 2.2)  # smb, mid-market, enterprise (healthy, full month)
RESOLUTION_MEDIAN_HOURS = (6.0, 18.0, 40.0, 72.0)  # urgent, high, normal, low
WEIRD_SHARE = 0.006


class TicketColumns(TypedDict):
    """Support tickets as columns (seconds for timestamps, -1 for null)."""

    entity: np.ndarray
    opened: np.ndarray
    first_response: np.ndarray
    solved: np.ndarray
    priority: list[str]
    status: list[str]
    csat: np.ndarray


def build_tickets(
    rng: np.random.Generator, cal: Calendar, prof: Profiles, am: AccountMonths
) -> TicketColumns:
    """Ticket columns (seconds for timestamps, -1 for null)."""
    H = cal.horizon
    rows = np.flatnonzero(am.in_service & (am.entity < prof.n_crm))
    ent = am.entity[rows]
    h = am.health[rows]
    ms = cal.month_starts_array()
    frac = (am.hi[rows] - am.lo[rows]) / (ms[am.month[rows] + 1] - ms[am.month[rows]])
    rate = (
        np.array(TICKETS_PER_MONTH)[prof.segment[ent]]
        * (0.6 + 1.2 * (1.0 - h))
        * frac
        * np.where(am.tenure[rows] == 0, 1.5, 1.0)
    )
    n = rng.poisson(rate)
    row_of = np.repeat(np.arange(rows.size), n)
    total = row_of.size
    e = ent[row_of]
    hh = h[row_of]
    lo, hi = am.lo[rows][row_of], am.hi[rows][row_of]
    opened = lo + (rng.random(total) * (hi - lo)).astype(np.int64)
    prio = rng.choice(4, total, p=cat.PRIORITY_WEIGHTS)
    sla_h = np.array([hours for _, hours in cat.SLA_HOURS], dtype=np.float64)[prio]
    median = sla_h * 0.35 * (1.0 + 0.9 * (1.0 - hh))
    response = median * np.exp(rng.normal(0.0, 0.9, total))
    first_response = opened + (response * HOUR).astype(np.int64) + 60
    no_answer = rng.random(total) < 0.01
    first_response = np.where(no_answer | (first_response >= H), -1, first_response)
    resolution = np.array(RESOLUTION_MEDIAN_HOURS)[prio] * np.exp(rng.normal(0.0, 1.0, total))
    solved = np.where(
        first_response >= 0, first_response + (resolution * HOUR).astype(np.int64), -1
    )
    solved = np.where(
        no_answer, opened + (rng.uniform(1, 72, total) * HOUR).astype(np.int64), solved
    )
    solved = np.where(solved >= H, -1, solved)
    status = np.where(
        solved >= 0,
        np.where(solved < H - 4 * DAY, "closed", "solved"),
        np.where((first_response >= 0) & (rng.random(total) < 0.5), "pending", "open"),
    )
    # A help desk always has something in flight at extraction time: the latest tickets wait.
    unsolved = int((solved < 0).sum())
    if unsolved < 2 and total >= 4:
        latest = np.argsort(opened, kind="stable")[-(2 - unsolved) - 1 :]
        latest = latest[solved[latest] >= 0][: 2 - unsolved]
        solved[latest] = -1
        status[latest] = np.where(first_response[latest] >= 0, "pending", "open")
    missed = (first_response < 0) | (first_response - opened > sla_h * HOUR)
    csat_score = np.clip(
        np.round(4.4 - 1.3 * missed - 1.5 * (1.0 - hh) + rng.normal(0, 0.8, total)), 1, 5
    )
    rated = (solved >= 0) & (rng.random(total) < 0.35)
    csat = np.where(rated, csat_score, -1).astype(np.int64)

    names = np.array([name for name, _ in cat.SLA_HOURS], dtype=object)
    priority = names[prio]
    # Raw spellings: each weird variant keeps its meaning except 'p2' (unknown → normal).
    variants = {"High ": 1, "URGENT": 0, " normal": 2, "Low": 3, "p2": 2}
    weird = np.flatnonzero(rng.random(total) < WEIRD_SHARE)
    for i in weird:
        spelled = cat.WEIRD_PRIORITIES[int(rng.integers(len(cat.WEIRD_PRIORITIES)))]
        priority[i] = spelled
        prio[i] = variants[spelled]
    # Make sure the two cases tests rely on exist in any data set with a few tickets.
    if total >= 2:
        priority[0], priority[total - 1] = "p2", "High "
    order = np.lexsort((e, opened))
    return {
        "entity": e[order],
        "opened": opened[order],
        "first_response": first_response[order],
        "solved": solved[order],
        "priority": priority[order].tolist(),
        "status": status[order].tolist(),
        "csat": csat[order],
    }
