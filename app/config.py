"""Settings, read once from the environment (prefix-free names as documented in the README)."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# where alembic.ini, migrations/ and schemas/ live: the checkout, or WDV_HOME for an installed package
PROJECT_ROOT = Path(os.environ.get("WDV_HOME") or Path(__file__).resolve().parent.parent)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'wdv.db'}",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///… or postgresql+asyncpg://…",
    )
    schemas_dir: Path = PROJECT_ROOT / "schemas"
    public_base_url: str = "http://127.0.0.1:8000"

    max_message_bytes: int = 64 * 1024
    max_message_depth: int = 32
    max_xml_elements: int = Field(default=2000, description="Elements one XML message may hold (400 beyond)")
    max_xml_attributes: int = Field(
        default=32, description="Attributes one XML message may hold in all (the v1 messages use none)"
    )
    max_violations: int = Field(
        default=100, description="Violations listed in one 400 answer; past it the list says it was cut"
    )
    validation_threads: int = Field(
        default=4, description="Threads that parse and validate messages, off the event loop"
    )
    body_timeout_seconds: float = Field(
        default=10.0, description="Time a client has to send a whole request body (408 after)"
    )
    max_header_bytes: int = Field(
        default=16 * 1024, description="Size of all request headers together (431 beyond)"
    )
    max_header_count: int = Field(default=64, description="Number of request headers (431 beyond)")

    database_wait_seconds: float = Field(
        default=10.0,
        description="Time a request waits for a database connection or the SQLite write lock "
        "before it is answered 503 with Retry-After",
    )
    database_pool_size: int = Field(default=5, description="Connections kept open (PostgreSQL)")
    database_pool_overflow: int = Field(
        default=10, description="Connections opened beyond the pool under load (PostgreSQL)"
    )

    rate_limit_per_key: int = Field(
        default=600, description="Requests per minute per API key (0: unlimited); 429 beyond"
    )
    rate_limit_per_address: int = Field(
        default=1200, description="Requests per minute per client address (0: unlimited); 429 beyond"
    )
    rate_limit_failed_auth: int = Field(
        default=10,
        description="Failed authentications per minute per client address (0: unlimited); past it the "
        "address is answered 429 until the minute has refilled",
    )

    routing_refresh_seconds: float = 30.0

    incassostop_herinnering_dagen: int = Field(
        default=5, description="How many days before incassostopTot the reminder event is sent"
    )
    worker_interval_seconds: float = 60.0
    worker_in_process: bool | None = Field(
        default=None, description="Run the timers inside the API process; default: yes on SQLite"
    )

    cloudevents_source: str = Field(
        default="urn:nld:oin:00000000000000000000:systeem:warme-doorverwijzing",
        description="CloudEvents `source` (NL GOV profile): put the operator's OIN in it",
    )
    webhook_allow_local: bool = Field(
        default=False,
        description="Allow http, any port and private/loopback webhook targets (sandbox, tests)",
    )
    webhook_ports: list[int] = Field(
        default_factory=list,
        description="Ports webhook URLs may use besides 443, e.g. [8443] (JSON list in the environment)",
    )
    delivery_poll_seconds: float = 1.0
    delivery_claim_seconds: float = Field(
        default=60.0, description="A claimed delivery whose worker vanished is taken up again after this"
    )
    delivery_batch: int = 20

    schuldenknooppunt_url: str | None = Field(
        default=None, description="SOAP endpoint of the Schuldenknooppunt; unset: no hub traffic"
    )
    schuldenknooppunt_deelnemer: str = Field(
        default="WDV", description="This service's participant code at the Schuldenknooppunt"
    )
    schuldenknooppunt_poll_seconds: float = 60.0
    vroegsignalering_url: str | None = Field(
        default=None, description="Base URL of the Vroegsignalering API, e.g. https://…/api/v1"
    )
    peer_client_cert: str | None = Field(default=None, description="PEM client certificate for mutual TLS")
    peer_client_key: str | None = Field(default=None, description="PEM key of that certificate")
    peer_ca_bundle: str | None = Field(
        default=None, description="CA bundle that peers' certificates chain to"
    )
    peer_timeout_seconds: float = 15.0

    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object per line (production); text: for reading"
    )
    log_level: str = "INFO"
    metrics_token: str | None = Field(
        default=None, description="Serve GET /metrics on the API port to `Authorization: Bearer <token>`"
    )
    metrics_port: int | None = Field(
        default=None, description="Serve /metrics on this separate port (every API and worker process)"
    )
    metrics_host: str = "127.0.0.1"
    worker_expected: bool = Field(
        default=True, description="/health/ready fails when no worker has reported recently"
    )
    worker_heartbeat_max_age_seconds: float = Field(
        default=120.0, description="How old the newest worker heartbeat may be for /health/ready"
    )

    # the portal (people logging in; systems keep using API keys)
    session_lifetime_minutes: int = Field(
        default=600, description="A portal session ends this long after login, however busy"
    )
    session_idle_minutes: int = Field(default=30, description="A portal session ends after this long unused")
    session_cookie_secure: bool = Field(
        default=True, description="Send the session cookie over https only; false only for the sandbox"
    )
    login_max_failures_per_account: int = Field(
        default=5, description="Failed logins of one account within the window that lock it"
    )
    login_max_failures_per_address: int = Field(
        default=20, description="Failed logins from one client address within the window that lock it"
    )
    login_failure_window_minutes: int = 15
    login_lockout_minutes: int = Field(default=15, description="How long a lock lasts after the last failure")

    data_keys: str | None = Field(
        default=None,
        description="Keys personal data is encrypted under: `id:key` entries (32 bytes, base64url), "
        "comma-separated; the first encrypts, all decrypt. `wdv keys generate` makes one",
    )
    data_keys_file: Path | None = Field(
        default=None, description="A file holding the DATA_KEYS entries, one per line (a mounted secret)"
    )
    data_keys_sandbox: bool = Field(
        default=False,
        description="Sandbox only: without DATA_KEYS, use (and make once) a local key in var/data-keys",
    )
    retention_months: int = Field(
        default=12,
        ge=1,
        description="Months after a referral closed (or was withdrawn) that its personal data is erased",
    )

    def serves_https(self) -> bool:
        """The public address is https (TLS ends at a proxy in front): HSTS is sent."""
        return self.public_base_url.startswith("https://")

    def runs_worker_in_process(self) -> bool:
        if self.worker_in_process is None:
            return self.database_url.startswith("sqlite")
        return self.worker_in_process


@lru_cache
def get_settings() -> Settings:
    return Settings()
