"""Realistic, deterministic demo raw data in the contract layout (`cs-metrics generate`)."""
