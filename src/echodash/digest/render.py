"""A digest as an e-mail: subject, plain text and inline-styled HTML."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import jinja2

from echodash.digest.summary import ATTENTION, Digest

TEMPLATES = Path(__file__).parent / "templates"
# Colours readable on both a light and a darkened background (mail clients invert freely).
SEVERITY_COLORS = {
    "critical": "#b42318",
    "error": "#d92d20",
    "warning": "#b54708",
    "success": "#067647",
    "info": "#475467",
}
# Autoescape on by default; only the plain-text template is left alone (it is not HTML,
# and escaping would make a title like "a < b" unreadable there).
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(
        enabled_extensions=("html",), disabled_extensions=("txt",), default=True
    ),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)


def render_email(digest: Digest, base_url: str, recipient_name: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one digest e-mail."""
    base_url = base_url.rstrip("/")
    top = max((n for _, n in digest.per_source), default=0)
    context = {
        "d": digest,
        "base_url": base_url,
        "name": recipient_name,
        "heading": f"EchoDash {digest.frequency} digest",
        "summary_line": _summary_line(digest),
        "span": f"{_when(digest.period_start)} \N{EN DASH} {_when(digest.period_end)}",
        # Bar widths in percent of the busiest source, never so thin they vanish.
        "bars": [(name, n, max(round(100 * n / top), 2)) for name, n in digest.per_source],
        "attention_levels": [level.value for level in ATTENTION],
        # The feed (it lives at /), filtered to the events needing attention.
        "attention_url": f"{base_url}/?{urlencode(digest.attention_query)}",
        "colors": SEVERITY_COLORS,
        "when": _when,
        "label_width": max((len(n) for n, _ in digest.per_source + digest.per_type), default=0),
    }
    text = _ENV.get_template("digest.txt").render(context)
    html = _ENV.get_template("digest.html").render(context)
    return _subject(digest), text, html


def _subject(digest: Digest) -> str:
    subject = (
        f"EchoDash {digest.frequency} digest — {digest.workspace_name}: "
        f"{_plural(digest.total, 'event')}"
    )
    if digest.attention:
        verb = "needs" if digest.attention == 1 else "need"
        subject += f" ({digest.attention} {verb} attention)"
    # A workspace name is user data: no line breaks may reach a mail header.
    return re.sub(r"\s+", " ", subject).strip()


def _summary_line(digest: Digest) -> str:
    line = f"{_plural(digest.total, 'event')} in {digest.workspace_name}"
    if digest.attention:
        verb = "needs" if digest.attention == 1 else "need"
        line += f", {digest.attention} {verb} attention"
    return line + "."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _when(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment:%b} {moment.day}, {moment:%H:%M} UTC"
