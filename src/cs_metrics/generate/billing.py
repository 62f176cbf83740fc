"""Billing stories: customers, subscriptions, effective-dated items, invoices and opportunities.

Each entity's commercial life is simulated once, in order, from its acquisition to `end`:
trial (converts or not), first contract, seat growth, upgrades, downgrades at renewal, add-on
subscriptions that get cancelled, churn (voluntary at a period end, or involuntary after failed
payments), reactivation months later, pauses, scheduled cancellations and renewal contracts signed
before `end` that start after it. Invoices come from `invoicing`, the data model from `model`.

The simulation also records *signals* (expansion, contraction, churn …, with their month) that
the usage, support and NPS generators use so engagement leads the commercial outcome.
"""

from __future__ import annotations

import math

from cs_metrics.generate import catalog as cat
from cs_metrics.generate import profiles as pf
from cs_metrics.generate.invoicing import Invoicer
from cs_metrics.generate.model import (
    FAR_FUTURE,
    SIG_CHURN,
    SIG_CONTRACTION,
    SIG_EXPANSION,
    SIG_LATE_PAY,
    SIG_QUIET_CHURN,
    SIG_TRIAL_FAIL,
    BillingResult,
    Item,
    Sub,
    Version,
    account_id,
)
from cs_metrics.generate.rng import Stream
from cs_metrics.generate.rows import (
    CustomerRow,
    OpportunityRow,
    SeatVersion,
    ServiceSpan,
    Signal,
    SubscriptionItemRow,
    SubscriptionRow,
)
from cs_metrics.generate.timeutil import DAY, HOUR, Calendar

# Monthly churn hazard of month-to-month subscriptions, and churn probability at a term renewal.
CHURN_MONTHLY = {cat.SMB: 0.026, cat.MID: 0.013, cat.ENT: 0.006}
CHURN_RENEWAL = {cat.SMB: 0.22, cat.MID: 0.12, cat.ENT: 0.07}
INVOLUNTARY_MONTHLY = 0.004  # card payments that fail for good (SMB month-to-month)
EXPAND_MONTHLY = {cat.SMB: 0.018, cat.MID: 0.03, cat.ENT: 0.04}
CONTRACT_MONTHLY = {cat.SMB: 0.007, cat.MID: 0.008, cat.ENT: 0.004}
DOWNGRADE_AT_RENEWAL = 0.15
UPGRADE_MONTHLY = 0.015  # Starter -> Professional
ADDON_MONTHLY = 0.012  # mid-market / enterprise adopt the Analytics add-on
ADDON_ZERO_MONTHLY = 0.006  # Analytics seats dropped to zero (the item stays)
REACTIVATE = 0.15
RENEWAL_SIGNED_EARLY = 0.35
TRIAL_CONVERT = {cat.SMB: 0.62, cat.MID: 0.70, cat.ENT: 0.8}
TRIAL_DAYS = {cat.SMB: 14, cat.MID: 30, cat.ENT: 30}
SUPPORT_SUB = {cat.SMB: 0.0, cat.MID: 0.15, cat.ENT: 0.25}
SUPPORT_CANCEL_PER_RENEWAL = 0.3
SECOND_CUSTOMER = {cat.SMB: 0.0, cat.MID: 0.02, cat.ENT: 0.10}
ONE_TIME_FEE_USD = {cat.SMB: 0, cat.MID: 1_500, cat.ENT: 15_000}
USAGE_BILLED = {cat.SMB: 0.05, cat.MID: 0.12, cat.ENT: 0.15}


