"""cs_metrics: customer-success metrics as a dbt project, with Python tooling around it."""

__version__ = "0.1.0"
