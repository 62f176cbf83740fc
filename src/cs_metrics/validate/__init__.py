"""Checks of user-supplied raw data against the raw input contract (`cs-metrics validate`)."""
