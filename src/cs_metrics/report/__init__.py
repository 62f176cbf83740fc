"""Human-readable reports printed from the built marts."""
