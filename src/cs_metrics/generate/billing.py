"""Billing stories: customers, subscriptions, effective-dated items, invoices and opportunities.

Each entity's commercial life is simulated once, in order, from its acquisition to `end`:
trial (converts or not), first contract, seat growth, upgrades, downgrades at renewal, add-on
subscriptions that get cancelled, churn (voluntary at a period end, or involuntary after failed
payments), reactivation months later, pauses, scheduled cancellations and renewal contracts signed
before `end` that start after it.

`BillingSimulator` runs the stories entity by entity; the parts live in their own modules:

    subscriptions        when things happen to a subscription; `subscriptions` rows
    subscription_items   what is sold and how items change; `subscription_items` rows, seats
    invoices             invoices and lines for every billing period; payment behaviour
    opportunities        the CRM deals that go with the story
    billing_context      what they share: calendar, profiles, the random stream, the rows
    model, rows          the simulated objects (`Sub`, `Item`, `Version`) and the output rows

The simulation also records *signals* (expansion, contraction, churn …, with their month) that
the usage, support and NPS generators use so engagement leads the commercial outcome.
"""

from __future__ import annotations

from cs_metrics.generate import profiles as pf
from cs_metrics.generate.billing_context import BillingContext
from cs_metrics.generate.invoices import Invoicer
from cs_metrics.generate.model import BillingResult
from cs_metrics.generate.opportunities import OpportunityBook
from cs_metrics.generate.rng import Stream
from cs_metrics.generate.subscription_items import SubscriptionItems
from cs_metrics.generate.subscriptions import SubscriptionSimulator
from cs_metrics.generate.timeutil import DAY, HOUR, Calendar


class BillingSimulator:
    """Simulates every entity's billing history (call `run`, then `standalone_invoices`)."""

    def __init__(self, cal: Calendar, prof: pf.Profiles, stream: Stream, ae_ids: list[str]):
        self.out = BillingResult()
        self.ctx = BillingContext(cal, prof, stream, self.out)
        self.invoicer = Invoicer(self.ctx)
        self.opportunities = OpportunityBook(self.ctx, ae_ids)
        self.subscriptions = SubscriptionSimulator(
            self.ctx, SubscriptionItems(self.ctx), self.opportunities, self.invoicer
        )

    def run(self, progress: object | None = None) -> BillingResult:
        """Simulate every entity in order; `progress` (a tqdm bar) counts entities."""
        p = self.ctx.p
        for e in range(p.n):
            if p.kind[e] == pf.PROSPECT:
                self.opportunities.prospect(e)
            else:
                self._customer(e)
            if progress is not None and (e & 1023) == 1023:
                progress.update(1024)  # type: ignore[attr-defined]
        if progress is not None:
            progress.update(p.n & 1023)  # type: ignore[attr-defined]
        return self.out

    def _customer(self, e: int) -> None:
        """One customer's story: its billing customer, subscriptions, deals and invoices."""
        ctx, p, subs = self.ctx, self.ctx.p, self.subscriptions
        seg = int(p.segment[e])
        cur = int(p.currency[e])
        interval, term, _ = pf.INTERVAL_OPTIONS[seg][int(p.interval_opt[e])]
        start = ctx.anchor_ok(int(p.acq[e]))
        created = max(int(p.created[e]), min(start, ctx.H - HOUR) - DAY)
        cust = ctx.new_customer(e, cur, created)

        if p.has(e, pf.F_INCOMPLETE):
            subs.incomplete(e, cust, cur, start)
            start = ctx.anchor_ok(start + 2 * DAY)

        main = subs.open_main(e, cust, seg, cur, interval, term, start)
        churn_at = subs.simulate(e, main, seg, allow_react=True)

        if main.trial_end is None or (main.ended is None or main.ended > main.trial_end):
            subs.secondary(e, cust, seg, cur, main, churn_at)

        self.opportunities.new_business(e, main, seg)
        subs.emit_all()

    def standalone_invoices(self, stream: Stream) -> None:
        """Professional-services invoices with no subscription (after `run`)."""
        self.invoicer.standalone_invoices(stream)
