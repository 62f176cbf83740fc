"""Human-readable reports printed from the built marts."""

from cs_metrics.report.command import add_parser, run
from cs_metrics.report.data import add_months
from cs_metrics.report.summary import print_summary

__all__ = ["add_months", "add_parser", "print_summary", "run"]
