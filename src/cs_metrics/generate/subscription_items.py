"""Subscription items: what a subscription sells, and how it changes over time.

An item is one plan on a subscription with effective-dated versions (`model.Item`): a new
version starts whenever its quantity, plan, negotiated price or discount changes, and the
previous one ends at that instant. This module sizes a first contract so the account lands in
its segment's ARR band (negotiated enterprise prices, discounts, coupons, free or zero-seat
add-ons), applies the movements the subscription story decides on (seat expansion and
contraction, Starter to Professional upgrades, downgrades at renewal, the Analytics add-on
adopted or dropped to zero seats) and turns the versions into `subscription_items` rows and the
seat facts that drive product usage.
"""

from __future__ import annotations

import math

from cs_metrics.generate import catalog as cat
from cs_metrics.generate import profiles as pf
from cs_metrics.generate.billing_context import BillingContext
from cs_metrics.generate.model import SIG_CONTRACTION, SIG_EXPANSION, Item, Sub, Version
from cs_metrics.generate.rows import SeatVersion, SubscriptionItemRow


class SubscriptionItems:
    """Builds and changes subscription items (ids in the order items are created)."""

    def __init__(self, ctx: BillingContext):
        self.ctx = ctx
        self._n_item = 0

    def new(self, plan: cat.Plan, qty: int, unit: int | None, bp: int | None, ts: int) -> Item:
        """A new item with one version valid from ts."""
        self._n_item += 1
        return Item(f"si_{self._n_item:08d}", [Version(plan, qty, unit, bp, ts)])

    # ------------------------------------------------------------------ pricing
    @staticmethod
    def _price(plan: cat.Plan, factor: float) -> int:
        """A negotiated unit price: the list price times factor, rounded to whole major units."""
        step = cat.MINOR_PER_MAJOR[plan.currency]
        return max(step, round(plan.unit_minor * factor / step) * step)

    @staticmethod
    def _usd_arr_per_unit(product: str, interval: tuple[str, int]) -> float:
        """Annualised USD list price of one unit of a product at a billing interval."""
        plan = cat.plan_for(product, interval, cat.USD)
        return plan.unit_minor / 100.0 * 12.0 / plan.months

    # ------------------------------------------------------------------ first contract
    def first_contract(
        self, e: int, seg: int, cur: int, interval: tuple[str, int], ts: int, small: bool = False
    ) -> list[Item]:
        """The first contract's items, sized so the account starts inside its segment's band.

        SMB buys Starter (flat) or a few Professional seats; mid-market Professional seats;
        enterprise Enterprise seats plus the Platform fee. Larger accounts may add Analytics
        (sometimes free) and Premium Support. `small`: a returning account restarting small.
        """
        s, p = self.ctx.s, self.ctx.p
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
                items.append(self.new(plan, 1, None, discount, ts))
            else:
                plan = cat.plan_for("professional", interval, cur)
                per_seat = self._usd_arr_per_unit("professional", interval)
                cap = max(2, int(cat.ARR_CEILING[cat.SMB] / per_seat))
                seats = min(cap, max(2, round(s.lognormal(4.0, 0.5))))
                items.append(self.new(plan, seats, None, discount, ts))
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
        items.append(self.new(plan, seats, unit, discount, ts))
        if seg == cat.ENT:
            pplan = cat.plan_for("platform", interval, cur)
            items.append(self.new(pplan, 1, None, discount, ts))
        if s.chance(0.3) or p.has(e, pf.F_FREE_ADDON) or p.has(e, pf.F_ZERO_QTY):
            aplan = cat.plan_for("analytics", interval, cur)
            a_disc = 10_000 if (p.has(e, pf.F_FREE_ADDON) or s.chance(0.2)) else discount
            a_qty = max(1, int(seats * s.uniform(0.2, 0.7)))
            items.append(self.new(aplan, a_qty, None, a_disc, ts))
        if not p.has(e, pf.F_SUPPORT_SUB) and s.chance(0.2):
            splan = cat.plan_for("support", interval, cur)
            items.append(self.new(splan, 1, None, discount, ts))
        return items

    def renewed(self, old: Sub, at: int, grow: float) -> list[Item]:
        """The items of a renewal contract starting at `at`.

        The old subscription's items that are still on it, per-seat quantities grown by `grow`.
        """
        items: list[Item] = []
        for it in old.items:
            v = it.versions[-1]
            if it.end is not None:
                continue
            qty = v.qty if not cat.PRODUCTS[v.plan.product].per_seat else max(1, int(v.qty * grow))
            items.append(self.new(v.plan, qty, v.unit, v.bp, at))
        return items

    # ------------------------------------------------------------------ movements
    @staticmethod
    def seat_item(sub: Sub) -> Item | None:
        """The subscription's current per-seat item (None when it has none)."""
        for it in sub.items:
            if cat.PRODUCTS[it.versions[-1].plan.product].per_seat and it.end is None:
                return it
        return None

    def expand(self, e: int, sub: Sub, ts: int) -> float | None:
        """Add 8-40 % seats at ts; returns the added ARR in minor units (None: no change)."""
        item = self.seat_item(sub)
        if item is None:
            return None
        v = item.versions[-1]
        if v.qty == 0:
            return None
        before = v.arr_minor()
        add = max(1, round(v.qty * self.ctx.s.uniform(0.08, 0.4)))
        new = item.change(ts, qty=min(v.qty + add, 5000))
        self.ctx.signal(e, ts, SIG_EXPANSION)
        return new.arr_minor() - before

    def contract(self, e: int, sub: Sub, ts: int) -> None:
        """Remove 10-35 % of the seats at ts (keeping at least one)."""
        item = self.seat_item(sub)
        if item is None or item.versions[-1].qty <= 1:
            return
        v = item.versions[-1]
        cut = max(1, round(v.qty * self.ctx.s.uniform(0.1, 0.35)))
        item.change(ts, qty=max(1, v.qty - cut))
        self.ctx.signal(e, ts, SIG_CONTRACTION)

    def downgrade(self, e: int, sub: Sub, ts: int, seg: int) -> None:
        """At a renewal: fewer seats, a cheaper plan, or an add-on dropped."""
        s = self.ctx.s
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
        self.ctx.signal(e, ts, SIG_CONTRACTION)

    def upgrade(self, e: int, sub: Sub, ts: int) -> None:
        """Starter (flat) to Professional (per seat): a plan change on the same item."""
        main = sub.items[0]
        v = main.versions[-1]
        if cat.PRODUCTS[v.plan.product].code != "starter" or v.qty == 0:
            return
        plan = cat.plan_for(
            "professional", (v.plan.interval, v.plan.interval_count), v.plan.currency
        )
        main.change(ts, plan=plan, qty=self.ctx.s.randint(3, 8), unit=None)
        self.ctx.signal(e, ts, SIG_EXPANSION)

    def add_analytics(self, e: int, sub: Sub, ts: int) -> None:
        """Adopt the Analytics add-on at ts for part of the seats (unless it is already on)."""
        for it in sub.items:
            if cat.PRODUCTS[it.versions[-1].plan.product].code == "analytics":
                return
        seats = self.seat_item(sub)
        if seats is None or seats.versions[-1].qty == 0:
            return
        v = seats.versions[-1]
        plan = cat.plan_for("analytics", (v.plan.interval, v.plan.interval_count), v.plan.currency)
        qty = max(1, int(v.qty * self.ctx.s.uniform(0.2, 0.6)))
        sub.items.append(self.new(plan, qty, None, v.bp, ts))
        self.ctx.signal(e, ts, SIG_EXPANSION)

    def zero_addon(self, e: int, sub: Sub, ts: int) -> bool:
        """Analytics seats go to zero in a new version (the item itself stays).

        Returns True when it happened (a free add-on going to zero is no contraction).
        """
        for it in sub.items:
            v = it.versions[-1]
            if cat.PRODUCTS[v.plan.product].code == "analytics" and v.qty > 0 and it.end is None:
                if v.vf >= ts:
                    return False
                it.change(ts, qty=0)
                if (v.bp or 0) < 10_000:
                    self.ctx.signal(e, ts, SIG_CONTRACTION)
                return True
        return False

    # ------------------------------------------------------------------ rows
    def emit(self, sub: Sub, service_end: int | None) -> None:
        """Write the item versions of a finished subscription, and the seats they give.

        valid_to of a version is the next version's valid_from, else the item's removal,
        else the subscription's end (None while in service at `end`).
        """
        out = self.ctx.out
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
