"""Invoices and invoice lines for the simulated subscriptions.

One invoice per billing period (issued at the period start, lines for the item versions valid
then, usage billed in arrears, a one-time fee on the first), a proration invoice for every
increase inside a period, drafts for periods starting just after `end`, and standalone
professional-services invoices. Payment behaviour follows the segment (cards vs net terms) and
the account's risk: most are paid on time, some late, some still open or overdue at `end`, a few
voided and re-issued or written off as uncollectible. A void invoice carries the instant it was
voided (`voided_at`): the re-issue of a mistaken invoice, or the expiry of an incomplete first
attempt (23 hours after it started; still open when that is after `end`).
"""

from __future__ import annotations

from typing import NamedTuple

from cs_metrics.generate import catalog as cat
from cs_metrics.generate import profiles as pf
from cs_metrics.generate.billing_context import BillingContext
from cs_metrics.generate.model import FAR_FUTURE, Sub
from cs_metrics.generate.rng import Stream
from cs_metrics.generate.rows import InvoiceLineRow, InvoiceRow
from cs_metrics.generate.timeutil import DAY, HOUR

NET_TERMS_DAYS = {cat.SMB: 0, cat.MID: 30, cat.ENT: 45}  # 0: card, charged at once
VOID_REISSUE = 0.008  # invoices issued with a mistake, voided and re-issued
CARD_LATE, TERMS_LATE = 0.04, 0.14  # chance of paying late (times the account's risk)


class LineDraft(NamedTuple):
    """An invoice line before it has an id (amount in minor units, periods in seconds)."""

    plan_id: str | None
    line_type: str  # subscription, proration, usage or one_time
    quantity: int
    amount_minor: int
    period_start: int
    period_end: int


