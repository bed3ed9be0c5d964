"""Prefect flows, settings and the `newswatch` command line. The only package importing Prefect."""
