"""Checks as code: each is one Great Expectations expectation, the rule's only definition.

A `Check` names a GX expectation class and its arguments (GX itself is imported only when a
suite runs, see `cs_metrics.validate.runner`) and a level (`error` or `warning`). The SQL
condition that lists the rows a row check may find unexpected (it may hold for more rows: GX
decides) is derived from the expectation and its arguments (`Check.condition`, one
translation per expectation class), so GX and the failure listing read one definition. The
row query of a table selects its columns (cast to the contract's type family), adds the
derived columns the checks need (`derived__...`: duplicate counts, foreign-key lookups, the
end of earlier versions, computed in the database over the whole table), and keeps only the
rows for which some check's condition holds, so GX reads the candidates instead of every row
(see `query_sql`).

A `Suite` is the set of checks of one table: schema checks, run against a small batch with one
row per column of the table (`column`, `type` as stored, type `family`), and row checks, run
against batches of rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from cs_metrics.rawfiles import sql_literal

Level = Literal["error", "warning"]
ERROR: Level = "error"
WARNING: Level = "warning"

DERIVED = "derived__"
# the end of an open validity interval in derived columns
OPEN_END = dt.datetime(9999, 12, 31)


@dataclass(frozen=True)
class Dialect:
    """The SQL that differs between DuckDB (Parquet files) and PostgreSQL."""

    name: Literal["duckdb", "postgres"]

    def quote(self, identifier: str) -> str:
        return '"' + identifier.replace('"', '""') + '"'

    def cast(self, expression: str, family: str) -> str:
        """Cast a physical column to the canonical type of its family."""
        target = {
            "text": "varchar",
            "integer": "bigint",
            "boolean": "boolean",
            "timestamp": "timestamp",
            "date": "date",
            "number": "double precision",
        }[family]
        return f"cast({expression} as {target})"

    def regex_mismatch(self, expression: str, pattern: str) -> str:
        literal = sql_literal(pattern)
        if self.name == "postgres":
            return f"{expression} !~ {literal}"
        return f"not regexp_matches({expression}, {literal})"

    def duplicate_filter(self, keys: list[str], relation: str) -> str | None:
        """A cheap pre-filter keeping (at least) every row whose key occurs twice, or None.

        DuckDB groups 64-bit hashes of the key first (far less memory than the keys
        themselves on tens of millions of rows); only rows whose hash repeats are grouped
        by their real key afterwards.
        """
        if self.name != "duckdb":
            return None
        hashed = f"hash({', '.join(keys)})"
        return f"{hashed} in (select {hashed} from {relation} group by 1 having count(*) > 1)"


# ---------------------------------------------------------------------------- table access


@dataclass(frozen=True)
class ColumnRef:
    """A column of a stored table: its name in the contract, its physical spelling, family."""

    name: str
    physical: str
    family: str


@dataclass(frozen=True)
class Relation:
    """A stored table as SQL: `sql` is what follows FROM (read_parquet(...) or schema.table)."""

    sql: str
    columns: dict[str, ColumnRef]  # by contract (lower-case) name

    def select(self, dialect: Dialect, names: list[str] | None = None) -> str:
        """`cast("Physical" as type) as name, ...` for the given (default: all) columns."""
        refs = [self.columns[n] for n in names] if names is not None else self.columns.values()
        return ", ".join(
            f"{dialect.cast(dialect.quote(ref.physical), ref.family)} as {ref.name}" for ref in refs
        )


# ---------------------------------------------------------------------------- features
# Derived columns a check needs, computed by the database over the whole table.


@dataclass(frozen=True)
class Duplicates:
    """derived__<alias>_copies: how many rows share the row's key (null when only one).

    `extra` adds aggregates over the rows of a duplicated key, as (column name, SQL
    aggregate); `extra_columns` are the table columns those aggregates read.
    """

    keys: tuple[str, ...]
    alias: str
    extra: tuple[tuple[str, str], ...] = ()
    extra_columns: tuple[str, ...] = ()
    nullable: tuple[str, ...] = ()  # key columns that may be null (compared null-safely)

    @property
    def column(self) -> str:
        return f"{DERIVED}{self.alias}_copies"

    def join(self, dialect: Dialect, relation: Relation) -> str:
        names = list(dict.fromkeys([*self.keys, *self.extra_columns]))
        inner = f"select {relation.select(dialect, names)} from {relation.sql}"
        prefilter = dialect.duplicate_filter(list(self.keys), f"({inner}) as h")
        where = f" where {prefilter}" if prefilter else ""
        aggregates = "".join(f", {agg} as {name}" for name, agg in self.extra)
        keys = ", ".join(self.keys)
        alias = f"dup_{self.alias}"
        condition = " and ".join(
            f"b.{k} is not distinct from {alias}.{k}"
            if k in self.nullable
            else f"b.{k} = {alias}.{k}"
            for k in self.keys
        )
        return (
            f"left join (select {keys}, count(*) as copies{aggregates}"
            f" from ({inner}) as d{where} group by {keys} having count(*) > 1) as {alias}"
            f" on {condition}"
        )

    def derived(self) -> list[str]:
        alias = f"dup_{self.alias}"
        return [f"{alias}.copies as {self.column}"] + [
            f"{alias}.{name} as {name}" for name, _ in self.extra
        ]


@dataclass(frozen=True)
class Reference:
    """derived__<column>_found: whether the row's <column> exists in the parent table.

    Null when <column> is null; the parent is read from its own stored relation.
    """

    column: str
    parent: str  # "<source>.<table>"
    parent_column: str

    @property
    def derived_column(self) -> str:
        return f"{DERIVED}{self.column}_found"

    def join(self, dialect: Dialect, parent: Relation) -> str:
        ref = parent.columns[self.parent_column]
        key = dialect.cast(dialect.quote(ref.physical), ref.family)
        alias = f"ref_{self.column}"
        return (
            f"left join (select distinct {key} as k from {parent.sql}) as {alias}"
            f" on b.{self.column} = {alias}.k"
        )

    def derived(self) -> list[str]:
        alias = f"ref_{self.column}"
        return [
            f"case when b.{self.column} is null then null when {alias}.k is null then false"
            f" else true end as {self.derived_column}"
        ]


@dataclass(frozen=True)
class EarlierVersionsEnd:
    """derived__earlier_versions_end: the latest end of the earlier versions of the same id.

    Versions are ordered by (start, end); an open end counts as 9999-12-31. Null for the
    first version. A version overlaps an earlier one exactly when its start is before this.
    """

    id: str
    start: str
    end: str

    column = f"{DERIVED}earlier_versions_end"

    def derived(self) -> list[str]:
        return [
            f"max(coalesce(b.{self.end}, {sql_literal(OPEN_END)})) over ("
            f"partition by b.{self.id} order by b.{self.start}, b.{self.end} nulls last"
            f" rows between unbounded preceding and 1 preceding) as {self.column}"
        ]


Feature = Duplicates | Reference | EarlierVersionsEnd


# ---------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class Check:
    """One expectation of a suite: the GX expectation is the rule's only definition.

    The SQL that lists the rows it may find unexpected (`condition`) is derived from the
    expectation and its arguments, never written beside it.
    """

    rule: str  # unique within the suite, e.g. "currency.iso_code"
    level: Level
    description: str  # one line, for people
    expectation: str  # GX class in great_expectations.expectations
    kwargs: dict[str, Any]
    kind: Literal["schema", "rows"] = "rows"
    columns: tuple[str, ...] = ()  # columns the check reads (shown in examples)
    features: tuple[Feature, ...] = ()
    aligned_key: tuple[str, ...] = ()  # all rows of one key must be in the same batch

    def condition(self, dialect: Dialect) -> str | None:
        """A SQL condition true for every row the expectation may find unexpected."""
        if self.kind != "rows":
            return None
        return _CONDITIONS[self.expectation](self, dialect)

    @property
    def expectation_type(self) -> str:
        """The GX snake_case name, e.g. expect_column_values_to_not_be_null."""
        name = self.expectation
        return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def _not_null(check: Check, dialect: Dialect) -> str:
    return f"{check.kwargs['column']} is null"


def _in_set(check: Check, dialect: Dialect) -> str:
    values = ", ".join(sql_literal(v) for v in check.kwargs["value_set"])
    return f"{check.kwargs['column']} not in ({values})"


def _between(check: Check, dialect: Dialect) -> str:
    column, kwargs, conditions = check.kwargs["column"], check.kwargs, []
    if kwargs.get("min_value") is not None:
        below = "<=" if kwargs.get("strict_min") else "<"
        conditions.append(f"{column} {below} {sql_literal(kwargs['min_value'])}")
    if kwargs.get("max_value") is not None:
        above = ">=" if kwargs.get("strict_max") else ">"
        conditions.append(f"{column} {above} {sql_literal(kwargs['max_value'])}")
    return " or ".join(conditions)


def _regex(check: Check, dialect: Dialect) -> str:
    return dialect.regex_mismatch(check.kwargs["column"], check.kwargs["regex"])


def _pair(check: Check, dialect: Dialect) -> str:
    kwargs = check.kwargs
    return f"{kwargs['column_A']} {'<' if kwargs['or_equal'] else '<='} {kwargs['column_B']}"


def _unique(check: Check, dialect: Dialect) -> str:
    duplicates = next(f for f in check.features if isinstance(f, Duplicates))
    return f"{duplicates.column} is not null"


_CONDITIONS = {
    "ExpectColumnValuesToNotBeNull": _not_null,
    "ExpectColumnValuesToBeInSet": _in_set,
    "ExpectColumnValuesToBeBetween": _between,
    "ExpectColumnValuesToMatchRegex": _regex,
    "ExpectColumnPairValuesAToBeGreaterThanB": _pair,
    "ExpectColumnValuesToBeUnique": _unique,
    "ExpectCompoundColumnsToBeUnique": _unique,
}


@dataclass
class Suite:
    """The checks of one table (`name`: raw.<source>.<table> or marts.<model>)."""

    name: str
    table: str
    key: tuple[str, ...]  # columns identifying a row in examples (may be empty)
    checks: list[Check] = field(default_factory=list)

    @property
    def schema_checks(self) -> list[Check]:
        return [c for c in self.checks if c.kind == "schema"]

    @property
    def row_checks(self) -> list[Check]:
        return [c for c in self.checks if c.kind == "rows"]


def query_sql(
    dialect: Dialect,
    relation: Relation,
    checks: list[Check],
    parents: dict[str, Relation],
    *,
    prefilter: bool = True,
    order_by: tuple[str, ...] = (),
) -> str:
    """The row query of a table for its row checks.

    Selects the table's columns and the checks' derived columns; with `prefilter`, only the
    rows some check may find unexpected (every row otherwise). Ordered by `order_by` so that
    the rows of one key can be kept in one batch.
    """
    features: dict[Any, Feature] = {}
    for check in checks:
        for feature in check.features:
            features.setdefault(feature, feature)
    joins, derived = [], []
    for feature in features:
        if isinstance(feature, Duplicates):
            joins.append(feature.join(dialect, relation))
        elif isinstance(feature, Reference):
            joins.append(feature.join(dialect, parents[feature.parent]))
        derived.extend(feature.derived())
    select = ", ".join(["b.*", *derived])
    sql = (
        f"select {select} from (select {relation.select(dialect)} from {relation.sql}) as b"
        + "".join(f" {join}" for join in joins)
    )
    conditions = [f"({c.condition(dialect)})" for c in checks]
    if prefilter and conditions:
        sql = f"select * from ({sql}) as c where {' or '.join(conditions)}"
    elif prefilter:
        sql = f"select * from ({sql}) as c where false"
    else:
        sql = f"select * from ({sql}) as c"
    if order_by:
        sql += " order by " + ", ".join(f"{name} nulls last" for name in order_by)
    return sql


# ---------------------------------------------------------------------------- check helpers


def not_null(column: str, level: Level = ERROR) -> Check:
    return Check(
        rule=f"{column}.not_null",
        level=level,
        description=f"{column} is never null",
        expectation="ExpectColumnValuesToNotBeNull",
        kwargs={"column": column},
        columns=(column,),
    )


def in_set(column: str, values: tuple[str, ...], level: Level = ERROR) -> Check:
    return Check(
        rule=f"{column}.in_set",
        level=level,
        description=f"{column} is one of {', '.join(values)}",
        expectation="ExpectColumnValuesToBeInSet",
        kwargs={"column": column, "value_set": list(values)},
        columns=(column,),
    )


def between(
    column: str,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    strict_minimum: bool = False,
    level: Level = ERROR,
    rule: str | None = None,
    description: str | None = None,
) -> Check:
    kwargs: dict[str, Any] = {"column": column}
    if minimum is not None:
        kwargs["min_value"] = minimum
        kwargs["strict_min"] = strict_minimum
    if maximum is not None:
        kwargs["max_value"] = maximum
    if minimum is not None and maximum is not None and not strict_minimum:
        words = f"is between {_number(minimum)} and {_number(maximum)}"
    else:
        bounds = []
        if minimum is not None:
            bounds.append(f"{'>' if strict_minimum else '≥'} {_number(minimum)}")
        if maximum is not None:
            bounds.append(f"≤ {_number(maximum)}")
        words = " and ".join(bounds)
    return Check(
        rule=rule or f"{column}.range",
        level=level,
        description=description or f"{column} {words}",
        expectation="ExpectColumnValuesToBeBetween",
        kwargs=kwargs,
        columns=(column,),
    )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def not_after(column: str, bound: dt.datetime, as_of: dt.date, level: Level = ERROR) -> Check:
    """column < bound (the start of the day after the as-of date)."""
    return Check(
        rule=f"{column}.not_after_as_of",
        level=level,
        description=f"{column} is not after the as-of date ({as_of:%Y-%m-%d})",
        expectation="ExpectColumnValuesToBeBetween",
        kwargs={"column": column, "max_value": bound, "strict_max": True},
        columns=(column,),
    )


def matches(column: str, pattern: str, name: str, level: Level = ERROR) -> Check:
    return Check(
        rule=f"{column}.code_format",
        level=level,
        description=f"{column} is an {name} code ({pattern})",
        expectation="ExpectColumnValuesToMatchRegex",
        kwargs={"column": column, "regex": pattern},
        columns=(column,),
    )


def not_before(
    later: str,
    earlier: str,
    *,
    strict: bool = False,
    level: Level = ERROR,
    rule: str | None = None,
    description: str | None = None,
    features: tuple[Feature, ...] = (),
    columns: tuple[str, ...] = (),
) -> Check:
    """later >= earlier (later > earlier when strict); rows where either is null are skipped."""
    return Check(
        rule=rule or f"{later}.{'after' if strict else 'not_before'}_{earlier}",
        level=level,
        description=description or f"{later} is {'after' if strict else 'not before'} {earlier}",
        expectation="ExpectColumnPairValuesAToBeGreaterThanB",
        kwargs={
            "column_A": later,
            "column_B": earlier,
            "or_equal": not strict,
            "ignore_row_if": "either_value_is_missing",
        },
        columns=columns or (earlier, later),
        features=features,
    )


def unique(
    key: tuple[str, ...],
    *,
    level: Level = ERROR,
    rule: str | None = None,
    description: str | None = None,
    nullable: tuple[str, ...] = (),
    extra: tuple[tuple[str, str], ...] = (),
    extra_columns: tuple[str, ...] = (),
) -> Check:
    """No two rows share the key (GX unique on batches that keep each key together)."""
    duplicates = Duplicates(key, "_".join(key), extra, extra_columns, nullable)
    kwargs: dict[str, Any]
    if len(key) == 1:
        expectation, kwargs = "ExpectColumnValuesToBeUnique", {"column": key[0]}
    else:
        expectation, kwargs = "ExpectCompoundColumnsToBeUnique", {"column_list": list(key)}
    return Check(
        rule=rule or f"{'+'.join(key)}.unique",
        level=level,
        description=description or f"{' + '.join(key)} identifies one row",
        expectation=expectation,
        kwargs=kwargs,
        columns=key,
        features=(duplicates,),
        aligned_key=key,
    )
