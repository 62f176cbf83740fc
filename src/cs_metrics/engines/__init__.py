"""Run the project on PostgreSQL and Spark and compare the public marts with DuckDB."""
