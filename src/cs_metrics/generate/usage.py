"""Product usage events, generated vectorised in chunks of accounts (one Parquet row group each).

Per account-month: active users ~ Binomial(user pool, f(health)), each active user has at least
one event and power users many more; the breadth of core features grows with health; events
fall on business hours of the account's region, mostly on weekdays. The loader's side is
simulated too: `_loaded_at` minutes after the event (days for a few late arrivals), a few
events delivered twice (same event_id, later `_loaded_at`) and events not yet loaded at `end`
left out. Events of unmapped billing entities and of an internal sandbox account carry account
ids the CRM does not know.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cs_metrics.contract import table as contract_table
from cs_metrics.generate import catalog as cat
from cs_metrics.generate.account_months import AccountMonths
from cs_metrics.generate.profiles import Profiles
from cs_metrics.generate.rng import phase_rng
from cs_metrics.generate.timeutil import DAY, HOUR, US_PER_S, Calendar

# Average events per CRM account and month of the window (≈ 500 per account over 36 months).
EVENTS_PER_ACCOUNT_MONTH = 500 / 36
CHUNK_EVENTS = 1_000_000  # expected events per chunk (row group)
CORE_SHARE = 0.65  # share of events on core features
LATE_SHARE = 0.012  # events loaded 1-10 days after they happened
DUPLICATE_SHARE = 0.0015  # events delivered twice
SANDBOX_ACCOUNT = "acc_sandbox_internal"

_FEATURES = tuple(dict.fromkeys(f for _, f, _ in cat.FEATURE_CATALOG))
_CORE = tuple(dict.fromkeys(f for _, f, core in cat.FEATURE_CATALOG if core))
_NON_CORE = tuple(f for f in _FEATURES if f not in _CORE)


LUT_SIZE = 1024  # weighted choices use lookup tables: index = lut[int(u * LUT_SIZE)]


def _lut(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A lookup table that turns a uniform number into one of `values` with `weights`."""
    cum = np.cumsum(weights) / weights.sum()
    return values[np.searchsorted(cum, (np.arange(LUT_SIZE) + 0.5) / LUT_SIZE)]


@dataclass(frozen=True)
class _Catalog:
    names: pa.Array
    event_lut: np.ndarray  # feature × LUT_SIZE → event index (weighted within the feature)
    non_core_lut: np.ndarray  # LUT_SIZE → feature id of a non-core feature


def _catalog() -> _Catalog:
    feats = np.array([_FEATURES.index(f) for _, f, _ in cat.FEATURE_CATALOG])
    w = np.array(cat.EVENT_WEIGHTS, dtype=np.float64)
    event_lut = np.stack(
        [_lut(w[feats == f], np.flatnonzero(feats == f)) for f in range(len(_FEATURES))]
    )
    non_core = np.array([_FEATURES.index(f) for f in _NON_CORE])
    nc_w = np.array([cat.NON_CORE_FEATURE_WEIGHTS[f] for f in _NON_CORE])
    names = pa.array([name for name, _, _ in cat.FEATURE_CATALOG], pa.string())
    return _Catalog(names, event_lut, _lut(nc_w, non_core))


def prefixed_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Text ids like evt_0000000042 (prefix + zero-padded number), built without Python strings.

    Numbers that do not fit `width` digits keep all their digits (like an f-string would).
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    size = head.size + width
    if numbers.size and (numbers.min() < 0 or numbers.max() >= 10**width or
                         numbers.size * size >= 2**31):  # fmt: skip
        digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, padding="0")
        return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")
    chars = np.empty((numbers.size, size), dtype=np.uint8)
    chars[:, : head.size] = head
    rest = numbers.copy()
    for k in range(size - 1, head.size - 1, -1):
        chars[:, k] = 48 + rest % 10  # ASCII '0' + digit
        rest //= 10
    offsets = np.arange(numbers.size + 1, dtype=np.int32) * size
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(chars)]
    return pa.Array.from_buffers(pa.string(), numbers.size, buffers)


