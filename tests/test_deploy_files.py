"""The Docker image and the compose set-up agree with the code: settings that exist, values
that pass EchoDash's own checks, live streams that no proxy buffers, a build context that holds
what the wheel is built from. No Docker is needed: the files are read, not run."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml

from echodash.config import DEFAULT_MAX_BODY, Settings
from echodash.web.routes import LIVE_STREAMS
from tests.support import REPO

COMPOSE = REPO / "compose.yaml"
DOCKERFILE = REPO / "Dockerfile"
SETTINGS = {f"ECHODASH_{f.name.upper()}" for f in fields(Settings)}
NODES = ("node-1", "node-2")
# Same on every node of a cluster (docs/deployment.md, step 3).
SHARED_SETTINGS = ("ECHODASH_DATABASE", "ECHODASH_SECRET_KEY", "ECHODASH_PUBLIC_URL")


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def _interpolate(value: object) -> str:
    """Compose's `${VAR:?message}` and `${VAR:-default}`, with a sample value for the first."""

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if op == ":-":
            return rest
        return f"sample-{name.lower()}-value-0123456789"

    return re.sub(r"\$\{(\w+)(:[-?])?([^}]*)\}", one, str(value))


def _node_env(service: str) -> dict[str, str]:
    env = _compose()["services"][service]["environment"]
    assert isinstance(env, dict), f"{service}: environment should be a mapping"
    return {key: _interpolate(value) for key, value in env.items()}


def test_compose_has_postgres_two_nodes_and_a_proxy() -> None:
    services = _compose()["services"]
    assert set(services) == {"db", *NODES, "proxy"}
    assert services["db"]["image"].startswith("postgres:")
    for node in NODES:
        assert services[node]["build"] == ".", f"{node} runs the image built from the Dockerfile"
        assert "ports" not in services[node], f"{node} must be reached through the proxy only"
        assert services[node]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["proxy"]["ports"], "the proxy publishes a port"


@pytest.mark.parametrize("node", NODES)
def test_every_node_setting_is_one_echodash_reads_and_passes_its_checks(node: str) -> None:
    env = _node_env(node)
    unknown = sorted(set(env) - SETTINGS)
    assert not unknown, f"{node} sets variables EchoDash does not read: {unknown}"
    settings = Settings.from_env(env)  # raises on a value EchoDash refuses
    assert settings.database_url.startswith("postgresql://"), "nodes must share PostgreSQL"
    assert settings.secret_key, "a cluster needs ECHODASH_SECRET_KEY (see docs/deployment.md)"
    assert settings.node_name == node


def test_nodes_share_the_database_the_key_and_the_public_url() -> None:
    first, second = (_node_env(node) for node in NODES)
    for name in SHARED_SETTINGS:
        assert first[name] == second[name], f"{name} must be the same on every node"
    db = _compose()["services"]["db"]["environment"]
    assert first["ECHODASH_DATABASE"] == _interpolate(
        f"postgresql://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@db:5432/{db['POSTGRES_DB']}"
    )


def test_nodes_believe_forwarded_addresses_from_the_proxy_only() -> None:
    compose = _compose()
    proxy_address = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(proxy_address) in ipaddress.ip_network(subnet)
    for node in NODES:
        assert _node_env(node)["ECHODASH_FORWARDED_ALLOW_IPS"] == proxy_address


# --- nginx --------------------------------------------------------------------------------


def _blocks(conf: str, keyword: str) -> dict[str, str]:
    """`location = /x { … }` (or `upstream name { … }`) bodies by their argument."""
    found = {}
    for match in re.finditer(rf"^\s*{keyword}\s+(?:=\s+)?(\S+)\s*\{{(.*?)\}}", conf, re.M | re.S):
        found[match.group(1)] = match.group(2)
    return found


def _proxy_config() -> Path:
    volumes = _compose()["services"]["proxy"]["volumes"]
    source = next(v.split(":")[0] for v in volumes if "nginx" in v)
    path = REPO / source
    assert path.is_file(), f"the proxy mounts {source}, which does not exist"
    return path


