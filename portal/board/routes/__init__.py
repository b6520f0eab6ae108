"""The board feature's routes, one module per resource."""
