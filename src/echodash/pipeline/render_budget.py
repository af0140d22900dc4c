"""How much template-rendering time each workspace may use: no workspace's templates may hold
back everyone's events.

Rendering is sequential (one child per processor), so a workspace whose templates are slow
— by accident or on purpose, up to the sandbox's 0.25 s per render — would delay every other
workspace's events behind its own. Each workspace gets BUDGET seconds of rendering per WINDOW;
past that, its new events keep their parsed titles until the window ends (said once in the
log), and everyone else's events flow as usual.
"""

from __future__ import annotations

import logging
import time

from echodash.titles.worker import RenderJob

log = logging.getLogger("echodash.templating")

BUDGET = 2.0
WINDOW = 60.0
_MAX_TRACKED = 10_000


class RenderBudget:
    def __init__(self, budget: float = BUDGET, window: float = WINDOW) -> None:
        self._budget = budget
        self._window = window
        # workspace -> (window start, seconds spent in it, said so in the log)
        self._spent: dict[int, tuple[float, float, bool]] = {}

    def allows(self, job: RenderJob) -> bool:
        started, spent, told = self._current(job.owner)
        if spent < self._budget:
            return True
        if not told:
            log.warning(
                "workspace %s: feed templates used %.1f s of rendering within %.0f s; its new "
                "events keep their parsed titles for now (simplify the slow template)",
                job.owner,
                spent,
                self._window,
            )
            self._spent[job.owner] = (started, spent, True)
        return False

    def spent(self, job: RenderJob, seconds: float) -> None:
        started, spent, told = self._current(job.owner)
        self._spent[job.owner] = (started, spent + seconds, told)

    def _current(self, owner: int) -> tuple[float, float, bool]:
        now = time.monotonic()
        found = self._spent.get(owner)
        if found is None or now - found[0] >= self._window:
            if len(self._spent) >= _MAX_TRACKED:
                self._spent.clear()
            found = self._spent[owner] = (now, 0.0, False)
        return found
