"""Checks of raw data and built marts (`cs-metrics validate`).

contract.py: structure (tables, columns, type families) from metadata only; raw_suites.py and
marts.py: the Great Expectations suites; checks.py: checks as GX expectations plus the SQL
that finds their candidate rows; sources.py: Parquet, PostgreSQL and warehouse readers;
runner.py: GX on streamed pandas batches; raw.py: the raw run; results.py: JSON and summary;
command.py: the command line.
"""

from cs_metrics.validate.checks import WARNING
from cs_metrics.validate.command import add_parser, run
from cs_metrics.validate.contract import table_path, validate_raw_dir
from cs_metrics.validate.raw_suites import rule_level, table_rules
from cs_metrics.validate.results import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "WARNING",
    "add_parser",
    "rule_level",
    "run",
    "table_path",
    "table_rules",
    "validate_raw_dir",
]
