"""Checks of raw data and built marts (`cs-metrics validate`).

contract.py: structure (tables, columns, type families) from metadata only; raw_suites.py:
the Great Expectations suites of the raw tables; checks.py: checks as GX expectations plus the
SQL that finds their candidate rows; sources.py: Parquet and PostgreSQL readers; runner.py: GX
on streamed pandas batches; raw.py: the raw run; marts.py: the dbt tests on the marts, read
from dbt's artifacts and the audit schema; results.py: JSON and summary; command.py: the
command line.
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
