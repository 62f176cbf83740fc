"""The quality report: dbt test results, Great Expectations results, data-quality issues and
reconciliations in one offline HTML file (`cs-metrics quality-report`)."""

from cs_metrics.quality.artifacts import ArtifactsError, find_build_artifacts
from cs_metrics.quality.command import add_parser, run

__all__ = ["ArtifactsError", "add_parser", "find_build_artifacts", "run"]
