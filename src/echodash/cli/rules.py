"""`echodash rules list|create|test`: alert rules, through the server's API."""

from __future__ import annotations

import sys
from typing import Any

import click
import orjson

from echodash.cli.api_client import Api, api_options, moment_option


@click.group()
def rules() -> None:
    """Alert rules: list, create, and try them on stored events."""


@rules.command("list")
@api_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.pass_context
def list_(ctx: click.Context, url: str | None, token: str | None, as_json: bool) -> None:
    """List the workspace's rules."""
    found = Api(ctx, url, token).call("GET", "/api/v1/rules")["rules"]
    if not found and not as_json:
        click.echo("No rules yet. Create one: echodash rules create rule.json", err=True)
    for rule in found:
        if as_json:
            click.echo(orjson.dumps(rule))
        else:
            state = "on " if rule.get("enabled") else "off"
            click.echo(f"{rule['id']:>4}  {state}  {rule['name']:<32} {describe(rule)}")


def describe(rule: dict[str, Any]) -> str:
    """One line: what the rule watches and when it fires."""
    match = rule.get("match", {})
    what = " ".join(
        f"{k}={match[k]}" for k in ("source", "type", "service", "environment") if k in match
    )
    wheres = len(match.get("where", []))
    if wheres:
        what += f" +{wheres} condition{'s' if wheres > 1 else ''}"
    condition = rule.get("condition", {})
    kind = condition.get("kind")
    if kind == "count":
        when = f"{condition['threshold']}+ within {condition['window_seconds']} s"
    elif kind == "absence":
        when = f"nothing for {condition['window_seconds']} s"
    elif kind == "anomaly":
        when = f"hourly rate {condition['factor']} times the usual"
    else:
        when = "every event"
    return f"{what or 'any event'}: {when}"


@rules.command("create")
@click.argument("file", type=click.File("rb"), required=False)
@api_options
@click.option("--name", default=None, help="The rule's name (overrides the file's).")
@click.option("--source", default=None, help="Only events of this source (github, stripe…).")
@click.option("--type", "type_", default=None, help="Only this event type; a glob: deployment*.")
@click.option("--count", type=click.IntRange(1), default=None, help="Fire at this many events…")
@click.option("--within", type=click.IntRange(1), default=None, help="…within these seconds.")
@click.option(
    "--absent-for", type=click.IntRange(60), default=None, help="Fire after this long silent (s)."
)
@click.option(
    "--notify",
    multiple=True,
    help="Whom to tell: an https:// webhook, an Apprise URL (slack://…), or mailto:ADDRESS.",
)
@click.option("--disabled", is_flag=True, help="Save it switched off.")
@click.pass_context
def create(
    ctx: click.Context,
    file: Any,
    url: str | None,
    token: str | None,
    name: str | None,
    source: str | None,
    type_: str | None,
    count: int | None,
    within: int | None,
    absent_for: int | None,
    notify: tuple[str, ...],
    disabled: bool,
) -> None:
    """Create a rule from a JSON FILE (`-` for stdin), or from the flags."""
    if file is not None:
        document = _read_rule(file)
        if name:
            document["name"] = name
    else:
        if not name:
            raise click.UsageError("give a rule FILE, or at least --name")
        document = _from_flags(name, source, type_, count, within, absent_for, notify)
    if disabled:
        document["enabled"] = False
    saved = Api(ctx, url, token).call("POST", "/api/v1/rules", document)
    click.echo(f"Created rule {saved['id']}: {saved['name']} — {describe(saved)}")


def _read_rule(file: Any) -> dict[str, Any]:
    raw = file.read(1024 * 1024 + 1)
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise click.UsageError(f"{file.name} is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise click.UsageError(f"{file.name} must hold one JSON object (a rule)")
    return document


def _from_flags(
    name: str,
    source: str | None,
    type_: str | None,
    count: int | None,
    within: int | None,
    absent_for: int | None,
    notify: tuple[str, ...],
) -> dict[str, Any]:
    if (count is None) != (within is None):
        raise click.UsageError("--count and --within go together")
    if count is not None and absent_for is not None:
        raise click.UsageError("give --count/--within or --absent-for, not both")
    condition: dict[str, Any] = {"kind": "every"}
    if count is not None:
        condition = {"kind": "count", "threshold": count, "window_seconds": within}
    elif absent_for is not None:
        condition = {"kind": "absence", "window_seconds": absent_for}
    match = {k: v for k, v in {"source": source, "type": type_}.items() if v}
    return {"name": name, "match": match, "condition": condition, "actions": _actions(notify)}


def _actions(notify: tuple[str, ...]) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    for target in notify:
        if target.startswith("mailto:"):
            actions.append({"kind": "email", "to": [target.removeprefix("mailto:")]})
        elif target.startswith(("https://", "http://")):
            actions.append({"kind": "webhook", "url": target})
        else:
            actions.append({"kind": "apprise", "url": target})
    return actions


@rules.command("test")
@click.argument("rule")
@api_options
@click.option("--since", default=None, help="From (ISO-8601, or 7d, 12h ago) [default: 7d].")
@click.option("--until", default=None, help="Until (ISO-8601, or 1d ago) [default: now].")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.pass_context
def test(
    ctx: click.Context,
    rule: str,
    url: str | None,
    token: str | None,
    since: str | None,
    until: str | None,
    as_json: bool,
) -> None:
    """Dry run: when RULE (a saved rule's id, a JSON file, or `-`) would have fired."""
    api = Api(ctx, url, token)
    params = {"since": moment_option(since) or "", "until": moment_option(until) or ""}
    if rule.isascii() and rule.isdigit():
        run = api.call("POST", f"/api/v1/rules/{rule}/test", params=params)
    else:
        with click.open_file(rule, "rb") as file:
            document = _read_rule(file)
        run = api.call("POST", "/api/v1/rules/test", document, params=params)
    if as_json:
        click.echo(orjson.dumps(run))
        return
    times = "time" if run["would_fire"] == 1 else "times"
    click.echo(f"would have fired {run['would_fire']} {times} between {run['since']} and "
               f"{run['until']} ({run['matched']} matching events)")  # fmt: skip
    for moment in run["moments"]:
        click.echo(f"  {moment}")
    if run.get("truncated"):
        click.echo(
            f"(too many events to read them all: only those from {run['since']} on count)",
            err=True,
        )
    sys.stdout.flush()
