"""The demo company in connector layouts: converters from the contract tables (see registry)."""
