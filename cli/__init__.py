"""The `newswatch` command: one module per command group, a thin layer over the packages."""
