"""Settings: env variables, flags over env, and clear refusals of settings that cannot work."""

from __future__ import annotations

from pathlib import Path

import pytest

from echodash.config import Settings


def test_env_variables_then_flags() -> None:
    env = {
        "ECHODASH_PORT": "9000",
        "ECHODASH_DATA_DIR": "/srv/echodash",
        "ECHODASH_RATE_LIMIT": "5",
    }
    settings = Settings.from_env(env)
    assert settings.port == 9000
    assert settings.data_dir == Path("/srv/echodash")
    assert settings.rate_limit == 5.0
    assert settings.database_url == "sqlite:////srv/echodash/echodash.db"
    assert Settings.from_env(env, port=9100).port == 9100


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ECHODASH_PORT": "http"}, "ECHODASH_PORT='http' is not a number"),
        ({"ECHODASH_PORT": "70000"}, "ECHODASH_PORT must be between 1 and 65535"),
        ({"ECHODASH_LOG_LEVEL": "loud"}, "ECHODASH_LOG_LEVEL must be one of"),
        ({"ECHODASH_LOG_FORMAT": "xml"}, "ECHODASH_LOG_FORMAT must be text or json"),
        ({"ECHODASH_BOOTSTRAP_TOKEN": "short"}, "at least 16 characters"),
        ({"ECHODASH_MAX_BODY_BYTES": "0"}, "ECHODASH_MAX_BODY_BYTES must be positive"),
        ({"ECHODASH_REQUEST_DEADLINE": "-1"}, "ECHODASH_REQUEST_DEADLINE must be positive"),
        ({"ECHODASH_HEADER_TIMEOUT": "0"}, "ECHODASH_HEADER_TIMEOUT must be positive"),
        # Read by uvicorn as host names that never match: a proxy silently not trusted.
        ({"ECHODASH_FORWARDED_ALLOW_IPS": "proxy.internal"}, "ECHODASH_FORWARDED_ALLOW_IPS"),
        ({"ECHODASH_FORWARDED_ALLOW_IPS": "10.0.0.5/24"}, "ECHODASH_FORWARDED_ALLOW_IPS"),
        ({"ECHODASH_FORWARDED_ALLOW_IPS": "10.0.0.5,"}, "ECHODASH_FORWARDED_ALLOW_IPS"),
    ],
)
def test_bad_settings_are_refused_with_the_variable_to_fix(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        Settings.from_env(env)


def test_trusted_proxies_are_addresses_and_networks() -> None:
    value = "127.0.0.1, 10.1.0.0/16,::1,fd00::/8"
    assert Settings.from_env({"ECHODASH_FORWARDED_ALLOW_IPS": value}).forwarded_allow_ips == value
    assert Settings.from_env({}).forwarded_allow_ips == ""


def test_database_passwords_are_masked_for_display() -> None:
    settings = Settings.from_env({"ECHODASH_DATABASE": "postgresql://app:hunter2@db:5432/echodash"})
    assert settings.database_display == "postgresql://app:***@db:5432/echodash"
    assert "hunter2" not in settings.database_display
    assert Settings.from_env({}).database_display == ".echodash/echodash.db"
