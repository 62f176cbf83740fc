"""Load raw data in the contract layout into a server warehouse (`cs-metrics load`)."""
