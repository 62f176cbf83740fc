"""The latent account-month grid that drives usage, support, NPS and CS activity.

One row per entity and month from its first to its last month of service (trial or paid), with
the service window inside the month, the seats (per-seat quantity) and a latent *health* in
[0, 1]. Health starts from the account's risk, ramps up during onboarding, falls in the months
before a churn or contraction and rises before an expansion, so the observable signals (active
users, feature breadth, tickets, NPS, late payments) lead the commercial outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cs_metrics.generate import model as md
from cs_metrics.generate.profiles import Profiles
from cs_metrics.generate.timeutil import Calendar

# (signal kind, months of lead, effect at the signal month); the effect fades linearly with lead.
SIGNAL_EFFECTS = {
    md.SIG_CHURN: (6, -0.55),
    md.SIG_QUIET_CHURN: (2, -0.10),
    md.SIG_EXPANSION: (3, 0.15),
    md.SIG_CONTRACTION: (3, -0.22),
    md.SIG_TRIAL_FAIL: (1, -0.35),
    md.SIG_LATE_PAY: (3, -0.15),
}


@dataclass
class AccountMonths:
    """Dense entity × month rows (sorted by entity, month)."""

    entity: np.ndarray  # int64
    month: np.ndarray  # int64, month index (0 = month of start)
    lo: np.ndarray  # service window start inside the month (seconds)
    hi: np.ndarray  # service window end inside the month (exclusive)
    in_service: np.ndarray  # bool
    seats: np.ndarray  # per-seat quantity at the last service instant of the month
    pool: np.ndarray  # users who may be active: max(seats, flat plan user cap)
    health: np.ndarray  # float64 in [0, 1]
    tenure: np.ndarray  # months since the entity's first month of service
    first_row: np.ndarray  # per entity: index of its first row (-1 when it has none)
    first_month: np.ndarray  # per entity: first month of service (-1 when none)

    def __len__(self) -> int:
        return int(self.entity.size)


def _month_index(month_starts: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Month index of each timestamp (month_starts holds months 0 … n, n = month after end)."""
    return np.searchsorted(month_starts, ts, side="right") - 1


