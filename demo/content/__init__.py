"""Fictional articles for the three demo outlets, one module per outlet plus shared wire copy."""