class BillingSimulator:
    """Simulates every entity's billing history (call `run`)."""

    def __init__(self, cal: Calendar, prof: pf.Profiles, stream: Stream, ae_ids: list[str]):
        self.cal = cal
        self.p = prof
        self.s = stream
        self.H = cal.horizon
        self.ae_ids = ae_ids
        self.out = BillingResult()
        self._n_sub = self._n_item = self._n_opp = 0
        self._subs: list[Sub] = []
        self.invoicer = Invoicer(cal, prof, stream, self.out)

    # ------------------------------------------------------------------ ids
    def _sub_id(self) -> str:
        self._n_sub += 1
        return f"sub_{self._n_sub:07d}"

    def _item_id(self) -> str:
        self._n_item += 1
        return f"si_{self._n_item:08d}"

    def _opp_id(self) -> str:
        self._n_opp += 1
        return f"opp_{self._n_opp:08d}"

    # ------------------------------------------------------------------ helpers
    def _rand_tod(self) -> int:
        return int(self.s.uniform(8.0, 19.0) * HOUR) + self.s.randint(0, 3599)

    def _anchor_ok(self, ts: int) -> int:
        """Keep billing anchors on days 1-28 (month arithmetic then agrees across engines)."""
        m = self.cal.month_of(ts)
        day = (ts - self.cal.month_start(m)) // DAY
        return ts - (day - 27) * DAY if day > 27 else ts

    def _new_customer(self, e: int, currency: int, created: int) -> int:
        """A billing customer (unmapped: no account id for entities outside the CRM)."""
        idx = len(self.out.customers)
        account = account_id(e) if e < self.p.n_crm else None
        self.out.customers.append(
            CustomerRow(f"cus_{idx + 1:07d}", account, cat.CURRENCIES[currency], created)
        )
        self.out.customer_entity.append(e)
        return idx

    def _price(self, plan: cat.Plan, factor: float) -> int:
        """A negotiated unit price: the list price times factor, rounded to whole major units."""
        step = cat.MINOR_PER_MAJOR[plan.currency]
        return max(step, round(plan.unit_minor * factor / step) * step)

    def _usd_arr_per_unit(self, product: str, interval: tuple[str, int]) -> float:
        plan = cat.plan_for(product, interval, cat.USD)
        return plan.unit_minor / 100.0 * 12.0 / plan.months

    # ------------------------------------------------------------------ run
    def run(self, progress: object | None = None) -> BillingResult:
        for e in range(self.p.n):
            if self.p.kind[e] == pf.PROSPECT:
                self._prospect(e)
            else:
                self._customer_entity(e)
            if progress is not None and (e & 1023) == 1023:
                progress.update(1024)  # type: ignore[attr-defined]
        if progress is not None:
            progress.update(self.p.n & 1023)  # type: ignore[attr-defined]
        return self.out

    # ------------------------------------------------------------------ prospects
    def _prospect(self, e: int) -> None:
        s, p = self.s, self.p
        if e >= p.n_crm or s.chance(0.3):
            return
        created = int(p.created[e]) + s.randint(1, 20) * DAY
        if created >= self.H:
            return
        age_days = (self.H - created) // DAY
        if age_days < 150 and s.chance(0.6):
            stage = s.pick(cat.OPPORTUNITY_OPEN_STAGES)
            close = created + s.randint(30, 150) * DAY
        else:
            stage = "closed_lost"
            close = min(created + s.randint(14, 120) * DAY, self.H - DAY)
        usd = s.lognormal(15_000 if p.segment[e] == cat.SMB else 60_000, 0.6)
        self._opp(e, "new_business", stage, usd, int(p.currency[e]), created, close)

    def _opp(
        self, e: int, kind: str, stage: str, usd: float, currency: int, created: int, close: int
    ) -> None:
        local = usd * cat.PRICE_FACTOR[currency] * cat.MINOR_PER_MAJOR[currency]
        self._opp_minor(e, kind, stage, local, currency, created, close)

    def _opp_minor(
        self, e: int, kind: str, stage: str, amount_minor: float, cur: int, created: int, close: int
    ) -> None:
        """An opportunity row; amount is the annual contract value in minor units."""
        owner = self.ae_ids[e % len(self.ae_ids)] if self.ae_ids else None
        amount = cat.scaled(round(amount_minor), cur)
        created = min(created, self.H - HOUR)
        self.out.opportunities.append(
            OpportunityRow(
                opportunity_id=self._opp_id(),
                account_id=account_id(e),
                opportunity_type=kind,
                stage=stage,
                amount=amount,
                currency=cat.CURRENCIES[cur],
                created_at=created,
                close_date=close,
                owner_id=owner,
            )
        )

    # ------------------------------------------------------------------ customers
    def _customer_entity(self, e: int) -> None:
        p, s, H = self.p, self.s, self.H
        seg = int(p.segment[e])
        cur = int(p.currency[e])
        interval, term, _ = pf.INTERVAL_OPTIONS[seg][int(p.interval_opt[e])]
        start = self._anchor_ok(int(p.acq[e]))
        cust = self._new_customer(e, cur, max(int(p.created[e]), min(start, H - HOUR) - DAY))
        first_index = len(self._subs)

        if p.has(e, pf.F_INCOMPLETE):
            self._incomplete(e, cust, cur, start)
            start = self._anchor_ok(start + 2 * DAY)

        main = self._open_main(e, cust, seg, cur, interval, term, start)
        churn_at = self._simulate(e, main, seg, allow_react=True)

        if main.trial_end is None or (main.ended is None or main.ended > main.trial_end):
            self._secondary_subs(e, cust, seg, cur, main, churn_at)

        # New-business opportunity for sales-led deals (self-serve SMB has none).
        if e < p.n_crm and main.started < FAR_FUTURE:
            converted = main.trial_end is None or main.ended is None or main.ended > main.trial_end
            sales_led = seg >= cat.MID or s.chance(0.3)
            if sales_led:
                created = max(int(p.created[e]), main.created - s.randint(7, 60) * DAY)
                created = min(created, main.created)
                arr = sum(it.versions[0].arr_minor() for it in main.items)
                stage = "closed_won" if converted else "closed_lost"
                close = max(created, min(main.created, H - HOUR))
                self._opp_minor(e, "new_business", stage, arr, cur, created, close)

        for sub in self._subs[first_index:]:
            self._emit_sub(sub)
        del self._subs[first_index:]

    def _incomplete(self, e: int, cust: int, cur: int, start: int) -> None:
        """A first attempt whose initial payment failed: it expires after 23 hours."""
        plan = cat.plan_for("starter", cat.MONTH1, cur)
        sub = Sub(self._sub_id(), e, cust, cur, start, start, start, 1, 1)
        sub.items.append(Item(self._item_id(), [Version(plan, 1, None, None, start)]))
        sub.ended = sub.canceled = start + 23 * HOUR
        sub.incomplete = True
        self._subs.append(sub)

    def _main_items(
        self, e: int, seg: int, cur: int, interval: tuple[str, int], ts: int, small: bool = False
    ) -> list[Item]:
        """The first contract's items, sized so the account starts inside its segment's band."""
        s, p = self.s, self.p
        items: list[Item] = []
        discount = None
        if seg == cat.ENT and s.chance(0.4):
            discount = s.pick((500, 1000, 1500, 2000, 2500))
        elif seg == cat.MID and s.chance(0.2):
            discount = s.pick((500, 1000, 1250))
        elif seg == cat.SMB and s.chance(0.08):
            discount = s.pick((1000, 2000, 5000))  # a coupon; removed a few months later
        disc_factor = 1.0 - (discount or 0) / 10_000.0

        if seg == cat.SMB:
            if small or p.has(e, pf.F_UPGRADE) or s.chance(0.35):
                plan = cat.plan_for("starter", interval, cur)
                items.append(Item(self._item_id(), [Version(plan, 1, None, discount, ts)]))
            else:
                plan = cat.plan_for("professional", interval, cur)
                per_seat = self._usd_arr_per_unit("professional", interval)
                cap = max(2, int(cat.ARR_CEILING[cat.SMB] / per_seat))
                seats = min(cap, max(2, round(s.lognormal(4.0, 0.5))))
                items.append(Item(self._item_id(), [Version(plan, seats, None, discount, ts)]))
            return items

        product = "professional" if seg == cat.MID else "enterprise"
        plan = cat.plan_for(product, interval, cur)
        factor = 1.0
        unit = None
        if (seg == cat.ENT and s.chance(0.6)) or (seg == cat.MID and s.chance(0.15)):
            factor = s.uniform(0.72, 0.95) if seg == cat.ENT else s.uniform(0.85, 0.95)
            unit = self._price(plan, factor)
        per_seat = self._usd_arr_per_unit(product, interval) * factor * disc_factor
        if seg == cat.MID:
            lo = math.ceil(cat.ARR_FLOOR[cat.MID] / per_seat)
            hi = max(lo, int(cat.ARR_CEILING[cat.MID] / per_seat))
            seats = min(hi, max(lo, round(s.lognormal(24.0, 0.45))))
        else:
            platform_arr = self._usd_arr_per_unit("platform", interval) * disc_factor
            lo = math.ceil(max(0.0, cat.ARR_FLOOR[cat.ENT] - platform_arr) / per_seat)
            seats = max(lo, round(s.lognormal(95.0, 0.45)))
        items.append(Item(self._item_id(), [Version(plan, seats, unit, discount, ts)]))
        if seg == cat.ENT:
            pplan = cat.plan_for("platform", interval, cur)
            items.append(Item(self._item_id(), [Version(pplan, 1, None, discount, ts)]))
        if s.chance(0.3) or p.has(e, pf.F_FREE_ADDON) or p.has(e, pf.F_ZERO_QTY):
            aplan = cat.plan_for("analytics", interval, cur)
            a_disc = 10_000 if (p.has(e, pf.F_FREE_ADDON) or s.chance(0.2)) else discount
            a_qty = max(1, int(seats * s.uniform(0.2, 0.7)))
            items.append(Item(self._item_id(), [Version(aplan, a_qty, None, a_disc, ts)]))
        if not p.has(e, pf.F_SUPPORT_SUB) and s.chance(0.2):
            splan = cat.plan_for("support", interval, cur)
            items.append(Item(self._item_id(), [Version(splan, 1, None, discount, ts)]))
        return items

    def _open_main(
        self,
        e: int,
        cust: int,
        seg: int,
        cur: int,
        interval: tuple[str, int],
        term: int,
        start: int,
    ) -> Sub:
        s, p, H = self.s, self.p, self.H
        period = cat.INTERVAL_MONTHS[interval[0]] * interval[1]
        created = start
        if p.has(e, pf.F_FUTURE_START):
            created = int(p.created[e]) + s.randint(1, 3) * DAY
            created = min(created, H - HOUR)
        elif seg >= cat.MID:
            created = max(int(p.created[e]), start - s.randint(1, 20) * DAY)
        sub = Sub(self._sub_id(), e, cust, cur, created, start, start, period, term)
        sub.items = self._main_items(e, seg, cur, interval, start)
        if p.has(e, pf.F_MISMATCH):
            # Deliberate data problem: a USD add-on on a non-USD customer's subscription.
            mplan = cat.plan_for("support", interval, cat.USD)
            sub.items.append(Item(self._item_id(), [Version(mplan, 1, None, None, start)]))
        if p.trial[e]:
            days = TRIAL_DAYS[seg]
            trial_end = self._anchor_ok(start + days * DAY)
            sub.trial_end = trial_end
            sub.anchor = trial_end
        fee_usd = ONE_TIME_FEE_USD[seg]
        if fee_usd and s.chance(0.6):
            sub.one_time_fee = int(fee_usd * cat.PRICE_FACTOR[cur]) * cat.MINOR_PER_MAJOR[cur]
        sub.usage_billed = period == 1 and (p.has(e, pf.F_USAGE) or s.chance(USAGE_BILLED[seg]))
        self._subs.append(sub)
        return sub

    # ------------------------------------------------------------------ the main line
    def _hazards(self, e: int, seg: int) -> tuple[float, float]:
        risk = float(self.p.risk[e])
        return CHURN_MONTHLY[seg] * risk, CHURN_RENEWAL[seg] * min(risk, 3.0)

    def _signal(self, e: int, ts: int, kind: int) -> None:
        self.out.signals.append(Signal(e, self.cal.month_of(ts), kind))

    def _simulate(self, e: int, sub: Sub, seg: int, allow_react: bool) -> int | None:
        """Run one subscription from its start to `end`; returns the churn instant (or None).

        The first line of an account follows its forced scenarios; a reactivated line
        (`allow_react` false) behaves naturally.
        """
        s, p, H, cal = self.s, self.p, self.H, self.cal
        if sub.started >= H:
            return None  # signed, not started yet
        no_churn = p.has(e, pf.F_NO_CHURN)
        if sub.trial_end is not None:
            convert = TRIAL_CONVERT[seg] * (1.15 - 0.3 * min(float(p.risk[e]), 2.0))
            if p.has(e, pf.F_TRIAL_FAIL):
                convert = 0.0
            if p.has(e, pf.F_TRIAL_CONVERT) or no_churn:
                convert = 1.0
            if sub.trial_end >= H:
                return None  # still trialing at `end`
            if not s.chance(convert):
                sub.ended = sub.trial_end
                sub.canceled = sub.trial_end - s.randint(0, 4) * DAY - s.randint(0, 20) * HOUR
                sub.canceled = max(sub.canceled, sub.started + HOUR)
                self._signal(e, sub.trial_end, SIG_TRIAL_FAIL)
                return sub.trial_end

        monthly_h, renewal_h = self._hazards(e, seg)
        growth = float(p.growth[e])
        exp_rate = EXPAND_MONTHLY[seg] * growth / max(0.5, min(float(p.risk[e]), 2.0))
        main = sub.items[0]
        period, term = sub.period, sub.term
        first = allow_react
        forced_churn_k = None
        if first and (
            p.has(e, pf.F_REACTIVATE) or p.has(e, pf.F_EARLY_CHURN) or p.has(e, pf.F_INVOLUNTARY)
        ):
            forced_churn_k = s.randint(3, 6)
        pause_k = s.randint(3, 6) if first and p.has(e, pf.F_PAUSE) else None
        pause_at_end = first and p.has(e, pf.F_PAUSE_END)
        upgrade_k = s.randint(2, 8) if first and p.has(e, pf.F_UPGRADE) else None
        zero_k = s.randint(2, 6) if first and p.has(e, pf.F_ZERO_QTY) else None
        resume_at: int | None = None
        paused_qty = 1
        coupon_end = s.randint(2, 5) if (seg == cat.SMB and main.versions[0].bp) else None
        k = 0
        q = sub.anchor
        while True:
            p_start = q
            q = cal.add_months(sub.anchor, (k + 1) * period)
            # Mid-period growth on quarterly and longer periods (prorated on the invoice).
            if period >= 3:
                n_exp = s.poisson(exp_rate * period)
                inner = q - p_start - 2 * DAY  # changes fall at least a day inside the period
                times = sorted(p_start + DAY + int(s.u() * inner) for _ in range(n_exp))
                for t in times:
                    if t >= H:
                        break
                    self._expand(e, sub, t, seg)
                if seg >= cat.MID and s.chance(ADDON_MONTHLY * period):
                    t = p_start + DAY + int(s.u() * (q - p_start - 2 * DAY))
                    if t < H:
                        self._add_analytics(e, sub, t)
            is_renewal = ((k + 1) * period) % term == 0
            if q >= H:
                self._at_horizon(e, sub, seg, q, p_start, is_renewal, monthly_h, renewal_h)
                return None
            # ---- boundary q (in the past)
            if (term == 1 and not no_churn and s.chance(INVOLUNTARY_MONTHLY)) or (
                first and p.has(e, pf.F_INVOLUNTARY) and forced_churn_k == k + 1
            ):
                sub.involuntary = True
                end_at = q + s.randint(14, 24) * DAY
                self._signal(e, q, SIG_LATE_PAY)
                if end_at < H:
                    self._end_line(e, sub, end_at, end_at, None, signalled=False)
                    return self._maybe_reactivate(e, sub, seg, end_at, allow_react)
                return None
            churn_p = monthly_h if term == 1 else (renewal_h if is_renewal else 0.0)
            if forced_churn_k is not None:
                churn_p = 1.0 if (k + 1) >= forced_churn_k and is_renewal else 0.0
            if no_churn:
                churn_p = 0.0
            if churn_p and s.chance(churn_p):
                notice = s.randint(1, 25) if term == 1 else s.randint(20, 80)
                canceled = max(sub.started + HOUR, q - notice * DAY - self._rand_tod())
                signalled = s.chance(0.85)  # some leave without warning (budget, M&A)
                self._end_line(e, sub, q, canceled, q, signalled=signalled)
                return self._maybe_reactivate(e, sub, seg, q, allow_react)
            if resume_at is not None and q >= resume_at:
                main.change(q, qty=paused_qty)
                sub.paused = False
                resume_at = None
            elif (pause_k is not None and k + 1 == pause_k) or (
                pause_at_end and q >= H - 50 * DAY and not sub.paused
            ):
                paused_qty = max(1, main.versions[-1].qty)
                main.change(q, qty=0)
                sub.paused = True
                resume_at = cal.add_months(q, s.randint(2, 3))
                pause_k = None
            elif is_renewal and term > 1:
                if s.chance(DOWNGRADE_AT_RENEWAL) or p.has(e, pf.F_DOWNGRADE):
                    self._downgrade(e, sub, q, seg)
                    p.flags[e] &= ~pf.F_DOWNGRADE
                self._renewal_opp(e, sub, q, won=True)
            elif period == 1:
                on_starter = main.versions[-1].plan.product == cat.PRODUCT_INDEX["starter"]
                if (upgrade_k is not None and k + 1 == upgrade_k) or (
                    on_starter and s.chance(UPGRADE_MONTHLY * growth)
                ):
                    self._upgrade(e, sub, q)
                elif s.chance(exp_rate):
                    self._expand(e, sub, q, seg)
                elif s.chance(CONTRACT_MONTHLY[seg] * float(p.risk[e])):
                    self._contract(e, sub, q)
                elif seg >= cat.MID and s.chance(ADDON_MONTHLY):
                    self._add_analytics(e, sub, q)
                if zero_k is not None and k + 1 >= zero_k:
                    zero_k = None if self._zero_addon(e, sub, q) else zero_k
                elif seg >= cat.MID and s.chance(ADDON_ZERO_MONTHLY):
                    self._zero_addon(e, sub, q)
            if period >= 3 and zero_k is not None and k + 1 >= zero_k // period:
                zero_k = None if self._zero_addon(e, sub, q) else zero_k
            if coupon_end is not None and k + 1 == coupon_end:
                main.change(q, bp=None)
                coupon_end = None
            k += 1

    def _at_horizon(
        self,
        e: int,
        sub: Sub,
        seg: int,
        q: int,
        p_start: int,
        is_renewal: bool,
        monthly_h: float,
        renewal_h: float,
    ) -> None:
        """The first period boundary after `end`: a cancellation or renewal may be scheduled."""
        s, p, H = self.s, self.p, self.H
        if sub.paused:
            return
        if is_renewal and sub.term >= 12:
            signed = RENEWAL_SIGNED_EARLY if seg == cat.ENT else 0.0
            if p.has(e, pf.F_RENEWAL_SIGNED):
                signed = 1.0
            if q - H <= 120 * DAY and s.chance(signed):
                self._renewal_contract(e, sub, q)
                return
            if q - H <= 120 * DAY:
                self._renewal_opp(e, sub, q, won=None)
        churn_p = monthly_h if sub.term == 1 else (renewal_h if is_renewal else 0.0)
        if p.has(e, pf.F_SCHEDULED_CANCEL):
            churn_p = 1.0
        if p.has(e, pf.F_NO_CHURN) and not p.has(e, pf.F_SCHEDULED_CANCEL):
            churn_p = 0.0
        if not churn_p or not s.chance(churn_p):
            return
        notice = s.randint(1, 25) if sub.term == 1 else s.randint(20, 80)
        canceled = q - notice * DAY - self._rand_tod()
        if p.has(e, pf.F_SCHEDULED_CANCEL):
            canceled = min(canceled, H - DAY)
        if canceled >= H or canceled <= p_start:
            return
        sub.canceled, sub.cancel_at = canceled, q
        if s.chance(0.25):
            sub.ended = q  # some billing systems record the scheduled end as ended_at
        self._signal(e, q, SIG_CHURN)

    def _end_line(
        self, e: int, sub: Sub, ended: int, canceled: int, cancel_at: int | None, signalled: bool
    ) -> None:
        """End the subscription (and the account's other live subscriptions with it)."""
        for other in self._subs:
            if other.entity != e or other.ended is not None or other.started >= ended:
                continue
            other.ended = ended
            other.canceled = canceled
            other.cancel_at = cancel_at
        self._signal(e, ended, SIG_CHURN if signalled else SIG_QUIET_CHURN)
        if sub.term >= 12 and cancel_at is not None:
            self._renewal_opp(e, sub, ended, won=False)

    def _maybe_reactivate(
        self, e: int, sub: Sub, seg: int, churn_at: int, allow: bool
    ) -> int | None:
        s, p, cal, H = self.s, self.p, self.cal, self.H
        if not allow:
            return churn_at
        if not (p.has(e, pf.F_REACTIVATE) or s.chance(REACTIVATE)):
            return churn_at
        gap = s.randint(2, 9) if not p.has(e, pf.F_REACTIVATE) else s.randint(2, 4)
        m = cal.month_of(churn_at) + gap
        start = cal.month_start(m) + s.randint(0, 27) * DAY + self._rand_tod()
        if start >= H - 20 * DAY:
            return churn_at
        small_seg = cat.SMB if seg == cat.SMB else cat.MID
        new = Sub(
            self._sub_id(),
            e,
            sub.cust,
            sub.currency,
            start - s.randint(0, 3) * DAY,
            start,
            start,
            1,
            1,
        )
        new.items = self._main_items(e, small_seg, sub.currency, cat.MONTH1, start, small=True)
        self._subs.append(new)
        if e < p.n_crm:
            arr = sum(it.versions[0].arr_minor() for it in new.items)
            self._opp_minor(
                e,
                "new_business",
                "closed_won",
                arr,
                sub.currency,
                start - s.randint(3, 30) * DAY,
                start,
            )
        self._simulate(e, new, small_seg, allow_react=False)
        return churn_at

    # ------------------------------------------------------------------ movements
    def _seat_item(self, sub: Sub) -> Item | None:
        for it in sub.items:
            if cat.PRODUCTS[it.versions[-1].plan.product].per_seat and it.end is None:
                return it
        return None

    def _expand(self, e: int, sub: Sub, ts: int, seg: int) -> None:
        item = self._seat_item(sub)
        if item is None:
            return
        v = item.versions[-1]
        if v.qty == 0:
            return
        before = v.arr_minor()
        add = max(1, round(v.qty * self.s.uniform(0.08, 0.4)))
        new = item.change(ts, qty=min(v.qty + add, 5000))
        self._signal(e, ts, SIG_EXPANSION)
        if seg >= cat.MID and e < self.p.n_crm:
            delta = new.arr_minor() - before
            created = max(sub.started, ts - self.s.randint(10, 60) * DAY)
            self._opp_minor(e, "expansion", "closed_won", delta, sub.currency, created, ts)
            if self.s.chance(0.3):
                self._opp_minor(
                    e,
                    "expansion",
                    "closed_lost",
                    delta * 1.5,
                    sub.currency,
                    max(sub.started, created - 40 * DAY),
                    max(sub.started, ts - 30 * DAY),
                )

    def _contract(self, e: int, sub: Sub, ts: int) -> None:
        item = self._seat_item(sub)
        if item is None or item.versions[-1].qty <= 1:
            return
        v = item.versions[-1]
        cut = max(1, round(v.qty * self.s.uniform(0.1, 0.35)))
        item.change(ts, qty=max(1, v.qty - cut))
        self._signal(e, ts, SIG_CONTRACTION)

    def _downgrade(self, e: int, sub: Sub, ts: int, seg: int) -> None:
        """At a renewal: fewer seats, a cheaper plan, or an add-on dropped."""
        s = self.s
        main = sub.items[0]
        v = main.versions[-1]
        product = cat.PRODUCTS[v.plan.product].code
        roll = s.u()
        if product == "professional" and seg == cat.SMB and v.qty <= 5 and roll < 0.4:
            plan = cat.plan_for(
                "starter", (v.plan.interval, v.plan.interval_count), v.plan.currency
            )
            main.change(ts, plan=plan, qty=1, unit=None)
        elif roll < 0.75 or len(sub.items) == 1:
            if v.qty <= 1:
                return
            main.change(ts, qty=max(1, v.qty - max(1, int(v.qty * s.uniform(0.1, 0.4)))))
        else:
            dropped = sub.items[-1]
            if dropped.end is None and dropped.versions[-1].vf < ts:
                dropped.end = ts
        self._signal(e, ts, SIG_CONTRACTION)

    def _upgrade(self, e: int, sub: Sub, ts: int) -> None:
        """Starter (flat) to Professional (per seat): a plan change on the same item."""
        main = sub.items[0]
        v = main.versions[-1]
        if cat.PRODUCTS[v.plan.product].code != "starter" or v.qty == 0:
            return
        plan = cat.plan_for(
            "professional", (v.plan.interval, v.plan.interval_count), v.plan.currency
        )
        main.change(ts, plan=plan, qty=self.s.randint(3, 8), unit=None)
        self._signal(e, ts, SIG_EXPANSION)

    def _add_analytics(self, e: int, sub: Sub, ts: int) -> None:
        for it in sub.items:
            if cat.PRODUCTS[it.versions[-1].plan.product].code == "analytics":
                return
        seats = self._seat_item(sub)
        if seats is None or seats.versions[-1].qty == 0:
            return
        v = seats.versions[-1]
        plan = cat.plan_for("analytics", (v.plan.interval, v.plan.interval_count), v.plan.currency)
        qty = max(1, int(v.qty * self.s.uniform(0.2, 0.6)))
        sub.items.append(Item(self._item_id(), [Version(plan, qty, None, v.bp, ts)]))
        self._signal(e, ts, SIG_EXPANSION)

    def _zero_addon(self, e: int, sub: Sub, ts: int) -> bool:
        """Analytics seats go to zero in a new version (the item itself stays)."""
        for it in sub.items:
            v = it.versions[-1]
            if cat.PRODUCTS[v.plan.product].code == "analytics" and v.qty > 0 and it.end is None:
                if v.vf >= ts:
                    return False
                it.change(ts, qty=0)
                if (v.bp or 0) < 10_000:
                    self._signal(e, ts, SIG_CONTRACTION)
                return True
        return False

    # ------------------------------------------------------------------ other subscriptions
    def _secondary_subs(
        self, e: int, cust: int, seg: int, cur: int, main: Sub, churn_at: int | None
    ) -> None:
        s, p, H, cal = self.s, self.p, self.H, self.cal
        if main.started >= H:
            return
        line_end = churn_at if churn_at is not None else FAR_FUTURE
        base = main.anchor
        # Premium Support as its own subscription; sometimes cancelled on its own later.
        if p.has(e, pf.F_SUPPORT_SUB) or (seg >= cat.MID and s.chance(SUPPORT_SUB[seg])):
            start = base if s.chance(0.6) else cal.add_months(base, s.randint(1, 8))
            if start < min(H, line_end):
                first_plan = main.items[0].versions[0].plan
                interval = (first_plan.interval, first_plan.interval_count)
                forced = p.has(e, pf.F_PARTIAL_CANCEL)
                if interval == cat.QUARTER1 or forced:
                    interval = cat.MONTH1
                plan = cat.plan_for("support", interval, cur)
                period = plan.months
                term = period if (main.term == 1 or forced) else max(main.term, period)
                sub = Sub(self._sub_id(), e, cust, cur, start, start, start, period, term)
                sub.items.append(Item(self._item_id(), [Version(plan, 1, None, None, start)]))
                self._subs.append(sub)
                cancel_p = SUPPORT_CANCEL_PER_RENEWAL if term >= 12 else 0.03
                cancel_k = s.randint(3, 8) if forced else None
                k = 1
                while True:
                    b = cal.add_months(start, k * term)
                    if b >= min(H, line_end):
                        break
                    if (cancel_k is None and s.chance(cancel_p)) or cancel_k == k:
                        sub.canceled = b - s.randint(5, 40) * DAY
                        sub.cancel_at = sub.ended = b
                        self._signal(e, b, SIG_CONTRACTION)
                        break
                    k += 1
                if line_end < FAR_FUTURE and sub.ended is None:
                    sub.ended = line_end
                    sub.canceled = line_end - s.randint(5, 30) * DAY
        # A second billing entity (another currency) for a subsidiary of a large account.
        if p.has(e, pf.F_SECOND_CUSTOMER) or s.chance(SECOND_CUSTOMER[seg]):
            other = cat.EUR if cur != cat.EUR else cat.GBP
            start = self._anchor_ok(cal.add_months(base, s.randint(1, 10)) + s.randint(0, 9) * DAY)
            if start < min(H, line_end):
                cust2 = self._new_customer(e, other, start - s.randint(1, 10) * DAY)
                interval = cat.YEAR1 if s.chance(0.6) else cat.MONTH1
                plan = cat.plan_for("professional", interval, other)
                seats = max(5, int(s.lognormal(20, 0.5)))
                sub = Sub(
                    self._sub_id(),
                    e,
                    cust2,
                    other,
                    start,
                    start,
                    start,
                    plan.months,
                    12 if interval == cat.YEAR1 else 1,
                )
                sub.items.append(Item(self._item_id(), [Version(plan, seats, None, None, start)]))
                self._subs.append(sub)
                if line_end < FAR_FUTURE:
                    sub.ended = line_end
                    sub.canceled = line_end - s.randint(5, 30) * DAY

    def _renewal_contract(self, e: int, old: Sub, at: int) -> None:
        """A renewal signed before `end` as a new subscription starting when the old term ends."""
        s, H = self.s, self.H
        signed = H - s.randint(2, 45) * DAY - self._rand_tod()
        signed = max(signed, old.started + DAY)
        old.canceled, old.cancel_at = signed, at
        new = Sub(self._sub_id(), e, old.cust, old.currency, signed, at, at, old.period, old.term)
        grow = s.uniform(1.0, 1.25)
        for it in old.items:
            v = it.versions[-1]
            if it.end is not None:
                continue
            qty = v.qty if not cat.PRODUCTS[v.plan.product].per_seat else max(1, int(v.qty * grow))
            new.items.append(Item(self._item_id(), [Version(v.plan, qty, v.unit, v.bp, at)]))
        self._subs.append(new)
        arr = sum(it.versions[0].arr_minor() for it in new.items)
        if e < self.p.n_crm:
            self._opp_minor(e, "renewal", "closed_won", arr, old.currency, at - 90 * DAY, signed)

    def _renewal_opp(self, e: int, sub: Sub, at: int, won: bool | None) -> None:
        if e >= self.p.n_crm:
            return
        s, H = self.s, self.H
        arr = sum(v.arr_minor() for it in sub.items if (v := it.at(at - 1)) is not None)
        created = max(sub.started, at - s.randint(60, 100) * DAY)
        if created >= H:
            return
        if won is None:
            days_left = (at - H) // DAY
            stage = (
                "negotiation"
                if days_left < 30
                else ("proposal" if days_left < 75 else "qualification")
            )
            close = at
        else:
            stage = "closed_won" if won else "closed_lost"
            close = min(at - s.randint(0, 25) * DAY, H - HOUR)
            close = max(close, created)
        self._opp_minor(e, "renewal", stage, arr, sub.currency, created, close)

    # ------------------------------------------------------------------ rows
    def _emit_sub(self, sub: Sub) -> None:
        out, H = self.out, self.H
        service_end = sub.ended if (sub.ended is not None and sub.ended < H) else None
        out.services.append(ServiceSpan(sub.entity, sub.started, service_end, sub.trial_end))
        for it in sub.items:
            end = it.end if it.end is not None else service_end
            for i, v in enumerate(it.versions):
                vt = it.versions[i + 1].vf if i + 1 < len(it.versions) else end
                unit = None if v.unit is None else cat.scaled(v.unit, v.plan.currency)
                discount = None if v.bp is None else v.bp * cat.BP_TO_SCALED
                out.items.append(
                    SubscriptionItemRow(
                        subscription_item_id=it.item_id,
                        subscription_id=sub.sub_id,
                        plan_id=v.plan.plan_id,
                        quantity=v.qty,
                        unit_amount=unit,
                        discount_percent=discount,
                        valid_from=v.vf,
                        valid_to=vt,
                    )
                )
                per_seat = cat.PRODUCTS[v.plan.product].per_seat
                flat_cap = (
                    cat.STARTER_USER_CAP
                    if (v.qty > 0 and cat.PRODUCTS[v.plan.product].code == "starter")
                    else 0
                )
                out.seat_versions.append(
                    SeatVersion(
                        entity=sub.entity,
                        valid_from=v.vf,
                        valid_to=vt,
                        service_end=service_end,
                        seats=v.qty if per_seat else 0,
                        flat_cap=flat_cap,
                    )
                )
        overdue = self.invoicer.invoice_subscription(sub)
        status = self._status(sub, overdue)
        out.subscriptions.append(
            SubscriptionRow(
                subscription_id=sub.sub_id,
                customer_id=out.customers[sub.cust].customer_id,
                status=status,
                created_at=sub.created,
                started_at=sub.started,
                trial_end_at=sub.trial_end,
                term_months=sub.term,
                canceled_at=sub.canceled,
                cancel_at=sub.cancel_at,
                ended_at=sub.ended,
            )
        )

    def _status(self, sub: Sub, overdue: bool) -> str:
        """The subscription's current status at `end` (Stripe's vocabulary)."""
        H = self.H
        if sub.incomplete:
            return "incomplete"
        if sub.ended is not None and sub.ended < H:
            return "canceled"
        if sub.trial_end is not None and sub.trial_end >= H and sub.started < H:
            return "trialing"
        if sub.paused:
            return "paused"
        if sub.involuntary or (overdue and sub.started < H):
            return "past_due"
        return "active"

    def standalone_invoices(self, stream: Stream) -> None:
        """Professional-services invoices with no subscription (after `run`)."""
        self.invoicer.standalone_invoices(stream)
