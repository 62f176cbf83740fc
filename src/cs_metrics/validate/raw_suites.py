"""The expectation suites of the raw tables, derived from the raw contract (`cs_metrics.contract`).

One suite per raw table, `raw.<source>.<table>`. From each contract column:

- schema: every required column exists (error); every column present has a type of its
  contract family (error; money also accepts integers);
- rows: not null unless the contract allows nulls (error); enumeration (`values`), range
  (`minimum`/`maximum`), code format (`code`: ISO-4217 currency, ISO-3166 alpha-2 country)
  and "not after the as-of date" (`not_future`) — errors; a reference to another table
  (`references`) — warning.

From each table: its unique key (error), plus the rules between columns or rows listed in
`_table_checks` (validity intervals, overlapping versions, payment before issue, ...).

Levels: `error` when the data breaks the contract or would corrupt money; `warning` when the
contract tolerates it and the pipeline handles it (listed in `_WARNINGS` with the reason).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from cs_metrics.contract import CODE_PATTERNS, TABLES, Column, Table
from cs_metrics.validate.checks import (
    DERIVED,
    ERROR,
    WARNING,
    Check,
    EarlierVersionsEnd,
    Level,
    Reference,
    Suite,
    between,
    in_set,
    matches,
    not_after,
    not_before,
    not_null,
    unique,
)
from cs_metrics.validate.contract import accepted_families

# Rules whose failure is a warning: the contract tolerates the data, the pipeline handles it.
_WARNINGS: dict[str, set[str]] = {
    # scores outside 0-10 are left out of NPS and listed as data-quality issues
    "crm.nps_responses": {"score.range"},
    # other priorities are kept, flagged and get the SLA of var support_default_priority;
    # solved_at is used by no metric
    "support.tickets": {"priority.in_set", "solved_at.not_before_opened_at"},
    # when the loader wrote a row: only breaks ties between versions
    "crm.accounts": {"_loaded_at.not_after_as_of", "account_versions.distinct"},
    "product.events": {"_loaded_at.not_after_as_of"},
}


def as_of_bound(as_of: dt.date) -> dt.datetime:
    """Timestamps must be before this instant: the start of the day after the as-of date."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())


def schema_checks(table_key: str, required: list[str], types: dict[str, list[str]]) -> list[Check]:
    """The schema part of a suite, run on a batch of one row per (contract) column present.

    The batch has the columns `column` (lower-case name), `type` (as stored) and `family`.
    `types` maps each column to its accepted families (no type check when empty).
    """
    checks = [
        Check(
            rule="columns.required_present",
            level=ERROR,
            description=f"every required column exists ({len(required)})",
            expectation="ExpectColumnDistinctValuesToContainSet",
            kwargs={"column": "column", "value_set": required},
            kind="schema",
            columns=("column",),
        )
    ]
    if types:
        checks.append(
            Check(
                rule="columns.types",
                level=ERROR,
                description="every column has a type of its contract family",
                expectation="ExpectColumnPairValuesToBeInSet",
                kwargs={
                    "column_A": "column",
                    "column_B": "family",
                    "value_pairs_set": [
                        [name, family] for name, families in types.items() for family in families
                    ],
                },
                kind="schema",
                columns=("column", "type", "family"),
            )
        )
    return checks


def _column_checks(table: Table, column: Column, as_of: dt.date) -> list[Check]:
    checks = []
    if not column.nullable:
        checks.append(not_null(column.name))
    if column.values:
        checks.append(in_set(column.name, column.values))
    if column.minimum is not None or column.maximum is not None:
        checks.append(
            between(
                column.name,
                column.minimum,
                column.maximum,
                strict_minimum=column.strict_minimum,
            )
        )
    if column.code:
        checks.append(matches(column.name, CODE_PATTERNS[column.code], column.code))
    if column.not_future:
        checks.append(not_after(column.name, as_of_bound(as_of), as_of))
    if column.references:
        source, name, parent_column = column.references.split(".")
        reference = Reference(column.name, f"{source}.{name}", parent_column)
        checks.append(
            Check(
                rule=f"{column.name}.references",
                level=WARNING,
                description=f"{column.name} exists in {source}.{name}.{parent_column}",
                expectation="ExpectColumnValuesToBeInSet",
                kwargs={"column": reference.derived_column, "value_set": [True]},
                columns=(column.name,),
                features=(reference,),
            )
        )
    return checks


