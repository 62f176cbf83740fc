"""The state every part of the billing simulation shares.

Subscriptions, subscription items, invoices and opportunities are simulated by separate classes
(`subscriptions`, `subscription_items`, `invoices`, `opportunities`), but they tell one story per
entity and draw from one random stream, in the order the story happens. Determinism depends on
that order: byte-identical output for a seed means every draw happens in the same sequence, so
the parts share this context instead of owning streams of their own.
"""

from __future__ import annotations

from cs_metrics.generate import catalog as cat
from cs_metrics.generate import profiles as pf
from cs_metrics.generate.model import BillingResult, account_id
from cs_metrics.generate.rng import Stream
from cs_metrics.generate.rows import CustomerRow, Signal
from cs_metrics.generate.timeutil import DAY, HOUR, Calendar


class BillingContext:
    """Calendar, profiles, the random stream and the result rows of one billing simulation.

    Attributes:
        cal: the generation calendar; `H` is its horizon (midnight after `end`).
        p: the entity profiles (segment, currency, risk, forced scenarios …).
        s: the stream every billing decision draws from.
        out: the rows and latent facts produced so far.
    """

    def __init__(self, cal: Calendar, prof: pf.Profiles, stream: Stream, out: BillingResult):
        self.cal = cal
        self.p = prof
        self.s = stream
        self.out = out
        self.H = cal.horizon

    def signal(self, e: int, ts: int, kind: int) -> None:
        """Record what happened to entity e at ts (kind: `model.SIG_*`) for engagement."""
        self.out.signals.append(Signal(e, self.cal.month_of(ts), kind))

    def rand_tod(self) -> int:
        """A random time of day between 08:00 and 20:00, in seconds."""
        return int(self.s.uniform(8.0, 19.0) * HOUR) + self.s.randint(0, 3599)

    def anchor_ok(self, ts: int) -> int:
        """Keep billing anchors on days 1-28 (month arithmetic then agrees across engines)."""
        m = self.cal.month_of(ts)
        day = (ts - self.cal.month_start(m)) // DAY
        return ts - (day - 27) * DAY if day > 27 else ts

    def new_customer(self, e: int, currency: int, created: int) -> int:
        """A billing customer of entity e; returns its index in `out.customers`.

        Entities outside the CRM (the last ones) give unmapped customers: no account id.
        """
        idx = len(self.out.customers)
        account = account_id(e) if e < self.p.n_crm else None
        self.out.customers.append(
            CustomerRow(f"cus_{idx + 1:07d}", account, cat.CURRENCIES[currency], created)
        )
        self.out.customer_entity.append(e)
        return idx
