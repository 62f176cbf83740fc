"""Subscriptions: each billing entity's commercial life, from acquisition to `end`.

The main line of an account starts with an optional trial (converts or not) and a first
contract, then runs period by period: seat growth and contraction, Starter to Professional
upgrades, the Analytics add-on adopted or dropped, downgrades at renewal, pauses, churn
(voluntary at a period end after a notice, or involuntary after failed payments) and, for some
churned accounts, a reactivation months later. At the first period boundary after `end` a
cancellation may be scheduled or a renewal contract may already be signed (a new subscription
that starts later). Next to the main line: a failed first attempt (incomplete), Premium Support
sold as its own subscription and a subsidiary's subscription under a second billing customer.

What changes on the items is done by `subscription_items`, the deals by `opportunities`, the
invoices by `invoices`; this module decides *when* things happen and writes the
`subscriptions` rows (status at `end`) and the service spans.
"""

from __future__ import annotations

from cs_metrics.generate import catalog as cat
from cs_metrics.generate import profiles as pf
from cs_metrics.generate.billing_context import BillingContext
from cs_metrics.generate.invoices import Invoicer
from cs_metrics.generate.model import (
    FAR_FUTURE,
    SIG_CHURN,
    SIG_CONTRACTION,
    SIG_LATE_PAY,
    SIG_QUIET_CHURN,
    SIG_TRIAL_FAIL,
    Sub,
)
from cs_metrics.generate.opportunities import OpportunityBook
from cs_metrics.generate.rows import ServiceSpan, SubscriptionRow
from cs_metrics.generate.subscription_items import SubscriptionItems
from cs_metrics.generate.timeutil import DAY, HOUR

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


