"""`cs-metrics calibrate`: does health rank churn risk, and which weights would rank it better?

Reads `marts.fct_account_months` of a dbt target (read-only, through
`cs_metrics.warehouse.open_warehouse`), builds the observation set (active account-months of
complete months with their churn and churn-or-contraction outcomes within 3 and 6 months,
`calibrate/data.py`), splits it out of time (training rows' outcome windows end on or before
--train-end, held-out rows are later months), measures every component and score on both
windows (`calibrate/metrics.py`), fits proposed weights on the training window
(`calibrate/model.py`) and compares the configured with the proposed score on the held-out
months, with account-bootstrap intervals (`calibrate/intervals.py`) that the verdict uses
(`calibrate/verdict.py`). Output (`calibrate/output.py`): a text report on stdout and in
`target/calibration/report.txt`, everything in `target/calibration/calibration.json`, and the
BI table `health_calibration` (Parquet file, and a table in the marts schema unless
--no-write).

The table `health_calibration` has one row per (split, outcome, horizon_months, scorer):

- calibrated_at (timestamp, UTC): when the calibration ran; target (text): the dbt target read;
- split (text): the window, `train` or `heldout` ("window" is a reserved word in SQL);
- outcome (text): `churn` (MRR reaches 0 in M+1 … M+h) or `churn_or_contraction` (a churn or
  contraction movement in M+1 … M+h); horizon_months (integer): h, 3 or 6;
- scorer (text): a component (`utilization_score` … `support_score`), `outcome_score`,
  `experience_score`, `health_score` (the score as built, configured weights) or
  `proposed_health_score` (the same formula with the proposed weights);
  scorer_kind (text): `component`, `group_score`, `configured_weights`, `proposed_weights`;
- train_end_month (date): the last month of the training period; first_month, last_month
  (date): the first and last observation month M of the window's rows for this horizon;
  outcomes_through_month (date): last_month + h, the last month whose movements count;
- rows (bigint): account-months with a score; rows_missing_score (bigint): rows of the window
  left out because the score is null; positives (bigint): rows with the outcome;
  outcome_rate (double): positives ÷ rows;
- auc (double): area under the ROC curve of −score (a lower score should mean more risk):
  1 perfect, 0.5 chance, below 0.5 the score ranks the wrong way; null with one class only;
- worst_decile_rate (double): outcome rate of the lowest-scoring 10% of the rows (ties at the
  boundary shared pro rata); worst_decile_lift (double): worst_decile_rate ÷ outcome_rate;
- red_rows, yellow_rows, green_rows (bigint) and red_rate, yellow_rate, green_rate (double):
  rows and outcome rate per status band of the score (red < health_yellow_min ≤ yellow <
  health_green_min ≤ green, the vars of dbt_project.yml);
- configured_weight, proposed_weight (double): the component's weight (component rows only);
  proposed_weight_p10, proposed_weight_p90 (double): the 10th and 90th percentile of its
  (unrounded) proposed weight over bootstrap resamples of the training accounts: how firmly
  the data supports it;
- auc_interval_low, auc_interval_high, worst_decile_lift_interval_low,
  worst_decile_lift_interval_high (double): the 90 % account-bootstrap interval of auc and
  worst_decile_lift (held-out rows of health_score and proposed_health_score only);
  auc_difference_interval_low, auc_difference_interval_high (double): that of the AUC
  difference proposed − configured, on the proposed_health_score row (calibrate/intervals.py).

Exit codes: 0 done, 1 the warehouse cannot be read or written, 2 refused (too little history
or too few outcomes: the message says what is missing and what to do).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path


def _month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {value!r}") from exc


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `cs-metrics calibrate`."""
    parser = sub.add_parser(
        "calibrate",
        help="test how well health ranks churn risk and propose better-ranking weights",
        description=(
            "Measure how well each health component and the health score rank churn and"
            " churn-or-contraction risk within 3 and 6 months (AUC, worst-decile lift, rate per"
            " status band) on a training window and on later held-out months, fit proposed"
            " weights on the training window (regularised logistic regression) and compare"
            " them with the configured weights on the held-out months. Reads the marts of a"
            " dbt target; writes target/calibration/ and the table <marts>.health_calibration."
        ),
    )
    parser.add_argument(
        "--target",
        metavar="T",
        default=None,
        help="dbt target to read (duckdb, postgres, spark; default: CS_METRICS_TARGET or duckdb)",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        type=Path,
        default=None,
        help="DuckDB database file (duckdb target; default: CS_METRICS_DB or the profile's)",
    )
    parser.add_argument(
        "--train-end",
        metavar="YYYY-MM",
        type=_month,
        default=None,
        help=(
            "last month YYYY-MM of the training period: training rows are months M with"
            " M + horizon <= train-end, held-out rows months after it (default: hold out the"
            " last third of the months with a known 6-month outcome)"
        ),
    )
    parser.add_argument(
        "--out-dir",
        metavar="DIR",
        type=Path,
        default=None,
        help="folder for report.txt, calibration.json and health_calibration.parquet"
        " (default: target/calibration in the project directory)",
    )
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="do not write the table health_calibration into the warehouse (files only)",
    )


def run(args: argparse.Namespace) -> int:
    """The `calibrate` command; returns a process exit code."""
    from cs_metrics.calibrate.calibration import calibrate
    from cs_metrics.calibrate.data import CalibrationError, CalibrationRefused
    from cs_metrics.calibrate.output import render_report, write_outputs
    from cs_metrics.console import EXIT_USAGE, echo, fail
    from cs_metrics.project import ProjectError
    from cs_metrics.warehouse import WarehouseError

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        result = calibrate(
            target=args.target, duckdb_path=args.db, train_end=args.train_end, progress=say
        )
    except CalibrationRefused as exc:
        return fail("calibrate", f"refused: {exc}", EXIT_USAGE)
    except (WarehouseError, CalibrationError, ProjectError) as exc:
        return fail("calibrate", exc)
    written = write_outputs(
        result, out_dir=args.out_dir, write_table=not args.no_write, progress=say
    )
    echo(render_report(result, written))
    if written.table_error:
        return fail("calibrate", written.table_error)
    return 0
