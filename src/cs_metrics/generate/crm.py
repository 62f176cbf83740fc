"""CRM tables: users (CSMs, AEs, managers), accounts with CDC versions, contacts, CS activities
and NPS responses. Activities and NPS follow the latent account health of `account_months`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np

from cs_metrics.generate import catalog as cat
from cs_metrics.generate import profiles as pf
from cs_metrics.generate.account_months import AccountMonths
from cs_metrics.generate.model import account_id
from cs_metrics.generate.timeutil import DAY, HOUR, Calendar

EMPLOYEE_DOMAIN = "cs-metrics-demo.example"
CDC_SHARE = 0.08  # accounts delivered in several versions
TIE_SHARE = 0.002  # of which two versions share updated_at


@dataclass
class Users:
    rows: list[tuple]  # user_id, full_name, email, role, team, is_active
    csm: np.ndarray  # per entity: index into rows of the CSM owner, -1 for none
    ae_ids: list[str]
    active: np.ndarray  # per user row


def build_users(rng: np.random.Generator, prof: pf.Profiles) -> Users:
    """People at the demo company and which CSM owns which account."""
    crm = (np.arange(prof.n) < prof.n_crm) & (prof.kind == pf.CUSTOMER)
    seg = prof.segment
    n_ent = int((crm & (seg == cat.ENT)).sum())
    n_mid = int((crm & (seg == cat.MID)).sum())
    digital = crm & (seg == cat.SMB) & (rng.random(prof.n) < 0.3)
    teams = [
        ("csm", "CS Enterprise", max(1, math.ceil(n_ent / 12))),
        ("csm", "CS Mid-Market", max(1, math.ceil(n_mid / 45))),
        ("csm", "CS Digital", max(1, math.ceil(int(digital.sum()) / 600))),
        ("ae", "Sales", max(2, math.ceil(prof.n_crm / 350))),
    ]
    n_csm = sum(t[2] for t in teams if t[0] == "csm")
    n_ae = teams[3][2]
    teams += [
        ("manager", "CS Leadership", max(1, math.ceil(n_csm / 8))),
        ("manager", "Sales Leadership", max(1, math.ceil(n_ae / 10))),
        ("other", "Support", 2),
        ("other", "RevOps", 1),
    ]
    rows: list[tuple] = []
    pools: dict[str, list[int]] = {}
    used: set[str] = set()
    for role, team, count in teams:
        for _ in range(count):
            first = cat.FIRST_NAMES[int(rng.integers(len(cat.FIRST_NAMES)))]
            last = cat.LAST_NAMES[int(rng.integers(len(cat.LAST_NAMES)))]
            handle = f"{first}.{last}".lower().replace(" ", "")
            base, k = handle, 1
            while handle in used:
                k += 1
                handle = f"{base}{k}"
            used.add(handle)
            active = bool(rng.random() >= (0.08 if role in ("csm", "ae") else 0.0))
            region = cat.REGIONS[int(rng.integers(4))] if team == "Sales" else None
            team_name = f"{team} {region}" if region else team
            pools.setdefault(team, []).append(len(rows))
            rows.append(
                (
                    f"emp_{len(rows) + 1:05d}",
                    f"{first} {last}",
                    f"{handle}@{EMPLOYEE_DOMAIN}",
                    role,
                    team_name,
                    active,
                )
            )
    active_arr = np.array([r[5] for r in rows], dtype=bool)
    csm = np.full(prof.n, -1, dtype=np.int64)
    for team, mask in (
        ("CS Enterprise", crm & (seg == cat.ENT)),
        ("CS Mid-Market", crm & (seg == cat.MID)),
        ("CS Digital", digital),
    ):
        idx = np.flatnonzero(mask)
        pool = np.array(pools[team])
        csm[idx] = pool[rng.integers(0, pool.size, idx.size)]
    ae_ids = [rows[i][0] for i in pools["Sales"] if rows[i][5]] or [rows[pools["Sales"][0]][0]]
    return Users(rows, csm, ae_ids, active_arr)


# ---------------------------------------------------------------------------- accounts
def _names(rng: np.random.Generator, prof: pf.Profiles) -> tuple[list[str], list[str]]:
    n = prof.n_crm
    pre = rng.integers(0, len(cat.COMPANY_PREFIXES), n)
    suf = rng.integers(0, len(cat.COMPANY_SUFFIXES), n)
    legal = rng.integers(0, 4, n)
    bases = [f"{cat.COMPANY_PREFIXES[pre[e]]} {cat.COMPANY_SUFFIXES[suf[e]]}" for e in range(n)]
    names, domains = [], []
    for e in range(n):
        forms = cat.COUNTRIES[int(prof.country[e])].legal_forms
        parent = int(prof.parent[e])
        if parent >= 0:  # a subsidiary carries its parent's name and its own country
            country = cat.COUNTRIES[int(prof.country[e])]
            names.append(f"{bases[parent]} {country.code} {forms[0]}")
        else:
            names.append(f"{bases[e]} {forms[int(legal[e]) % len(forms)]}")
        domains.append(f"{bases[e].lower().replace(' ', '')}{e % 97}.example")
    return names, domains


def build_accounts(
    rng: np.random.Generator, cal: Calendar, prof: pf.Profiles, users: Users
) -> tuple[list[tuple], list[str]]:
    """CRM account rows (several CDC versions for some) and each account's email domain."""
    H = cal.horizon
    n = prof.n_crm
    names, domains = _names(rng, prof)
    seg = prof.segment
    industry = rng.choice(
        len(cat.INDUSTRIES), n, p=np.array(cat.INDUSTRY_WEIGHTS) / sum(cat.INDUSTRY_WEIGHTS)
    )
    channel = np.zeros(n, dtype=np.int64)
    for s in (cat.SMB, cat.MID, cat.ENT):
        idx = np.flatnonzero(seg[:n] == s)
        w = np.array(cat.CHANNEL_WEIGHTS[s])
        channel[idx] = rng.choice(len(w), idx.size, p=w / w.sum())
    channel[prof.trial[:n] & (rng.random(n) < 0.7)] = cat.CHANNELS.index("self_serve")
    employees = np.zeros(n, dtype=np.int64)
    for s, (median, sigma, lo, hi) in cat.EMPLOYEES.items():
        idx = np.flatnonzero(seg[:n] == s)
        employees[idx] = np.clip(np.round(median * np.exp(rng.normal(0, sigma, idx.size))), lo, hi)
    null_u = rng.random((n, 5))
    rows: list[tuple] = []
    active_csms = np.flatnonzero(users.active & np.array([r[3] == "csm" for r in users.rows]))
    for e in range(n):
        created = int(prof.created[e])
        csm = int(users.csm[e])
        base: dict[str, Any] = {
            "name": names[e],
            "parent": account_id(int(prof.parent[e])) if prof.parent[e] >= 0 else None,
            "industry": None if null_u[e, 0] < 0.04 else cat.INDUSTRIES[int(industry[e])],
            "region": None if null_u[e, 1] < 0.01 else cat.REGIONS[int(prof.region[e])],
            "country": None if null_u[e, 2] < 0.015 else cat.COUNTRIES[int(prof.country[e])].code,
            "employees": None if null_u[e, 3] < 0.06 else int(employees[e]),
            "channel": None if null_u[e, 4] < 0.03 else cat.CHANNELS[int(channel[e])],
            "csm": users.rows[csm][0] if csm >= 0 else None,
            "deleted": False,
        }
        span = max(HOUR, H - DAY - created)
        forced_tie = prof.has(e, pf.F_CDC_TIE)
        soft_deleted = prof.has(e, pf.F_SOFT_DELETED)
        multi = forced_tie or soft_deleted or rng.random() < CDC_SHARE
        if not multi:
            updated = created + int(rng.random() * span * 0.5)
            rows.append(_account_row(e, base, created, updated, updated + _lag(rng)))
            continue
        n_versions = 2 + int(rng.integers(0, 3))
        times = np.sort(created + (rng.random(n_versions - 1) * span).astype(np.int64))
        versions = [dict(base)]
        # The first version often lacks what later enrichment fills in.
        versions[0]["industry"] = None if rng.random() < 0.5 else base["industry"]
        if csm >= 0 and rng.random() < 0.5 and active_csms.size:
            versions[0]["csm"] = users.rows[int(rng.choice(active_csms))][0]
        for _ in times:
            v = dict(versions[-1])
            change = rng.random()
            if change < 0.4 and v["employees"] is not None:
                v["employees"] = int(v["employees"] * rng.uniform(1.0, 1.3)) + 1
            elif change < 0.7 and active_csms.size and csm >= 0:
                v["csm"] = users.rows[int(rng.choice(active_csms))][0]
            elif change < 0.85:
                v["industry"] = base["industry"] or cat.INDUSTRIES[int(industry[e])]
            else:
                v["name"] = f"{names[e]}"
                versions[0]["name"] = names[e].upper()  # a later clean-up of the name
            versions.append(v)
        if soft_deleted:
            versions[-1]["deleted"] = True
        stamps = [created, *times.tolist()]
        tie = forced_tie or rng.random() < TIE_SHARE
        for i, (v, ts) in enumerate(zip(versions, stamps, strict=True)):
            updated = int(ts)
            loaded = updated + _lag(rng)
            if tie and i == len(versions) - 1:
                # Same updated_at as the previous version: the later load must win.
                updated = int(stamps[i - 1])
                loaded = max(loaded, rows[-1][-1] + 5 * 60)
            rows.append(_account_row(e, v, created, updated, loaded))
    rows.sort(key=lambda r: (r[-1], r[0]))
    return rows, domains


