"""Feed templates applied to real events: titles, chosen fields, candidates, previews."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from echodash.events import EventDraft
from echodash.titles import (
    FeedTemplate,
    TemplateError,
    apply,
    candidate_fields,
    default_title_template,
    fingerprint,
    preview,
    render_title,
    template_context,
)
from echodash.titles.worker import RenderPool
from tests.titles.samples import github, stored, stripe

PR, PR_PAYLOAD = github("pull_request/opened")
PUSH, PUSH_PAYLOAD = github("push/with-new-branch")
CHARGE, CHARGE_PAYLOAD = stripe("charge.succeeded", "charge")


def test_the_sources_titles_these_tests_start_from() -> None:
    assert PR.title == (
        "Codertocat opened #2 Update the README with new information. in Codertocat/Hello-World"
    )
    assert CHARGE.title == "Charge of $1.00 USD to Jenny Rosen succeeded"


def test_apply_replaces_the_title() -> None:
    template = FeedTemplate(title="PR #{{ payload.number }}: {{ payload.pull_request.title }}")
    result = apply(PR, "github", PR_PAYLOAD, template)
    assert result.title == "PR #2: Update the README with new information."
    assert result.fields == PR.fields  # no field list: the source's own fields stay
    assert (result.actor, result.url) == (PR.actor, PR.url)


def test_apply_on_a_stripe_event() -> None:
    template = FeedTemplate(
        title="{{ payload.data.object.billing_details.name }} paid "
        "{{ payload.data.object.amount / 100 }} {{ payload.data.object.currency|upper }}",
        fields=("data.object.amount", "status", "data.object.payment_method_details.type"),
    )
    result = apply(CHARGE, "stripe", CHARGE_PAYLOAD, template)
    assert result.title == "Jenny Rosen paid 1.0 USD"
    assert list(result.fields.items()) == [
        ("data.object.amount", 100),
        ("status", "succeeded"),
        ("data.object.payment_method_details.type", "card"),
    ]


@pytest.mark.parametrize(
    "title",
    [
        "{{ payload.pull_request.missing.deeper }}",  # renders empty
        "   ",  # blank: the default title
        "{{ payload.number }",  # a syntax error
        "{{ payload.number + 'x' }}",  # fails while rendering
        "{{ 'x' * 100000000 }}",  # refused by the sandbox
    ],
)
def test_the_original_title_is_kept_when_the_template_gives_nothing(title: str) -> None:
    result = apply(PR, "github", PR_PAYLOAD, FeedTemplate(title=title))
    assert result.title == PR.title


def test_fields_by_key_and_by_path_in_the_given_order() -> None:
    template = FeedTemplate(
        fields=(
            "pull_request.head.ref",
            "sha",
            "pull_request.labels.0.name",
            "repository",  # an object: skipped
            "pull_request.labels",  # a list: skipped
            "not.there",  # missing: skipped
            "number",
            "pull_request.merged_at",  # null in this payload: skipped
        )
    )
    result = apply(PR, "github", PR_PAYLOAD, template)
    assert list(result.fields.items()) == [
        ("pull_request.head.ref", "changes"),
        ("sha", "ec26c3e"),
        ("pull_request.labels.0.name", "bug"),
        ("number", 2),
    ]
    assert result.title == PR.title


def test_long_text_fields_are_cut_to_200_characters() -> None:
    payload = {"note": "n" * 5_000}
    result = apply(PUSH, "github", payload, FeedTemplate(fields=("note", "commits")))
    assert list(result.fields) == ["note", "commits"]
    assert result.fields["note"] == "n" * 199 + "…"
    assert result.fields["commits"] == 1  # the draft's field wins over the payload's list


def test_an_empty_field_list_shows_no_fields() -> None:
    assert apply(PR, "github", PR_PAYLOAD, FeedTemplate(fields=())).fields == {}


def test_candidate_fields_for_a_pull_request() -> None:
    candidates = candidate_fields(PR, PR_PAYLOAD)
    names = [name for name, _ in candidates]
    assert candidates[:6] == list(PR.fields.items())  # the source's own fields come first
    assert ("pull_request.number", 2) in candidates
    assert ("pull_request.title", "Update the README with new information.") in candidates
    assert ("repository.full_name", "Codertocat/Hello-World") in candidates
    assert ("repository.name", "Hello-World") in candidates
    assert ("sender.login", "Codertocat") in candidates
    assert len(candidates) == 40
    assert len(set(names)) == len(names)
    assert all(isinstance(value, str | int | float | bool) for _, value in candidates)
    # Well-known names come before the rest, however shallow: no API link outranks them.
    assert "pull_request.url" not in names


def test_candidate_fields_reach_into_lists_and_respect_the_limit() -> None:
    names = [name for name, _ in candidate_fields(PUSH, PUSH_PAYLOAD)]
    assert "commits.0.message" in names
    assert "head_commit.author.name" in names
    assert candidate_fields(PUSH, PUSH_PAYLOAD, limit=3) == [
        ("branch", "master"),
        ("commits", 1),
        ("sha", "6113728"),
    ]


def test_candidate_fields_sample_only_the_first_items_of_a_list() -> None:
    draft = EventDraft(type="batch", title="Batch")
    payload = {"rows": [{"name": f"row {i}"} for i in range(1_000)]}
    assert candidate_fields(draft, payload) == [
        ("rows.0.name", "row 0"),
        ("rows.1.name", "row 1"),
        ("rows.2.name", "row 2"),
    ]


def test_candidate_fields_of_deep_and_wide_payloads_are_few_and_can_be_saved() -> None:
    draft = EventDraft(type="batch", title="Batch")
    deep: dict[str, object] = {"id": "top"}
    level = deep
    for _ in range(1_000):
        level["level"] = {"id": "inner"}
        level = level["level"]  # type: ignore[assignment]
    names = [name for name, _ in candidate_fields(draft, deep)]
    assert names[:2] == ["id", "level.id"]
    assert all(len(name) <= 200 for name in names)  # longer field names cannot be saved
    assert FeedTemplate.from_json({"title": None, "fields": names})
    wide = {f"key{n}": n for n in range(200_000)}
    started = time.monotonic()
    assert len(candidate_fields(draft, wide)) == 40
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize(
    ("draft", "payload", "expected"),
    [
        (PR, PR_PAYLOAD, "{{ event.actor }} opened #2 Update the README with new information. "
                         "in {{ event.subject }}"),
        (PUSH, PUSH_PAYLOAD,
         "{{ event.actor }} created branch master with 1 commit in {{ event.subject }}"),
        (CHARGE, CHARGE_PAYLOAD, "Charge of $1.00 USD to {{ event.actor }} succeeded"),
        (EventDraft(type="ping", title="Ping {{ from }} {% raw %}"), None,
         "{{ event.title }}"),
        (EventDraft(type="ping", title="bob said {{hi}} to bob", actor="bob"), None,
         "{{ event.actor }} said {{ '{' }}{{ '{' }}hi}} to {{ event.actor }}"),
    ],
)  # fmt: skip
def test_default_title_template_renders_the_same_title(
    draft: EventDraft, payload: Any, expected: str
) -> None:
    template = default_title_template(draft)
    assert template == expected
    assert render_title(template, template_context(draft, "github", payload)) == draft.title


def test_default_title_template_follows_the_actor_on_other_events() -> None:
    other = dataclasses.replace(PUSH, actor="octocat", subject="octocat/Spoon-Knife")
    template = default_title_template(PUSH)
    assert render_title(template, template_context(other, "github", None)) == (
        "octocat created branch master with 1 commit in octocat/Spoon-Knife"
    )


def test_feed_template_json_round_trip() -> None:
    template = FeedTemplate(title="{{ event.actor }} pushed", fields=("sha", "commits.0.id"))
    doc = template.to_json()
    assert doc == {"title": "{{ event.actor }} pushed", "fields": ["sha", "commits.0.id"]}
    assert FeedTemplate.from_json(doc) == template
    assert FeedTemplate.from_json(FeedTemplate().to_json()) == FeedTemplate(None, None)
    assert FeedTemplate.from_json({"fields": []}) == FeedTemplate(title=None, fields=())


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (None, "A feed template must be a JSON object with 'title' and 'fields'."),
        (["title"], "A feed template must be a JSON object with 'title' and 'fields'."),
        ({"title": "x", "colour": "red"},
         "Unknown setting 'colour': a feed template has only 'title' and 'fields'."),
        ({"title": 42}, "The title template must be text (or null for the default)."),
        ({"fields": "sha"}, "The fields must be a list of field names (or null for the default)."),
        ({"fields": ["sha", 7]}, "Field 2 must be a non-empty field name."),
        ({"fields": ["  "]}, "Field 1 must be a non-empty field name."),
        ({"fields": ["a" * 201]},
         "Field 1 is longer than 200 characters; use a shorter path."),
        ({"fields": ["f"] * 41}, "Choose at most 40 fields; 41 were given."),
    ],
)  # fmt: skip
def test_from_json_refuses_wrong_shapes(doc: Any, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        FeedTemplate.from_json(doc)
    assert str(caught.value) == message


def test_fingerprint() -> None:
    assert fingerprint("github", "push") == "github:push"
    assert fingerprint("stripe", "charge.succeeded") == "stripe:charge.succeeded"


@pytest.fixture(scope="module")
def pool() -> Iterator[RenderPool]:
    """The child process previews are rendered in (as the server's)."""
    found = RenderPool("test-previews")
    yield found
    found.close()


def _preview(pool: RenderPool, template: FeedTemplate, samples: list[Any]) -> list[Any]:
    bodies = [(event, None if p is None else orjson.dumps(p)) for event, p in samples]
    return asyncio.run(preview(pool, template, bodies))


def test_preview_shows_before_and_after(pool: RenderPool) -> None:
    samples = [(stored(PR, 11, "github"), PR_PAYLOAD), (stored(PUSH, 12, "github"), PUSH_PAYLOAD)]
    template = FeedTemplate(
        title="{{ event.type }} by {{ payload.sender.login }}: {{ payload.pull_request.title }}",
        fields=("sha", "repository.full_name"),
    )
    rows = _preview(pool, template, samples)
    assert [(row.event_id, row.before, row.after, row.error) for row in rows] == [
        (11, PR.title,
         "pull_request.opened by Codertocat: Update the README with new information.", None),
        (12, PUSH.title, "push by Codertocat:", None),
    ]  # fmt: skip
    assert rows[0].fields == [
        ("sha", "ec26c3e"),
        ("repository.full_name", "Codertocat/Hello-World"),
    ]
    assert rows[1].fields == [
        ("sha", "6113728"),
        ("repository.full_name", "Codertocat/Hello-World"),
    ]


def test_preview_shows_a_broken_template_on_every_row(pool: RenderPool) -> None:
    samples = [(stored(PR, 1, "github"), PR_PAYLOAD), (stored(CHARGE, 2, "stripe"), None)]
    rows = _preview(pool, FeedTemplate(title="{{ payload.number }"), samples)
    expected = "Line 1: unexpected '}' — close the expression with '}}'."
    assert [(row.before, row.after, row.error) for row in rows] == [
        (PR.title, PR.title, expected),
        (CHARGE.title, CHARGE.title, expected),
    ]
    assert rows[1].fields == list(CHARGE.fields.items())


def test_preview_shows_an_error_from_one_payload_only(pool: RenderPool) -> None:
    samples = [
        (stored(PR, 1, "github"), {"count": 3}),
        (stored(PR, 2, "github"), {"count": "three"}),
    ]
    rows = _preview(pool, FeedTemplate(title="{{ payload.count + 1 }} items"), samples)
    assert [(row.after, row.error) for row in rows] == [
        ("4 items", None),
        (PR.title, 'Line 1: the template failed while rendering: can only concatenate str '
                   '(not "int") to str.'),
    ]  # fmt: skip
