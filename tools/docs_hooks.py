"""mkdocs hooks for EchoDash's documentation site (mkdocs.yml: `hooks`).

- Headings get GitHub's anchors, so one link works on GitHub and on the site (tests/test_docs.py
  checks links by GitHub's rules).
- Two reference pages are written at build time from the code itself: the HTTP API from the
  OpenAPI document the server serves, and every command's `--help` from the click group.
- Links from docs/ to files elsewhere in the repository (deploy/nginx.conf, the Dockerfile,
  compose.yaml …) lead to pages of the site that show those files, so the site stands alone.
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path
from typing import Any

import click
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
# Generated pages: where they appear in the site.
OPENAPI_PAGE = "reference/http-api.md"
COMMANDS_PAGE = "reference/commands.md"
# The OpenAPI document itself, next to its page, for code generators.
OPENAPI_FILE = "reference/openapi.json"
# Repository files shown on the site live under this folder.
FILES = "repository"

_LINK = re.compile(r"(\[[^\]]*\]\()([^)\s]+)(\))")
_FENCE = re.compile(r"^([ \t]*(?:```|~~~))", re.MULTILINE)
_URL = re.compile(r"[a-z][a-z0-9+.-]*:")
# Highlighting by file name or suffix, for repository files shown on the site.
_LANGUAGES = {
    "Dockerfile": "dockerfile",
    ".conf": "nginx",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".py": "python",
    ".service": "ini",
    ".example": "sh",
}


def github_slug(value: str, separator: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, spaces to hyphens, other punctuation
    dropped (`secret_key / ECHODASH_SECRET_KEY` gives `secret_key--echodash_secret_key`)."""
    return re.sub(r"[^\w\- ]", "", value.strip().lower()).replace(" ", separator)


# --- Hooks ------------------------------------------------------------------------------------


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    config.mdx_configs.setdefault("toc", {})["slugify"] = github_slug
    return config


# The site's pages of repository files: page -> the folder its links are relative to.
_SHOWN: dict[str, Path] = {}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    files.append(File.generated(config, OPENAPI_PAGE, content=openapi_markdown()))
    files.append(File.generated(config, OPENAPI_FILE, content=openapi_json()))
    files.append(File.generated(config, COMMANDS_PAGE, content=commands_markdown()))
    _SHOWN.clear()
    for path in _linked_repository_files():
        uri = _shown_at(path)
        _SHOWN[uri] = path if path.is_dir() else path.parent
        # Included even when the name starts with a dot (.dockerignore), which mkdocs would
        # leave out; reached by links, not from the navigation.
        page = File.generated(
            config, uri, content=_file_page(path), inclusion=InclusionLevel.NOT_IN_NAV
        )
        files.append(page)
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Links that leave docs/ point at the site's page for that file."""
    uri = page.file.src_uri
    base = _SHOWN.get(uri, (DOCS / uri).parent)
    return _rewrite(markdown, base, posixpath.dirname(uri))


# --- Links out of docs/ -------------------------------------------------------------------


def _outside_parts(markdown: str) -> list[str]:
    """The markdown's text outside fenced code blocks (links in code are examples): split
    on fences gives text, fence, code, fence, text…"""
    return _FENCE.split(markdown)[::4]


def _targets(markdown: str, base: Path) -> list[Path]:
    found = []
    for part in _outside_parts(markdown):
        for _, target, _ in _LINK.findall(part):
            if _URL.match(target) or target.startswith("#"):
                continue
            found.append((base / target.split("#", 1)[0]).resolve())
    return found


def _in_repository(path: Path) -> bool:
    return path.is_relative_to(REPO) and not path.is_relative_to(DOCS) and path.exists()


def _linked_repository_files() -> list[Path]:
    """Repository files and folders linked from the docs, and from the Markdown files among
    them, that are outside docs/."""
    todo = [(page.read_text(encoding="utf-8"), page.parent) for page in DOCS.rglob("*.md")]
    seen: set[Path] = set()
    while todo:
        text, base = todo.pop()
        for target in _targets(text, base):
            if not _in_repository(target) or target in seen:
                continue
            seen.add(target)
            if target.is_dir():
                todo.append(("\n".join(f"[x]({p.name})" for p in _listing(target)), target))
            elif target.suffix == ".md":
                todo.append((target.read_text(encoding="utf-8"), target.parent))
    return sorted(seen)


