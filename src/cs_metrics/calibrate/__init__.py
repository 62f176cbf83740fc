"""Health calibration: how well the health score and its components rank churn and contraction
risk, and the component weights that would rank it better (`cs-metrics calibrate`)."""

from cs_metrics.calibrate.command import add_parser, run

__all__ = ["add_parser", "run"]
