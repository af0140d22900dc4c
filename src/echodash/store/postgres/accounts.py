"""PostgreSQL: workspaces, people, memberships, sessions, invitations, API tokens, saved
settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import orjson

from echodash.events import utcnow
from echodash.store.base import (
    ApiTokenRecord,
    EmailTakenError,
    InvitationRecord,
    Membership,
    SessionRecord,
    TokenListing,
    UserRecord,
    WorkspaceRecord,
)
from echodash.store.postgres.connection import Conn, PgConnection
from echodash.store.postgres.sql import clean, jsonb
from echodash.store.rows import (
    API_TOKEN_FIELDS,
    LIVE_KEY_QUERY,
    NEVER_LOWER,
    USER_COLUMNS,
    as_is,
    token_from_row,
    user_from_row,
)

_WORKSPACE_COLUMNS = "id, name, retention_days, created_at"


def _workspace(row: Any) -> WorkspaceRecord:
    return WorkspaceRecord(row[0], row[1], row[2], row[3])


class PgAccounts(PgConnection):
    # Workspaces
    async def ensure_default_workspace(self) -> int:
        async def fn(conn: Conn) -> int:
            # Serialized, so nodes starting together agree on one default workspace.
            await conn.execute("LOCK TABLE workspaces IN SHARE ROW EXCLUSIVE MODE")
            found = await conn.fetchval("SELECT id FROM workspaces ORDER BY id LIMIT 1")
            if found is not None:
                return int(found)
            return int(
                await conn.fetchval(
                    "INSERT INTO workspaces (name, created_at) VALUES ($1, $2) RETURNING id",
                    "Default",
                    utcnow(),
                )
            )

        return await self._tx(fn)

    async def create_workspace(self, name: str) -> int:
        return int(
            await self._run(
                lambda c: c.fetchval(
                    "INSERT INTO workspaces (name, created_at) VALUES ($1, $2) RETURNING id",
                    clean(name),
                    utcnow(),
                )
            )
        )

    async def get_workspace(self, workspace_id: int) -> WorkspaceRecord | None:
        row = await self._run(
            lambda c: c.fetchrow(
                f"SELECT {_WORKSPACE_COLUMNS} FROM workspaces WHERE id = $1", workspace_id
            )
        )
        return _workspace(row) if row else None

    async def list_workspaces(self) -> list[WorkspaceRecord]:
        rows = await self._run(
            lambda c: c.fetch(f"SELECT {_WORKSPACE_COLUMNS} FROM workspaces ORDER BY id")
        )
        return [_workspace(r) for r in rows]

    async def set_retention(self, workspace_id: int, days: int | None) -> WorkspaceRecord | None:
        row = await self._run(
            lambda c: c.fetchrow(
                "UPDATE workspaces SET retention_days = $1 WHERE id = $2 "
                f"RETURNING {_WORKSPACE_COLUMNS}",
                days,
                workspace_id,
            )
        )
        return _workspace(row) if row else None

    async def rename_workspace(self, workspace_id: int, name: str) -> WorkspaceRecord | None:
        row = await self._run(
            lambda c: c.fetchrow(
                f"UPDATE workspaces SET name = $1 WHERE id = $2 RETURNING {_WORKSPACE_COLUMNS}",
                clean(name),
                workspace_id,
            )
        )
        return _workspace(row) if row else None

    # Workspace API tokens
    async def create_api_token(
        self, workspace_id: int, name: str, token_hash: str, role: str
    ) -> ApiTokenRecord:
        now = utcnow()
        token_id = await self._run(
            lambda c: c.fetchval(
                "INSERT INTO api_tokens (workspace_id, name, token_hash, role, created_at) "
                "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                workspace_id,
                clean(name),
                token_hash,
                role,
                now,
            )
        )
        return ApiTokenRecord(int(token_id), workspace_id, name, role, now)

    async def find_api_token(self, token_hash: str) -> ApiTokenRecord | None:
        row = await self._run(
            lambda c: c.fetchrow(LIVE_KEY_QUERY.format(hash="$1"), clean(token_hash))
        )
        if row is None:
            return None
        return ApiTokenRecord(row[0], row[1], row[2], row[3], row[4], row[5])

    async def api_token_ever_existed(self, token_hash: str) -> bool:
        found = await self._run(
            lambda c: c.fetchval(
                "SELECT 1 FROM api_tokens WHERE token_hash = $1", clean(token_hash)
            )
        )
        return found is not None

    async def count_api_tokens(self) -> int:
        return int(
            await self._run(
                lambda c: c.fetchval("SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL")
            )
        )

    # People
    async def create_user(self, email: str, name: str, password_hash: str) -> UserRecord:
        now = utcnow()
        try:
            user_id = await self._run(
                lambda c: c.fetchval(
                    "INSERT INTO users (email, name, password_hash, created_at) "
                    "VALUES ($1, $2, $3, $4) RETURNING id",
                    clean(email),
                    clean(name),
                    password_hash,
                    now,
                )
            )
        except asyncpg.UniqueViolationError:
            raise EmailTakenError(email) from None
        return UserRecord(int(user_id), email, name, password_hash, now)

    async def get_user(self, user_id: int) -> UserRecord | None:
        row = await self._run(
            lambda c: c.fetchrow(f"SELECT {USER_COLUMNS} FROM users WHERE id = $1", user_id)
        )
        return user_from_row(row, as_is) if row else None

    async def find_user_by_email(self, email: str) -> UserRecord | None:
        row = await self._run(
            lambda c: c.fetchrow(
                f"SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1)", clean(email)
            )
        )
        return user_from_row(row, as_is) if row else None

    async def count_users(self) -> int:
        return int(await self._run(lambda c: c.fetchval("SELECT count(*) FROM users")))

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        await self._run(
            lambda c: c.execute(
                "UPDATE users SET password_hash = $1 WHERE id = $2", password_hash, user_id
            )
        )

    # Memberships
    async def add_member(self, workspace_id: int, user_id: int, role: str) -> None:
        await self._run(
            lambda c: c.execute(
                "INSERT INTO memberships (workspace_id, user_id, role, created_at) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id, user_id) "
                "DO UPDATE SET role = excluded.role",
                workspace_id,
                user_id,
                role,
                utcnow(),
            )
        )

    async def remove_member(self, workspace_id: int, user_id: int) -> bool:
        async def fn(conn: Conn) -> bool:
            gone = await conn.execute(
                "DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2",
                workspace_id,
                user_id,
            )
            # Their browsers looking at this workspace are signed out of it.
            await conn.execute(
                "DELETE FROM sessions WHERE user_id = $1 AND workspace_id = $2",
                user_id,
                workspace_id,
            )
            await conn.execute(
                "UPDATE api_tokens SET revoked_at = $1 "
                "WHERE user_id = $2 AND workspace_id = $3 AND revoked_at IS NULL",
                utcnow(),
                user_id,
                workspace_id,
            )
            return bool(gone != "DELETE 0")

        return await self._tx(fn)

    async def memberships(self, user_id: int) -> list[Membership]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT w.id, w.name, m.role FROM memberships m "
                "JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = $1 ORDER BY w.id",
                user_id,
            )
        )
        return [Membership(r[0], r[1], user_id, r[2]) for r in rows]

    async def members(self, workspace_id: int) -> list[tuple[UserRecord, str]]:
        columns = ", ".join(f"u.{c.strip()}" for c in USER_COLUMNS.split(","))
        rows = await self._run(
            lambda c: c.fetch(
                f"SELECT {columns}, m.role FROM memberships m JOIN users u ON u.id = m.user_id "
                "WHERE m.workspace_id = $1 ORDER BY m.created_at, u.id",
                workspace_id,
            )
        )
        return [(user_from_row(r, as_is), r[5]) for r in rows]

    async def role_of(self, workspace_id: int, user_id: int) -> str | None:
        role = await self._run(
            lambda c: c.fetchval(
                "SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2",
                workspace_id,
                user_id,
            )
        )
        return None if role is None else str(role)

    # Sessions
    async def create_session(
        self,
        session_hash: str,
        user_id: int,
        workspace_id: int,
        csrf_token: str,
        expires_at: datetime,
    ) -> None:
        now = utcnow()

        async def fn(conn: Conn) -> None:
            # Expired sessions go when new ones come, so the table stays small.
            await conn.execute("DELETE FROM sessions WHERE expires_at < $1", now)
            await conn.execute(
                "INSERT INTO sessions (session_hash, user_id, workspace_id, csrf_token, "
                "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                session_hash,
                user_id,
                workspace_id,
                csrf_token,
                now,
                expires_at,
            )

        await self._tx(fn)

    async def find_session(self, session_hash: str, now: datetime) -> SessionRecord | None:
        row = await self._run(
            lambda c: c.fetchrow(
                "SELECT user_id, workspace_id, csrf_token, created_at, expires_at FROM sessions "
                "WHERE session_hash = $1 AND expires_at > $2",
                clean(session_hash),
                now,
            )
        )
        return None if row is None else SessionRecord(row[0], row[1], row[2], row[3], row[4])

    async def switch_session_workspace(self, session_hash: str, workspace_id: int) -> None:
        await self._run(
            lambda c: c.execute(
                "UPDATE sessions SET workspace_id = $1 WHERE session_hash = $2",
                workspace_id,
                session_hash,
            )
        )

    async def delete_session(self, session_hash: str) -> None:
        await self._run(
            lambda c: c.execute("DELETE FROM sessions WHERE session_hash = $1", session_hash)
        )

    async def delete_user_sessions(self, user_id: int) -> int:
        status = await self._run(
            lambda c: c.execute("DELETE FROM sessions WHERE user_id = $1", user_id)
        )
        return int(str(status).rsplit(" ", 1)[-1])

    # Invitations
    async def create_invitation(
        self,
        token_hash: str,
        workspace_id: int,
        role: str,
        created_by: int,
        expires_at: datetime,
    ) -> None:
        await self._run(
            lambda c: c.execute(
                "INSERT INTO invitations (token_hash, workspace_id, role, created_by, "
                "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                token_hash,
                workspace_id,
                role,
                created_by,
                utcnow(),
                expires_at,
            )
        )

    async def find_invitation(self, token_hash: str) -> InvitationRecord | None:
        row = await self._run(
            lambda c: c.fetchrow(
                "SELECT workspace_id, role, created_by, created_at, expires_at, accepted_by "
                "FROM invitations WHERE token_hash = $1",
                clean(token_hash),
            )
        )
        return None if row is None else InvitationRecord(*row)

    async def pending_invitations(
        self, workspace_id: int, now: datetime
    ) -> list[tuple[str, InvitationRecord]]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT token_hash, workspace_id, role, created_by, created_at, expires_at, "
                "accepted_by FROM invitations "
                "WHERE workspace_id = $1 AND accepted_by IS NULL AND expires_at > $2 "
                "ORDER BY created_at DESC, token_hash",
                workspace_id,
                now,
            )
        )
        return [(r[0], InvitationRecord(*list(r)[1:])) for r in rows]

    async def revoke_invitation(self, workspace_id: int, token_hash: str) -> bool:
        status = await self._run(
            lambda c: c.execute(
                "DELETE FROM invitations "
                "WHERE token_hash = $1 AND workspace_id = $2 AND accepted_by IS NULL",
                clean(token_hash),
                workspace_id,
            )
        )
        return str(status).endswith(" 1")

    async def accept_invitation(self, token_hash: str, user_id: int, now: datetime) -> bool:
        async def fn(conn: Conn) -> bool:
            row = await conn.fetchrow(
                "UPDATE invitations SET accepted_by = $1, accepted_at = $2 "
                "WHERE token_hash = $3 AND accepted_by IS NULL AND expires_at > $2 "
                "RETURNING workspace_id, role",
                user_id,
                now,
                token_hash,
            )
            if row is None:
                return False
            await conn.execute(
                "INSERT INTO memberships (workspace_id, user_id, role, created_at) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id, user_id) "
                f"DO UPDATE SET role = {NEVER_LOWER}",
                row[0],
                user_id,
                row[1],
                now,
            )
            return True

        return await self._tx(fn)

    # Personal API tokens
    async def create_user_token(
        self, workspace_id: int, user_id: int, name: str, token_hash: str, role: str
    ) -> TokenListing:
        now = utcnow()
        token_id = await self._run(
            lambda c: c.fetchval(
                "INSERT INTO api_tokens (workspace_id, name, token_hash, role, created_at, "
                "user_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                workspace_id,
                clean(name),
                token_hash,
                role,
                now,
                user_id,
            )
        )
        return TokenListing(int(token_id), name, role, user_id, now)

    async def list_tokens(self, workspace_id: int) -> list[TokenListing]:
        rows = await self._run(
            lambda c: c.fetch(
                f"SELECT {API_TOKEN_FIELDS} FROM api_tokens "
                "WHERE workspace_id = $1 AND revoked_at IS NULL ORDER BY id",
                workspace_id,
            )
        )
        return [token_from_row(r, as_is) for r in rows]

    async def revoke_token(self, workspace_id: int, token_id: int, user_id: int | None) -> bool:
        status = await self._run(
            lambda c: c.execute(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND workspace_id = $3 "
                "AND revoked_at IS NULL AND ($4::bigint IS NULL OR user_id = $4)",
                utcnow(),
                token_id,
                workspace_id,
                user_id,
            )
        )
        return bool(status != "UPDATE 0")

    # Saved settings
    async def get_setting(self, workspace_id: int, user_id: int, key: str) -> Any | None:
        value = await self._run(
            lambda c: c.fetchval(
                "SELECT value::text FROM saved_settings WHERE workspace_id = $1 "
                "AND user_id = $2 AND key = $3",
                workspace_id,
                user_id,
                clean(key),
            )
        )
        return None if value is None else orjson.loads(value)

    async def put_setting(self, workspace_id: int, user_id: int, key: str, value: Any) -> None:
        if value is None:
            await self._run(
                lambda c: c.execute(
                    "DELETE FROM saved_settings WHERE workspace_id = $1 AND user_id = $2 "
                    "AND key = $3",
                    workspace_id,
                    user_id,
                    clean(key),
                )
            )
            return
        await self._run(
            lambda c: c.execute(
                "INSERT INTO saved_settings (workspace_id, user_id, key, value, updated_at) "
                "VALUES ($1, $2, $3, $4::jsonb, $5) ON CONFLICT (workspace_id, user_id, key) "
                "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                workspace_id,
                user_id,
                clean(key),
                jsonb(value),
                utcnow(),
            )
        )

    async def settings_with_prefix(
        self, workspace_id: int | None, prefix: str
    ) -> list[tuple[int, int, str, Any]]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT workspace_id, user_id, key, value::text FROM saved_settings "
                "WHERE starts_with(key, $1) AND ($2::bigint IS NULL OR workspace_id = $2) "
                "ORDER BY workspace_id, user_id, key",
                clean(prefix),
                workspace_id,
            )
        )
        return [(r[0], r[1], r[2], orjson.loads(r[3])) for r in rows]
