"""One Settings object. Every CLI flag is also an `ECHODASH_*` environment variable."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from echodash.alerts.ssrf import parse_allow
from echodash.store.backends import several_nodes_allowed, shown_database

DEFAULT_MAX_BODY = 25 * 1024 * 1024
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
WORKSPACE_CREATORS = ("admins", "everyone")


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".echodash")
    # `sqlite:///path/to/file.db` or `postgresql://…`; empty means `<data_dir>/echodash.db`.
    database: str = ""
    bootstrap_token: str = ""
    # Key for encrypting webhook secrets at rest; empty means a key file in data_dir.
    secret_key: str = ""
    max_body_bytes: int = DEFAULT_MAX_BODY
    # A connection's request headers must arrive within this many seconds.
    header_timeout: float = 10.0
    # A request's body must arrive within this many seconds of its headers.
    request_deadline: float = 30.0
    # Deliveries per second per endpoint (token bucket, burst = 2 s worth); 0 = no limit.
    rate_limit: float = 0.0
    # A live stream whose unsent backlog passes this many bytes is told to resume from the
    # store (`event: resync`) and closed: a slow viewer never makes the server hold more.
    stream_backlog_bytes: int = 4 * 1024 * 1024
    # Seconds between heartbeats (`: keep-alive`) of a quiet live stream.
    stream_keepalive: float = 15.0
    log_level: str = "info"
    log_format: str = "text"
    # Public base URL used to show receive URLs (e.g. https://hooks.example.com).
    public_url: str = ""
    # Worker processes serving one port (PostgreSQL only: SQLite has one writer).
    workers: int = 1
    # This process's name in logs and in the job log; empty means host:port.
    node_name: str = ""
    # Seconds between runs of the retention job (pruning events past each workspace's period).
    retention_interval: float = 3600.0
    # Outgoing e-mail (digests, alerts). Empty host: e-mail is not sent.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "EchoDash <echodash@localhost>"
    # "starttls" (port 587), "tls" (implicit TLS, port 465) or "none" (a local relay).
    smtp_security: str = "starttls"
    # Seconds between checks for digests that are due.
    digest_interval: float = 300.0
    # Who may create workspaces in the web UI: "admins" (people who are an admin of some
    # workspace) or "everyone" signed in. A member joined by invitation cannot make themselves
    # an admin anywhere under "admins".
    workspace_creators: str = "admins"
    # Reverse proxies (IP addresses or networks, comma-separated) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; empty: none, the connecting address is the client's.
    forwarded_allow_ips: str = ""
    # Ranges (comma-separated CIDRs) alert notifications may reach although they are private,
    # local or reserved (see alerts/ssrf.py); empty: none.
    outbound_allow: str = ""
    # Serve the demo company (echodash/demo): fill the first workspace on a fresh instance,
    # then send a few events a minute (`serve --demo`).
    demo: bool = False

    @property
    def database_url(self) -> str:
        return self.database or f"sqlite:///{self.data_dir / 'echodash.db'}"

    @property
    def node(self) -> str:
        if self.node_name:
            return self.node_name
        name = f"{socket.gethostname()}:{self.port}"
        return f"{name}/{os.getpid()}" if self.workers > 1 else name

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then `ECHODASH_*` variables, then explicit overrides (CLI flags)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"ECHODASH_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _convert(f.name, raw, cls)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = replace(cls(), **values)
        settings.check()
        return settings

    def to_env(self) -> dict[str, str]:
        """These settings as `ECHODASH_*` variables (for worker processes)."""
        return {f"ECHODASH_{f.name.upper()}": str(getattr(self, f.name)) for f in fields(self)}

    def check(self) -> None:
        """Refuse settings that cannot work, with the variable to fix in the message."""
        problems = []
        if self.max_body_bytes <= 0:
            problems.append("ECHODASH_MAX_BODY_BYTES must be positive")
        if not 0 < self.port < 65536:
            problems.append("ECHODASH_PORT must be between 1 and 65535")
        if self.header_timeout <= 0:
            problems.append("ECHODASH_HEADER_TIMEOUT must be positive")
        if self.request_deadline <= 0:
            problems.append("ECHODASH_REQUEST_DEADLINE must be positive")
        if self.rate_limit < 0:
            problems.append("ECHODASH_RATE_LIMIT must be 0 (no limit) or positive")
        if self.stream_backlog_bytes <= 0:
            problems.append("ECHODASH_STREAM_BACKLOG_BYTES must be positive")
        if self.stream_keepalive <= 0:
            problems.append("ECHODASH_STREAM_KEEPALIVE must be positive")
        if self.log_level.lower() not in LOG_LEVELS:
            problems.append(f"ECHODASH_LOG_LEVEL must be one of: {', '.join(LOG_LEVELS)}")
        if self.log_format not in ("text", "json"):
            problems.append("ECHODASH_LOG_FORMAT must be text or json")
        if self.bootstrap_token and len(self.bootstrap_token) < 16:
            problems.append("ECHODASH_BOOTSTRAP_TOKEN must be at least 16 characters")
        if self.workers < 1:
            problems.append("ECHODASH_WORKERS must be at least 1")
        elif self.workers > 1 and not several_nodes_allowed(self.database_url):
            problems.append(
                "ECHODASH_WORKERS above 1 needs PostgreSQL (ECHODASH_DATABASE=postgresql://…): "
                "SQLite has one writer"
            )
        if self.retention_interval <= 0:
            problems.append("ECHODASH_RETENTION_INTERVAL must be positive")
        if self.smtp_security not in ("starttls", "tls", "none"):
            problems.append("ECHODASH_SMTP_SECURITY must be starttls, tls or none")
        if self.digest_interval <= 0:
            problems.append("ECHODASH_DIGEST_INTERVAL must be positive")
        if self.workspace_creators not in WORKSPACE_CREATORS:
            problems.append("ECHODASH_WORKSPACE_CREATORS must be admins or everyone")
        if not _proxy_list(self.forwarded_allow_ips):
            problems.append(
                "ECHODASH_FORWARDED_ALLOW_IPS must be IP addresses or networks separated by "
                "commas (e.g. 10.0.0.5,10.1.0.0/16), or empty"
            )
        try:
            parse_allow(self.outbound_allow)
        except ValueError as error:
            problems.append(str(error))
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def database_display(self) -> str:
        """The database URL with any password masked, for logs and banners."""
        parts = urlsplit(self.database_url)
        if parts.password is None:
            return shown_database(self.database_url)
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))


def _proxy_list(value: str) -> bool:
    """Whether `value` is empty or a list of addresses and networks uvicorn understands.

    uvicorn takes what it cannot read as a literal host name that never matches, so a typo
    would silently trust no proxy: refused here instead. A network must be written with its
    host bits zero (10.1.0.0/16, not 10.1.2.3/16), as uvicorn reads it."""
    if not value.strip():
        return True
    for item in value.split(","):
        try:
            if "/" in item:
                ipaddress.ip_network(item.strip())
            else:
                ipaddress.ip_address(item.strip())
        except ValueError:
            return False
    return True


def _convert(name: str, raw: str, cls: type[Settings]) -> Any:
    default = getattr(cls(), name)
    try:
        if isinstance(default, bool):
            return raw.lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        raise ValueError(f"ECHODASH_{name.upper()}={raw!r} is not a number") from None
    if isinstance(default, Path):
        return Path(raw)
    return raw