class Invoicer:
    """Writes invoice and invoice-line rows into the context's `BillingResult`."""

    def __init__(self, ctx: BillingContext):
        self.cal, self.p, self.s, self.out = ctx.cal, ctx.p, ctx.s, ctx.out
        self.H = ctx.H
        self._n_inv = self._n_line = 0
        self._overdue = False  # set while invoicing a subscription: an invoice is overdue at end

    def _inv_id(self) -> str:
        self._n_inv += 1
        return f"in_{self._n_inv:09d}"

    def _line_id(self) -> str:
        self._n_line += 1
        return f"il_{self._n_line:010d}"

    def invoice_subscription(self, sub: Sub) -> bool:
        """Invoice every billing period; True when an invoice is overdue at `end`."""
        s, cal, H, p = self.s, self.cal, self.H, self.p
        self._overdue = False
        if sub.started >= H:
            return False
        seg = int(p.segment[sub.entity])
        cur = sub.currency
        tax_rate = cat.COUNTRIES[int(p.country[sub.entity])].tax_rate
        service_end = sub.ended if sub.ended is not None else FAR_FUTURE
        if sub.incomplete:
            # the first invoice of a failed attempt is voided when the attempt expires
            expired = sub.ended is not None and sub.ended < H
            self._invoice(
                sub,
                sub.started,
                [self._sub_lines(sub, sub.started, sub.started + DAY, sub.started)],
                tax_rate,
                seg,
                force_status="void" if expired else "open",
                voided=sub.ended if expired else None,
            )
            return False
        if sub.trial_end is not None and sub.trial_end >= service_end:
            return False  # an unconverted trial is never billed
        risk = float(p.risk[sub.entity])
        churn_soon = sub.ended if (sub.canceled is not None and sub.ended is not None) else None
        declined = p.has(sub.entity, pf.F_OVERDUE)
        k = 0
        qe = sub.anchor
        while True:
            ps = qe
            if ps >= service_end:
                break
            qe = cal.add_months(sub.anchor, (k + 1) * sub.period)
            if ps >= H:
                # The next period's invoice is already drafted a few days before it starts.
                if ps - H < 3 * DAY and s.chance(0.5):
                    lines = [self._sub_lines(sub, ps, qe, ps)]
                    self._invoice(
                        sub,
                        H - s.randint(1, 20) * HOUR,
                        lines,
                        tax_rate,
                        seg,
                        force_status="draft",
                        due_base=ps,
                    )
                break
            lines = [self._sub_lines(sub, ps, qe, ps)]
            if k == 0 and sub.one_time_fee:
                lines.append([LineDraft(None, "one_time", 1, sub.one_time_fee, ps, ps + DAY)])
            if k >= 1 and sub.usage_billed:
                units = max(1, int(s.lognormal(120, 0.8)))
                uplan = cat.plan_for("api_overage", cat.MONTH1, cur)
                prev = cal.add_months(sub.anchor, (k - 1) * sub.period)
                amount = units * uplan.unit_minor
                lines.append([LineDraft(uplan.plan_id, "usage", units, amount, prev, ps)])
            stop = sub.ended if sub.ended is not None else H - 1
            final = sub.involuntary and ps <= stop < qe
            late_boost = 0.0
            if churn_soon is not None and churn_soon - ps < 120 * DAY:
                late_boost = 0.2  # accounts about to leave pay late more often
            status = None
            if final:
                status = "uncollectible" if sub.ended is not None else "open"
            elif declined and H - 45 * DAY <= ps < H - 2 * DAY:
                status = "open"  # the card was declined and nobody has fixed it yet
            self._invoice(
                sub,
                ps + s.randint(60, 3600),
                lines,
                tax_rate,
                seg,
                risk=risk,
                late_boost=late_boost,
                force_status=status,
            )
            # Prorations for versions that start inside this period.
            for it in sub.items:
                for i, v in enumerate(it.versions):
                    if not (ps < v.vf < qe) or v.vf >= H or v.vf >= service_end:
                        continue
                    if v.vf // DAY == qe // DAY:  # a change on the period's last day
                        continue
                    old = it.versions[i - 1].period_amount() if i > 0 else 0
                    delta = v.period_amount() - old
                    if delta <= 0:
                        continue
                    amount = (delta * (qe - v.vf) + (qe - ps) // 2) // (qe - ps)
                    if amount <= 0:
                        continue
                    line = LineDraft(v.plan.plan_id, "proration", v.qty, amount, v.vf, qe)
                    self._invoice(
                        sub, v.vf + s.randint(60, 600), [[line]], tax_rate, seg, risk=risk
                    )
            k += 1
        return self._overdue

    def _sub_lines(self, sub: Sub, ps: int, qe: int, at: int) -> list[LineDraft]:
        """The subscription lines of the period ps … qe for the item versions valid at `at`."""
        lines = []
        for it in sub.items:
            v = it.at(at)
            if v is None or v.qty == 0:
                continue
            lines.append(
                LineDraft(v.plan.plan_id, "subscription", v.qty, v.period_amount(), ps, qe)
            )
        return lines

    def _invoice(
        self,
        sub: Sub | None,
        issued: int,
        groups: list[list[LineDraft]],
        tax_rate: float,
        seg: int,
        risk: float = 1.0,
        late_boost: float = 0.0,
        force_status: str | None = None,
        due_base: int | None = None,
        customer: int | None = None,
        entity: int | None = None,
        voided: int | None = None,
    ) -> None:
        """One invoice with its lines; payment behaviour depends on segment and account risk.

        `voided`: when a forced void status took effect.
        """
        s, H = self.s, self.H
        lines = [line for group in groups for line in group]
        if not lines:
            return
        subtotal = sum(line.amount_minor for line in lines)
        tax = round(subtotal * tax_rate)
        total = subtotal + tax
        terms = NET_TERMS_DAYS[seg]
        # Card payers (no terms) are charged at once; the invoice is due within a day.
        due = (due_base if due_base is not None else issued) + max(terms, 1) * DAY
        cust = sub.cust if sub is not None else customer
        cur = sub.currency if sub is not None else int(self.p.currency[entity or 0])
        sub_id = sub.sub_id if sub is not None else None
        paid: int | None
        if force_status is not None:
            status, paid, amount_paid = force_status, None, 0
        else:
            late_p = (CARD_LATE if terms == 0 else TERMS_LATE) * min(risk, 3.0) + late_boost
            if s.chance(late_p):
                paid = due + int(s.lognormal(9.0 if terms == 0 else 14.0, 0.8) * DAY)
            elif terms == 0:
                paid = issued + s.randint(30, 600)
            else:
                paid = issued + int(s.uniform(0.3, 1.0) * terms * DAY)
            if paid < H:
                status, amount_paid = "paid", total
            elif due < H - 120 * DAY and s.chance(0.5):
                status, paid, amount_paid = "uncollectible", None, 0
            else:
                status, paid = "open", None
                amount_paid = total // 2 if s.chance(0.03) else 0
            reissue = sub is not None and issued + 3 * DAY < H
            # (paid is set when status is paid)
            if status == "paid" and paid is not None and reissue and s.chance(VOID_REISSUE):
                # Issued with a mistake: voided and re-issued a few days later.
                reissued = issued + s.randint(1, 3) * DAY
                # voided when its replacement is issued
                self._write_invoice(
                    sub_id,
                    cust,
                    cur,
                    "void",
                    issued,
                    due,
                    None,
                    subtotal,
                    tax,
                    0,
                    lines,
                    voided=reissued,
                )
                issued = reissued
                due += s.randint(1, 3) * DAY
                paid = max(paid, issued + HOUR)
                if paid >= H:
                    status, paid, amount_paid = "open", None, 0
        self._write_invoice(
            sub_id,
            cust,
            cur,
            status,
            issued,
            due,
            paid,
            subtotal,
            tax,
            amount_paid,
            lines,
            voided=voided if status == "void" else None,
        )

    def _write_invoice(
        self,
        sub_id: str | None,
        cust: int | None,
        cur: int,
        status: str,
        issued: int,
        due: int,
        paid: int | None,
        subtotal: int,
        tax: int,
        amount_paid: int,
        lines: list[LineDraft],
        voided: int | None = None,
    ) -> None:
        inv_id = self._inv_id()
        if status == "open" and due < self.H:
            self._overdue = True
        self.out.invoices.append(
            InvoiceRow(
                invoice_id=inv_id,
                customer_id=self.out.customers[cust or 0].customer_id,
                subscription_id=sub_id,
                status=status,
                currency=cat.CURRENCIES[cur],
                issued_at=issued,
                due_at=due,
                paid_at=paid,
                subtotal=cat.scaled(subtotal, cur),
                tax=cat.scaled(tax, cur),
                total=cat.scaled(subtotal + tax, cur),
                amount_paid=cat.scaled(amount_paid, cur),
                voided_at=voided,
            )
        )
        for line in lines:
            self.out.lines.append(
                InvoiceLineRow(
                    invoice_line_id=self._line_id(),
                    invoice_id=inv_id,
                    subscription_id=sub_id,
                    plan_id=line.plan_id,
                    line_type=line.line_type,
                    quantity=line.quantity,
                    amount=cat.scaled(line.amount_minor, cur),
                    period_start=line.period_start,
                    period_end=line.period_end,
                )
            )

    def standalone_invoices(self, stream: Stream) -> None:
        """Professional-services invoices with no subscription (one-time lines only)."""
        p, H = self.p, self.H
        seen: set[int] = set()
        for cust_idx, e in enumerate(self.out.customer_entity):
            if e in seen:
                continue
            seen.add(e)
            if p.segment[e] != cat.ENT or not stream.chance(0.2):
                continue
            cust_created = self.out.customers[cust_idx].created_at
            issued = cust_created + stream.randint(30, 400) * DAY
            if issued >= H:
                continue
            cur = int(p.currency[e])
            amount = int(5_000 * cat.PRICE_FACTOR[cur]) * cat.MINOR_PER_MAJOR[cur]
            tax_rate = cat.COUNTRIES[int(p.country[e])].tax_rate
            line = LineDraft(None, "one_time", 1, amount, issued, issued + DAY)
            self._invoice(None, issued, [[line]], tax_rate, cat.ENT, customer=cust_idx, entity=e)
