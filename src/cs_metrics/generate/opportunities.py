"""CRM opportunities: the sales pipeline that goes with the billing story.

Prospects that never buy leave a lost or still-open new-business deal. Customers get a won
(or, for an unconverted trial, lost) new-business deal when the sale was sales-led (mid-market
and enterprise always, a few self-serve SMB), expansion deals for mid-period seat growth of
larger accounts (sometimes with an earlier lost attempt), renewal deals at term ends (won, lost
at churn, or open for renewals due shortly after `end`) and a won deal when a churned account
comes back. Only CRM entities have opportunities; amounts are annual contract values.
"""

from __future__ import annotations

from cs_metrics.generate import catalog as cat
from cs_metrics.generate.billing_context import BillingContext
from cs_metrics.generate.model import FAR_FUTURE, Sub, account_id
from cs_metrics.generate.rows import OpportunityRow
from cs_metrics.generate.timeutil import DAY, HOUR


def first_arr(sub: Sub) -> float:
    """Annualised amount of a subscription's first item versions, in minor units."""
    return sum(it.versions[0].arr_minor() for it in sub.items)


class OpportunityBook:
    """Records opportunity rows in `out.opportunities` (ids in the order deals are made)."""

    def __init__(self, ctx: BillingContext, ae_ids: list[str]):
        self.ctx = ctx
        self.ae_ids = ae_ids  # account executives; entity e's deals belong to one of them
        self._n_opp = 0

    def _opp_id(self) -> str:
        self._n_opp += 1
        return f"opp_{self._n_opp:08d}"

    def record(
        self, e: int, kind: str, stage: str, amount_minor: float, cur: int, created: int, close: int
    ) -> None:
        """An opportunity row; amount is the annual contract value in minor units."""
        owner = self.ae_ids[e % len(self.ae_ids)] if self.ae_ids else None
        amount = cat.scaled(round(amount_minor), cur)
        created = min(created, self.ctx.H - HOUR)
        self.ctx.out.opportunities.append(
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

    def prospect(self, e: int) -> None:
        """A prospect that never became a customer: most have a lost or still-open deal."""
        s, p, H = self.ctx.s, self.ctx.p, self.ctx.H
        if e >= p.n_crm or s.chance(0.3):
            return
        created = int(p.created[e]) + s.randint(1, 20) * DAY
        if created >= H:
            return
        age_days = (H - created) // DAY
        if age_days < 150 and s.chance(0.6):
            stage = s.pick(cat.OPPORTUNITY_OPEN_STAGES)
            close = created + s.randint(30, 150) * DAY
        else:
            stage = "closed_lost"
            close = min(created + s.randint(14, 120) * DAY, H - DAY)
        usd = s.lognormal(15_000 if p.segment[e] == cat.SMB else 60_000, 0.6)
        cur = int(p.currency[e])
        local = usd * cat.PRICE_FACTOR[cur] * cat.MINOR_PER_MAJOR[cur]
        self.record(e, "new_business", stage, local, cur, created, close)

    def new_business(self, e: int, main: Sub, seg: int) -> None:
        """The deal that won (or, for an unconverted trial, lost) the first subscription.

        Self-serve SMB sign-ups mostly have none: only sales-led deals are in the CRM.
        """
        s, p, H = self.ctx.s, self.ctx.p, self.ctx.H
        if e >= p.n_crm or main.started >= FAR_FUTURE:
            return
        converted = main.trial_end is None or main.ended is None or main.ended > main.trial_end
        sales_led = seg >= cat.MID or s.chance(0.3)
        if sales_led:
            created = max(int(p.created[e]), main.created - s.randint(7, 60) * DAY)
            created = min(created, main.created)
            stage = "closed_won" if converted else "closed_lost"
            close = max(created, min(main.created, H - HOUR))
            self.record(e, "new_business", stage, first_arr(main), main.currency, created, close)

    def won_back(self, e: int, new: Sub, start: int) -> None:
        """The deal that brought a churned account back (`new` starts at `start`)."""
        if e < self.ctx.p.n_crm:
            arr = first_arr(new)
            created = start - self.ctx.s.randint(3, 30) * DAY
            self.record(e, "new_business", "closed_won", arr, new.currency, created, start)

    def expansion(self, e: int, sub: Sub, ts: int, delta: float) -> None:
        """A won expansion deal for seats added at ts (delta: added ARR in minor units).

        Sometimes an earlier, larger attempt was lost first.
        """
        s = self.ctx.s
        created = max(sub.started, ts - s.randint(10, 60) * DAY)
        self.record(e, "expansion", "closed_won", delta, sub.currency, created, ts)
        if s.chance(0.3):
            self.record(
                e,
                "expansion",
                "closed_lost",
                delta * 1.5,
                sub.currency,
                max(sub.started, created - 40 * DAY),
                max(sub.started, ts - 30 * DAY),
            )

    def renewal(self, e: int, sub: Sub, at: int, won: bool | None) -> None:
        """The renewal deal for the term ending at `at`: won, lost or (won None) still open."""
        if e >= self.ctx.p.n_crm:
            return
        s, H = self.ctx.s, self.ctx.H
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
        self.record(e, "renewal", stage, arr, sub.currency, created, close)

    def renewal_signed(self, e: int, new: Sub, signed: int) -> None:
        """The won renewal deal for a renewal contract signed before `end` (`new` starts later)."""
        if e < self.ctx.p.n_crm:
            created = new.started - 90 * DAY
            self.record(e, "renewal", "closed_won", first_arr(new), new.currency, created, signed)