def _ramp(counts: np.ndarray) -> np.ndarray:
    """0, 1, …, c-1 for each count c, concatenated."""
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def build_account_months(
    cal: Calendar, prof: Profiles, billing: md.BillingResult, rng: np.random.Generator
) -> AccountMonths:
    """Build the grid from the billing services, seat versions and signals."""
    H = cal.horizon
    ms = cal.month_starts_array()
    n_ent = prof.n

    svc = np.array(
        [
            (span.entity, span.started, H if span.service_end is None else span.service_end)
            for span in billing.services
        ],
        dtype=np.int64,
    ).reshape(-1, 3)
    svc = svc[(svc[:, 1] < H) & (svc[:, 2] > svc[:, 1])]
    s_ent, s_start, s_end = svc[:, 0], svc[:, 1], np.minimum(svc[:, 2], H)
    s_m0 = _month_index(ms, s_start)
    s_m1 = _month_index(ms, s_end - 1)

    first_month = np.full(n_ent, np.iinfo(np.int64).max, dtype=np.int64)
    last_month = np.full(n_ent, -1, dtype=np.int64)
    np.minimum.at(first_month, s_ent, s_m0)
    np.maximum.at(last_month, s_ent, s_m1)
    has = last_month >= 0
    first_month[~has] = -1
    counts = np.where(has, last_month - first_month + 1, 0)
    first_row = np.where(has, np.cumsum(counts) - counts, -1)
    total = int(counts.sum())
    entity = np.repeat(np.arange(n_ent), counts)
    month = np.arange(total) - np.repeat(first_row.clip(0) - first_month.clip(0), counts)

    def rows_of(ent: np.ndarray, m: np.ndarray) -> np.ndarray:
        return first_row[ent] + m - first_month[ent]

    # Expand services over their months: window = union (min lo, max hi) of overlapping services.
    n_span = s_m1 - s_m0 + 1
    e_rep = np.repeat(s_ent, n_span)
    m_rep = np.repeat(s_m0, n_span) + _ramp(n_span)
    lo_rep = np.maximum(np.repeat(s_start, n_span), ms[m_rep])
    hi_rep = np.minimum(np.repeat(s_end, n_span), ms[m_rep + 1])
    r = rows_of(e_rep, m_rep)
    lo = np.full(total, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.zeros(total, dtype=np.int64)
    np.minimum.at(lo, r, lo_rep)
    np.maximum.at(hi, r, hi_rep)
    in_service = hi > 0
    lo[~in_service] = ms[month[~in_service]]
    hi[~in_service] = ms[month[~in_service]]

    # Seats: per-seat quantity of the versions valid at the last service instant of each month.
    sv = np.array(
        [
            (
                v.entity,
                v.valid_from,
                H if v.valid_to is None else v.valid_to,
                H if v.service_end is None else v.service_end,
                v.seats,
                v.flat_cap,
            )
            for v in billing.seat_versions
        ],
        dtype=np.int64,
    ).reshape(-1, 6)
    v_end = np.minimum(np.minimum(sv[:, 2], sv[:, 3]), H)
    keep = (sv[:, 1] < v_end) & ((sv[:, 4] > 0) | (sv[:, 5] > 0)) & has[sv[:, 0]]
    sv, v_end = sv[keep], v_end[keep]
    v_m0 = np.maximum(_month_index(ms, sv[:, 1]), first_month[sv[:, 0]])
    v_m1 = np.minimum(_month_index(ms, v_end - 1), last_month[sv[:, 0]])
    ok = v_m1 >= v_m0
    sv, v_end, v_m0, v_m1 = sv[ok], v_end[ok], v_m0[ok], v_m1[ok]
    span = v_m1 - v_m0 + 1
    idx = np.repeat(np.arange(sv.shape[0]), span)
    vm = np.repeat(v_m0, span) + _ramp(span)
    vr = rows_of(sv[idx, 0], vm)
    t_eval = hi[vr] - 1
    valid = in_service[vr] & (sv[idx, 1] <= t_eval) & (t_eval < v_end[idx])
    seats = np.zeros(total, dtype=np.int64)
    cap = np.zeros(total, dtype=np.int64)
    np.add.at(seats, vr[valid], sv[idx[valid], 4])
    np.maximum.at(cap, vr[valid], sv[idx[valid], 5])
    pool = np.maximum(seats, cap)

    # Latent health.
    risk = prof.risk
    base = np.clip(0.74 - 0.20 * (risk - 1.0) + rng.normal(0, 0.07, n_ent), 0.22, 0.93)
    tenure = month - first_month[entity]
    health = base[entity] + np.select([tenure == 0, tenure == 1], [-0.18, -0.07], 0.0)
    sig = np.array(billing.signals, dtype=np.int64).reshape(-1, 3)  # Signal: entity, month, kind
    for kind, (lead, effect) in SIGNAL_EFFECTS.items():
        sel = sig[(sig[:, 2] == kind) & has[sig[:, 0]]]
        for d in range(lead + 1):
            e, mm = sel[:, 0], sel[:, 1] - d
            ok = (mm >= first_month[e]) & (mm <= last_month[e])
            np.add.at(health, rows_of(e[ok], mm[ok]), effect * (1.0 - d / (lead + 1)))
    z = rng.normal(0, 0.06, total)
    noise = 0.7 * z + 0.3 * np.concatenate([[0.0], z[:-1]])
    health = np.clip(health + noise, 0.03, 0.97)

    return AccountMonths(
        entity=entity,
        month=month,
        lo=lo,
        hi=hi,
        in_service=in_service,
        seats=seats,
        pool=pool,
        health=health,
        tenure=tenure,
        first_row=first_row,
        first_month=first_month,
    )
