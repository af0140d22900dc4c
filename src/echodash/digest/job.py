"""The digest job: send every person the digest they subscribed to, when it is due."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.utils import formataddr

from echodash.config import Settings
from echodash.digest.mailer import Mailer, MailError
from echodash.digest.render import render_email
from echodash.digest.subscription import Subscription, is_due
from echodash.digest.summary import build_digest
from echodash.events import iso, utcnow
from echodash.jobs.base import Job
from echodash.store.base import Store, StoreUnavailableError

log = logging.getLogger("echodash.digest")

SETTING_KEY = "digest"


@dataclass
class _Tally:
    """What one run did, for its line in the job log."""

    sent: int = 0
    empty: int = 0
    bad: int = 0
    gone: int = 0
    errors: list[str] = field(default_factory=list)

    def account(self) -> str:
        if not (self.sent or self.empty or self.bad or self.gone or self.errors):
            return "no digests due"
        parts = [f"sent {self.sent} digest{'' if self.sent == 1 else 's'}"]
        if self.errors:
            # The first reason is usually the reason for all: one SMTP problem, many people.
            parts.append(f"{len(self.errors)} failed (smtp: {self.errors[0]})")
        if self.empty:
            parts.append(f"{self.empty} empty, not sent")
        if self.gone:
            parts.append(f"{self.gone} for people no longer in the workspace skipped")
        if self.bad:
            parts.append(f"{self.bad} unreadable subscription{'' if self.bad == 1 else 's'}")
        return ", ".join(parts)


class DigestJob(Job):
    name = "digest"

    def __init__(self, settings: Settings, mailer: Mailer | None = None) -> None:
        self._settings = settings
        self._mailer = mailer or Mailer(settings)

    @property
    def every(self) -> timedelta:
        return timedelta(seconds=self._settings.digest_interval)

    async def run(self, store: Store) -> str:
        if not self._mailer.enabled:
            # Leave last_sent_at alone: configuring SMTP later must not skip anyone's digest.
            return "e-mail is not configured (ECHODASH_SMTP_HOST)"
        now = utcnow()
        tally = _Tally()
        for workspace_id, user_id, key, doc in await store.settings_with_prefix(None, SETTING_KEY):
            if key != SETTING_KEY:
                continue
            try:
                sub = Subscription.from_json(doc)
            except ValueError as exc:
                log.warning(
                    "digest of user %s in workspace %s skipped: %s", user_id, workspace_id, exc
                )
                tally.bad += 1
                continue
            if not is_due(sub, now):
                continue
            try:
                await self._send_one(store, workspace_id, user_id, sub, now, tally)
            except (StoreUnavailableError, MailError):
                raise
            except Exception as exc:
                # A bug in one person's digest must not cost everyone else theirs.
                log.exception("digest of user %s in workspace %s failed", user_id, workspace_id)
                tally.errors.append(f"{type(exc).__name__}: {exc}")
        return tally.account()

    async def _send_one(
        self,
        store: Store,
        workspace_id: int,
        user_id: int,
        sub: Subscription,
        now: datetime,
        tally: _Tally,
    ) -> None:
        user = await store.get_user(user_id)
        workspace = await store.get_workspace(workspace_id)
        if user is None or workspace is None or await store.role_of(workspace_id, user_id) is None:
            tally.gone += 1
            return
        digest = await build_digest(store, workspace_id, workspace.name, sub, now)
        if digest.total == 0:
            # Nothing happened: no mail, but the next digest still covers only what follows.
            tally.empty += 1
        else:
            subject, text, html = render_email(
                digest, self._settings.base_url, user.name or user.email
            )
            try:
                await self._mailer.send(formataddr((user.name, user.email)), subject, text, html)
            except MailError as exc:
                log.warning("digest to user %s not sent: %s", user_id, exc)
                tally.errors.append(str(exc))
                return
            tally.sent += 1
        await _mark_sent(store, workspace_id, user_id, now)


async def _mark_sent(store: Store, workspace_id: int, user_id: int, now: datetime) -> None:
    """Record the send on the document as it is now, keeping changes made meanwhile."""
    current = await store.get_setting(workspace_id, user_id, SETTING_KEY)
    if not isinstance(current, dict):
        return  # unsubscribed while the digest was being sent: do not bring it back
    await store.put_setting(
        workspace_id, user_id, SETTING_KEY, {**current, "last_sent_at": iso(now)}
    )


async def preview_digest(
    store: Store, workspace_id: int, user_id: int, base_url: str, now: datetime
) -> tuple[str, str, str] | None:
    """(subject, text, HTML) of the person's next digest, without sending or saving anything.

    None when the person or the workspace does not exist or they are not a member.
    """
    user = await store.get_user(user_id)
    workspace = await store.get_workspace(workspace_id)
    if user is None or workspace is None or await store.role_of(workspace_id, user_id) is None:
        return None
    try:
        sub = Subscription.from_json(await store.get_setting(workspace_id, user_id, SETTING_KEY))
    except ValueError:
        sub = Subscription("daily")
    # A preview shows a whole period, even right after a send or for a stopped digest.
    sub = replace(sub, frequency="daily" if sub.frequency == "off" else sub.frequency)
    sub = replace(sub, last_sent_at=None)
    digest = await build_digest(store, workspace_id, workspace.name, sub, now)
    return render_email(digest, base_url, user.name or user.email)
