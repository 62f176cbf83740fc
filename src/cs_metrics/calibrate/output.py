"""What `cs-metrics calibrate` writes: the text report, the JSON, the BI table.

The table's columns are described in `cs_metrics.calibrate.command` and
docs/health-calibration.md. It goes to `<out-dir>/health_calibration.parquet` and, unless
--no-write, into the warehouse as `<marts schema>.health_calibration` (replaced on every
run): DuckDB opens its file read-write only for this write, after the read connection is
closed; PostgreSQL writes in one transaction and grants select to the BI role (var bi_role)
when that role exists; on Spark the Parquet file is the output (it is not registered in the
metastore).
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from cs_metrics.calibrate.calibration import (
    CONFIGURED,
    PROPOSED,
    CalibrationResult,
    heldout_comparison,
    outcome_label,
    result_verdict,
)
from cs_metrics.calibrate.data import (
    COMPONENTS,
    HORIZONS,
    TARGET_HORIZON,
    TARGET_OUTCOME,
    CalibrationError,
    month_label,
)
from cs_metrics.calibrate.intervals import LEVEL, RESAMPLES, SEED, Interval, level_label
from cs_metrics.project import MARTS_SCHEMA

TABLE_NAME = "health_calibration"
REPORT_WIDTH = 100  # prose lines of the text report are wrapped here
DEFAULT_OUT_DIR = Path("target/calibration")

# (column, Arrow type, PostgreSQL type), in table order
COLUMNS: tuple[tuple[str, pa.DataType, str], ...] = (
    ("calibrated_at", pa.timestamp("us"), "timestamp"),
    ("target", pa.string(), "text"),
    ("split", pa.string(), "text"),
    ("outcome", pa.string(), "text"),
    ("horizon_months", pa.int32(), "integer"),
    ("scorer", pa.string(), "text"),
    ("scorer_kind", pa.string(), "text"),
    ("train_end_month", pa.date32(), "date"),
    ("first_month", pa.date32(), "date"),
    ("last_month", pa.date32(), "date"),
    ("outcomes_through_month", pa.date32(), "date"),
    ("rows", pa.int64(), "bigint"),
    ("rows_missing_score", pa.int64(), "bigint"),
    ("positives", pa.int64(), "bigint"),
    ("outcome_rate", pa.float64(), "double precision"),
    ("auc", pa.float64(), "double precision"),
    ("worst_decile_rate", pa.float64(), "double precision"),
    ("worst_decile_lift", pa.float64(), "double precision"),
    ("red_rows", pa.int64(), "bigint"),
    ("red_rate", pa.float64(), "double precision"),
    ("yellow_rows", pa.int64(), "bigint"),
    ("yellow_rate", pa.float64(), "double precision"),
    ("green_rows", pa.int64(), "bigint"),
    ("green_rate", pa.float64(), "double precision"),
    ("configured_weight", pa.float64(), "double precision"),
    ("proposed_weight", pa.float64(), "double precision"),
    ("proposed_weight_p10", pa.float64(), "double precision"),
    ("proposed_weight_p90", pa.float64(), "double precision"),
    ("auc_interval_low", pa.float64(), "double precision"),
    ("auc_interval_high", pa.float64(), "double precision"),
    ("worst_decile_lift_interval_low", pa.float64(), "double precision"),
    ("worst_decile_lift_interval_high", pa.float64(), "double precision"),
    ("auc_difference_interval_low", pa.float64(), "double precision"),
    ("auc_difference_interval_high", pa.float64(), "double precision"),
)
TABLE_SCHEMA = pa.schema([(name, arrow_type) for name, arrow_type, _ in COLUMNS])

SPLIT_RULE = (
    "out of time: a training row of horizon h is a month M with M + h <= train_end (its"
    " components and its whole outcome window lie on or before train_end); a held-out row is"
    " a month M > train_end whose outcome is known (M + h <= latest complete month)."
)
DEFAULT_SPLIT_RULE = (
    "default train_end = last month with a known 6-month outcome - round(months with a known"
    " 6-month outcome / 3): the last third of those months is held out."
)
IMPUTATION_RULE = (
    "components standardised with the training mean and standard deviation; a null component"
    " is imputed with the training mean (0 standardised) plus a missing indicator per"
    " component that is null in training; the indicators get no weight."
)
WEIGHT_RULE = (
    "coefficient per component point = standardised coefficient / training std; weight"
    " proportional to max(0, -coefficient) (higher component = lower risk; a component with a"
    " zero or positive coefficient gets 0), scaled to 100 and rounded by largest remainder."
)


@dataclass
class Written:
    """Where the outputs went."""

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    table: str | None = None  # schema.table written in the warehouse
    table_note: str = ""  # why no table was written
    table_error: str | None = None  # the write failed: what to do


def to_table(result: CalibrationResult) -> pa.Table:
    """The health_calibration table as Arrow."""
    return pa.Table.from_pylist(
        [{name: row[name] for name, _, _ in COLUMNS} for row in result.rows], schema=TABLE_SCHEMA
    )


def summary(result: CalibrationResult, written: Written | None = None) -> dict[str, Any]:
    """Everything of the calibration as JSON-ready data (calibration.json)."""
    obs = result.observations
    model = result.model
    split = result.split
    verdict = result_verdict(result)

    def plain(row: dict[str, Any]) -> dict[str, Any]:
        return {
            key: value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
            for key, value in row.items()
        }

    return {
        "calibrated_at": result.calibrated_at.isoformat(),
        "target": result.target,
        "engine": result.engine,
        "source": f"{MARTS_SCHEMA}.fct_account_months",
        "latest_complete_month": month_label(obs.latest_complete),
        "observations": {
            "rows": len(obs),
            "first_month": month_label(int(obs.month.min())),
            "last_month": month_label(int(obs.month.max())),
            "definition": (
                "account-months of complete months with mrr > 0 whose outcome horizon is known"
                " (M + h <= latest complete month)"
            ),
            "outcomes": {
                "churn": "mrr reaches 0 in one of M+1 .. M+h",
                "churn_or_contraction": "a churn or contraction movement in one of M+1 .. M+h",
            },
            "horizons_months": list(HORIZONS),
        },
        "split": {
            "train_end_month": month_label(split.train_end),
            "heldout_start_month": month_label(split.heldout_start),
            "rule": SPLIT_RULE,
            "default_rule": DEFAULT_SPLIT_RULE,
            "windows": result.windows,
        },
        "thresholds": {
            "min_rows_per_window": result.thresholds.min_rows,
            "min_positives_per_window": result.thresholds.min_positives,
            "min_months_with_known_6m_outcome": result.thresholds.min_months,
            "applies_to": f"{TARGET_OUTCOME} within {TARGET_HORIZON} months",
        },
        "bands": {"yellow_min": result.settings.yellow_min, "green_min": result.settings.green_min},
        "fit": {
            "outcome": TARGET_OUTCOME,
            "horizon_months": TARGET_HORIZON,
            "method": "L2-regularised logistic regression (scikit-learn, lbfgs)",
            "regularisation_c": model.regularisation_c,
            "imputation": IMPUTATION_RULE,
            "weight_mapping": WEIGHT_RULE,
            "components": list(model.components),
            "dropped_components": model.dropped,
            "training_means": model.means,
            "training_stds": model.stds,
            "missing_indicators": list(model.indicators),
            "coef_standardised": model.coef_standardised,
            "coef_per_point": model.coef_per_point,
            "missing_indicator_coef": model.indicator_coef,
            "intercept": model.intercept,
            "model_probability_auc": result.model_auc,
        },
        "weights": {
            "configured": result.settings.weights,
            "proposed": model.weights,
            "proposed_unrounded": model.shares,
            "proposed_bootstrap": {
                "method": (
                    "refit on resamples of the training accounts drawn with replacement (an"
                    " account's months stay together); p10/p90 of the unrounded weight and the"
                    " share of resamples giving the component any weight"
                ),
                "components": result.weight_ranges,
            },
        },
        "configured_score_check": result.score_check,
        "intervals": {
            "method": (
                "account bootstrap of the held-out rows: the accounts numbered in sorted id"
                " order, resample b draws as many with replacement with"
                " numpy.random.default_rng([seed, b]).integers(0, A, A); an account's rows"
                " come as often as it is drawn; percentile interval over the resamples where"
                " the figure is defined; configured and proposed on the same resamples"
            ),
            "resamples": RESAMPLES,
            "level": LEVEL,
            "seed": SEED,
        },
        "heldout_comparison": [
            {**item, "intervals": item["intervals"].as_dict()}
            for item in heldout_comparison(result)
        ],
        "verdict": verdict.as_dict(),
        "metrics": [plain(row) for row in result.rows],
        # the vars to paste, only when the verdict is to adopt the proposed weights
        "var_block": result.var_block() if verdict.adopt else None,
        "outputs": (
            {
                "files": {name: str(path) for name, path in written.files.items()},
                "table": written.table,
                "table_note": written.table_note,
            }
            if written
            else {}
        ),
        "seconds": round(result.seconds, 2),
    }


# ------------------------------------------------------------------------------------ report
def _figure(value: float | None, pattern: str = "{:.3f}") -> str:
    return "–" if value is None else pattern.format(value)


def _with_interval(value: float | None, spread: Interval, pattern: str) -> str:
    """'0.715 [0.690, 0.741]'."""
    if value is None:
        return "–"
    if spread.low is None or spread.high is None:
        return pattern.format(value)
    return f"{pattern.format(value)} [{pattern.format(spread.low)}, {pattern.format(spread.high)}]"


def comparison_lines(result: CalibrationResult) -> list[str]:
    """The held-out comparison of the configured and proposed score (report and docs): AUC,
    worst-decile lift and the difference proposed − configured with their intervals, the
    outcome the weights were fitted for first."""
    items = heldout_comparison(result)
    lines = [
        "Held-out ranking, configured vs proposed weights: AUC and worst-decile lift with"
        f" {level_label()}",
        f"intervals over {RESAMPLES} resamples of the held-out accounts (* = the outcome the"
        " weights were fitted for):",
        f"  {'outcome':<37}{'rows':>7}{'events':>7}  {'AUC configured':<22}"
        f"{'AUC proposed':<22}difference",
    ]
    for item in items:
        name, (configured, proposed, difference) = _comparison_cells(item, "auc", "{:.3f}")
        lines.append(
            f"{name:<39}{item['rows']:>7,}{item['positives']:>7,}  "
            f"{configured:<22}{proposed:<22}{difference}"
        )
    lines += [
        "",
        f"  {'worst-decile lift':<51}{'configured':<20}{'proposed':<20}difference",
    ]
    for item in items:
        name, cells = _comparison_cells(item, "worst_decile_lift", "{:.2f}")
        lines.append(f"{name:<53}{cells[0]:<20}{cells[1]:<20}{cells[2]}")
    return lines


def _comparison_cells(item: dict[str, Any], figure: str, pattern: str) -> tuple[str, list[str]]:
    """The outcome's name and the configured, proposed and difference cells of one figure
    (auc or worst_decile_lift) of a held-out comparison item, each with its interval."""
    spans = item["intervals"]
    first, second, paired = {
        "auc": (spans.first_auc, spans.second_auc, spans.auc_difference),
        "worst_decile_lift": (spans.first_lift, spans.second_lift, spans.lift_difference),
    }[figure]
    configured, proposed = item[f"configured_{figure}"], item[f"proposed_{figure}"]
    difference = None if configured is None or proposed is None else proposed - configured
    name = ("* " if item["fitted"] else "  ") + outcome_label(
        item["outcome"], item["horizon_months"]
    )
    return name, [
        _with_interval(configured, first, pattern),
        _with_interval(proposed, second, pattern),
        _with_interval(difference, paired, pattern.replace("{:", "{:+")),
    ]


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def render_report(result: CalibrationResult, written: Written | None = None) -> str:
    """The short text report (stdout and report.txt)."""
    obs = result.observations
    split = result.split
    model = result.model
    lines = [
        f"Health calibration — target {result.target} ({result.engine}), latest complete month"
        f" {month_label(obs.latest_complete)}",
        f"Observations: {len(obs):,} active account-months, {month_label(int(obs.month.min()))}"
        f" … {month_label(int(obs.month.max()))}",
        f"Out-of-time split: train-end {month_label(split.train_end)}; training rows have"
        " M + h ≤ train-end, held-out rows M > train-end",
    ]
    for horizon in HORIZONS:
        window = result.windows[f"{horizon}m"]
        train = result.row("train", TARGET_OUTCOME, horizon, CONFIGURED)
        heldout = result.row("heldout", TARGET_OUTCOME, horizon, CONFIGURED)
        train_rows = train["rows"] + train["rows_missing_score"]
        heldout_rows = heldout["rows"] + heldout["rows_missing_score"]
        lines.append(
            f"  {horizon} months: train {window['train_first_month']} … "
            f"{window['train_last_month']} ({train_rows:,} rows, outcomes through"
            f" {window['train_outcomes_through']}), held-out {window['heldout_first_month']} …"
            f" {window['heldout_last_month']} ({heldout_rows:,} rows)"
        )
    lines += [
        "",
        f"Weights fitted on the training window ({TARGET_OUTCOME.replace('_', ' ')} within"
        f" {TARGET_HORIZON} months, L2 logistic regression, C={model.regularisation_c:g}):",
        f"  {'component':<17}{'configured':>11}{'proposed':>10}{'p10–p90':>10}{'coef/pt':>10}"
        f"{'AUC c/c 6m':>12}{'AUC churn 6m':>14}  (held-out; c/c: churn or contraction)",
    ]
    for component in COMPONENTS:
        scorer = f"{component}_score"
        churn = result.row("heldout", "churn", 6, scorer)
        lost = result.row("heldout", "churn_or_contraction", 6, scorer)
        coef = model.coef_per_point.get(component)
        spread = result.weight_ranges[component]
        span = f"{spread['p10']:.0f}–{spread['p90']:.0f}"
        lines.append(
            f"  {component:<17}{result.settings.weights[component]:>11g}"
            f"{model.weights[component]:>10}{span:>10}{_figure(coef, '{:+.4f}'):>10}"
            f"{_figure(lost['auc']):>12}{_figure(churn['auc']):>14}"
        )
    verdict = result_verdict(result)
    lines += [
        "",
        *comparison_lines(result),
        "",
        *textwrap.wrap(f"Verdict: {verdict.text}", width=REPORT_WIDTH, subsequent_indent="  "),
    ]
    lines += [
        "",
        f"Held-out outcome rate per status band ({outcome_label(TARGET_OUTCOME, TARGET_HORIZON)};"
        f" red < {result.settings.yellow_min:g} ≤ yellow <"
        f" {result.settings.green_min:g} ≤ green):",
    ]
    for scorer, name in ((CONFIGURED, "configured"), (PROPOSED, "proposed")):
        row = result.row("heldout", TARGET_OUTCOME, TARGET_HORIZON, scorer)
        lines.append(
            f"  {name:<11} "
            + "  ".join(
                f"{band} {_percent(row[f'{band}_rate'])} of {row[f'{band}_rows']:,}"
                for band in ("red", "yellow", "green")
            )
        )
    if not result.score_check["matches"]:
        lines += [
            "",
            "WARNING: health_score in the warehouse does not follow the weights in"
            " dbt_project.yml (max difference"
            f" {result.score_check['max_abs_difference']:.4f}): it was built with other weights"
            " (--vars?). 'configured' figures are those of the stored health_score.",
        ]
    if model.dropped:
        lines += [""] + [
            f"Note: {component} {why}; it gets weight 0."
            for component, why in model.dropped.items()
        ]
    if verdict.adopt:
        lines += [
            "",
            "To use the proposed weights, set these vars in dbt_project.yml and rebuild:",
            *(f"  {line}" for line in result.var_block().splitlines()),
        ]
    else:
        lines += ["", "No vars to paste: the verdict is to keep the configured weights."]
    lines += ["", f"Calibrated in {result.seconds:.1f} s."]
    if written:
        files = ", ".join(str(path) for path in written.files.values())
        lines.append(f"Written: {files}")
        lines.append(
            f"Table: {written.table}"
            if written.table
            else f"Table: not written ({written.table_note})"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ writes
def write_outputs(
    result: CalibrationResult,
    *,
    out_dir: Path | None = None,
    write_table: bool = True,
    progress: Callable[[str], None] | None = None,
    project_dir: Path | None = None,
) -> Written:
    """Write the Parquet file, the JSON, the report and (unless write_table is False) the
    warehouse table. When the table cannot be written, the files still are and
    Written.table_error says why."""
    from cs_metrics.project import find_project_dir

    say = progress or (lambda _message: None)
    project = find_project_dir(project_dir)
    folder = out_dir or project / DEFAULT_OUT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = Written(out_dir=folder)
    table = to_table(result)
    written.files["parquet"] = folder / f"{TABLE_NAME}.parquet"
    pq.write_table(table, written.files["parquet"])
    written.files["json"] = folder / "calibration.json"
    written.files["report"] = folder / "report.txt"
    if not write_table:
        written.table_note = "--no-write"
    elif result.engine == "spark":
        written.table_note = (
            "Spark target: the Parquet file is the output; it is not registered in the metastore"
        )
    else:
        say(f"Writing {MARTS_SCHEMA}.{TABLE_NAME} on target {result.target} ...")
        try:
            written.table = write_warehouse_table(result, table, project)
        except CalibrationError as exc:
            written.table_note = "the write failed, see the message below"
            written.table_error = (
                f"{exc} The files in {folder} were written; re-run when the warehouse is"
                " writable, or pass --no-write."
            )
    written.files["json"].write_text(
        json.dumps(summary(result, written), indent=2, default=str) + "\n", encoding="utf-8"
    )
    written.files["report"].write_text(render_report(result, written) + "\n", encoding="utf-8")
    return written


def write_warehouse_table(result: CalibrationResult, table: pa.Table, project_dir: Path) -> str:
    """Replace <marts>.health_calibration in the warehouse of the result's target."""
    name = f"{MARTS_SCHEMA}.{TABLE_NAME}"
    if result.engine == "duckdb":
        import duckdb

        if result.duckdb_path is None:
            raise CalibrationError("the DuckDB file of the target is unknown")
        try:
            connection = duckdb.connect(str(result.duckdb_path))
        except duckdb.Error as exc:
            from cs_metrics.warehouse import duckdb_problem

            raise CalibrationError(duckdb_problem(result.duckdb_path, exc)) from exc
        try:
            connection.register("calibration_rows", table)
            connection.execute(f'create schema if not exists "{MARTS_SCHEMA}"')
            connection.execute(
                f'create or replace table "{MARTS_SCHEMA}"."{TABLE_NAME}" as'
                " select * from calibration_rows"
            )
        finally:
            connection.close()
        return name
    if result.engine == "postgres":
        return _write_postgres(result, table, project_dir)
    raise CalibrationError(f"cannot write a table on a {result.engine} target")