class EventPlan:
    """Everything the chunks share: expected volumes, chunk bounds and per-entity constants."""

    def __init__(
        self, cal: Calendar, prof: Profiles, am: AccountMonths, seed: int, account_ids: pa.Array
    ):
        self.cal, self.prof, self.am, self.seed = cal, prof, am, seed
        self.account_ids = account_ids
        rng = phase_rng(seed, "events", 1 << 20)
        ms = cal.month_starts_array()
        month_len = (ms[am.month + 1] - ms[am.month]).astype(np.float64)
        self.frac = np.where(am.in_service, (am.hi - am.lo) / month_len, 0.0)
        h = am.health
        self.p_active = np.clip(0.08 + 0.9 * h, 0.05, 0.97) * (0.35 + 0.65 * self.frac)
        self.intensity = 0.25 + 1.5 * h
        usable = am.in_service & (am.pool > 0)
        exp_users = np.where(usable, am.pool * self.p_active, 0.0)
        target = EVENTS_PER_ACCOUNT_MONTH * prof.n_crm * cal.n_months
        weight = float((exp_users * self.intensity).sum())
        self.lam_base = max(1.5, target / weight) if weight > 0 else 1.5
        self.expected = exp_users * np.maximum(1.0, self.lam_base * self.intensity)
        self.usable = usable
        # Per-entity constants: a stable user pool, user turnover, the order features are adopted.
        pool_max = np.zeros(prof.n, dtype=np.int64)
        np.maximum.at(pool_max, am.entity, am.pool)
        self.user_base = np.cumsum(pool_max) - pool_max
        self.turnover = rng.uniform(0.0, 0.6, prof.n)
        self.core_order = np.argsort(rng.random((prof.n, len(_CORE))), axis=1)
        self.peak = np.array(cat.REGION_PEAK_HOUR_UTC)[prof.region]
        # Chunks: consecutive entity ranges holding about CHUNK_EVENTS expected events.
        per_entity = np.zeros(prof.n)
        np.add.at(per_entity, am.entity, self.expected)
        cum = np.cumsum(per_entity)
        cuts = np.searchsorted(
            cum, np.arange(CHUNK_EVENTS, cum[-1] if cum.size else 0, CHUNK_EVENTS)
        )
        bounds = np.unique(np.concatenate([[0], cuts + 1, [prof.n]]).clip(0, prof.n))
        self.bounds = [(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
        self.expected_total = float(cum[-1]) if cum.size else 0.0
        self.catalog = _catalog()
        self._next_event = 0

    def chunks(self) -> Iterator[pa.Table]:
        """Event tables, one per entity chunk, in a fixed order."""
        for i, (e0, e1) in enumerate(self.bounds):
            yield self._chunk(i, e0, e1)

    # ------------------------------------------------------------------ one chunk
    def _chunk(self, index: int, e0: int, e1: int) -> pa.Table:
        am, H = self.am, self.cal.horizon
        rng = phase_rng(self.seed, "events", index)
        r0 = np.searchsorted(am.entity, e0, side="left")
        r1 = np.searchsorted(am.entity, e1, side="left")
        rows = np.arange(r0, r1)[self.usable[r0:r1]]
        ent = am.entity[rows]
        pool = am.pool[rows]
        k = rng.binomial(pool, self.p_active[rows])
        lam = np.maximum(self.lam_base * self.intensity[rows] - 1.0, 0.0)
        n = k + rng.poisson(k * lam)
        total = int(n.sum())
        row_of = np.repeat(np.arange(rows.size), n)
        j = np.arange(total) - np.repeat(np.cumsum(n) - n, n)
        k_rep = np.repeat(k, n)
        # Each active user has one event; the rest go mostly to the first (power) users.
        extra_user = np.floor(rng.random(total) ** 2 * k_rep).astype(np.int64)
        local_user = np.where(j < k_rep, j, extra_user)
        e_rep = ent[row_of]
        shift = np.floor(am.month[rows] * self.turnover[ent]).astype(np.int64)
        user = self.user_base[e_rep] + (local_user + shift[row_of]) % pool[row_of]

        # Feature breadth and event names.
        h = am.health[rows]
        breadth = 1 + (rng.random((rows.size, len(_CORE) - 1)) < (h[:, None] ** 0.7)).sum(axis=1)
        cat_ = self.catalog
        u = rng.random(total)
        core_pick = np.floor(rng.random(total) * breadth[row_of]).astype(np.int64)
        core_feat = self.core_order[e_rep, core_pick]
        non_core_feat = cat_.non_core_lut[(rng.random(total) * LUT_SIZE).astype(np.int64)]
        feat = np.where(u < CORE_SHARE, core_feat, non_core_feat)
        name_idx = cat_.event_lut[feat, (rng.random(total) * LUT_SIZE).astype(np.int64)]

        # Timestamps inside the service window, business hours, mostly weekdays.
        lo, hi = am.lo[rows][row_of], am.hi[rows][row_of]
        t = lo + (rng.random(total) * (hi - lo)).astype(np.int64)
        day = t // DAY
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        move = rng.random(total) < 0.75
        day = day + np.where(move & (weekday == 5), -1, 0) + np.where(move & (weekday == 6), 1, 0)
        hour = (self.peak[e_rep] + rng.normal(0.0, 2.6, total)) % 24.0
        occurred = np.clip(day * DAY + (hour * HOUR).astype(np.int64), lo, hi - 1)
        lag = (120 + rng.exponential(1200.0, total)).astype(np.int64)
        late = rng.random(total) < LATE_SHARE
        lag = np.where(late, (rng.uniform(1.0, 4.0, total) ** 1.6 * DAY).astype(np.int64), lag)
        loaded = occurred + lag

        # Sort by account, then time (one int64 key: a single argsort is much cheaper).
        order = np.argsort((e_rep - e0) * (1 << 36) + (occurred - self.cal.t0), kind="stable")
        e_rep, user, name_idx = e_rep[order], user[order], name_idx[order]
        occurred, loaded = occurred[order], loaded[order]
        event_no = self._next_event + np.arange(total, dtype=np.int64)
        self._next_event += total
        # Loader effects: duplicates (same row, later _loaded_at) and rows not yet loaded.
        dup = np.flatnonzero(rng.random(total) < DUPLICATE_SHARE)
        dup_loaded = loaded[dup] + (rng.uniform(1.0, 72.0, dup.size) * HOUR).astype(np.int64)
        idx = np.concatenate([np.arange(total), dup])
        loaded_all = np.concatenate([loaded, dup_loaded])
        keep = loaded_all < H
        idx, loaded_all = idx[keep], loaded_all[keep]

        account = self.account_ids.take(pa.array(e_rep[idx]))
        users = prefixed_ids("usr_", user[idx], 8)
        if index == 0:
            account, users, idx, loaded_all, extra = self._with_sandbox(
                rng, account, users, idx, loaded_all
            )
        else:
            extra = None
        event_ids = prefixed_ids("evt_", event_no[idx], 10)
        names = cat_.names.take(pa.array(name_idx[idx]))
        occ = pa.array(occurred[idx] * US_PER_S, pa.timestamp("us"))
        if extra is not None:
            event_ids = pa.concat_arrays([event_ids, extra["event_id"]])
            names = pa.concat_arrays([names, extra["event_name"]])
            occ = pa.concat_arrays([occ, extra["occurred_at"]])
        return pa.Table.from_arrays(
            [
                event_ids,
                account,
                users,
                names,
                occ,
                pa.array(loaded_all * US_PER_S, pa.timestamp("us")),
            ],
            schema=contract_table("product", "events").schema,
        )

    def _with_sandbox(
        self,
        rng: np.random.Generator,
        account: pa.Array,
        users: pa.Array,
        idx: np.ndarray,
        loaded: np.ndarray,
    ) -> tuple[pa.Array, pa.Array, np.ndarray, np.ndarray, dict[str, pa.Array]]:
        """A few events of an internal test account the CRM does not know."""
        cal = self.cal
        n = 12 + int(rng.integers(0, 20))
        occurred = np.sort(rng.integers(cal.t0, max(cal.t0 + 1, cal.horizon - HOUR), n))
        loaded_sb = occurred + 600
        names = self.catalog.names.take(pa.array(rng.integers(0, len(self.catalog.names), n)))
        ids = prefixed_ids("evt_sandbox_", np.arange(n), 4)
        account = pa.concat_arrays([account, pa.array([SANDBOX_ACCOUNT] * n, pa.string())])
        users = pa.concat_arrays([users, pa.array(["usr_internal_qa"] * n, pa.string())])
        extra = {
            "event_id": ids,
            "event_name": names,
            "occurred_at": pa.array(occurred * US_PER_S, pa.timestamp("us")),
        }
        return account, users, idx, np.concatenate([loaded, loaded_sb]), extra


def write_events(
    plan: EventPlan, write: Callable[[pa.Table], None], progress: object | None = None
) -> int:
    """Generate every chunk and hand it to `write`; returns the number of rows written.

    Writing (compression, I/O; Arrow releases the GIL) runs in a second thread while the next
    chunk is generated, so two cores are used; at most two chunks are in memory at once.
    """
    rows = 0
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: Future | None = None
        for table in plan.chunks():
            if pending is not None:
                pending.result()
            pending = pool.submit(write, table)
            rows += table.num_rows
            if progress is not None:
                progress.update(table.num_rows)  # type: ignore[attr-defined]
        if pending is not None:
            pending.result()
    return rows
