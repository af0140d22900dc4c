"""What values print as in a title: data as JSON shows it, never a Python object's repr
(security review, issue 10, item 17: previews showed `<built-in method … at 0x…>`)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from echodash.titles import render_title, template_context
from tests.titles.samples import github

PING, PING_PAYLOAD = github("ping/with-app_id")
CONTEXT = template_context(PING, "github", PING_PAYLOAD)


def render(text: str, payload: Any = PING_PAYLOAD) -> str:
    return render_title(text, {**CONTEXT, "payload": payload})


@pytest.mark.parametrize(
    "text",
    [
        "{{ payload.items }}",  # the payload has no "items" key: this is dict.items
        "{{ event.fields.keys }}",
        "{{ payload.items|string }}",
        "{{ payload.items ~ '' }}",
        "{{ payload['values']|upper }}",
        "{{ payload|attr('get')|string }}",
        "{{ payload.hook.events|map('upper') }}",
        "{{ payload.hook.events|map('upper')|string }}",
        "{{ payload.hook.events|reverse|string }}",
        "{{ payload.hook.events|select|string|replace('0x', '') }}",
        "{{ 'text'.upper }}",
        "{{ 'text'.format }}",
        "{% for x in payload.hook.events %}{{ loop.cycle|string }}{% endfor %}",
    ],
)
def test_methods_and_lazy_values_print_as_nothing(text: str) -> None:
    assert render(text) == ""


def test_containers_print_as_json() -> None:
    assert render("{{ payload.hook.config }}") == (
        '{"content_type": "json", "url": "https://smee.io/YEbF2t8kjvPAn7Ck", "insecure_ssl": "0"}'
    )
    assert render("{{ event.tags }} {{ payload.hook.events }}") == '[] ["*"]'
    assert render("{{ payload.x }}", {"x": [1, 2.5, None, True, "é", {"1": []}]}) == (
        '[1, 2.5, null, true, "é", {"1": []}]'
    )
    assert render("{{ payload.hook.config.keys() }}") == '["content_type", "url", "insecure_ssl"]'
    assert render("{{ {1: none} }} {{ [payload.items] }} {{ (1, 'a') }}") == (
        '{"1": null} [null] [1, "a"]'
    )


def test_lazy_values_still_work_where_they_are_used() -> None:
    assert render("{{ payload.hook.events|map('upper')|join(',') }}") == "*"
    assert render("{% for e in payload.hook.events|map('upper') %}[{{ e }}]{% endfor %}") == "[*]"
    assert render("{{ payload.items()|list|length }} {{ 'a b'.split()|last }}") == "5 b"
    assert render("{{ payload.get('zen')|truncate(12) }}") == "Anything..."


@pytest.mark.timeout(10)
def test_huge_and_deep_containers_print_quickly_and_cut_short() -> None:
    deep: dict[str, Any] = {}
    level = deep
    for _ in range(1_000):
        level["level"] = {}
        level = level["level"]
    rows = {"rows": [{"id": n} for n in range(10**5)]}
    text = {"text": "y" * 10**7}
    started = time.monotonic()
    title = render("{{ payload }}", deep)
    assert title.startswith('{"level": {"level": ') and "…" in title and len(title) <= 300
    huge = render("{{ payload.rows }}", rows)
    assert huge.startswith('[{"id": 0}, {"id": 1}, ') and len(huge) == 300
    assert render("{{ [payload.text] }}", text) == '["' + "y" * 297 + "…"
    assert time.monotonic() - started < 0.5  # only what a title can show is written