def _write_postgres(result: CalibrationResult, table: pa.Table, project_dir: Path) -> str:
    from cs_metrics.project import ProjectError, connect_postgres, read_target

    try:
        connection = connect_postgres(read_target(project_dir / "profiles", result.target))
    except ProjectError as exc:
        raise CalibrationError(str(exc)) from exc
    import psycopg2
    from psycopg2.extras import execute_values

    qualified = f'"{MARTS_SCHEMA}"."{TABLE_NAME}"'
    columns = ", ".join(f'"{name}" {pg_type}' for name, _, pg_type in COLUMNS)
    names = ", ".join(f'"{name}"' for name, _, _ in COLUMNS)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f'create schema if not exists "{MARTS_SCHEMA}"')
            cursor.execute(f"drop table if exists {qualified}")
            cursor.execute(f"create table {qualified} ({columns})")
            records = [tuple(row.values()) for row in table.to_pylist()]
            execute_values(cursor, f"insert into {qualified} ({names}) values %s", records)
            role = result.settings.bi_role
            if role:
                cursor.execute("select 1 from pg_catalog.pg_roles where rolname = %s", [role])
                if cursor.fetchone():
                    quoted = '"' + role.replace('"', '""') + '"'
                    cursor.execute(f"grant select on {qualified} to {quoted}")
    except psycopg2.Error as exc:
        raise CalibrationError(
            f"cannot write {MARTS_SCHEMA}.{TABLE_NAME} on PostgreSQL ({exc}); the user of the"
            " profile needs create and insert rights on the marts schema."
        ) from exc
    finally:
        connection.close()
    return f"{MARTS_SCHEMA}.{TABLE_NAME}"
