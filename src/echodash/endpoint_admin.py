"""Creating endpoints and rotating their secrets: one set of rules for the API and the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from echodash.crypto import SecretBox, new_slug
from echodash.events import utcnow
from echodash.sources import Source, UnknownSourceError, source_class, source_classes
from echodash.store.base import EndpointRecord, Store

MAX_NAME = 200
MAX_SECRET = 1000
# Every sender's own generated secrets are far longer (Stripe, Slack, Sentry: 32+ characters).
MIN_SECRET = 16
MIN_SECRET_SYMBOLS = 6
MAX_EXPIRY_SECONDS = 10 * 365 * 24 * 3600


class InvalidEndpointError(ValueError):
    """Input a person must correct; the message says how."""


class NameTakenError(InvalidEndpointError):
    """Another endpoint of the workspace already has this name."""


def check_kind(kind: Any) -> type[Source]:
    if not isinstance(kind, str):
        raise InvalidEndpointError(f"`kind` is required; one of: {', '.join(source_classes())}.")
    try:
        return source_class(kind)
    except UnknownSourceError as exc:
        raise InvalidEndpointError(str(exc.args[0])) from None


def check_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
        raise InvalidEndpointError(f"`name` must be text of 1 to {MAX_NAME} characters.")
    return value.strip()


def check_options(cls: type[Source], value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidEndpointError("`options` must be a JSON object.")
    try:
        return cls.validate_options(value)
    except ValueError as exc:
        raise InvalidEndpointError(str(exc)) from None


def check_secret(secret: Any) -> str:
    if not isinstance(secret, str) or not secret or len(secret) > MAX_SECRET:
        raise InvalidEndpointError(f"`secret` must be text of 1 to {MAX_SECRET} characters.")
    return secret


def check_new_secret(secret: Any) -> str:
    """A secret someone typed or pasted (EchoDash's own are 256-bit): long and varied enough
    that guessing it is hopeless. (Secrets already stored, e.g. when importing, keep the
    plain `check_secret`: refusing them would lock a working sender out.)"""
    plain = check_secret(secret)
    if len(plain) < MIN_SECRET or len(set(plain)) < MIN_SECRET_SYMBOLS:
        raise InvalidEndpointError(
            f"`secret` is too easy to guess: use at least {MIN_SECRET} characters with at "
            f"least {MIN_SECRET_SYMBOLS} different ones (or leave it out, and EchoDash "
            "generates a strong one)."
        )
    return plain


def _name_key(name: str) -> str:
    """Names that read the same are the same name: case and inner spaces do not count."""
    return " ".join(name.split()).casefold()


async def check_name_free(
    store: Store, workspace_id: int, name: str, keep_id: int | None = None
) -> None:
    """Refuse a name another endpoint of the workspace has (`keep_id`: the one renamed)."""
    key = _name_key(name)
    for record in await store.list_endpoints(workspace_id):
        if record.id != keep_id and _name_key(record.name) == key:
            raise NameTakenError(
                f'An endpoint named "{record.name}" already exists in this workspace. '
                "Choose another name, e.g. the repository, account or environment it receives."
            )


async def _default_name(store: Store, workspace_id: int, base: str) -> str:
    """The source's name, numbered when taken: "GitHub", then "GitHub 2", "GitHub 3"…"""
    taken = {_name_key(r.name) for r in await store.list_endpoints(workspace_id)}
    name, n = base, 1
    while _name_key(name) in taken:
        n += 1
        name = f"{base} {n}"
    return name


async def create_endpoint(
    store: Store,
    box: SecretBox,
    workspace_id: int,
    kind: Any,
    name: Any = None,
    secret: Any = None,
    options: Any = None,
) -> tuple[EndpointRecord, str]:
    """A new endpoint and its secret in plain text (shown to the user once).

    Names are unique in a workspace (`NameTakenError`); without one, the source's name is
    used, numbered if another endpoint has it."""
    cls = check_kind(kind)
    if name is None:
        clean_name = await _default_name(store, workspace_id, cls.name)
    else:
        clean_name = check_name(name)
        await check_name_free(store, workspace_id, clean_name)
    clean_options = check_options(cls, {} if options is None else options)
    if secret is None and cls.secret_from_handshake:
        # The sender hands its secret over in its first request (see Source.handshake).
        record = await store.create_endpoint(
            workspace_id, cls.kind, clean_name, new_slug(), clean_options, None
        )
        return record, ""
    plain = (
        check_secret(cls(clean_options).generate_secret())
        if secret is None
        else check_new_secret(secret)
    )
    record = await store.create_endpoint(
        workspace_id, cls.kind, clean_name, new_slug(), clean_options, box.seal(plain)
    )
    return record, plain


async def add_secret(
    store: Store,
    box: SecretBox,
    record: EndpointRecord,
    secret: Any = None,
    expire_others_in: Any = None,
) -> tuple[EndpointRecord, str, datetime | None]:
    """Add a secret; the others stay accepted until `expire_others_in` seconds from now."""
    plain = (
        check_secret(source_class(record.kind)(record.options).generate_secret())
        if secret is None
        else check_new_secret(secret)
    )
    expire_at = None
    if expire_others_in is not None:
        if (
            isinstance(expire_others_in, bool)
            or not isinstance(expire_others_in, int)
            or not 0 <= expire_others_in <= MAX_EXPIRY_SECONDS
        ):
            raise InvalidEndpointError(
                f"`expire_others_in` must be a whole number of seconds from 0 to "
                f"{MAX_EXPIRY_SECONDS} (ten years)."
            )
        expire_at = utcnow() + timedelta(seconds=expire_others_in)
    updated = await store.add_secret(record.workspace_id, record.id, box.seal(plain), expire_at)
    if updated is None:
        raise InvalidEndpointError("That endpoint no longer exists.")
    return updated, plain, expire_at