@pytest.mark.parametrize("conf", ["compose", "deploy/nginx.conf"])
def test_nginx_streams_every_live_stream_unbuffered(conf: str) -> None:
    path = _proxy_config() if conf == "compose" else REPO / conf
    text = re.sub(r"#.*", "", path.read_text())
    assert text.count("{") == text.count("}"), f"{path.name}: unbalanced braces"
    locations = _blocks(text, "location")
    for stream in LIVE_STREAMS:
        assert stream in locations, f"{path.name} has no location for the live stream {stream}"
        assert "proxy_buffering off;" in locations[stream], f"{path.name} buffers {stream}"
    size = re.search(r"client_max_body_size\s+(\d+)m;", text)
    assert size and int(size.group(1)) * 1024 * 1024 == DEFAULT_MAX_BODY
    assert "proxy_http_version 1.1;" in text


def test_the_compose_proxy_sends_to_both_nodes_on_their_port() -> None:
    text = re.sub(r"#.*", "", _proxy_config().read_text())
    servers = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", text, re.M)
    port = re.search(r"ECHODASH_PORT=(\d+)", DOCKERFILE.read_text())
    assert port, "the Dockerfile sets ECHODASH_PORT"
    assert sorted(servers) == [(node, port.group(1)) for node in NODES]
    for node in NODES:
        assert port.group(1) in [str(p) for p in _compose()["services"][node]["expose"]]


# --- Dockerfile and build context -------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path, or a folder above it, decides."""

    def regex(pattern: str) -> re.Pattern[str]:
        out = ""
        for part in re.split(r"(\*\*/?|\*|\?)", pattern.strip("/")):
            if part.startswith("**"):
                out += "(?:.*/)?" if part.endswith("/") else ".*"
            elif part == "*":
                out += "[^/]*"
            elif part == "?":
                out += "[^/]"
            else:
                out += re.escape(part)
        return re.compile(out + r"\Z")

    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        compiled = regex(pattern.lstrip("!"))
        if any(compiled.match(c) for c in candidates):
            ignored = not negated
    return ignored


def _dockerignore() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_the_build_context_holds_what_the_wheel_is_built_from_and_no_local_data() -> None:
    patterns = _dockerignore()
    copied = [
        source
        for op, args in _instructions()
        if op == "COPY" and "--from" not in args
        for source in args.split()[:-1]
    ]
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    needed = {"pyproject.toml", "src", project["readme"], *project["license-files"]}
    assert needed <= set(copied), f"the Dockerfile does not COPY {needed - set(copied)}"
    for source in copied:
        files = [p for p in (REPO / source).rglob("*") if p.is_file()] or [REPO / source]
        for file in files:
            relative = file.relative_to(REPO).as_posix()
            if "__pycache__" in relative or ".egg-info" in relative:
                continue
            assert not _ignored(relative, patterns), f".dockerignore leaves out {relative}"
    for private in (".env", ".echodash/secret.key", ".echodash/echodash.db", ".venv/bin/python"):
        assert _ignored(private, patterns), f"{private} would be sent to the Docker daemon"


def test_the_image_serves_as_a_non_root_user_with_its_data_in_a_volume() -> None:
    instructions = _instructions()
    final = instructions[max(i for i, (op, _) in enumerate(instructions) if op == "FROM") :]
    ops = dict(final)  # the last of each instruction in the final stage
    assert ops["USER"] not in ("root", "0"), "the image must not run as root"
    env = dict(re.findall(r"(ECHODASH_\w+)=(\S+)", " ".join(a for o, a in final if o == "ENV")))
    assert set(env) <= SETTINGS
    assert env["ECHODASH_HOST"] == "0.0.0.0"  # noqa: S104 (a container listens on all)
    assert ops["VOLUME"] == env["ECHODASH_DATA_DIR"]
    assert ops["CMD"] == '["echodash", "serve"]'
    assert "/healthz" in ops["HEALTHCHECK"]
    assert "[postgres]" in " ".join(a for o, a in final if o == "RUN"), "asyncpg for clusters"
