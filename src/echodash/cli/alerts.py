"""`echodash alerts list|ack|resolve`: what fired, through the server's API."""

from __future__ import annotations

from typing import Any

import click
import orjson

from echodash.cli.api_client import Api, api_options


@click.group()
def alerts() -> None:
    """Alerts: list them, acknowledge them, resolve them."""


@alerts.command("list")
@api_options
@click.option(
    "--status",
    type=click.Choice(["firing", "acknowledged", "resolved"]),
    default=None,
    help="Only alerts in this state.",
)
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.pass_context
def list_(
    ctx: click.Context,
    url: str | None,
    token: str | None,
    status: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """The newest alerts first, each with its best suspect."""
    params = {"status": status or "", "limit": str(limit)}
    found = Api(ctx, url, token).call("GET", "/api/v1/alerts", params=params)["alerts"]
    if not found and not as_json:
        click.echo("No alerts.", err=True)
    for alert in found:
        if as_json:
            click.echo(orjson.dumps(alert))
        else:
            click.echo(alert_line(alert))


def alert_line(alert: dict[str, Any]) -> str:
    opened = str(alert["opened_at"])[:19].replace("T", " ")
    name = alert.get("rule_name") or f"rule {alert['rule_id']}"
    group = f" [{alert['group']}]" if alert.get("group") else ""
    line = (
        f"{alert['id']:>5}  {alert['status']:<12} {opened}  {name}{group}: "
        f"{alert.get('reason', '')} ({alert['event_count']} events)"
    )
    suspects = alert.get("suspects") or []
    if suspects:
        best = suspects[0]
        line += f"\n       suspect: {best.get('title', '')} — {best.get('reason', '')}"
    return line


def _change(ctx: click.Context, url: str | None, token: str | None, alert_id: int, to: str) -> None:
    alert = Api(ctx, url, token).call("POST", f"/api/v1/alerts/{alert_id}/{to}")
    click.echo(alert_line(alert))


@alerts.command("ack")
@click.argument("alert_id", type=click.IntRange(1))
@api_options
@click.pass_context
def ack(ctx: click.Context, alert_id: int, url: str | None, token: str | None) -> None:
    """Acknowledge an alert: someone is on it."""
    _change(ctx, url, token, alert_id, "ack")


@alerts.command("resolve")
@click.argument("alert_id", type=click.IntRange(1))
@api_options
@click.pass_context
def resolve(ctx: click.Context, alert_id: int, url: str | None, token: str | None) -> None:
    """Resolve an alert by hand (it also resolves by itself after a quiet period)."""
    _change(ctx, url, token, alert_id, "resolve")