def _table_checks(table: Table, present: set[str]) -> list[Check]:
    """Rules between columns or rows of one table."""
    key = table.key
    if key == "crm.accounts":
        # several versions of an account are fine; two with the same updated_at (and
        # _loaded_at) leave the choice of the current one arbitrary
        versions = ("account_id", "updated_at") + (
            ("_loaded_at",) if "_loaded_at" in present else ()
        )
        return [
            unique(
                versions,
                rule="account_versions.distinct",
                description=f"no two versions of an account share {' and '.join(versions[1:])}",
                nullable=("_loaded_at",),
            )
        ]
    if key == "billing.subscriptions":
        return [not_before("ended_at", "started_at")]
    if key == "billing.subscription_items":
        earlier = EarlierVersionsEnd("subscription_item_id", "valid_from", "valid_to")
        return [
            not_before("valid_to", "valid_from", strict=True),
            not_before(
                "valid_from",
                earlier.column,
                rule="versions.no_overlap",
                description=(
                    "versions of one subscription_item_id do not overlap"
                    f" ({earlier.column}: latest end of the earlier versions, 9999-12-31 = open)"
                ),
                features=(earlier,),
                columns=("valid_from", "valid_to", earlier.column),
            ),
        ]
    if key == "billing.invoices":
        # voided_at is optional: the check is left out when the column is
        return [not_before("paid_at", "issued_at"), not_before("voided_at", "issued_at")]
    if key == "billing.invoice_lines":
        return [not_before("period_end", "period_start")]
    if key == "support.tickets":
        return [not_before("first_response_at", "opened_at"), not_before("solved_at", "opened_at")]
    if key == "product.events":
        values = f"{DERIVED}event_id_occurred_at_values"
        delivered_once = unique(
            ("event_id",),
            level=WARNING,
            rule="event_id.delivered_once",
            description="each event is delivered once (copies are expected: staging keeps one)",
            extra=((values, "count(distinct occurred_at)"),),
            extra_columns=("occurred_at",),
        )
        delivered_once = replace(delivered_once, columns=("event_id", "occurred_at"))
        return [
            delivered_once,
            Check(
                rule="event_id.copies_agree",
                level=WARNING,
                description="copies of an event agree on occurred_at",
                expectation="ExpectColumnValuesToBeBetween",
                kwargs={"column": values, "max_value": 1},
                columns=("occurred_at", values),
                features=delivered_once.features,
                aligned_key=("event_id",),
            ),
        ]
    return []


def rule_level(table_key: str, rule: str, default: Level = ERROR) -> Level:
    """The level of a rule of a table (`_WARNINGS` lists the warnings)."""
    return WARNING if rule in _WARNINGS.get(table_key, set()) else default


def _level(table: Table, check: Check) -> Level:
    return rule_level(table.key, check.rule, check.level)


def raw_suite(table: Table, as_of: dt.date, present: set[str] | None = None) -> Suite:
    """The suite of one raw table; `present`: the contract columns the table has (default all).

    Checks on optional columns that are absent are left out.
    """
    present = {c.name for c in table.columns} if present is None else present
    checks = schema_checks(
        table.key,
        table.required_columns,
        {c.name: accepted_families(c) for c in table.columns},
    )
    row_checks: list[Check] = []
    if table.unique_key:
        row_checks.append(unique(table.unique_key))
    for column in table.columns:
        if column.name in present:
            row_checks.extend(_column_checks(table, column, as_of))
    row_checks.extend(_table_checks(table, present))
    for check in row_checks:
        needed = [c for c in check.columns if not c.startswith(DERIVED)]
        if all(c in present for c in needed):
            checks.append(check)
    checks = [replace(check, level=_level(table, check)) for check in checks]
    key = table.unique_key or tuple(c.name for c in table.columns[:1])
    return Suite(name=f"raw.{table.key}", table=table.key, key=key, checks=checks)


def table_rules(table: Table) -> list[Check]:
    """The checks of a table that are not about one column: its key, then `_table_checks`."""
    present = {c.name for c in table.columns}
    checks = ([unique(table.unique_key)] if table.unique_key else []) + _table_checks(
        table, present
    )
    return [replace(check, level=_level(table, check)) for check in checks]


def raw_suites(as_of: dt.date) -> list[Suite]:
    """The suite of every contract table, with every column present (as documented)."""
    return [raw_suite(table, as_of) for table in TABLES]


def parent_of(check: Check) -> Reference | None:
    """The reference a check follows, if any."""
    return next((f for f in check.features if isinstance(f, Reference)), None)
