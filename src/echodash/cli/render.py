"""How the CLI prints one event: one colored line a person can read at a glance."""

from __future__ import annotations

from typing import Any

import click

from echodash.sources.kit.payload import parse_time

_COLORS = {
    "info": "white",
    "success": "green",
    "warning": "yellow",
    "error": "red",
    "critical": "magenta",
}
_MARKS = {"info": "·", "success": "✓", "warning": "!", "error": "✗", "critical": "‼"}


def event_line(event: dict[str, Any], color: bool) -> str:
    moment = parse_time(event.get("occurred_at"))
    when = moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"
    severity = str(event.get("severity", "info"))
    mark = _MARKS.get(severity, "·")
    source = f"{event.get('source', ''):<8}"
    kind = f"{event.get('type', ''):<28}"
    title = str(event.get("title", ""))
    # A replay is a stored delivery read again, not news: say so on its line.
    replay = "  (replay)" if event.get("origin") == "replay" else ""
    if not color:
        return f"{when}  {mark} {source} {kind} {title}{replay}"
    return "  ".join(
        [
            click.style(when, dim=True),
            click.style(mark, fg=_COLORS.get(severity, "white"), bold=True)
            + " "
            + click.style(source, fg="cyan"),
            click.style(kind, fg="blue"),
            click.style(title, fg=_COLORS.get(severity) if severity != "info" else None)
            + click.style(replay, dim=True),
        ]
    )
