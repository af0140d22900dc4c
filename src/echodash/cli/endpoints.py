"""`echodash endpoints create|list|rotate`."""

from __future__ import annotations

import click
import orjson

from echodash import endpoint_admin
from echodash.cli.context import receive_base, settings_from, with_store
from echodash.crypto import SecretBox
from echodash.events import iso
from echodash.store.base import EndpointRecord, Store


@click.group()
def endpoints() -> None:
    """Manage receive endpoints (one per tool or repository)."""


def _parse_options(pairs: tuple[str, ...]) -> dict[str, object]:
    options: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--option")
        options[key] = value
    return options


@endpoints.command("create")
@click.option("--kind", required=True, help="Source kind: github, stripe, standard, generic, …")
@click.option("--name", default=None, help="A name people recognise, e.g. acme/web")
@click.option("--secret", default=None, help="Use this secret instead of generating one.")
@click.option("--option", "option_pairs", multiple=True, help="Source option KEY=VALUE.")
@click.pass_context
def create(
    ctx: click.Context,
    kind: str,
    name: str | None,
    secret: str | None,
    option_pairs: tuple[str, ...],
) -> None:
    """Create an endpoint and print its receive URL and secret."""
    settings = settings_from(ctx)
    options = _parse_options(option_pairs)

    async def work(
        store: Store, box: SecretBox, workspace_id: int
    ) -> tuple[EndpointRecord, str, str]:
        record, plain = await endpoint_admin.create_endpoint(
            store, box, workspace_id, kind, name, secret, options
        )
        return record, plain, await receive_base(settings, store)

    try:
        record, plain, base = with_store(settings, work)
    except endpoint_admin.InvalidEndpointError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Created endpoint {record.id}: {record.name} ({record.kind})")
    click.echo(f"  Receive URL: {base}/in/{record.slug}")
    click.echo(f"  Secret:      {plain}")
    click.echo("Paste both into the sender's webhook settings. The secret is not shown again.")


@endpoints.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """List endpoints with their receive URLs."""
    settings = settings_from(ctx)

    async def work(
        store: Store, box: SecretBox, workspace_id: int
    ) -> tuple[list[EndpointRecord], str]:
        return await store.list_endpoints(workspace_id), await receive_base(settings, store)

    records, base = with_store(settings, work)
    if not records and not as_json:
        click.echo("No endpoints yet. Create one: echodash endpoints create --kind github")
    for r in records:
        url = f"{base}/in/{r.slug}"
        if as_json:
            document = {"id": r.id, "kind": r.kind, "name": r.name, "url": url}
            click.echo(orjson.dumps({**document, "created_at": iso(r.created_at)}))
        else:
            click.echo(f"{r.id:>4}  {r.kind:<9} {r.name:<30} {url}")


@endpoints.command("rotate")
@click.argument("endpoint_id", type=int)
@click.option("--secret", default=None, help="The new secret (generated when omitted).")
@click.option(
    "--expire-others-in",
    type=click.IntRange(min=0),
    default=None,
    help="Seconds until the old secrets stop being accepted (default: never).",
)
@click.pass_context
def rotate(
    ctx: click.Context, endpoint_id: int, secret: str | None, expire_others_in: int | None
) -> None:
    """Add a new secret to an endpoint; old ones stay valid until they expire."""
    settings = settings_from(ctx)

    async def work(store: Store, box: SecretBox, workspace_id: int) -> tuple[str, str | None]:
        record = await store.get_endpoint(workspace_id, endpoint_id)
        if record is None:
            raise click.ClickException(f"no endpoint with id {endpoint_id}")
        _, plain, expire_at = await endpoint_admin.add_secret(
            store, box, record, secret, expire_others_in
        )
        return plain, iso(expire_at) if expire_at else None

    try:
        plain, expires = with_store(settings, work)
    except endpoint_admin.InvalidEndpointError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"New secret: {plain}")
    click.echo(f"Older secrets expire at {expires}." if expires else "Older secrets stay valid.")
