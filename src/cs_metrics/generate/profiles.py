"""Who the demo company's accounts are: segment, geography, acquisition date and fate flags.

An *entity* is one would-be customer. The first `n_crm` entities are CRM accounts; the last
`n_unmapped` exist only in billing (customers without a CRM account) and in product events
(an account id the CRM does not know). Attributes are drawn vectorised; then a few entities are
forced into rare scenarios so that every case exists even in a small data set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cs_metrics.generate import catalog as cat
from cs_metrics.generate.timeutil import DAY, HOUR, Calendar

CUSTOMER, PROSPECT = 0, 1

# Forced scenarios (bit flags): guarantee each rare case at least once at any size.
F_REACTIVATE = 1 << 0
F_PARTIAL_CANCEL = 1 << 1
F_SCHEDULED_CANCEL = 1 << 2
F_RENEWAL_SIGNED = 1 << 3
F_PAUSE = 1 << 4
F_ZERO_QTY = 1 << 5
F_FREE_ADDON = 1 << 6
F_UPGRADE = 1 << 7
F_DOWNGRADE = 1 << 8
F_NO_CHURN = 1 << 9
F_SECOND_CUSTOMER = 1 << 10
F_MISMATCH = 1 << 11
F_TRIAL_FAIL = 1 << 12
F_TRIAL_CONVERT = 1 << 13
F_INVOLUNTARY = 1 << 14
F_INCOMPLETE = 1 << 15
F_FUTURE_START = 1 << 16
F_EARLY_CHURN = 1 << 17
F_SUPPORT_SUB = 1 << 18
F_SOFT_DELETED = 1 << 19
F_CDC_TIE = 1 << 20
F_USAGE = 1 << 21
F_PAUSE_END = 1 << 22
F_OVERDUE = 1 << 23

# Interval options per segment: (interval, term_months, weight).
INTERVAL_OPTIONS = {
    cat.SMB: ((cat.MONTH1, 1, 0.74), (cat.YEAR1, 12, 0.26)),
    cat.MID: (
        (cat.MONTH1, 1, 0.27),
        (cat.MONTH1, 12, 0.10),
        (cat.QUARTER1, 12, 0.15),
        (cat.YEAR1, 12, 0.48),
    ),
    cat.ENT: ((cat.YEAR1, 12, 0.55), (cat.YEAR2, 24, 0.20), (cat.YEAR3, 36, 0.25)),
}


@dataclass
class Profiles:
    """Per-entity attributes (numpy arrays indexed by entity)."""

    n_crm: int
    n: int
    segment: np.ndarray
    country: np.ndarray
    region: np.ndarray
    currency: np.ndarray
    kind: np.ndarray
    acq: np.ndarray  # first service start (customers) in seconds
    created: np.ndarray  # CRM created_at in seconds
    trial: np.ndarray
    interval_opt: np.ndarray  # index into INTERVAL_OPTIONS[segment]
    risk: np.ndarray  # > 1: churns more, less healthy
    growth: np.ndarray  # > 1: expands more
    flags: np.ndarray
    parent: np.ndarray  # parent entity index or -1

    def has(self, e: int, flag: int) -> bool:
        return bool(self.flags[e] & flag)


def _pick(
    rng: np.random.Generator, candidates: np.ndarray, count: int, taken: np.ndarray
) -> np.ndarray:
    """Choose up to `count` candidates not yet taken by another forced scenario."""
    free = candidates[~taken[candidates]]
    if free.size == 0 or count <= 0:
        return free[:0]
    chosen = rng.choice(free, size=min(count, free.size), replace=False)
    taken[chosen] = True
    return np.sort(chosen)


def build_profiles(
    rng: np.random.Generator, cal: Calendar, n_crm: int, n_unmapped: int
) -> Profiles:
    """Draw every entity's attributes and assign the forced scenarios."""
    n = n_crm + n_unmapped
    nm = cal.n_months
    # Stratified: the segment mix is exact (a small data set still has a few enterprises).
    counts = np.floor(np.array(cat.SEGMENT_WEIGHTS) * n_crm).astype(np.int64)
    counts[cat.SMB] += n_crm - counts.sum()
    segment = np.empty(n, dtype=np.int8)
    segment[:n_crm] = rng.permutation(np.repeat(np.arange(3), counts))
    segment[n_crm:] = np.where(rng.random(n_unmapped) < 0.8, cat.SMB, cat.MID)
    region = rng.choice(4, size=n, p=cat.REGION_WEIGHTS).astype(np.int8)
    country = np.zeros(n, dtype=np.int16)
    for r in range(4):
        idx = np.flatnonzero(region == r)
        members = [i for i, c in enumerate(cat.COUNTRIES) if c.region == r]
        w = np.array([cat.COUNTRIES[i].weight for i in members])
        country[idx] = np.array(members)[rng.choice(len(members), size=idx.size, p=w / w.sum())]
    # Every currency appears at least twice among CRM accounts, whatever the size.
    for c in (cat.EUR, cat.GBP, cat.JPY):
        have = int((np.array([cat.COUNTRIES[k].currency for k in country[:n_crm]]) == c).sum())
        home = next(i for i, k in enumerate(cat.COUNTRIES) if k.currency == c)
        usd = np.flatnonzero(np.array([cat.COUNTRIES[k].currency for k in country[:n_crm]]) == 0)
        if have < 2 and usd.size > 2:
            moved = rng.choice(usd, size=2 - have, replace=False)
            country[moved] = home
            region[moved] = cat.COUNTRIES[home].region
    currency = np.array([cat.COUNTRIES[c].currency for c in country], dtype=np.int8)

    kind = np.where(rng.random(n) < 0.06, PROSPECT, CUSTOMER).astype(np.int8)
    kind[n_crm:] = CUSTOMER

    # Acquisition month: an early book of customers in month 0, then growth over time.
    w = 1.0 + 1.5 * np.arange(nm) / max(1, nm - 1)
    w[-1] *= (cal.end.day) / cal.month_days(nm - 1)
    w = w / w.sum() * 0.88
    w[0] += 0.12
    month = rng.choice(nm, size=n, p=w / w.sum())
    last_dom = min(28, cal.end.day)
    max_dom = np.where(month == nm - 1, last_dom, 28)
    dom = (rng.random(n) * max_dom).astype(np.int64)  # 0-based day of month
    tod = (rng.normal(14.5, 2.5, n).clip(0, 23.9) * HOUR).astype(np.int64)
    month_start = np.array([cal.month_start(m) for m in range(nm)], dtype=np.int64)
    acq = month_start[month] + dom * DAY + tod
    acq = np.minimum(acq, cal.horizon - HOUR)

    lead_days = np.select(
        [segment == cat.SMB, segment == cat.MID],
        [rng.integers(0, 21, n), rng.integers(10, 90, n)],
        rng.integers(30, 180, n),
    )
    created = acq - lead_days * DAY - rng.integers(0, 8 * HOUR, n)
    # Leads from before the window: created at some point between `start` and acquisition.
    before = created < cal.t0 + HOUR
    span = np.maximum(acq - cal.t0 - HOUR, 0)
    created[before] = (
        cal.t0 + HOUR + (rng.random(int(before.sum())) * span[before]).astype(np.int64)
    )
    created = np.minimum(created, acq)
    # Prospects: CRM accounts created at any time, never billed.
    prospects = kind == PROSPECT
    created[prospects] = acq[prospects]

    opt = np.zeros(n, dtype=np.int8)
    for s in (cat.SMB, cat.MID, cat.ENT):
        idx = np.flatnonzero(segment == s)
        ow = np.array([o[2] for o in INTERVAL_OPTIONS[s]])
        opt[idx] = rng.choice(len(ow), size=idx.size, p=ow / ow.sum())
    monthly = np.array(
        [INTERVAL_OPTIONS[int(s)][o][1] == 1 for s, o in zip(segment, opt, strict=True)]
    )
    trial_p = np.select([segment == cat.SMB, segment == cat.MID], [0.45, 0.10], 0.0)
    trial = monthly & (rng.random(n) < trial_p)

    risk = np.exp(rng.normal(0.0, 0.55, n))
    growth = np.exp(rng.normal(0.0, 0.7, n))
    flags = np.zeros(n, dtype=np.int64)
    parent = np.full(n, -1, dtype=np.int64)

    prof = Profiles(
        n_crm,
        n,
        segment,
        country,
        region,
        currency,
        kind,
        acq,
        created,
        trial,
        opt,
        risk,
        growth,
        flags,
        parent,
    )
    _force_scenarios(rng, cal, prof)
    _assign_parents(rng, prof)
    return prof


