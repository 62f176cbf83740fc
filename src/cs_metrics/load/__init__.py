"""Load raw data in the contract layout into a server warehouse (`cs-metrics load`)."""

from cs_metrics.load.command import add_parser, run

__all__ = ["add_parser", "run"]