def _lag(rng: np.random.Generator) -> int:
    return 300 + int(rng.exponential(3 * HOUR))


def _account_row(e: int, v: dict, created: int, updated: int, loaded: int) -> tuple:
    return (
        account_id(e),
        v["name"],
        v["parent"],
        v["industry"],
        v["region"],
        v["country"],
        v["employees"],
        v["channel"],
        v["csm"],
        created,
        updated,
        v["deleted"],
        loaded,
    )


# ---------------------------------------------------------------------------- contacts
@dataclass
class Contacts:
    rows: list[tuple]
    first: np.ndarray  # per entity: index of its first contact
    count: np.ndarray  # per entity: number of contacts


def build_contacts(
    rng: np.random.Generator, cal: Calendar, prof: pf.Profiles, domains: list[str]
) -> Contacts:
    n = prof.n_crm
    seg = prof.segment[:n]
    lo = np.select([seg == cat.SMB, seg == cat.MID], [1, 2], 5)
    hi = np.select([seg == cat.SMB, seg == cat.MID], [3, 6], 14)
    count = rng.integers(lo, hi + 1)
    count[prof.kind[:n] == pf.PROSPECT] = np.minimum(count[prof.kind[:n] == pf.PROSPECT], 2)
    first = np.cumsum(count) - count
    total = int(count.sum())
    fn = rng.integers(0, len(cat.FIRST_NAMES), total)
    ln = rng.integers(0, len(cat.LAST_NAMES), total)
    u = rng.random((total, 5))
    rows: list[tuple] = []
    H = cal.horizon
    for e in range(n):
        created0 = int(prof.created[e])
        for j in range(int(count[e])):
            i = int(first[e]) + j
            f, last = cat.FIRST_NAMES[fn[i]], cat.LAST_NAMES[ln[i]]
            decision = (j == 0 and seg[e] >= cat.MID) or u[i, 0] < 0.15
            titles = cat.DECISION_MAKER_TITLES if decision else cat.CONTACT_TITLES
            title = None if u[i, 1] < 0.08 else titles[int(u[i, 2] * len(titles))]
            email = f"{f}.{last}".lower().replace(" ", "") + f"@{domains[e]}"
            created = (
                created0
                if j == 0
                else created0 + int(u[i, 3] * min(400 * DAY, H - created0 - HOUR))
            )
            rows.append(
                (
                    f"con_{i + 1:07d}",
                    account_id(e),
                    None if u[i, 4] < 0.01 else f"{f} {last}",
                    None if u[i, 4] > 0.97 else email,
                    title,
                    bool(decision),
                    created,
                )
            )
    return Contacts(rows, first, count)