def _force_scenarios(rng: np.random.Generator, cal: Calendar, p: Profiles) -> None:
    """Put a few entities into each rare scenario, moving their dates so it is visible by `end`.

    Candidates only need the right segment and billing interval; the acquisition date is then
    set so the scenario fits in the window (e.g. churn, a gap and a reactivation). Constrained
    scenarios pick first, so every scenario exists from about a hundred accounts on.
    """
    n, nm = p.n, cal.n_months
    taken = np.zeros(n, dtype=bool)
    crm = np.arange(n) < p.n_crm
    cust = crm & (p.kind == CUSTOMER)
    seg, opt = p.segment, p.interval_opt
    monthly_smb = cust & (seg == cat.SMB) & (opt == 0) & ~p.trial
    mid_ent = cust & (seg >= cat.MID) & ~p.trial
    scale = max(1, p.n_crm // 400)
    third = max(1, nm // 3)

    def start_in(e: int, lo: int, hi: int) -> None:
        """Acquire entity e on a random day (1-28) of a month in [lo, hi)."""
        m = int(rng.integers(lo, max(lo + 1, min(hi, nm))))
        acq = cal.month_start(m) + int(rng.integers(0, 28)) * DAY + 10 * HOUR
        p.acq[e] = max(cal.t0 + HOUR, min(acq, cal.horizon - 2 * DAY))

    def force(flag: int, candidates: np.ndarray, count: int) -> np.ndarray:
        chosen = _pick(rng, np.flatnonzero(candidates), count, taken)
        p.flags[chosen] |= flag
        return chosen

    # Every billing interval exists: enterprise 1/2/3-year terms, mid-market quarterly billing.
    for s, o in ((cat.ENT, 0), (cat.ENT, 1), (cat.ENT, 2), (cat.MID, 2)):
        same_seg = cust & (seg == s) & ~p.trial
        if same_seg.any() and not (same_seg & (opt == o)).any():
            counts = np.bincount(opt[same_seg], minlength=3)
            pool = np.flatnonzero(same_seg & (opt == int(np.argmax(counts))))
            opt[int(rng.choice(pool))] = o

    # Enterprise renewing a few weeks after `end` whose renewal contract is already signed.
    for e in force(F_RENEWAL_SIGNED | F_NO_CHURN, mid_ent & (seg == cat.ENT) & (opt == 0), scale):
        p.acq[e] = max(cal.t0 + DAY, cal.add_months(cal.horizon, -12) + 20 * DAY)
    for e in force(F_SECOND_CUSTOMER | F_NO_CHURN, mid_ent & (seg == cat.ENT), scale):
        start_in(e, 0, nm // 2)
    for e in force(F_DOWNGRADE | F_NO_CHURN, mid_ent & (seg == cat.MID) & (opt == 3), scale):
        start_in(e, 0, max(1, nm - 14))
    for e in force(F_MISMATCH | F_NO_CHURN, cust & ~p.trial & (p.currency != cat.USD), 1):
        start_in(e, 0, nm // 2)
    # Signed before `end`, starting after it (new business).
    for e in force(F_FUTURE_START, mid_ent, 2 * scale):
        p.created[e] = cal.horizon - int(rng.integers(5, 40)) * DAY - 6 * HOUR
        p.acq[e] = cal.month_start(nm) + int(rng.integers(0, 14)) * DAY + 9 * HOUR
    for e in force(F_PARTIAL_CANCEL | F_SUPPORT_SUB | F_NO_CHURN, mid_ent, 2 * scale):
        start_in(e, 0, third)
    for e in force(F_ZERO_QTY | F_NO_CHURN, mid_ent, scale):
        start_in(e, 0, 2)
    force(F_FREE_ADDON, mid_ent, scale)
    # Month-to-month SMB: churn and come back, churn early, pause, upgrade, fail to pay …
    for e in force(F_REACTIVATE, monthly_smb, 2 * scale):
        start_in(e, 0, 2)
    for e in force(F_EARLY_CHURN, monthly_smb, scale):
        start_in(e, 0, third)
    for e in force(F_PAUSE | F_NO_CHURN, monthly_smb, scale):
        start_in(e, 0, 2)
    for e in force(F_PAUSE_END | F_NO_CHURN, monthly_smb, 1):  # still paused at `end`
        start_in(e, 0, third)
    for e in force(F_OVERDUE | F_NO_CHURN, monthly_smb, scale):  # card declined lately
        start_in(e, 0, max(1, nm - 3))
    for e in force(F_UPGRADE | F_NO_CHURN, monthly_smb, scale):
        start_in(e, 0, third)
    for e in force(F_INVOLUNTARY, monthly_smb, scale):
        start_in(e, 0, third)
    for e in force(F_SCHEDULED_CANCEL | F_NO_CHURN, monthly_smb, 2 * scale):
        start_in(e, 0, max(1, nm - 3))
    for e in force(F_INCOMPLETE, monthly_smb, 1):
        start_in(e, 0, max(1, nm - 1))
    for e in force(F_USAGE | F_NO_CHURN, cust & (seg <= cat.MID) & (opt == 0) & ~p.trial, 1):
        start_in(e, 0, third)
    smb = cust & (seg == cat.SMB)
    for e in force(F_TRIAL_FAIL, smb, scale):
        p.trial[e], opt[e] = True, 0
        start_in(e, third, max(third + 1, nm - 1))
    for e in force(F_TRIAL_CONVERT | F_NO_CHURN, smb, scale):
        p.trial[e], opt[e] = True, 0
        start_in(e, 0, third)
    # A trial still running at `end` (no conversion decision yet).
    for e in force(F_TRIAL_CONVERT, smb, 1):
        p.trial[e], opt[e] = True, 0
        p.acq[e] = max(cal.t0 + HOUR, cal.horizon - 5 * DAY - 3 * HOUR)
    for e in force(F_SOFT_DELETED | F_NO_CHURN, cust & ~p.trial, scale):
        start_in(e, 0, third)
    force(F_CDC_TIE, crm, 1)
    # Unmapped billing customers always pay (they are there to show revenue is never dropped).
    p.flags[p.n_crm :] |= F_NO_CHURN
    p.trial[p.n_crm :] = False
    # Keep the dates of forced entities consistent.
    forced = p.flags != 0
    p.created[forced] = np.minimum(p.created[forced], p.acq[forced])
    p.created[:] = np.maximum(p.created, cal.t0 + HOUR)
    # Billing anchors stay on days 1-28 so "+ n months" means the same in every SQL engine.
    for e in np.flatnonzero(forced):
        acq = int(p.acq[e])
        day = (acq - cal.month_start(cal.month_of(acq))) // DAY
        if day > 27:
            p.acq[e] = acq - (day - 27) * DAY


def _assign_parents(rng: np.random.Generator, p: Profiles) -> None:
    """Make ~6% of mid-market/enterprise and ~1% of SMB accounts subsidiaries of an enterprise."""
    crm = np.arange(p.n) < p.n_crm
    parents = np.flatnonzero(crm & (p.segment == cat.ENT) & (p.kind == CUSTOMER))
    if parents.size == 0:
        return
    share = np.where(p.segment >= cat.MID, 0.06, 0.01)
    children = np.setdiff1d(np.flatnonzero(crm & (rng.random(p.n) < share)), parents)
    if children.size < 2:
        others = np.setdiff1d(np.flatnonzero(crm), np.concatenate([parents, children]))
        children = np.concatenate([children, others[: 2 - children.size]])
    p.parent[children] = rng.choice(parents, size=children.size)
    # One grandchild (a subsidiary of a subsidiary) when possible.
    if children.size >= 2:
        p.parent[children[-1]] = children[0]