def _listing(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "__")))


def _shown_at(path: Path) -> str:
    """Where the site shows a repository file: deploy/nginx.conf at repository/deploy/nginx.conf.md,
    a Markdown file under its own name, a folder as the index of its own."""
    relative = path.relative_to(REPO).as_posix()
    if path.is_dir():
        return f"{FILES}/{relative}/index.md"
    return f"{FILES}/{relative}" if path.suffix == ".md" else f"{FILES}/{relative}.md"


def _rewrite(markdown: str, real_base: Path, site_dir: str) -> str:
    def link(match: re.Match[str]) -> str:
        opening, target, closing = match.groups()
        if _URL.match(target) or target.startswith("#"):
            return match.group(0)
        path, hash_, anchor = target.partition("#")
        resolved = (real_base / path).resolve()
        if resolved.is_relative_to(DOCS):
            where = resolved.relative_to(DOCS).as_posix()
        elif _in_repository(resolved):
            where = _shown_at(resolved)
        else:
            return match.group(0)  # left for mkdocs to report
        return f"{opening}{posixpath.relpath(where, site_dir or '.')}{hash_}{anchor}{closing}"

    parts = _FENCE.split(markdown)
    for i in range(0, len(parts), 4):
        parts[i] = _LINK.sub(link, parts[i])
    return "".join(parts)


def _file_page(path: Path) -> str:
    relative = path.relative_to(REPO).as_posix()
    if path.is_dir():
        items = "\n".join(
            f"- [`{p.name}{'/' if p.is_dir() else ''}`]({p.name})" for p in _listing(path)
        )
        intro = f"The files in `{relative}/` of EchoDash's repository:"
        return f"# `{relative}/`\n\n{intro}\n\n{items}\n"
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        return text
    language = _LANGUAGES.get(path.name) or _LANGUAGES.get(path.suffix, "text")
    fence = "````" if "```" in text else "```"
    return (
        f"# `{relative}`\n\n`{relative}` in EchoDash's repository, as it is in this version:\n\n"
        f"{fence}{language}\n{text.rstrip()}\n{fence}\n"
    )


# --- The HTTP API from the OpenAPI document -----------------------------------------------

_SECTIONS = (
    ("Receiving and health", ("/in/", "/healthz", "/metrics", "/api/openapi.json")),
    ("Endpoints", ("/api/v1/endpoints",)),
    ("Events and the live stream", ("/api/v1/events", "/api/v1/stream")),
    ("Workspace", ("/api/v1/workspace",)),
    ("Alert rules and alerts", ("/api/v1/rules", "/api/v1/alerts", "/api/v1/services")),
    ("Metrics", ("/api/v1/metrics",)),
)


