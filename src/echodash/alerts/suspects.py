"""Suspect changes: what changed just before an alert, across every tool, best first.

Candidates are the events of category deployment, release, config and change in the rule's
suspect window before the alert opened. They are ranked (see specs/api.md):
1. by overlap with the alert's events — the same or a linked service, the same environment,
   a commit SHA the alert's events name (each counts one);
2. then by kind — a production deployment, another deployment, a release, a configuration
   change, a plain push or merge;
3. then by closeness in time.
Each suspect says why, in words: "deployed to production in acme/web 14 min before".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from echodash.events import Category, Event

CHANGE_CATEGORIES = (Category.DEPLOYMENT, Category.RELEASE, Category.CONFIG, Category.CHANGE)
PRODUCTION = frozenset({"production", "prod", "live", "prd"})
MAX_SUSPECTS = 10
_KINDS = 5  # production deployment, deployment, release, config, change


@dataclass(frozen=True, slots=True)
class Context:
    """What the alert is about: read from its events."""

    opened_at: datetime
    services: frozenset[str]
    environments: frozenset[str]
    commits: frozenset[str]


@dataclass(frozen=True, slots=True)
class Suspect:
    event: Event
    reason: str
    score: float  # 0 to 1, in the order of the ranking


def context_of(events: Iterable[Event], opened_at: datetime) -> Context:
    events = list(events)
    return Context(
        opened_at=opened_at,
        services=frozenset(e.service for e in events if e.service),
        environments=frozenset(e.environment for e in events if e.environment),
        commits=frozenset(_short(c) for e in events for c in e.commits if c),
    )


def linked(services: frozenset[str], groups: Sequence[Iterable[str]]) -> frozenset[str]:
    """The services plus every service linked to one of them (the workspace's groups)."""
    found = set(services)
    for group in groups:
        members = set(group)
        if members & services:
            found |= members
    return frozenset(found)


def rank(
    context: Context,
    candidates: Iterable[Event],
    groups: Sequence[Iterable[str]] = (),
    window_seconds: int = 7200,
    limit: int = MAX_SUSPECTS,
) -> list[Suspect]:
    """The suspects among `candidates`, best first (at most `limit`)."""
    near = linked(context.services, groups)
    scored = []
    for event in _latest_per_change(candidates):
        before = (context.opened_at - event.occurred_at).total_seconds()
        if event.category not in CHANGE_CATEGORIES or not 0 <= before <= window_seconds:
            continue
        same_service = event.service is not None and event.service in near
        same_env = event.environment is not None and event.environment in context.environments
        named = sorted(c for c in event.commits if _short(c) in context.commits)
        overlap = int(same_service) + int(same_env) + int(bool(named))
        kind = _kind(event)
        closeness = 1 - before / window_seconds if window_seconds else 1.0
        score = (overlap * 100 + (_KINDS - 1 - kind) * 20 + closeness * 19) / (
            3 * 100 + (_KINDS - 1) * 20 + 19
        )
        reason = _reason(event, before, same_service, context, named)
        scored.append((-overlap, kind, before, -event.id, Suspect(event, reason, round(score, 4))))
    scored.sort(key=lambda item: item[:4])
    return [item[4] for item in scored[:limit]]


def _latest_per_change(candidates: Iterable[Event]) -> list[Event]:
    """One event per change: a deploy reported as started then succeeded is one suspect."""
    kept: dict[tuple[object, ...], Event] = {}
    for event in candidates:
        key: tuple[object, ...] = (
            (event.category, event.service, event.environment, event.commits[0])
            if event.commits and event.category == Category.DEPLOYMENT
            else ("event", event.id)
        )
        current = kept.get(key)
        if current is None or (event.occurred_at, event.id) > (current.occurred_at, current.id):
            kept[key] = event
    return list(kept.values())


def _kind(event: Event) -> int:
    if event.category == Category.DEPLOYMENT:
        return 0 if (event.environment or "").lower() in PRODUCTION else 1
    if event.category == Category.RELEASE:
        return 2
    if event.category == Category.CONFIG:
        return 3
    return 4


def _reason(
    event: Event, before: float, same_service: bool, context: Context, named: list[str]
) -> str:
    where = f" in {_name(event.service)}" if event.service else ""
    if event.category == Category.DEPLOYMENT:
        did = f"deployed to {event.environment}" if event.environment else "deployed"
        if event.outcome is not None and event.outcome.value == "failure":
            did = did.replace("deployed", "a deploy failed", 1)
    elif event.category == Category.RELEASE:
        did = "released"
    elif event.category == Category.CONFIG:
        did = "changed configuration"
    else:
        did = "pushed code"
    text = f"{did}{where} {_ago(before)}"
    notes = []
    if named:
        notes.append(f"the alert's events name its commit {_short(named[0])}")
    if same_service and event.service not in context.services and event.service:
        notes.append("a linked service")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _name(service: str | None) -> str:
    kind, _, name = (service or "").partition(":")
    return name or kind


def _ago(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute before"
    if minutes < 90:
        return f"{minutes} min before"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min before" if rest else f"{hours} h before"


def _short(sha: str) -> str:
    return sha[:12].lower()


def group_map(groups: Mapping[str, Sequence[str]]) -> list[frozenset[str]]:
    """The workspace's linked services ({name: members}) as groups for `rank`."""
    return [frozenset(members) for members in groups.values()]
