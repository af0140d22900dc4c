"""Title templates: rendering real payloads, error messages, and the sandbox's refusals."""

from __future__ import annotations

import pytest

from echodash.titles import TemplateError, check_template, render_title, template_context
from tests.titles.samples import github

PR, PR_PAYLOAD = github("pull_request/opened")
PR_CONTEXT = template_context(PR, "github", PR_PAYLOAD)


def render(template: str, **payload: object) -> str:
    return render_title(template, {"event": PR_CONTEXT["event"], "payload": payload})


def refusal(template: str, **payload: object) -> str:
    with pytest.raises(TemplateError) as caught:
        render(template, **payload)
    return str(caught.value)


def test_title_from_payload_fields() -> None:
    text = "#{{ payload.number }} {{ payload.pull_request.title }} by {{ payload.sender.login }}"
    title = render_title(text, PR_CONTEXT)
    assert title == "#2 Update the README with new information. by Codertocat"


def test_event_values_are_there_too() -> None:
    text = "{{ event.source }}/{{ event.type }}/{{ event.severity }}: {{ event.tags|join(', ') }}"
    assert render_title(text, PR_CONTEXT) == "github/pull_request.opened/info: master, bug"
    assert render_title("{{ event.fields.head }} → {{ event.fields.base }}", PR_CONTEXT) == (
        "changes → master"
    )


def test_missing_values_render_as_nothing() -> None:
    text = "[{{ payload.pull_request.user.login }}][{{ payload.nope.deeper.0 }}]"
    assert render(text) == "[][]"
    assert render("{{ payload.nope.strip() }}") == ""
    assert render_title("[{{ event.actor }}]", {"event": {"actor": None}, "payload": None}) == (
        "[]"
    )


def test_json_keys_win_over_dict_methods() -> None:
    payload = {"items": [{"name": "first"}], "_links": {"self": {"href": "https://x.test/1"}}}
    assert render("{{ payload.items.0.name }} {{ payload._links.self.href }}", **payload) == (
        "first https://x.test/1"
    )


def test_filters_and_conditions_work() -> None:
    text = (
        "{% if payload.pull_request.draft %}Draft{% else %}Ready{% endif %}: "
        "{{ payload.pull_request.title|truncate(14) }} "
        "{{ payload.pull_request.labels|map(attribute='name')|join('+')|upper }}"
    )
    assert render_title(text, PR_CONTEXT) == "Ready: Update the... BUG"


def test_whitespace_is_collapsed_into_one_line() -> None:
    text = "{% for label in payload.pull_request.labels %}\n  [{{ label.name }}]\n{% endfor %}\tend"
    assert render_title(text, PR_CONTEXT) == "[bug] end"


def test_title_is_cut_at_300_characters() -> None:
    title = render("{{ payload.body }}", body="word " * 2_000)
    assert len(title) == 300
    assert title.endswith("…")
    assert title.startswith("word word")


def test_a_loop_that_writes_forever_is_cut_off() -> None:
    title = render("{% for x in payload.big %}{{ payload.text }}{% endfor %}", big=[0] * 10**6,
                   text="y" * 999)  # fmt: skip
    assert title == "y" * 299 + "…"


def test_loops_see_at_most_100_items() -> None:
    text = "{% for x in payload.big %}{% if loop.last %}{{ loop.index }}{% endif %}{% endfor %}"
    assert render(text, big=list(range(10**6))) == "100"


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(TemplateError) as caught:
        check_template("{{ payload.number }}\n{{ payload.title }")
    assert str(caught.value) == "Line 2: unexpected '}' — close the expression with '}}'."


def test_unclosed_block_names_the_line() -> None:
    with pytest.raises(TemplateError) as caught:
        check_template("{% if payload.merged %}Merged")
    assert str(caught.value) == (
        "Line 1: the template ends inside '{% if %}' — close it with '{% endif %}'."
    )
    with pytest.raises(TemplateError) as caught:
        check_template("{{ payload.number")
    assert str(caught.value) == (
        "Line 1: the template ends too early, expected 'end of print statement'."
    )