def _schema_text(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[1]
        return f"[{name}](#{github_slug(name, '-')})"
    if "enum" in schema:
        return ", ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    for combined in ("oneOf", "anyOf"):
        if combined in schema:
            return " or ".join(_schema_text(s) for s in schema[combined])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(str(k) for k in kind)
    if kind == "array" and isinstance(schema.get("items"), dict):
        return f"array of {_schema_text(schema['items'])}"
    if kind == "object" and schema.get("properties"):
        return "object: " + ", ".join(f"`{k}`" for k in schema["properties"])
    extra = [f"format {schema['format']}"] if "format" in schema else []
    for key, word in (("minimum", "≥"), ("maximum", "≤")):
        if key in schema:
            extra.append(f"{word} {schema[key]}")
    return f"{kind}" + (f" ({', '.join(extra)})" if extra else "")


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _content_schema(part: dict[str, Any]) -> str:
    content = part.get("content") or {}
    shown = []
    for media, body in content.items():
        schema = body.get("schema")
        shown.append(f"`{media}`" + (f": {_schema_text(schema)}" if schema else ""))
    return "; ".join(shown)


def _operation(path: str, method: str, operation: dict[str, Any], shared: list[Any]) -> str:
    lines = [f"### `{method.upper()} {path}`", "", _cell(operation.get("summary", "")), ""]
    if operation.get("security") == []:
        lines += ["No token needed.", ""]
    parameters = [*shared, *operation.get("parameters", [])]
    if parameters:
        lines += ["| Parameter | In | Type | Required | Meaning |", "|---|---|---|---|---|"]
        for p in parameters:
            lines.append(
                f"| `{p['name']}` | {p['in']} | {_cell(_schema_text(p.get('schema', {})))} "
                f"| {'yes' if p.get('required') else 'no'} | {_cell(p.get('description', ''))} |"
            )
        lines.append("")
    body = operation.get("requestBody")
    if body:
        described = [_cell(body.get("description", "")), _content_schema(body)]
        lines += ["**Body**: " + " — ".join(part for part in described if part), ""]
    lines += ["| Status | Meaning | Body |", "|---|---|---|"]
    for status, response in sorted(operation["responses"].items()):
        lines.append(
            f"| `{status}` | {_cell(response.get('description', ''))} "
            f"| {_cell(_content_schema(response))} |"
        )
    return "\n".join(lines) + "\n"


def openapi_json() -> str:
    from echodash.web.openapi import build_document

    return json.dumps(build_document(), indent=2, ensure_ascii=False) + "\n"


def openapi_markdown() -> str:
    from echodash.web.openapi import build_document

    document = build_document()
    info = document["info"]
    out = [
        "# HTTP API reference",
        "",
        f"Every operation of EchoDash {info['version']}'s HTTP API, generated from the OpenAPI "
        "document a running server serves at `GET /api/openapi.json` (with a token). The "
        "[API guide](../api.md) explains each one with examples; this page lists them all "
        "with their parameters and answers.",
        "",
        "Every operation needs an API token (`Authorization: Bearer edk_…`) unless it says "
        'otherwise. Errors answer `{"error": "<code>", "detail": "<a sentence>"}` '
        "([Error](#error)) with the status shown.",
        "",
    ]
    operations = [
        (path, method, operation, methods.get("parameters", []))
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if method != "parameters"
    ]
    placed: set[tuple[str, str]] = set()
    for title, prefixes in _SECTIONS:
        chosen = [o for o in operations if o[0].startswith(prefixes)]
        if not chosen:
            continue
        out += [f"## {title}", ""]
        for path, method, operation, shared in chosen:
            if (path, method) not in placed:
                placed.add((path, method))
                out.append(_operation(path, method, operation, shared))
    rest = [o for o in operations if (o[0], o[1]) not in placed]
    if rest:
        out += ["## Other operations", ""]
        out += [_operation(*o) for o in rest]
    out += ["## Schemas", ""]
    for name, schema in document["components"]["schemas"].items():
        out += [f"### {name}", ""]
        properties = schema.get("properties") or {}
        required = set(schema.get("required", []))
        if properties:
            out += ["| Field | Type | Required |", "|---|---|---|"]
            for field, spec in properties.items():
                out.append(
                    f"| `{field}` | {_cell(_schema_text(spec))} "
                    f"| {'yes' if field in required else 'no'} |"
                )
        else:
            out.append(_cell(_schema_text(schema)))
        out.append("")
    out += [
        "## The document itself",
        "",
        "[openapi.json](openapi.json) is the document this page was made from. For code "
        "generators and API clients, fetch it from your own server, which serves its version's:",
        "",
        "```sh",
        'curl -H "Authorization: Bearer $TOKEN" https://hooks.example.com/api/openapi.json',
        "```",
        "",
    ]
    return "\n".join(out)


# --- The command line from click --------------------------------------------------------------


def _commands(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        found.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


def _help(ctx: click.Context) -> str:
    ctx.terminal_width = ctx.max_content_width = 100
    return ctx.command.get_help(ctx).rstrip()


def commands_markdown() -> str:
    from echodash.cli.main import cli

    # The group's context settings (`-h` as well as `--help`) reach every command through it.
    root = click.Context(cli, info_name="echodash", **cli.context_settings)
    out = [
        "# Command help",
        "",
        "The `--help` of every `echodash` command, as this version prints it (generated from "
        "the commands themselves). The [command-line guide](../cli.md) explains them with "
        "examples.",
        "",
        "## `echodash`",
        "",
        "```text",
        _help(root),
        "```",
        "",
    ]
    contexts: dict[tuple[str, ...], click.Context] = {(): root}
    for path, command in _commands(cli):
        ctx = click.Context(command, info_name=path[-1], parent=contexts[path[:-1]])
        contexts[path] = ctx
        out += [f"## `echodash {' '.join(path)}`", "", "```text", _help(ctx), "```", ""]
    return "\n".join(out)
