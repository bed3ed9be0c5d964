"""One typed settings object, read from NEWSWATCH_* variables at the entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.identity import PLACEHOLDER_CONTACT
from core.query_settings import default_read_copy


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSWATCH_", extra="ignore")

    config_dir: Path = Field(default=Path("config"),
                             description="Folder with sources.yaml, channels.yaml and rules/.")
    warehouse: Path = Field(default=Path("data/newswatch.duckdb"),
                            description="The DuckDB file.")
    read_wait_seconds: float = Field(
        default=5.0, ge=0, description="How long `newswatch sql` waits for a locked warehouse.")
    read_copy: Path | None = Field(
        default=None, description="The read copy every run publishes when it finishes, for "
        "people and tools to query (`newswatch sql` reads it); default: "
        "`<warehouse stem>.read.duckdb` beside the warehouse.")
    read_copy_enabled: bool = Field(
        default=True, description="false: runs publish no read copy, and `newswatch sql`, "
        "`report` and `rules test` read the warehouse itself (saves a copy of the file per "
        "run; any session left open on the warehouse then defers the runs).")
    lock_wait_seconds: float = Field(
        default=5.0, ge=0, description="How long a run waits for the warehouse's lock before "
        "it keeps what it scraped in the staging folder for the next run to load (exit code "
        "3).")
    contact_url: str = Field(
        default=PLACEHOLDER_CONTACT, description="Where site owners can reach whoever runs "
        "this newswatch (a web page or mailto:); sent in the User-Agent.")
    user_agent: str | None = Field(
        default=None, description="The whole User-Agent, if not `newswatch/VERSION "
        "(+CONTACT_URL; news monitoring)`. Keep the word newswatch in it: robots.txt rules "
        "for newswatch are matched against that word.")
    fetch_retries: int = Field(default=2, ge=0, le=10)
    fetch_backoff_seconds: float = Field(default=0.5, ge=0)
    fetch_timeout_seconds: float = Field(
        default=30.0, gt=0, description="The most one answer may take, redirects included.")
    fetch_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    fetch_read_timeout_seconds: float = Field(
        default=15.0, gt=0, description="The longest silence in the middle of an answer.")
    fetch_max_redirects: int = Field(default=5, ge=0, le=20)
    fetch_min_delay_seconds: float = Field(
        default=1.0, ge=0, description="Least time between the starts of two requests to "
        "one host (a site's robots.txt Crawl-delay wins when longer).")
    max_body_bytes: int = Field(default=5_000_000, gt=0)
    allow_private_addresses: bool = Field(
        default=False, description="Let every source reach loopback, private, link-local, "
        "shared, multicast and reserved addresses (a source alone: its "
        "`allow_private_addresses`). For local setups, the demo and tests whose sites are "
        "on 127.0.0.1; off, such requests are refused with `blocked_address`.")
    allowed_networks: str = Field(
        default="", description="Networks every source may reach although they are private, "
        "comma-separated, e.g. \"10.20.0.0/16, 192.168.5.7/32\" for an intranet; every other "
        "private address stays refused.")
    per_host_concurrency: int = Field(default=2, ge=1, le=16)
    host_limits: Literal["auto", "local", "prefect"] = Field(
        default="auto", description="Where per-host slots and pacing are kept: `local` in "
        "each run's process; `prefect` in Prefect global concurrency limits every worker on "
        "the same Prefect API shares (docs/scaling.md); `auto`: `prefect` for work-pool "
        "scrape runs, `local` for everything else.")
    host_limits_wait_seconds: float = Field(
        default=600.0, gt=0, description="With limits in Prefect: the longest a request "
        "waits for its host's slot before it fails as a timeout for the next run to retry.")
    delivery_max_attempts: int = Field(
        default=5, ge=1, le=50, description="Attempts per alert and channel before giving up.")
    delivery_backoff_seconds: float = Field(
        default=60.0, ge=0, description="Wait after the first failed attempt; doubles after "
        "each further failure.")
    delivery_backoff_max_seconds: float = Field(
        default=3600.0, ge=0, description="The longest wait between attempts.")
    ops_channel: str | None = Field(
        default=None, description="Channel told when an alert is given up or a source "
        "fails or goes quiet (as well as any channel marked `ops: true`).")
    source_failure_runs: int = Field(
        default=3, ge=1, description="Runs in a row whose feed failed before ops is told the "
        "source is failing.")
    source_stale_factor: float = Field(
        default=4.0, gt=0, description="A source has gone quiet when nothing new came for "
        "this many times its usual gap between new articles...")
    source_stale_min_hours: float = Field(
        default=24.0, ge=0, description="...and for at least this many hours.")
    default_interval: str = Field(
        default="30m", description="How often sources without `interval` or `cron` run "
        "under `newswatch serve`, e.g. 15m, 1h (at least 1m).")
    digest_interval: str = Field(
        default="5m", description="How often `newswatch serve` checks for due digests.")
    maintenance_cron: str = Field(
        default="30 3 * * *", description="When `newswatch serve` runs maintenance (prune "
        "if `retention_days` is set, then CHECKPOINT), as a cron in UTC.")
    retention_days: int | None = Field(
        default=None, ge=1, description="Maintenance prunes articles no rule matched once "
        "they are this many days old; unset: nothing is deleted.")
    staging_dir: Path = Field(
        default=Path("data/staging"), description="Where work-pool scrape runs leave their "
        "Parquet batches for the single loader (docs/scaling.md); shared by all workers.")
    staging_url: str | None = Field(
        default=None, description="The staging area as a path or `s3://bucket/prefix` (any "
        "S3-compatible store); when set it wins over `staging_dir`. Workers on several "
        "machines share a bucket instead of a folder (docs/scaling.md).")
    s3_endpoint_url: str | None = Field(
        default=None, description="The S3-compatible store's URL, e.g. http://127.0.0.1:9000; "
        "unset: AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then AWS itself.")
    s3_region: str | None = Field(
        default=None, description="unset: AWS_REGION, then AWS_DEFAULT_REGION, then "
        "us-east-1.")
    s3_access_key_id: str | None = Field(
        default=None, description="unset: AWS_ACCESS_KEY_ID (then the AWS SDK's own chain: "
        "profile files, instance metadata).")
    s3_secret_access_key: SecretStr | None = Field(
        default=None, description="unset: AWS_SECRET_ACCESS_KEY. Never logged.")
    s3_session_token: SecretStr | None = Field(
        default=None, description="unset: AWS_SESSION_TOKEN (temporary credentials).")

    @field_validator("staging_url")
    @classmethod
    def _staging_url(cls, value: str | None) -> str | None:
        if value and "://" in value and not value.startswith("s3://"):
            raise ValueError(f"{value!r}: use a path or s3://bucket/prefix")
        if value and value.startswith("s3://") and not value[5:].strip("/"):
            raise ValueError(f"{value!r} names no bucket: use s3://bucket/prefix")
        return value or None

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        import ipaddress

        for cidr in networks_of(value):
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError as exc:
                raise ValueError(f"{cidr!r} is not a network such as 10.20.0.0/16 ({exc})"
                                 ) from None
        return value

    def read_copy_of(self, warehouse: Path | None = None) -> Path | None:
        """The read copy of `warehouse` (default: this settings' warehouse), None when read
        copies are off. NEWSWATCH_READ_COPY names the copy of NEWSWATCH_WAREHOUSE only."""
        if not self.read_copy_enabled:
            return None
        if warehouse is None or warehouse.resolve() == self.warehouse.resolve():
            return self.read_copy or default_read_copy(self.warehouse)
        return default_read_copy(warehouse)

    @field_validator("default_interval", "digest_interval")
    @classmethod
    def _interval(cls, value: str) -> str:
        from core.schedules import parse_interval

        parse_interval(value)
        return value

    @field_validator("maintenance_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        from core.schedules import check_cron

        return check_cron(value)


def networks_of(text: str) -> tuple[str, ...]:
    """"10.0.0.0/8, 192.168.1.5" -> ("10.0.0.0/8", "192.168.1.5")."""
    return tuple(part.strip() for part in text.split(",") if part.strip())
