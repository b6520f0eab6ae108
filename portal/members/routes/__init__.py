"""The members feature's routes, one module per resource."""