# ---------------------------------------------------------------------------- activities
# Monthly rates per segment (smb, mid, enterprise) of each activity type.
ACTIVITY_RATES = {
    "call": (0.03, 0.7, 1.8),
    "email": (0.08, 1.5, 3.5),
    "meeting": (0.01, 0.3, 1.0),
    "training": (0.01, 0.05, 0.12),
    "other": (0.02, 0.05, 0.1),
}


def build_activities(
    rng: np.random.Generator, prof: pf.Profiles, am: AccountMonths, users: Users
) -> dict[str, np.ndarray]:
    """CS touchpoints per account-month: columns as arrays (owner index -1 = null)."""
    rows = np.flatnonzero(am.in_service & (am.entity < prof.n_crm))
    ent = am.entity[rows]
    seg = prof.segment[ent].astype(np.int64)
    has_csm = users.csm[ent] >= 0
    h = am.health[rows]
    tenure = am.tenure[rows]
    frac_boost = np.where(has_csm, 1.0, 0.25)
    types, counts = [], []
    for name, rates in ACTIVITY_RATES.items():
        rate = np.array(rates)[seg] * np.where(seg == cat.SMB, frac_boost * 4, 1.0)
        types.append(cat.ACTIVITY_TYPES.index(name))
        counts.append(rng.poisson(rate))
    onboarding = np.array([0.4, 2.0, 4.0])[seg] * np.where(seg == cat.SMB, frac_boost * 2, 1.0)
    onboarding = np.where(tenure == 0, onboarding, np.where(tenure == 1, onboarding / 2, 0.0))
    types.append(cat.ACTIVITY_TYPES.index("onboarding"))
    counts.append(rng.poisson(onboarding))
    qbr_p = np.where((tenure % 3 == 2) & (seg >= cat.MID), np.where(seg == cat.ENT, 0.9, 0.45), 0.0)
    types.append(cat.ACTIVITY_TYPES.index("qbr"))
    counts.append((rng.random(rows.size) < qbr_p).astype(np.int64))
    esc = (0.02 + 1.2 * np.maximum(0.0, 0.42 - h)) * np.array([0.3, 1.0, 1.5])[seg]
    types.append(cat.ACTIVITY_TYPES.index("escalation"))
    counts.append(rng.poisson(esc))
    count_mat = np.stack(counts, axis=1)  # rows × types
    n_per = count_mat.sum(axis=1)
    row_of = np.repeat(np.arange(rows.size), n_per)
    type_of = np.repeat(np.tile(np.array(types), rows.size), count_mat.ravel())
    lo, hi = am.lo[rows][row_of], am.hi[rows][row_of]
    t = lo + (rng.random(row_of.size) * (hi - lo)).astype(np.int64)
    day = t // DAY
    hour = (
        np.clip(
            np.array(cat.REGION_PEAK_HOUR_UTC)[prof.region[ent[row_of]]]
            - 1.5
            + rng.normal(0, 2.0, row_of.size),
            0,
            23.9,
        )
        % 24
    )
    occurred = np.clip(day * DAY + (hour * HOUR).astype(np.int64), lo, hi - 1)
    owner = users.csm[ent[row_of]]
    owner = np.where(rng.random(row_of.size) < 0.08, -1, owner)
    order = np.lexsort((type_of, occurred, ent[row_of]))
    return {
        "entity": ent[row_of][order],
        "owner": owner[order],
        "type": type_of[order],
        "occurred": occurred[order],
    }


