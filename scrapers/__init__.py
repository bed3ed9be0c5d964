"""Fetching, discovery, extraction and normalization of news articles.

Nothing here touches DuckDB, Prefect or environment variables: functions take typed
inputs and return typed models, so each stage is testable alone.
"""
