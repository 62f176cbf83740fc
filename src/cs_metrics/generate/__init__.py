"""Realistic, deterministic demo raw data in the contract layout (`cs-metrics generate`)."""

from cs_metrics.generate.core import DemoDirectoryError, GenerateArgumentError, generate
from cs_metrics.generate.fivetran.registry import CRMS, layout_vars

__all__ = ["CRMS", "DemoDirectoryError", "GenerateArgumentError", "generate", "layout_vars"]
