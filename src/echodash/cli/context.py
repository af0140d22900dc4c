"""Shared CLI plumbing: settings from flags and env, a store opened for one command."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from echodash.config import Settings
from echodash.crypto import SecretBox
from echodash.store import open_store
from echodash.store.base import Store, StoreUnavailableError

T = TypeVar("T")


def settings_from(ctx: click.Context, **overrides: Any) -> Settings:
    base: dict[str, Any] = dict(ctx.obj or {})
    base.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.from_env(**base)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def with_store(settings: Settings, work: Callable[[Store, SecretBox, int], Awaitable[T]]) -> T:
    """Open the configured store, run `work(store, box, workspace_id)`, close it."""

    async def in_default_workspace(store: Store, box: SecretBox) -> T:
        return await work(store, box, await store.ensure_default_workspace())

    return with_open_store(settings, in_default_workspace)


def with_open_store(settings: Settings, work: Callable[[Store, SecretBox], Awaitable[T]]) -> T:
    """Open the configured store, run `work(store, box)`, close it (no workspace is made)."""

    async def run() -> T:
        try:
            store = open_store(settings.database_url)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        try:
            await store.open()
        except (StoreUnavailableError, OSError) as exc:
            raise click.ClickException(f"cannot open the database: {exc}") from None
        try:
            box = SecretBox.from_setting_or_file(settings.secret_key, settings.data_dir)
            return await work(store, box)
        finally:
            await store.close()

    return asyncio.run(run())


async def receive_base(settings: Settings, store: Store) -> str:
    """Where receive URLs live: ECHODASH_PUBLIC_URL if set here, else what the server last
    started with recorded (it may run with another port), else this shell's settings."""
    if settings.public_url:
        return settings.base_url
    return await store.get_meta("base_url") or settings.base_url


def data_dir_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option(
        "--database",
        default=None,
        help="sqlite:///path or postgresql://… [env ECHODASH_DATABASE]",
    )(fn)
    return click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Where EchoDash keeps its data [env ECHODASH_DATA_DIR, default ./.echodash]",
    )(fn)
