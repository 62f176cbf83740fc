"""The quality report: dbt test results, Great Expectations results, data-quality issues and
reconciliations in one offline HTML file (`cs-metrics quality-report`)."""
