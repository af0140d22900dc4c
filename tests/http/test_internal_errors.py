"""A bug inside EchoDash still answers JSON, says nothing was kept, and never acknowledges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from echodash.app import create_app
from echodash.config import Settings
from tests.support import github_headers


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("a bug")


def test_unexpected_failures_answer_json_500(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings.from_env({}, data_dir=tmp_path, bootstrap_token="edk_internal-errors-token")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        auth = {"Authorization": "Bearer edk_internal-errors-token"}
        endpoint = client.post("/api/v1/endpoints", json={"kind": "github"}, headers=auth).json()
        store = client.app.state.services.store  # type: ignore[attr-defined]
        monkeypatch.setattr(store, "append_delivery", _broken)
        monkeypatch.setattr(store, "list_events", _broken)
        body = b'{"zen": "x"}'
        r = client.post(
            f"/in/{endpoint['slug']}",
            content=body,
            headers=github_headers(endpoint["secret"], body, "ping"),
        )
        assert r.status_code == 500
        assert r.json()["error"] == "internal_error" and "nothing was kept" in r.json()["detail"]
        r = client.get("/api/v1/events", headers=auth)
        assert r.status_code == 500
        assert r.json()["error"] == "internal_error"
