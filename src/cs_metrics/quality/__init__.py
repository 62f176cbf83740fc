"""The quality report: dbt test results, Great Expectations results, data-quality issues and
reconciliations in one offline HTML file (`cs-metrics quality-report`)."""

from cs_metrics.quality.command import add_parser, run

__all__ = ["add_parser", "run"]