# ---------------------------------------------------------------------------- NPS
class NpsColumns(TypedDict):
    """NPS responses as columns, in response order."""

    entity: np.ndarray
    contact: np.ndarray
    score: np.ndarray
    responded: np.ndarray
    comment: list[str | None]


def build_nps(
    rng: np.random.Generator, prof: pf.Profiles, am: AccountMonths, contacts: Contacts
) -> NpsColumns:
    """Semi-annual NPS waves; scores follow health. A few anonymous and out-of-range answers."""
    offset = rng.integers(0, 6, prof.n)
    rows = np.flatnonzero(
        am.in_service
        & (am.entity < prof.n_crm)
        & (am.tenure >= 2)
        & ((am.month - offset[am.entity]) % 6 == 0)
    )
    ent = am.entity[rows]
    n_contacts = contacts.count[ent]
    n = np.minimum(rng.poisson(0.35 * n_contacts + 0.2), n_contacts + 1)
    row_of = np.repeat(np.arange(rows.size), n)
    e = ent[row_of]
    total = row_of.size
    pick = (rng.random(total) * contacts.count[e]).astype(np.int64)
    contact = contacts.first[e] + pick
    contact = np.where(rng.random(total) < 0.15, -1, contact)  # anonymous
    h = am.health[rows][row_of]
    score = np.clip(np.round(2.5 + 7.5 * h + rng.normal(0, 1.6, total)), 0, 10).astype(np.int64)
    lo, hi = am.lo[rows][row_of], am.hi[rows][row_of]
    responded = lo + (rng.random(total) * (hi - lo)).astype(np.int64)
    # Out-of-range scores a survey tool export can hold (always at least one 11 and one -1).
    if total >= 2:
        bad = np.flatnonzero(rng.random(total) < 0.001)
        score[bad] = np.where(rng.random(bad.size) < 0.5, 11, -1)
        first_two = rng.choice(total, 2, replace=False)
        score[first_two[0]], score[first_two[1]] = 11, -1
    comment_u = rng.random(total)
    comment_pick = rng.random(total)
    comments: list[str | None] = []
    for s, cu, cp in zip(score.tolist(), comment_u.tolist(), comment_pick.tolist(), strict=True):
        if cu >= 0.35:
            comments.append(None)
            continue
        band = "promoter" if s >= 9 else ("passive" if s >= 7 else "detractor")
        options = cat.NPS_COMMENTS[band]
        comments.append(options[int(cp * len(options))])
    order = np.lexsort((contact, responded))
    return {
        "entity": e[order],
        "contact": contact[order],
        "score": score[order],
        "responded": responded[order],
        "comment": [comments[i] for i in order],
    }
