"""The accounts part of the Store contract: workspaces, people, sessions, invitations,
tokens, saved settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from echodash.events import utcnow
from echodash.store.base import EmailTakenError, Store

pytestmark = pytest.mark.own_stores


def test_people_are_found_by_email_whatever_its_case(run: Callable[..., Any]) -> None:
    async def fn(store: Store) -> None:
        assert await store.count_users() == 0
        ada = await store.create_user("Ada@Example.com", "Ada", "hash-a")
        assert (await store.find_user_by_email("ada@example.COM")) == ada
        assert (await store.get_user(ada.id)) == ada
        with pytest.raises(EmailTakenError):
            await store.create_user("ADA@example.com", "Impostor", "hash-b")
        assert await store.count_users() == 1
        await store.set_password_hash(ada.id, "hash-new")
        found = await store.get_user(ada.id)
        assert found is not None and found.password_hash == "hash-new"
        assert await store.find_user_by_email("nobody@example.com") is None

    run(fn)


def test_members_roles_and_leaving_a_workspace(run: Callable[..., Any]) -> None:
    async def fn(store: Store) -> None:
        acme = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        ada = await store.create_user("ada@example.com", "Ada", "h")
        bob = await store.create_user("bob@example.com", "Bob", "h")
        await store.add_member(acme, ada.id, "admin")
        await store.add_member(acme, bob.id, "member")
        await store.add_member(other, bob.id, "admin")
        assert [(u.name, r) for u, r in await store.members(acme)] == [
            ("Ada", "admin"),
            ("Bob", "member"),
        ]
        assert [(m.workspace_name, m.role) for m in await store.memberships(bob.id)] == [
            ("Default", "member"),
            ("Other", "admin"),
        ]
        await store.add_member(acme, bob.id, "admin")  # a new role replaces the old one
        assert await store.role_of(acme, bob.id) == "admin"

        await store.create_session("s-bob", bob.id, acme, "csrf", utcnow() + timedelta(days=1))
        token = await store.create_user_token(acme, bob.id, "laptop", "tok-bob", "admin")
        assert await store.remove_member(acme, bob.id) is True
        assert await store.remove_member(acme, bob.id) is False
        assert await store.role_of(acme, bob.id) is None
        # Leaving signs them out of that workspace and revokes their tokens there.
        assert await store.find_session("s-bob", utcnow()) is None
        assert await store.find_api_token("tok-bob") is None
        assert token.id not in [t.id for t in await store.list_tokens(acme)]
        assert await store.role_of(other, bob.id) == "admin"

    run(fn)


def test_sessions_expire_and_switch_workspace(run: Callable[..., Any]) -> None:
    async def fn(store: Store) -> None:
        acme = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        ada = await store.create_user("ada@example.com", "Ada", "h")
        now = utcnow()
        await store.create_session("live", ada.id, acme, "csrf-1", now + timedelta(hours=1))
        await store.create_session("old", ada.id, acme, "csrf-2", now + timedelta(seconds=1))
        session = await store.find_session("live", now)
        assert session is not None
        assert (session.user_id, session.workspace_id, session.csrf_token) == (
            ada.id,
            acme,
            "csrf-1",
        )
        assert await store.find_session("old", now + timedelta(seconds=2)) is None
        await store.switch_session_workspace("live", other)
        switched = await store.find_session("live", now)
        assert switched is not None and switched.workspace_id == other
        await store.delete_session("live")
        assert await store.find_session("live", now) is None

    run(fn)


def test_an_invitation_works_once_and_not_after_it_expires(run: Callable[..., Any]) -> None:
    async def fn(store: Store) -> None:
        acme = await store.ensure_default_workspace()
        ada = await store.create_user("ada@example.com", "Ada", "h")
        bob = await store.create_user("bob@example.com", "Bob", "h")
        eve = await store.create_user("eve@example.com", "Eve", "h")
        now = utcnow()
        await store.create_invitation("inv-1", acme, "member", ada.id, now + timedelta(days=7))
        await store.create_invitation("inv-2", acme, "admin", ada.id, now + timedelta(minutes=1))
        invitation = await store.find_invitation("inv-1")
        assert invitation is not None
        assert (invitation.workspace_id, invitation.role, invitation.accepted_by) == (
            acme,
            "member",
            None,
        )
        assert await store.accept_invitation("inv-1", bob.id, now) is True
        assert await store.accept_invitation("inv-1", eve.id, now) is False
        assert await store.role_of(acme, bob.id) == "member"
        assert await store.role_of(acme, eve.id) is None
        used = await store.find_invitation("inv-1")
        assert used is not None and used.accepted_by == bob.id
        assert await store.accept_invitation("inv-2", eve.id, now + timedelta(minutes=2)) is False
        assert await store.role_of(acme, eve.id) is None
        assert await store.find_invitation("nope") is None

    run(fn)


def test_pending_invitations_are_listed_and_revoked_within_their_workspace(
    run: Callable[..., Any],
) -> None:
    async def fn(store: Store) -> None:
        acme = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        ada = await store.create_user("ada@example.com", "Ada", "h")
        bob = await store.create_user("bob@example.com", "Bob", "h")
        now = utcnow()
        week = now + timedelta(days=7)
        await store.create_invitation("inv-old", acme, "member", ada.id, week)
        await store.create_invitation("inv-new", acme, "admin", ada.id, week)
        await store.create_invitation("inv-used", acme, "member", ada.id, week)
        await store.create_invitation(
            "inv-gone", acme, "member", ada.id, now + timedelta(minutes=1)
        )
        await store.create_invitation("inv-other", other, "member", ada.id, week)
        assert await store.accept_invitation("inv-used", bob.id, now)

        later = now + timedelta(minutes=2)  # inv-gone has expired by then
        pending = await store.pending_invitations(acme, later)
        assert {h for h, _ in pending} == {"inv-old", "inv-new"}
        roles = {h: i.role for h, i in pending}
        assert roles == {"inv-old": "member", "inv-new": "admin"}
        assert all(i.workspace_id == acme and i.accepted_by is None for _, i in pending)
        assert [h for h, _ in await store.pending_invitations(other, later)] == ["inv-other"]

        # Another workspace's link and a used one cannot be revoked from here.
        assert await store.revoke_invitation(acme, "inv-other") is False
        assert await store.revoke_invitation(acme, "inv-used") is False
        assert await store.find_invitation("inv-other") is not None
        assert await store.revoke_invitation(acme, "inv-old") is True
        assert await store.revoke_invitation(acme, "inv-old") is False
        assert [h for h, _ in await store.pending_invitations(acme, later)] == ["inv-new"]
        # A revoked link no longer lets anyone in.
        assert await store.accept_invitation("inv-old", bob.id, later) is False

    run(fn)


def test_a_workspace_can_be_renamed(run: Callable[..., Any]) -> None:
    async def fn(store: Store) -> None:
        acme = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        renamed = await store.rename_workspace(acme, "Acme Inc.")
        assert renamed is not None and (renamed.id, renamed.name) == (acme, "Acme Inc.")
        found = await store.get_workspace(acme)
        assert found is not None and found.name == "Acme Inc."
        untouched = await store.get_workspace(other)
        assert untouched is not None and untouched.name == "Other"
        assert await store.rename_workspace(987654, "Nobody") is None

    run(fn)


def test_personal_tokens_are_listed_and_revoked_by_their_owner(run: Callable[..., Any]) -> None:
    async def fn(store: Store) -> None:
        acme = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        ada = await store.create_user("ada@example.com", "Ada", "h")
        bob = await store.create_user("bob@example.com", "Bob", "h")
        cli = await store.create_api_token(acme, "ci", "tok-ci", "admin")
        mine = await store.create_user_token(acme, ada.id, "laptop", "tok-ada", "admin")
        await store.create_user_token(other, ada.id, "elsewhere", "tok-other", "admin")
        # A personal token works only while its owner is a member, as the owner's role.
        assert await store.find_api_token("tok-ada") is None
        await store.add_member(acme, ada.id, "member")
        found = await store.find_api_token("tok-ada")
        assert found is not None and found.role == "member"
        await store.add_member(acme, ada.id, "admin")
        await store.add_member(other, ada.id, "admin")
        found = await store.find_api_token("tok-ada")
        assert found is not None and found.role == "admin"
        assert found is not None and (found.user_id, found.workspace_id) == (ada.id, acme)
        assert cli.user_id is None
        assert [(t.name, t.user_id) for t in await store.list_tokens(acme)] == [
            ("ci", None),
            ("laptop", ada.id),
        ]
        # Bob cannot revoke Ada's token; another workspace cannot either.
        assert await store.revoke_token(acme, mine.id, bob.id) is False
        assert await store.revoke_token(other, mine.id, None) is False
        assert await store.revoke_token(acme, mine.id, ada.id) is True
        assert await store.find_api_token("tok-ada") is None
        assert [t.name for t in await store.list_tokens(acme)] == ["ci"]

    run(fn)


def test_saved_settings_per_workspace_and_person(run: Callable[..., Any]) -> None:
    async def fn(store: Store) -> None:
        acme = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        doc = {"title": "{{ event.actor }} shipped", "fields": ["ref"], "n": 1.5}
        await store.put_setting(acme, 0, "template:github:push", doc)
        await store.put_setting(acme, 7, "digest", {"frequency": "daily"})
        await store.put_setting(other, 0, "template:stripe:charge.failed", {"title": "x"})
        await store.put_setting(acme, 0, "template_", {"odd": True})
        assert await store.get_setting(acme, 0, "template:github:push") == doc
        assert await store.get_setting(other, 0, "template:github:push") is None
        assert [k for _, _, k, _ in await store.settings_with_prefix(acme, "template:")] == [
            "template:github:push"
        ]
        everywhere = await store.settings_with_prefix(None, "template:")
        assert [(w, k) for w, _, k, _ in everywhere] == [
            (acme, "template:github:push"),
            (other, "template:stripe:charge.failed"),
        ]
        assert await store.settings_with_prefix(None, "digest") == [
            (acme, 7, "digest", {"frequency": "daily"})
        ]
        await store.put_setting(acme, 0, "template:github:push", {"title": "new"})
        assert await store.get_setting(acme, 0, "template:github:push") == {"title": "new"}
        await store.put_setting(acme, 0, "template:github:push", None)
        assert await store.get_setting(acme, 0, "template:github:push") is None

    run(fn)
