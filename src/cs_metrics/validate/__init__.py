"""Checks of raw data and built marts (`cs-metrics validate`).

contract.py: structure (tables, columns, type families) from metadata only; raw_suites.py and
marts.py: the Great Expectations suites; checks.py: checks as GX expectations plus the SQL
that finds their candidate rows; sources.py: Parquet, PostgreSQL and warehouse readers;
runner.py: GX on streamed pandas batches; raw.py: the raw run; results.py: JSON and summary;
command.py: the command line.
"""
