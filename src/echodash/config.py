"""One Settings object. Every CLI flag is also an `ECHODASH_*` environment variable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_MAX_BODY = 25 * 1024 * 1024


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
    # A whole request (headers and body) must arrive within this many seconds.
    request_deadline: float = 30.0
    # Deliveries per second per endpoint (token bucket, burst = 2 s worth); 0 = no limit.
    rate_limit: float = 0.0
    log_level: str = "info"
    log_format: str = "text"
    # Public base URL used to show receive URLs (e.g. https://hooks.example.com).
    public_url: str = ""

    @property
    def database_url(self) -> str:
        return self.database or f"sqlite:///{self.data_dir / 'echodash.db'}"

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
        if settings.max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be positive")
        return settings


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
