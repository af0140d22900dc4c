"""SQLite: workspaces, people, memberships, sessions, invitations, API tokens, saved settings."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

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
from echodash.store.rows import (
    API_TOKEN_FIELDS,
    LIVE_KEY_QUERY,
    NEVER_LOWER,
    USER_COLUMNS,
    dumps,
    from_micros,
    to_micros,
    token_from_row,
    user_from_row,
)
from echodash.store.sqlite.connection import SqliteConnection

_WORKSPACE_COLUMNS = "id, name, retention_days, created_at"


def _workspace(row: Any) -> WorkspaceRecord:
    return WorkspaceRecord(row[0], row[1], row[2], from_micros(row[3]))


class SqliteAccounts(SqliteConnection):
    # Workspaces
    async def ensure_default_workspace(self) -> int:
        def fn(conn: sqlite3.Connection) -> int:
            row = conn.execute("SELECT id FROM workspaces ORDER BY id LIMIT 1").fetchone()
            if row:
                return int(row[0])
            cur = conn.execute(
                "INSERT INTO workspaces (name, created_at) VALUES (?, ?)",
                ("Default", to_micros(utcnow())),
            )
            return int(cur.lastrowid or 0)

        return await self._write(fn)

    async def create_workspace(self, name: str) -> int:
        now = to_micros(utcnow())
        return await self._write(
            lambda c: int(
                c.execute(
                    "INSERT INTO workspaces (name, created_at) VALUES (?, ?)", (name, now)
                ).lastrowid
                or 0
            )
        )

    async def get_workspace(self, workspace_id: int) -> WorkspaceRecord | None:
        def fn(conn: sqlite3.Connection) -> WorkspaceRecord | None:
            row = conn.execute(
                f"SELECT {_WORKSPACE_COLUMNS} FROM workspaces WHERE id = ?", (workspace_id,)
            ).fetchone()
            return _workspace(row) if row else None

        return await self._read(fn)

    async def list_workspaces(self) -> list[WorkspaceRecord]:
        return await self._read(
            lambda c: [
                _workspace(r)
                for r in c.execute(f"SELECT {_WORKSPACE_COLUMNS} FROM workspaces ORDER BY id")
            ]
        )

    async def set_retention(self, workspace_id: int, days: int | None) -> WorkspaceRecord | None:
        def fn(conn: sqlite3.Connection) -> WorkspaceRecord | None:
            row = conn.execute(
                f"UPDATE workspaces SET retention_days = ? WHERE id = ? "
                f"RETURNING {_WORKSPACE_COLUMNS}",
                (days, workspace_id),
            ).fetchone()
            return _workspace(row) if row else None

        return await self._write(fn)

    async def rename_workspace(self, workspace_id: int, name: str) -> WorkspaceRecord | None:
        def fn(conn: sqlite3.Connection) -> WorkspaceRecord | None:
            row = conn.execute(
                f"UPDATE workspaces SET name = ? WHERE id = ? RETURNING {_WORKSPACE_COLUMNS}",
                (name, workspace_id),
            ).fetchone()
            return _workspace(row) if row else None

        return await self._write(fn)

    # Workspace API tokens
    async def create_api_token(
        self, workspace_id: int, name: str, token_hash: str, role: str
    ) -> ApiTokenRecord:
        now = utcnow()

        def fn(conn: sqlite3.Connection) -> ApiTokenRecord:
            cur = conn.execute(
                "INSERT INTO api_tokens (workspace_id, name, token_hash, role, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (workspace_id, name, token_hash, role, to_micros(now)),
            )
            return ApiTokenRecord(int(cur.lastrowid or 0), workspace_id, name, role, now)

        return await self._write(fn)

    async def find_api_token(self, token_hash: str) -> ApiTokenRecord | None:
        def fn(conn: sqlite3.Connection) -> ApiTokenRecord | None:
            row = conn.execute(LIVE_KEY_QUERY.format(hash="?"), (token_hash,)).fetchone()
            if row is None:
                return None
            return ApiTokenRecord(row[0], row[1], row[2], row[3], from_micros(row[4]), row[5])

        return await self._read(fn)

    async def api_token_ever_existed(self, token_hash: str) -> bool:
        return await self._read(
            lambda c: (
                c.execute("SELECT 1 FROM api_tokens WHERE token_hash = ?", (token_hash,)).fetchone()
                is not None
            )
        )

    async def count_api_tokens(self) -> int:
        return await self._read(
            lambda c: int(
                c.execute("SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL").fetchone()[0]
            )
        )

    # People
    async def create_user(self, email: str, name: str, password_hash: str) -> UserRecord:
        now = utcnow()

        def fn(conn: sqlite3.Connection) -> UserRecord | None:
            # Checked inside the writer: a failed INSERT would end the whole group's commit.
            taken = conn.execute(
                "SELECT 1 FROM users WHERE lower(email) = lower(?)", (email,)
            ).fetchone()
            if taken:
                return None
            cur = conn.execute(
                "INSERT INTO users (email, name, password_hash, created_at) VALUES (?, ?, ?, ?)",
                (email, name, password_hash, to_micros(now)),
            )
            return UserRecord(int(cur.lastrowid or 0), email, name, password_hash, now)

        user = await self._write(fn)
        if user is None:
            raise EmailTakenError(email)
        return user

    async def get_user(self, user_id: int) -> UserRecord | None:
        def fn(conn: sqlite3.Connection) -> UserRecord | None:
            row = conn.execute(
                f"SELECT {USER_COLUMNS} FROM users WHERE id = ?", (user_id,)
            ).fetchone()
            return user_from_row(row) if row else None

        return await self._read(fn)

    async def find_user_by_email(self, email: str) -> UserRecord | None:
        def fn(conn: sqlite3.Connection) -> UserRecord | None:
            row = conn.execute(
                f"SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower(?)", (email,)
            ).fetchone()
            return user_from_row(row) if row else None

        return await self._read(fn)

    async def count_users(self) -> int:
        return await self._read(
            lambda c: int(c.execute("SELECT count(*) FROM users").fetchone()[0])
        )

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        await self._write(
            lambda c: c.execute(
                "UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id)
            )
        )

    # Memberships
    async def add_member(self, workspace_id: int, user_id: int, role: str) -> None:
        now = to_micros(utcnow())
        await self._write(
            lambda c: c.execute(
                "INSERT INTO memberships (workspace_id, user_id, role, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, user_id) "
                "DO UPDATE SET role = excluded.role",
                (workspace_id, user_id, role, now),
            )
        )

    async def remove_member(self, workspace_id: int, user_id: int) -> bool:
        def fn(conn: sqlite3.Connection) -> bool:
            gone = conn.execute(
                "DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?",
                (workspace_id, user_id),
            ).rowcount
            # Their browsers looking at this workspace are signed out of it.
            conn.execute(
                "DELETE FROM sessions WHERE user_id = ? AND workspace_id = ?",
                (user_id, workspace_id),
            )
            conn.execute(
                "UPDATE api_tokens SET revoked_at = ? "
                "WHERE user_id = ? AND workspace_id = ? AND revoked_at IS NULL",
                (to_micros(utcnow()), user_id, workspace_id),
            )
            return gone > 0

        return await self._write(fn)

    async def memberships(self, user_id: int) -> list[Membership]:
        return await self._read(
            lambda c: [
                Membership(r[0], r[1], user_id, r[2])
                for r in c.execute(
                    "SELECT w.id, w.name, m.role FROM memberships m "
                    "JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = ? ORDER BY w.id",
                    (user_id,),
                )
            ]
        )

    async def members(self, workspace_id: int) -> list[tuple[UserRecord, str]]:
        columns = ", ".join(f"u.{c.strip()}" for c in USER_COLUMNS.split(","))
        return await self._read(
            lambda c: [
                (user_from_row(r), r[5])
                for r in c.execute(
                    f"SELECT {columns}, m.role FROM memberships m JOIN users u ON u.id = m.user_id "
                    "WHERE m.workspace_id = ? ORDER BY m.created_at, u.id",
                    (workspace_id,),
                )
            ]
        )

    async def role_of(self, workspace_id: int, user_id: int) -> str | None:
        def fn(conn: sqlite3.Connection) -> str | None:
            row = conn.execute(
                "SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?",
                (workspace_id, user_id),
            ).fetchone()
            return str(row[0]) if row else None

        return await self._read(fn)

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

        def fn(conn: sqlite3.Connection) -> None:
            # Expired sessions go when new ones come, so the table stays small.
            conn.execute("DELETE FROM sessions WHERE expires_at < ?", (to_micros(now),))
            conn.execute(
                "INSERT INTO sessions (session_hash, user_id, workspace_id, csrf_token, "
                "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    session_hash,
                    user_id,
                    workspace_id,
                    csrf_token,
                    to_micros(now),
                    to_micros(expires_at),
                ),
            )

        await self._write(fn)

    async def find_session(self, session_hash: str, now: datetime) -> SessionRecord | None:
        def fn(conn: sqlite3.Connection) -> SessionRecord | None:
            row = conn.execute(
                "SELECT user_id, workspace_id, csrf_token, created_at, expires_at FROM sessions "
                "WHERE session_hash = ? AND expires_at > ?",
                (session_hash, to_micros(now)),
            ).fetchone()
            if row is None:
                return None
            return SessionRecord(row[0], row[1], row[2], from_micros(row[3]), from_micros(row[4]))

        return await self._read(fn)

    async def switch_session_workspace(self, session_hash: str, workspace_id: int) -> None:
        await self._write(
            lambda c: c.execute(
                "UPDATE sessions SET workspace_id = ? WHERE session_hash = ?",
                (workspace_id, session_hash),
            )
        )

    async def delete_session(self, session_hash: str) -> None:
        await self._write(
            lambda c: c.execute("DELETE FROM sessions WHERE session_hash = ?", (session_hash,))
        )

    async def delete_user_sessions(self, user_id: int) -> int:
        return await self._write(
            lambda c: c.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,)).rowcount
        )

    # Invitations
    async def create_invitation(
        self,
        token_hash: str,
        workspace_id: int,
        role: str,
        created_by: int,
        expires_at: datetime,
    ) -> None:
        now = to_micros(utcnow())
        await self._write(
            lambda c: c.execute(
                "INSERT INTO invitations (token_hash, workspace_id, role, created_by, "
                "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (token_hash, workspace_id, role, created_by, now, to_micros(expires_at)),
            )
        )

    async def find_invitation(self, token_hash: str) -> InvitationRecord | None:
        def fn(conn: sqlite3.Connection) -> InvitationRecord | None:
            row = conn.execute(
                "SELECT workspace_id, role, created_by, created_at, expires_at, accepted_by "
                "FROM invitations WHERE token_hash = ?",
                (token_hash,),
            ).fetchone()
            if row is None:
                return None
            return InvitationRecord(
                row[0], row[1], row[2], from_micros(row[3]), from_micros(row[4]), row[5]
            )

        return await self._read(fn)

    async def pending_invitations(
        self, workspace_id: int, now: datetime
    ) -> list[tuple[str, InvitationRecord]]:
        rows = await self._read(
            lambda c: c.execute(
                "SELECT token_hash, workspace_id, role, created_by, created_at, expires_at, "
                "accepted_by FROM invitations "
                "WHERE workspace_id = ? AND accepted_by IS NULL AND expires_at > ? "
                "ORDER BY created_at DESC, token_hash",
                (workspace_id, to_micros(now)),
            ).fetchall()
        )
        return [
            (r[0], InvitationRecord(r[1], r[2], r[3], from_micros(r[4]), from_micros(r[5]), r[6]))
            for r in rows
        ]

    async def revoke_invitation(self, workspace_id: int, token_hash: str) -> bool:
        def fn(conn: sqlite3.Connection) -> bool:
            gone = conn.execute(
                "DELETE FROM invitations "
                "WHERE token_hash = ? AND workspace_id = ? AND accepted_by IS NULL",
                (token_hash, workspace_id),
            ).rowcount
            return bool(gone)

        return await self._write(fn)

    async def accept_invitation(self, token_hash: str, user_id: int, now: datetime) -> bool:
        stamp = to_micros(now)

        def fn(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "UPDATE invitations SET accepted_by = ?, accepted_at = ? "
                "WHERE token_hash = ? AND accepted_by IS NULL AND expires_at > ? "
                "RETURNING workspace_id, role",
                (user_id, stamp, token_hash, stamp),
            ).fetchone()
            if row is None:
                return False
            conn.execute(
                "INSERT INTO memberships (workspace_id, user_id, role, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, user_id) "
                f"DO UPDATE SET role = {NEVER_LOWER}",
                (row[0], user_id, row[1], stamp),
            )
            return True

        return await self._write(fn)

    # Personal API tokens
    async def create_user_token(
        self, workspace_id: int, user_id: int, name: str, token_hash: str, role: str
    ) -> TokenListing:
        now = utcnow()

        def fn(conn: sqlite3.Connection) -> TokenListing:
            cur = conn.execute(
                "INSERT INTO api_tokens (workspace_id, name, token_hash, role, created_at, "
                "user_id) VALUES (?, ?, ?, ?, ?, ?)",
                (workspace_id, name, token_hash, role, to_micros(now), user_id),
            )
            return TokenListing(int(cur.lastrowid or 0), name, role, user_id, now)

        return await self._write(fn)

    async def list_tokens(self, workspace_id: int) -> list[TokenListing]:
        return await self._read(
            lambda c: [
                token_from_row(r)
                for r in c.execute(
                    f"SELECT {API_TOKEN_FIELDS} FROM api_tokens "
                    "WHERE workspace_id = ? AND revoked_at IS NULL ORDER BY id",
                    (workspace_id,),
                )
            ]
        )

    async def revoke_token(self, workspace_id: int, token_id: int, user_id: int | None) -> bool:
        now = to_micros(utcnow())
        owner = "" if user_id is None else " AND user_id = ?"
        params: tuple[Any, ...] = (now, token_id, workspace_id)
        if user_id is not None:
            params += (user_id,)
        return await self._write(
            lambda c: (
                c.execute(
                    "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND workspace_id = ? "
                    f"AND revoked_at IS NULL{owner}",
                    params,
                ).rowcount
                > 0
            )
        )

    # Saved settings
    async def get_setting(self, workspace_id: int, user_id: int, key: str) -> Any | None:
        def fn(conn: sqlite3.Connection) -> Any | None:
            row = conn.execute(
                "SELECT value FROM saved_settings WHERE workspace_id = ? AND user_id = ? "
                "AND key = ?",
                (workspace_id, user_id, key),
            ).fetchone()
            return orjson.loads(row[0]) if row else None

        return await self._read(fn)

    async def put_setting(self, workspace_id: int, user_id: int, key: str, value: Any) -> None:
        now = to_micros(utcnow())

        def fn(conn: sqlite3.Connection) -> None:
            if value is None:
                conn.execute(
                    "DELETE FROM saved_settings WHERE workspace_id = ? AND user_id = ? AND key = ?",
                    (workspace_id, user_id, key),
                )
                return
            conn.execute(
                "INSERT INTO saved_settings (workspace_id, user_id, key, value, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, user_id, key) "
                "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (workspace_id, user_id, key, dumps(value), now),
            )

        await self._write(fn)

    async def settings_with_prefix(
        self, workspace_id: int | None, prefix: str
    ) -> list[tuple[int, int, str, Any]]:
        # Range on the key instead of LIKE, so `_` and `%` in prefixes mean themselves.
        where = "key >= ? AND key < ?"
        params: list[Any] = [prefix, prefix + "\U0010ffff"]
        if workspace_id is not None:
            where += " AND workspace_id = ?"
            params.append(workspace_id)
        return await self._read(
            lambda c: [
                (r[0], r[1], r[2], orjson.loads(r[3]))
                for r in c.execute(
                    "SELECT workspace_id, user_id, key, value FROM saved_settings "
                    f"WHERE {where} ORDER BY workspace_id, user_id, key",
                    params,
                )
            ]
        )
