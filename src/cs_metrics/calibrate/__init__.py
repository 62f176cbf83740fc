"""Health calibration: how well the health score and its components rank churn and contraction
risk, and the component weights that would rank it better (`cs-metrics calibrate`)."""
