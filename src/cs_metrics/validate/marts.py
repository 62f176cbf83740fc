"""Expectation suites of the built marts (`cs-metrics validate --marts`), read through
`cs_metrics.warehouse` on any target.

One suite per mart, `marts.<model>`; every expectation is an error (a failure means the
figures cannot be trusted):

- primary keys unique and not null;
- money signs (doc blocks revenue_mrr, lifecycle_cmrr): mrr, arr and cmrr ≥ 0 (cmrr = mrr −
  scheduled churn + signed not live, where the scheduled churn is part of the counted mrr);
  new, expansion and reactivation ≥ 0; contraction and churned ≤ 0; fx_impact has either sign;
- ratios: logo churn, GRR and logo retention in [0, 1]; NRR ≥ 0;
- identities to 0.01: each month's MRR bridge (ending = starting + movements, per account
  and per month), each month starts where the previous one ended, arr = 12 × mrr, and the
  customer bridge (ending = starting + new + reactivated − churned);
- health: every component and score in [0, 100], health_status in its enumeration.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from cs_metrics.validate.checks import (
    DERIVED,
    Check,
    Expression,
    Suite,
    between,
    in_set,
    not_before,
    not_null,
    unique,
)
from cs_metrics.validate.execute import RowProgress, record, run_rows, run_schema
from cs_metrics.validate.raw_suites import schema_checks
from cs_metrics.validate.results import Report
from cs_metrics.validate.runner import Runner
from cs_metrics.validate.sources import SourceError, WarehouseSource
from cs_metrics.warehouse import MARTS_SCHEMA

MONEY_TOLERANCE = 0.01
HEALTH_STATUSES = ("green", "yellow", "red", "unknown")
HEALTH_COLUMNS = (
    "utilization_score",
    "usage_trend_score",
    "feature_breadth_score",
    "payment_score",
    "nps_score",
    "support_score",
    "outcome_score",
    "experience_score",
    "health_score",
)
GAINS = ("new_mrr", "reactivation_mrr", "expansion_mrr")
LOSSES = ("contraction_mrr", "churned_mrr")
MOVEMENTS = (*GAINS, *LOSSES, "fx_impact_mrr")


@dataclass(frozen=True)
class Mart:
    """A mart suite: its model, key and checks (columns are numbers unless listed)."""

    name: str
    key: tuple[str, ...]
    checks: tuple[Check, ...]
    text: tuple[str, ...] = ()  # text columns
    dates: tuple[str, ...] = ()  # date columns

    def families(self) -> dict[str, str]:
        used = dict.fromkeys(
            c for check in self.checks for c in (*self.key, *check.columns) if c in self.names()
        )
        return {c: self.family(c) for c in used}

    def names(self) -> set[str]:
        return {
            c
            for check in self.checks
            for c in (*self.key, *check.columns)
            if not c.startswith(DERIVED)
        }

    def family(self, column: str) -> str:
        if column in self.text:
            return "text"
        if column in self.dates:
            return "date"
        return "number"


def _signs(columns_min0: tuple[str, ...], columns_max0: tuple[str, ...]) -> list[Check]:
    checks = [between(c, minimum=0) for c in columns_min0]
    checks += [between(c, maximum=0) for c in columns_max0]
    return checks


def _identity(column: str, sql: str, description: str, columns: tuple[str, ...]) -> Check:
    derived = f"{DERIVED}{column}"
    check = between(
        derived,
        -MONEY_TOLERANCE,
        MONEY_TOLERANCE,
        rule=f"{column}.within_0.01",
        description=description,
    )
    return replace(
        check,
        columns=(*columns, derived),
        features=(Expression(derived, sql),),
        unexpected_sql=f"abs({derived}) > {MONEY_TOLERANCE}",
    )


def _key_checks(key: tuple[str, ...]) -> list[Check]:
    return [*(not_null(c) for c in key), unique(key)]


def _account_months() -> Mart:
    movements = " + ".join(MOVEMENTS)
    return Mart(
        name="fct_account_months",
        key=("account_id", "month_start"),
        text=("account_id", "health_status"),
        dates=("month_start",),
        checks=(
            *_key_checks(("account_id", "month_start")),
            *_signs(("mrr", "arr", "cmrr", *GAINS), LOSSES),
            _identity(
                "bridge_difference",
                f"b.mrr - (coalesce(lag(b.mrr) over (partition by b.account_id order by"
                f" b.month_start), 0) + {movements})",
                "mrr = previous month's mrr + movements (to 0.01)",
                ("mrr", *MOVEMENTS),
            ),
            _identity(
                "arr_difference",
                "b.arr - 12 * b.mrr",
                "arr = 12 × mrr (to 0.01)",
                ("arr", "mrr"),
            ),
            *(between(c, 0, 100) for c in HEALTH_COLUMNS),
            in_set("health_status", HEALTH_STATUSES),
        ),
    )


def _dim_accounts() -> Mart:
    return Mart(
        name="dim_accounts",
        key=("account_id",),
        text=("account_id", "current_health_status"),
        checks=(
            *_key_checks(("account_id",)),
            *_signs(("current_mrr", "current_arr"), ()),
            between("current_health_score", 0, 100),
            in_set("current_health_status", HEALTH_STATUSES),
        ),
    )


def _bridge() -> Mart:
    movements = " + ".join(MOVEMENTS)
    return Mart(
        name="fct_mrr_bridge_monthly",
        key=("month_start",),
        dates=("month_start",),
        checks=(
            *_key_checks(("month_start",)),
            *_signs(("starting_mrr", "ending_mrr", *GAINS), LOSSES),
            _identity(
                "bridge_difference",
                f"b.ending_mrr - (b.starting_mrr + {movements})",
                "ending_mrr = starting_mrr + movements (to 0.01)",
                ("starting_mrr", "ending_mrr", *MOVEMENTS),
            ),
            _identity(
                "start_difference",
                "b.starting_mrr - coalesce(lag(b.ending_mrr) over (order by b.month_start), 0)",
                "starting_mrr = the previous month's ending_mrr (to 0.01)",
                ("starting_mrr", "ending_mrr"),
            ),
            _identity(
                "customer_difference",
                "b.ending_customers - (b.starting_customers + b.new_customers"
                " + b.reactivated_customers - b.churned_customers)",
                "ending_customers = starting + new + reactivated − churned",
                (
                    "starting_customers",
                    "new_customers",
                    "reactivated_customers",
                    "churned_customers",
                    "ending_customers",
                ),
            ),
        ),
    )


def _retention() -> Mart:
    key = ("month_start", "segment_type", "segment_value")
    return Mart(
        name="fct_retention_monthly",
        key=key,
        text=("segment_type", "segment_value"),
        dates=("month_start",),
        checks=(
            *_key_checks(key),
            in_set(
                "segment_type",
                (
                    "all",
                    "tier",
                    "service_model",
                    "region",
                    "industry",
                    "acquisition_channel",
                    "csm_owner",
                ),
            ),
            *_signs(("starting_mrr_cc", "ending_mrr", *GAINS), LOSSES),
            *(
                between(c, 0, 1)
                for c in (
                    "logo_churn_rate",
                    "gross_mrr_churn_rate",
                    "monthly_grr",
                    "grr_ttm",
                    "logo_retention_ttm",
                )
            ),
            between("monthly_nrr", minimum=0),
            between("nrr_ttm", minimum=0),
        ),
    )


def _cohorts() -> Mart:
    key = ("cohort_month", "months_since_start")
    retained = between("retained_customers", minimum=0)
    return Mart(
        name="fct_cohort_retention",
        key=key,
        dates=("cohort_month",),
        checks=(
            *_key_checks(key),
            retained,
            not_before(
                "cohort_customers",
                "retained_customers",
                rule="retained_customers.not_above_cohort_customers",
                description="retained_customers ≤ cohort_customers",
            ),
            between("logo_retention", 0, 1),
            between("revenue_retention", minimum=0),
            *_signs(("cohort_starting_mrr", "cohort_mrr"), ()),
        ),
    )


def marts() -> list[Mart]:
    """Every mart suite."""
    return [_account_months(), _dim_accounts(), _bridge(), _retention(), _cohorts()]


def mart_suite(mart: Mart) -> Suite:
    """The suite of a mart: a schema part (every column used exists) and its row checks."""
    schema = schema_checks(f"{MARTS_SCHEMA}.{mart.name}", list(mart.families()), {})
    return Suite(
        name=f"marts.{mart.name}",
        table=f"{MARTS_SCHEMA}.{mart.name}",
        key=mart.key,
        checks=[*schema, *mart.checks],
    )


def validate_marts(
    source: WarehouseSource,
    *,
    chunk_rows: int = 200_000,
    prefilter: bool = True,
    runner: Runner | None = None,
) -> Report:
    """Run every mart suite against a `WarehouseSource`."""
    runner = runner or Runner()
    items = [(mart, mart_suite(mart)) for mart in marts()]
    report = Report(kind="marts", tables=len(items))
    stored = {mart.name: source.describe_mart(MARTS_SCHEMA, mart.name) for mart, _ in items}
    counts = {}
    for name, table in stored.items():
        if table.sql is not None:
            try:
                counts[name] = source.count(table.sql)
            except SourceError as exc:
                table.sql, table.problem = None, f"{table.key}: cannot be read: {exc}"
    progress = RowProgress(sum(counts.values()), "validate marts")
    try:
        for mart, suite in items:
            table = stored[mart.name]
            if table.problem:
                report.problems.append(table.problem)
            frame = pd.DataFrame(
                [{"column": c, "type": t, "family": "-"} for c, (_, t, _) in table.columns.items()],
                columns=["column", "type", "family"],
            )
            outcomes = run_schema(runner, suite, suite.schema_checks, frame)
            failed = [o for o in outcomes if not o.success]
            for outcome in outcomes:
                message = None
                outcome.observed_value = None
                if not outcome.success:
                    missing = [c for c in mart.families() if c not in table.columns]
                    outcome.examples = [{"column": c} for c in missing]
                    message = table.problem or (
                        f"{suite.table}: missing column(s) {', '.join(missing)}: rebuild the"
                        " project with this version of cs_metrics."
                    )
                report.records.append(record(suite, outcome, None, message))
            if table.sql is None or failed:
                report.skipped.append(
                    {"table": suite.table, "reason": table.problem or "missing columns"}
                )
                continue
            try:
                records = run_rows(
                    runner,
                    source,
                    suite,
                    suite.row_checks,
                    table.relation(mart.families()),
                    {},
                    rows=counts[mart.name],
                    chunk_rows=chunk_rows,
                    prefilter=prefilter,
                    progress=progress.table(suite.table, counts[mart.name]),
                )
            except SourceError as exc:
                report.problems.append(f"{suite.table}: the rows could not be checked: {exc}")
                report.skipped.append({"table": suite.table, "reason": "unreadable"})
                continue
            report.records.extend(records)
    finally:
        progress.close()
    return report