def test_runtime_error_names_the_line() -> None:
    message = refusal("one\ntwo\n{{ payload.text + 1 }}", text="a")
    assert message.startswith("Line 3: the template failed while rendering: can only concatenate")


def test_unknown_filter_lists_the_available_ones() -> None:
    message = refusal("{{ payload.x|center(10) }}")
    assert message.startswith("Line 1: there is no filter named 'center'. Filters: abs,")
    assert "upper" in message


def test_templates_over_2000_characters_are_refused() -> None:
    with pytest.raises(TemplateError) as caught:
        check_template("x" * 2_001)
    assert str(caught.value) == "The template is 2,001 characters long; keep it under 2,000."
    check_template("x" * 2_000)


TOO_LONG = "Line 1: a value would be longer than 100,000 characters or items."
TOO_BIG = "Line 1: the number would be too large to show."


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ ''.__class__.__mro__ }}",
         "Line 1: names starting with '__' (__mro__) are not allowed."),
        ("{{ payload.__init__ }}", "Line 1: names starting with '__' (__init__) are not allowed."),
        ("{{ payload['__class__'] }}", "Line 1: names starting with '__' are not allowed."),
        ("{{ payload|attr('__class__') }}",
         "Line 1: '__class__' is not available in a title template."),
        ("{{ event.tags|map(attribute='__class__')|list }}",
         "Line 1: '__class__' is not available in a title template."),
        ("{{ 9**9**9 }}", TOO_BIG),
        ("{{ 9**(9**9) }}", TOO_BIG),
        ("{{ 9.5**99999 }}", TOO_BIG),
        ("{{ 'x' * 100000000 }}", TOO_LONG),
        ("{{ 100000000 * ['x'] }}", TOO_LONG),
        ("{% for i in range(10**9) %}{% endfor %}", "Line 1: 'range' is not available in titles."),
        ("{{ lipsum(10**6) }}", "Line 1: 'lipsum' is not available in titles."),
        ("{{ cycler(1, 2).next() }}", "Line 1: 'cycler' is not available in titles."),
        ("{{ namespace(a=1) }}", "Line 1: 'namespace' is not available in titles."),
        ("{{ 'x'.ljust(10**9) }}", TOO_LONG),
        ("{{ 'x'|replace('x', 'x' * 1000)|replace('x', 'x' * 1000) }}", TOO_LONG),
        ("{{ ('x' * 1000).replace('x', 'x' * 1000) }}", TOO_LONG),
        ("{{ ('x' * 1000).join(['y'] * 1000) }}", TOO_LONG),
        ("{{ '{:>999999999}'.format(1) }}",
         "Line 1: calling 'format' is not available in a title template."),
        ("{{ '%999999999s' % 1 }}",
         "Line 1: '%' formatting is not available; join text with '~' instead."),
        ("{{ (1).to_bytes(10**9, 'big') }}",
         "Line 1: calling 'to_bytes' is not available in a title template."),
        ("{{ event.tags.append(1) }}",
         "Line 1: 'append' is not available in a title template."),
        ("{% set x = 'y' %}{{ x }}", "Line 1: '{% set %}' is not available in titles."),
        ("{% include 'secrets.txt' %}", "Line 1: '{% include %}' is not available in titles."),
        ("{% macro m() %}{% endmacro %}", "Line 1: '{% macro %}' is not available in titles."),
        ("{% for a in payload %}\n{% for b in payload %}{% endfor %}{% endfor %}",
         "Line 2: loops cannot be nested or recursive in a title."),
        ("{% for a in payload recursive %}{{ loop(a) }}{% endfor %}",
         "Line 1: loops cannot be nested or recursive in a title."),
    ],
)  # fmt: skip
def test_sandbox_escapes_and_runaways_are_refused(text: str, message: str) -> None:
    assert refusal(text) == message


def test_a_slow_render_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("echodash.titles.sandbox.RENDER_SECONDS", -1.0)
    assert refusal("{{ payload.a }}", a=1) == (
        "Line 1: the template takes too long to render; simplify it."
    )
