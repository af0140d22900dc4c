"""The accounts part of the Store interface: workspaces, people and their memberships,
sessions, invitations, API tokens and saved settings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ROLES = ("admin", "member")


class EmailTakenError(Exception):
    """An account with this e-mail address exists already."""


@dataclass(frozen=True, slots=True)
class WorkspaceRecord:
    id: int
    name: str
    # Events and deliveries older than this many days are pruned; None keeps them forever.
    retention_days: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiTokenRecord:
    id: int
    workspace_id: int
    name: str
    role: str
    created_at: datetime
    # The person a personal token belongs to (None: a workspace token made by the CLI).
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    email: str
    name: str
    password_hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Membership:
    """One person's place in one workspace."""

    workspace_id: int
    workspace_name: str
    user_id: int
    role: str


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A signed-in browser: the person, the workspace they look at, its CSRF token."""

    user_id: int
    workspace_id: int
    csrf_token: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class InvitationRecord:
    workspace_id: int
    role: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    accepted_by: int | None


@dataclass(frozen=True, slots=True)
class TokenListing:
    """An API token as its owner sees it in the token list (never the token itself)."""

    id: int
    name: str
    role: str
    user_id: int | None
    created_at: datetime


class AccountStore(ABC):
    # Workspaces
    @abstractmethod
    async def ensure_default_workspace(self) -> int:
        """The id of the first workspace, created when none exists."""

    @abstractmethod
    async def create_workspace(self, name: str) -> int:
        """A new, empty workspace."""

    @abstractmethod
    async def get_workspace(self, workspace_id: int) -> WorkspaceRecord | None:
        """One workspace."""

    @abstractmethod
    async def list_workspaces(self) -> list[WorkspaceRecord]:
        """Every workspace, oldest first."""

    @abstractmethod
    async def set_retention(self, workspace_id: int, days: int | None) -> WorkspaceRecord | None:
        """Keep the workspace's events and deliveries for `days` days (None: forever)."""

    @abstractmethod
    async def rename_workspace(self, workspace_id: int, name: str) -> WorkspaceRecord | None:
        """Give the workspace a new name (already checked); None when it does not exist."""

    # Workspace API tokens (made with the CLI, looked up by their hash)
    @abstractmethod
    async def create_api_token(
        self, workspace_id: int, name: str, token_hash: str, role: str
    ) -> ApiTokenRecord:
        """Store a new API token by its hash."""

    @abstractmethod
    async def find_api_token(self, token_hash: str) -> ApiTokenRecord | None:
        """The live token with that hash, if any."""

    @abstractmethod
    async def api_token_ever_existed(self, token_hash: str) -> bool:
        """True when a token with this hash was ever created, revoked or not."""

    @abstractmethod
    async def count_api_tokens(self) -> int:
        """How many live API tokens exist across all workspaces."""

    # People
    @abstractmethod
    async def create_user(self, email: str, name: str, password_hash: str) -> UserRecord:
        """A new account; raises EmailTakenError when the address is in use."""

    @abstractmethod
    async def get_user(self, user_id: int) -> UserRecord | None:
        """One account."""

    @abstractmethod
    async def find_user_by_email(self, email: str) -> UserRecord | None:
        """The account with this address (compared case-insensitively)."""

    @abstractmethod
    async def count_users(self) -> int:
        """How many accounts exist."""

    @abstractmethod
    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace an account's password hash (after login found an outdated one)."""

    # Memberships
    @abstractmethod
    async def add_member(self, workspace_id: int, user_id: int, role: str) -> None:
        """Give a person a role in a workspace (replacing the role they had)."""

    @abstractmethod
    async def remove_member(self, workspace_id: int, user_id: int) -> bool:
        """Take a person out of a workspace."""

    @abstractmethod
    async def memberships(self, user_id: int) -> list[Membership]:
        """The workspaces one person belongs to, oldest workspace first."""

    @abstractmethod
    async def members(self, workspace_id: int) -> list[tuple[UserRecord, str]]:
        """The people of one workspace with their roles, in the order they joined."""

    @abstractmethod
    async def role_of(self, workspace_id: int, user_id: int) -> str | None:
        """A person's role in a workspace, or None when they are not a member."""

    # Browser sessions (looked up by the hash of the cookie's value)
    @abstractmethod
    async def create_session(
        self,
        session_hash: str,
        user_id: int,
        workspace_id: int,
        csrf_token: str,
        expires_at: datetime,
    ) -> None:
        """Remember a signed-in browser."""

    @abstractmethod
    async def find_session(self, session_hash: str, now: datetime) -> SessionRecord | None:
        """The live session with this hash, if it has not expired."""

    @abstractmethod
    async def switch_session_workspace(self, session_hash: str, workspace_id: int) -> None:
        """Make the session look at another of its person's workspaces."""

    @abstractmethod
    async def delete_session(self, session_hash: str) -> None:
        """Sign a browser out."""

    @abstractmethod
    async def delete_user_sessions(self, user_id: int) -> int:
        """Sign every browser of one person out; how many sessions ended."""

    # Invitations (looked up by the hash of the link's token)
    @abstractmethod
    async def create_invitation(
        self,
        token_hash: str,
        workspace_id: int,
        role: str,
        created_by: int,
        expires_at: datetime,
    ) -> None:
        """Remember an invitation link."""

    @abstractmethod
    async def find_invitation(self, token_hash: str) -> InvitationRecord | None:
        """The invitation behind a link, accepted or not."""

    @abstractmethod
    async def accept_invitation(self, token_hash: str, user_id: int, now: datetime) -> bool:
        """Use an invitation once: the person joins its workspace with its role.

        False when it was used already or has expired; nothing changes then.
        """

    @abstractmethod
    async def pending_invitations(
        self, workspace_id: int, now: datetime
    ) -> list[tuple[str, InvitationRecord]]:
        """(token hash, invitation) of the workspace's links neither used nor expired by
        `now`, newest first. The hash identifies a link without giving it away."""

    @abstractmethod
    async def revoke_invitation(self, workspace_id: int, token_hash: str) -> bool:
        """Withdraw an unused invitation of this workspace: its link stops working. False when
        there is no such unused invitation in the workspace."""

    # Personal API tokens
    @abstractmethod
    async def create_user_token(
        self, workspace_id: int, user_id: int, name: str, token_hash: str, role: str
    ) -> TokenListing:
        """A personal API token of one person in one workspace."""

    @abstractmethod
    async def list_tokens(self, workspace_id: int) -> list[TokenListing]:
        """The live API tokens of a workspace, oldest first."""

    @abstractmethod
    async def revoke_token(self, workspace_id: int, token_id: int, user_id: int | None) -> bool:
        """Revoke a token of this workspace (only that person's when `user_id` is given)."""

    # Saved settings: JSON documents per workspace (user_id 0) or per person in a workspace
    @abstractmethod
    async def get_setting(self, workspace_id: int, user_id: int, key: str) -> Any | None:
        """A saved document, or None."""

    @abstractmethod
    async def put_setting(self, workspace_id: int, user_id: int, key: str, value: Any) -> None:
        """Save a document (None deletes it)."""

    @abstractmethod
    async def settings_with_prefix(
        self, workspace_id: int | None, prefix: str
    ) -> list[tuple[int, int, str, Any]]:
        """(workspace, user, key, value) of every document whose key starts with `prefix`,
        in one workspace or (None) in all of them."""
