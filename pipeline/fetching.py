"""The fetch policy a run uses, from the settings (scrapers read no environment)."""

from __future__ import annotations

from core.identity import build_user_agent
from core.settings import Settings, networks_of
from scrapers.fetch import FetchPolicy


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        user_agent=settings.user_agent or build_user_agent(settings.contact_url),
        retries=settings.fetch_retries, backoff_base=settings.fetch_backoff_seconds,
        total_timeout=settings.fetch_timeout_seconds,
        connect_timeout=min(settings.fetch_connect_timeout_seconds,
                            settings.fetch_timeout_seconds),
        read_timeout=min(settings.fetch_read_timeout_seconds, settings.fetch_timeout_seconds),
        max_redirects=settings.fetch_max_redirects, min_delay=settings.fetch_min_delay_seconds,
        max_bytes=settings.max_body_bytes, per_host_concurrency=settings.per_host_concurrency,
        allow_private_addresses=settings.allow_private_addresses,
        allowed_networks=networks_of(settings.allowed_networks),
    )
