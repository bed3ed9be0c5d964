"""Maintenance tools for the repository itself (docs generators); not used at run time."""
