"""The pairings feature's routes, one module per resource."""