class SubscriptionSimulator:
    """Simulates one entity's subscriptions at a time (`subs`), then writes them (`emit_all`)."""

    def __init__(
        self,
        ctx: BillingContext,
        items: SubscriptionItems,
        opps: OpportunityBook,
        invoicer: Invoicer,
    ):
        self.ctx = ctx
        self.cal, self.p, self.s, self.H = ctx.cal, ctx.p, ctx.s, ctx.H  # shortcuts
        self.items = items
        self.opps = opps
        self.invoicer = invoicer
        self.subs: list[Sub] = []  # the current entity's subscriptions, in creation order
        self._n_sub = 0

    def _sub_id(self) -> str:
        self._n_sub += 1
        return f"sub_{self._n_sub:07d}"

    # ------------------------------------------------------------------ opening
    def incomplete(self, e: int, cust: int, cur: int, start: int) -> None:
        """A first attempt whose initial payment failed: it expires after 23 hours."""
        plan = cat.plan_for("starter", cat.MONTH1, cur)
        sub = Sub(self._sub_id(), e, cust, cur, start, start, start, 1, 1)
        sub.items.append(self.items.new(plan, 1, None, None, start))
        sub.ended = sub.canceled = start + 23 * HOUR
        sub.incomplete = True
        self.subs.append(sub)

    def open_main(
        self,
        e: int,
        cust: int,
        seg: int,
        cur: int,
        interval: tuple[str, int],
        term: int,
        start: int,
    ) -> Sub:
        """The account's first paid line (after its trial, if any) starting at `start`.

        Sales-led deals are created (signed) some days before they start; a few are signed
        but start after `end`. Some carry a one-time onboarding fee or usage billing.
        """
        s, p, H = self.s, self.p, self.H
        period = cat.INTERVAL_MONTHS[interval[0]] * interval[1]
        created = start
        if p.has(e, pf.F_FUTURE_START):
            created = int(p.created[e]) + s.randint(1, 3) * DAY
            created = min(created, H - HOUR)
        elif seg >= cat.MID:
            created = max(int(p.created[e]), start - s.randint(1, 20) * DAY)
        sub = Sub(self._sub_id(), e, cust, cur, created, start, start, period, term)
        sub.items = self.items.first_contract(e, seg, cur, interval, start)
        if p.has(e, pf.F_MISMATCH):
            # Deliberate data problem: a USD add-on on a non-USD customer's subscription.
            mplan = cat.plan_for("support", interval, cat.USD)
            sub.items.append(self.items.new(mplan, 1, None, None, start))
        if p.trial[e]:
            days = TRIAL_DAYS[seg]
            trial_end = self.ctx.anchor_ok(start + days * DAY)
            sub.trial_end = trial_end
            sub.anchor = trial_end
        fee_usd = ONE_TIME_FEE_USD[seg]
        if fee_usd and s.chance(0.6):
            sub.one_time_fee = int(fee_usd * cat.PRICE_FACTOR[cur]) * cat.MINOR_PER_MAJOR[cur]
        sub.usage_billed = period == 1 and (p.has(e, pf.F_USAGE) or s.chance(USAGE_BILLED[seg]))
        self.subs.append(sub)
        return sub

    def secondary(
        self, e: int, cust: int, seg: int, cur: int, main: Sub, churn_at: int | None
    ) -> None:
        """Subscriptions next to the main line, ending with it (at churn_at, if any).

        Premium Support sold as its own subscription, and a subsidiary's subscription under a
        second billing customer in another currency.
        """
        if main.started >= self.H:
            return
        line_end = churn_at if churn_at is not None else FAR_FUTURE
        self._support_sub(e, cust, seg, cur, main, line_end)
        self._second_customer(e, seg, cur, main, line_end)

    def _support_sub(self, e: int, cust: int, seg: int, cur: int, main: Sub, line_end: int) -> None:
        """Premium Support as its own subscription; sometimes cancelled on its own later."""
        s, p, H, cal = self.s, self.p, self.H, self.cal
        base = main.anchor
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
                sub.items.append(self.items.new(plan, 1, None, None, start))
                self.subs.append(sub)
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
                        self.ctx.signal(e, b, SIG_CONTRACTION)
                        break
                    k += 1
                if line_end < FAR_FUTURE and sub.ended is None:
                    sub.ended = line_end
                    sub.canceled = line_end - s.randint(5, 30) * DAY

    def _second_customer(self, e: int, seg: int, cur: int, main: Sub, line_end: int) -> None:
        """A second billing entity (another currency) for a subsidiary of a large account."""
        s, p, H, cal = self.s, self.p, self.H, self.cal
        base = main.anchor
        if p.has(e, pf.F_SECOND_CUSTOMER) or s.chance(SECOND_CUSTOMER[seg]):
            other = cat.EUR if cur != cat.EUR else cat.GBP
            start = self.ctx.anchor_ok(
                cal.add_months(base, s.randint(1, 10)) + s.randint(0, 9) * DAY
            )
            if start < min(H, line_end):
                cust2 = self.ctx.new_customer(e, other, start - s.randint(1, 10) * DAY)
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
                sub.items.append(self.items.new(plan, seats, None, None, start))
                self.subs.append(sub)
                if line_end < FAR_FUTURE:
                    sub.ended = line_end
                    sub.canceled = line_end - s.randint(5, 30) * DAY

    # ------------------------------------------------------------------ the main line
    def _hazards(self, e: int, seg: int) -> tuple[float, float]:
        """Monthly churn hazard and churn probability at a term renewal, scaled by risk."""
        risk = float(self.p.risk[e])
        return CHURN_MONTHLY[seg] * risk, CHURN_RENEWAL[seg] * min(risk, 3.0)

    def simulate(self, e: int, sub: Sub, seg: int, allow_react: bool) -> int | None:
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
                self.ctx.signal(e, sub.trial_end, SIG_TRIAL_FAIL)
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
                        self.items.add_analytics(e, sub, t)
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
                self.ctx.signal(e, q, SIG_LATE_PAY)
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
                canceled = max(sub.started + HOUR, q - notice * DAY - self.ctx.rand_tod())
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
                    self.items.downgrade(e, sub, q, seg)
                    p.flags[e] &= ~pf.F_DOWNGRADE
                self.opps.renewal(e, sub, q, won=True)
            elif period == 1:
                on_starter = main.versions[-1].plan.product == cat.PRODUCT_INDEX["starter"]
                if (upgrade_k is not None and k + 1 == upgrade_k) or (
                    on_starter and s.chance(UPGRADE_MONTHLY * growth)
                ):
                    self.items.upgrade(e, sub, q)
                elif s.chance(exp_rate):
                    self._expand(e, sub, q, seg)
                elif s.chance(CONTRACT_MONTHLY[seg] * float(p.risk[e])):
                    self.items.contract(e, sub, q)
                elif seg >= cat.MID and s.chance(ADDON_MONTHLY):
                    self.items.add_analytics(e, sub, q)
                if zero_k is not None and k + 1 >= zero_k:
                    zero_k = None if self.items.zero_addon(e, sub, q) else zero_k
                elif seg >= cat.MID and s.chance(ADDON_ZERO_MONTHLY):
                    self.items.zero_addon(e, sub, q)
            if period >= 3 and zero_k is not None and k + 1 >= zero_k // period:
                zero_k = None if self.items.zero_addon(e, sub, q) else zero_k
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
                self.opps.renewal(e, sub, q, won=None)
        churn_p = monthly_h if sub.term == 1 else (renewal_h if is_renewal else 0.0)
        if p.has(e, pf.F_SCHEDULED_CANCEL):
            churn_p = 1.0
        if p.has(e, pf.F_NO_CHURN) and not p.has(e, pf.F_SCHEDULED_CANCEL):
            churn_p = 0.0
        if not churn_p or not s.chance(churn_p):
            return
        notice = s.randint(1, 25) if sub.term == 1 else s.randint(20, 80)
        canceled = q - notice * DAY - self.ctx.rand_tod()
        if p.has(e, pf.F_SCHEDULED_CANCEL):
            canceled = min(canceled, H - DAY)
        if canceled >= H or canceled <= p_start:
            return
        sub.canceled, sub.cancel_at = canceled, q
        if s.chance(0.25):
            sub.ended = q  # some billing systems record the scheduled end as ended_at
        self.ctx.signal(e, q, SIG_CHURN)

    def _end_line(
        self, e: int, sub: Sub, ended: int, canceled: int, cancel_at: int | None, signalled: bool
    ) -> None:
        """End the subscription (and the account's other live subscriptions with it)."""
        for other in self.subs:
            if other.entity != e or other.ended is not None or other.started >= ended:
                continue
            other.ended = ended
            other.canceled = canceled
            other.cancel_at = cancel_at
        self.ctx.signal(e, ended, SIG_CHURN if signalled else SIG_QUIET_CHURN)
        if sub.term >= 12 and cancel_at is not None:
            self.opps.renewal(e, sub, ended, won=False)

    def _maybe_reactivate(
        self, e: int, sub: Sub, seg: int, churn_at: int, allow: bool
    ) -> int | None:
        """After a churn at churn_at: some accounts come back months later, starting small.

        The new line is simulated naturally (no forced scenarios, no second comeback).
        Returns churn_at, the first line's churn instant.
        """
        s, p, cal, H = self.s, self.p, self.cal, self.H
        if not allow:
            return churn_at
        if not (p.has(e, pf.F_REACTIVATE) or s.chance(REACTIVATE)):
            return churn_at
        gap = s.randint(2, 9) if not p.has(e, pf.F_REACTIVATE) else s.randint(2, 4)
        m = cal.month_of(churn_at) + gap
        start = cal.month_start(m) + s.randint(0, 27) * DAY + self.ctx.rand_tod()
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
        new.items = self.items.first_contract(
            e, small_seg, sub.currency, cat.MONTH1, start, small=True
        )
        self.subs.append(new)
        self.opps.won_back(e, new, start)
        self.simulate(e, new, small_seg, allow_react=False)
        return churn_at

    def _renewal_contract(self, e: int, old: Sub, at: int) -> None:
        """A renewal signed before `end` as a new subscription starting when the old term ends."""
        s, H = self.s, self.H
        signed = H - s.randint(2, 45) * DAY - self.ctx.rand_tod()
        signed = max(signed, old.started + DAY)
        old.canceled, old.cancel_at = signed, at
        new = Sub(self._sub_id(), e, old.cust, old.currency, signed, at, at, old.period, old.term)
        grow = s.uniform(1.0, 1.25)
        new.items = self.items.renewed(old, at, grow)
        self.subs.append(new)
        self.opps.renewal_signed(e, new, signed)

    def _expand(self, e: int, sub: Sub, ts: int, seg: int) -> None:
        """Seat growth at ts; larger CRM accounts get an expansion deal for it."""
        delta = self.items.expand(e, sub, ts)
        if delta is not None and seg >= cat.MID and e < self.p.n_crm:
            self.opps.expansion(e, sub, ts, delta)

    # ------------------------------------------------------------------ rows
    def emit_all(self) -> None:
        """Write the current entity's subscriptions (with items and invoices), then forget them."""
        for sub in self.subs:
            self._emit(sub)
        self.subs.clear()

    def _emit(self, sub: Sub) -> None:
        """Service span, item rows, invoices, then the subscription row with its status."""
        out, H = self.ctx.out, self.H
        service_end = sub.ended if (sub.ended is not None and sub.ended < H) else None
        out.services.append(ServiceSpan(sub.entity, sub.started, service_end, sub.trial_end))
        self.items.emit(sub, service_end)
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
