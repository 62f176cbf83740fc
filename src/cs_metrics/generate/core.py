"""`generate()`: write the whole demo raw data set in the contract layout (or a connector layout).

    out_dir/<source>/<table>.parquet   every table of `cs_metrics.contract.TABLES`
    out_dir/.cs_metrics_demo           marker: a complete generated demo data set (written last)

With `layout="fivetran"` the contract tables of the domains a connector converter covers are
replaced by the connector's tables, `out_dir/<connector>/<table>.parquet`
(`cs_metrics.generate.fivetran`); the marker then names the layout and the dbt vars that
select its presets.

The same arguments always produce byte-identical files. Generation runs in phases: who the
accounts are (profiles), their billing stories, the latent account-month grid (service, seats,
health), then CRM, support, FX and finally the product events, generated and written one chunk
of accounts at a time so memory stays bounded however many events there are.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from cs_metrics.contract import table
from cs_metrics.generate import catalog as cat
from cs_metrics.generate import writer as w
from cs_metrics.generate.account_months import AccountMonths, build_account_months
from cs_metrics.generate.billing import BillingSimulator
from cs_metrics.generate.crm import (
    Users,
    build_accounts,
    build_activities,
    build_contacts,
    build_nps,
    build_users,
)
from cs_metrics.generate.fx import build_fx
from cs_metrics.generate.model import BillingResult
from cs_metrics.generate.profiles import Profiles, build_profiles
from cs_metrics.generate.rng import Stream, phase_rng
from cs_metrics.generate.rows import PlanRow
from cs_metrics.generate.support import build_tickets
from cs_metrics.generate.timeutil import Calendar
from cs_metrics.generate.usage import EventPlan, prefixed_ids, write_events

MARKER = ".cs_metrics_demo"  # written last: the directory holds a complete demo data set
PARTIAL_MARKER = ".cs_metrics_demo.partial"  # written first: a generation is (or was) running
GENERATOR_VERSION = 1
UNMAPPED_SHARE = 0.01  # billing customers without a CRM account, relative to accounts


class DemoDirectoryError(FileExistsError):
    """The output directory holds something that is not demo data made by this generator."""


class GenerateArgumentError(ValueError):
    """An argument of `generate` out of range (its message names the command-line option)."""


def check_arguments(accounts: int, start: dt.date, end: dt.date, seed: int) -> None:
    """Raise GenerateArgumentError naming the first argument out of range and what it may be."""
    if accounts < 1:
        raise GenerateArgumentError(
            f"--accounts must be 1 or more, got {accounts}: the number of CRM accounts to generate."
        )
    if seed < 0:
        raise GenerateArgumentError(f"--seed must be 0 or more, got {seed}.")
    if start.day != 1:
        raise GenerateArgumentError(
            f"the start must be the first day of a month, got {start.isoformat()}."
        )
    if start > end:
        raise GenerateArgumentError(
            f"--start {start:%Y-%m} begins after --end {end.isoformat()}: choose a first month"
            " on or before the last day of history."
        )


def check_out_dir(out_dir: Path, force: bool) -> None:
    """Refuse to write into a non-empty directory without the demo marker (unless forced)."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise DemoDirectoryError(f"{out_dir} exists and is not a directory; choose another --out.")
    if force or (out_dir / MARKER).exists() or (out_dir / PARTIAL_MARKER).exists():
        return
    if any(out_dir.iterdir()):
        raise DemoDirectoryError(
            f"{out_dir} is not empty and has no {MARKER} marker, so it may hold real raw data. "
            "Demo data is never written over it: choose an empty or new directory with --out, "
            "or pass --force (force=True) if you are sure this directory may be overwritten."
        )


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS


@contextmanager
def _bar(
    enabled: bool, total: float, desc: str, unit: str, position: int = 1
) -> Iterator[tqdm | None]:
    if not enabled:
        yield None
        return
    bar = tqdm(
        total=int(total), desc=desc, unit=unit, unit_scale=position > 0, leave=position == 0,
        position=position, dynamic_ncols=True,
    )  # fmt: skip
    try:
        yield bar
    finally:
        bar.close()


PHASES = ("profiles", "billing", "finance", "crm", "support", "events")


class _Phases:
    """Wall-clock seconds per generation phase (reported in the stats), shown on a bar."""

    def __init__(self, bar: tqdm | None) -> None:
        self.bar = bar
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}  # peak RSS so far at the end of each phase

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        if self.bar is not None:
            self.bar.set_postfix_str(name)
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - began, 3)
            self.peak_mb[name] = round(peak_rss_mb(), 1)
            if self.bar is not None:
                self.bar.update(1)


