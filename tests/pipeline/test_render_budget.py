"""Each workspace's templates get a share of rendering time; past it, that workspace's new
events keep their parsed titles until the window ends, and the others are not held back."""

from __future__ import annotations

import logging

import pytest

from echodash.events import EventDraft
from echodash.pipeline import render_budget
from echodash.pipeline.render_budget import RenderBudget
from echodash.titles.worker import RenderJob


def _job(workspace: int) -> RenderJob:
    return RenderJob("github", b"{}", ((EventDraft(type="push", title="t"), None),), workspace)


def test_a_workspace_past_its_budget_waits_for_the_next_window(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    now = [100.0]
    monkeypatch.setattr(render_budget.time, "monotonic", lambda: now[0])
    budget = RenderBudget(budget=2.0, window=60.0)
    slow, other = _job(1), _job(2)
    assert budget.allows(slow)
    budget.spent(slow, 1.5)
    assert budget.allows(slow)
    budget.spent(slow, 0.6)
    with caplog.at_level(logging.WARNING, logger="echodash.templating"):
        assert not budget.allows(slow)
        assert not budget.allows(slow)
    assert caplog.text.count("workspace 1: feed templates used 2.1 s") == 1  # said once
    assert budget.allows(other)  # another workspace is not affected
    now[0] += 59.9
    assert not budget.allows(slow)
    now[0] += 0.2
    assert budget.allows(slow)  # a new window