def generate(
    out_dir: Path,
    accounts: int,
    start: dt.date,
    end: dt.date,
    seed: int,
    force: bool = False,
    progress: bool | None = None,
    layout: str = "contract",
    crm: str | None = None,
) -> dict:
    """Generate the demo raw data set and return stats.

    Args:
        out_dir: directory to write `<source>/<table>.parquet` into (created if missing).
        accounts: number of CRM accounts (about 1% more billing-only customers are added).
        start: first day of the first month of history.
        end: last day of history (the as-of date). Only scheduled cancellations, contracts and
            renewals signed but starting later, open opportunities, due dates of open invoices
            and draft invoices point past it.
        seed: random seed (>= 0); the same arguments give byte-identical files.
        force: write even into a non-empty directory that has no demo marker.
        progress: show progress bars (default: when stderr is a terminal).
        layout: "contract", or a connector layout ("fivetran": `fivetran.registry.LAYOUTS`).
        crm: a connector layout's CRM instead of its own ("hubspot": `fivetran.registry.CRMS`).

    Returns:
        {"rows": {"<source>.<table>": count, ...} (connector tables as "<connector>.<table>"),
         "events": product events generated (in whichever table holds them),
         "seconds": float, "peak_rss_mb": float,
         "bytes": int (size of the Parquet files), "phases": {phase: seconds},
         "phase_peak_rss_mb": {phase: peak RSS so far at the phase's end}}

    Raises:
        DemoDirectoryError: out_dir holds data that was not generated here (and not force).
        GenerateArgumentError (a ValueError): an argument out of range.
    """
    began = time.perf_counter()
    from cs_metrics.generate.fivetran.registry import layout_converters, layout_vars

    try:  # fails early on an unknown layout or CRM
        converters = layout_converters(layout, crm)
    except ValueError as exc:
        raise GenerateArgumentError(f"--layout / --crm: {exc}") from exc
    check_arguments(accounts, start, end, seed)
    cal = Calendar(start, end)
    out_dir = Path(out_dir)
    check_out_dir(out_dir, force)
    show = sys.stderr.isatty() if progress is None else progress
    out_dir.mkdir(parents=True, exist_ok=True)
    marker = {
        "generator": "cs-metrics generate",
        "version": GENERATOR_VERSION,
        "accounts": accounts,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "seed": seed,
    }
    # Claim the directory first (a crash leaves it recognisable as ours, but not complete).
    (out_dir / PARTIAL_MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    (out_dir / MARKER).unlink(missing_ok=True)
    for leftover in out_dir.glob("*/*.parquet.tmp"):  # from an interrupted earlier run
        leftover.unlink()

    rows: dict[str, int] = {}

    def put(source: str, name: str, data: Sequence[tuple] | Mapping[str, object]) -> None:
        """Write rows (named tuples in column order) or named columns as one contract table."""
        definition = table(source, name)
        if isinstance(data, Mapping):
            arrow = w.columns_table(definition, data)
        else:
            arrow = w.rows_table(definition, data)
        rows[definition.key] = w.write_table(out_dir, definition, arrow)

    with _bar(show, len(PHASES), "cs-metrics generate", "phase", position=0) as overall:
        phase = _Phases(overall)
        with phase("profiles"):
            n_unmapped = max(2, round(accounts * UNMAPPED_SHARE))
            prof = build_profiles(phase_rng(seed, "profiles"), cal, accounts, n_unmapped)
            users = build_users(phase_rng(seed, "crm", 1), prof)
        with phase("billing"):
            sim = BillingSimulator(cal, prof, Stream(phase_rng(seed, "billing")), users.ae_ids)
            with _bar(show, prof.n, "billing stories", "account") as bar:
                billing = sim.run(bar)
            sim.standalone_invoices(Stream(phase_rng(seed, "billing", 2)))
            am = build_account_months(cal, prof, billing, phase_rng(seed, "profiles", 2))
            _write_billing(put, billing)
        with phase("finance"):
            fx = build_fx(phase_rng(seed, "fx"), cal)
            put("finance", "fx_rates", fx)
        with phase("crm"):
            _write_crm(put, seed, cal, prof, users, billing, am)
        with phase("support"):
            _write_tickets(put, seed, cal, prof, am)
        with phase("events"):
            plan = EventPlan(cal, prof, am, seed, _account_ids(np.arange(prof.n)))
            events = table("product", "events")
            # a loader appends events in load order, and a daily run's look-back then reads
            # the file's last row groups only (their occurred_at and _loaded_at statistics)
            chunked = w.ChunkedWriter(out_dir, events, order_by=("_loaded_at",))
            try:
                with _bar(show, plan.expected_total, "events", "event") as bar:
                    rows[events.key] = n_events = write_events(plan, chunked.write, bar)
                chunked.close()
            except BaseException:
                chunked.abort()
                raise

    if converters:
        from cs_metrics.generate.fivetran.layout import convert_layout

        for converter in converters:
            for key in converter.reads:
                del rows[key]
        rows.update(convert_layout(out_dir, layout, crm))
        marker.update({"layout": layout, "vars": layout_vars(layout, crm)})
        if crm is not None:
            marker["crm"] = crm
    for leftover in out_dir.glob("*/*.parquet"):  # a connector layout written here before
        if leftover.parent.name not in {key.split(".")[0] for key in rows}:
            leftover.unlink()
    (out_dir / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    (out_dir / PARTIAL_MARKER).unlink()
    return {
        "rows": dict(sorted(rows.items())),
        "events": n_events,
        "seconds": round(time.perf_counter() - began, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "bytes": sum(
            (out_dir / key.split(".")[0] / f"{key.split('.')[1]}.parquet").stat().st_size
            for key in rows
        ),
        "phases": phase.seconds,
        "phase_peak_rss_mb": phase.peak_mb,
    }


Put = Callable[[str, str, "Sequence[tuple] | dict[str, object]"], None]


def _write_billing(put: Put, billing: BillingResult) -> None:
    put("billing", "customers", billing.customers)
    plans = [
        PlanRow(
            plan_id=p.plan_id,
            product_name=cat.PRODUCTS[p.product].name,
            billing_interval=p.interval,
            interval_count=p.interval_count,
            unit_amount=cat.scaled(p.unit_minor, p.currency),
            currency=cat.CURRENCIES[p.currency],
            is_per_seat=cat.PRODUCTS[p.product].per_seat,
        )
        for p in cat.PLANS
    ]
    put("billing", "plans", plans)
    for name, data in (
        ("subscriptions", billing.subscriptions),
        ("subscription_items", billing.items),
        ("invoices", billing.invoices),
        ("invoice_lines", billing.lines),
    ):
        put("billing", name, data)
        data.clear()  # the largest lists: free them as soon as they are written


def _write_crm(
    put: Put,
    seed: int,
    cal: Calendar,
    prof: Profiles,
    users: Users,
    billing: BillingResult,
    am: AccountMonths,
) -> None:
    put("crm", "users", users.rows)
    accounts, domains = build_accounts(phase_rng(seed, "crm", 2), cal, prof, users)
    put("crm", "accounts", accounts)
    contacts = build_contacts(phase_rng(seed, "crm", 3), cal, prof, domains)
    put("crm", "contacts", contacts.rows)
    opportunities = billing.opportunities
    put("crm", "opportunities", opportunities)

    acts = build_activities(phase_rng(seed, "activities"), prof, am, users)
    put(
        "crm",
        "activities",
        {
            "activity_id": prefixed_ids("act_", np.arange(1, acts["entity"].size + 1), 8),
            "account_id": _account_ids(acts["entity"]),
            "owner_id": _lookup([r[0] for r in users.rows], acts["owner"]),
            "activity_type": _lookup(cat.ACTIVITY_TYPES, acts["type"]),
            "occurred_at": acts["occurred"],
        },
    )

    nps = build_nps(phase_rng(seed, "nps"), prof, am, contacts)
    put(
        "crm",
        "nps_responses",
        {
            "response_id": prefixed_ids("nps_", np.arange(1, nps["entity"].size + 1), 7),
            "account_id": _account_ids(nps["entity"]),
            "contact_id": _lookup([r[0] for r in contacts.rows], nps["contact"]),
            "score": nps["score"],
            "responded_at": nps["responded"],
            "comment": nps["comment"],
        },
    )


def _write_tickets(put: Put, seed: int, cal: Calendar, prof: Profiles, am: AccountMonths) -> None:
    tk = build_tickets(phase_rng(seed, "support"), cal, prof, am)
    put(
        "support",
        "tickets",
        {
            "ticket_id": prefixed_ids("tkt_", np.arange(1, tk["entity"].size + 1), 7),
            "account_id": _account_ids(tk["entity"]),
            "opened_at": tk["opened"],
            "first_response_at": _nulls_below_zero(tk["first_response"]),
            "solved_at": _nulls_below_zero(tk["solved"]),
            "priority": tk["priority"],
            "status": tk["status"],
            "csat_score": _nulls_below_zero(tk["csat"]),
        },
    )


def _account_ids(entities: np.ndarray) -> pa.Array:
    """Account id strings (acc_000001, the same as `model.account_id`) for entity indexes."""
    return prefixed_ids("acc_", np.asarray(entities, dtype=np.int64) + 1, 6)


def _lookup(values: Sequence[str], index: np.ndarray) -> pa.Array:
    """values[index] as an Arrow string array; index -1 gives null."""
    table_ = pa.array([*values, None], pa.string())
    return table_.take(pa.array(np.where(index < 0, len(values), index)))


def _nulls_below_zero(values: np.ndarray) -> list[int | None]:
    return [None if v < 0 else v for v in values.tolist()]
