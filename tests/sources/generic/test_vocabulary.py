"""Any webhook: one builder reads every type; the category is `other` unless the payload
names one of the vocabulary's words itself."""

from __future__ import annotations

import pytest

from echodash.events import Category
from echodash.sources.generic import GenericSource
from tests.sources.generic.samples import SAMPLES, TOKEN


def test_every_sample_is_accepted_and_read_as_other() -> None:
    source = GenericSource()
    assert source.titles.names() == ["*"]
    for headers, body in SAMPLES:
        assert source.verify(headers, body, [TOKEN]) == 0
        [draft] = source.parse(headers, body)
        assert draft.title
        assert (draft.category, draft.service, draft.outcome) == (Category.OTHER, None, None)


@pytest.mark.parametrize(
    ("body", "category"),
    [
        (b'{"event": "deploy.finished", "category": "deployment"}', Category.DEPLOYMENT),
        (b'{"event": "db.down", "category": "incident"}', Category.INCIDENT),
        (b'{"event": "x", "category": "deploys"}', Category.OTHER),
        (b'{"event": "x", "category": {"name": "deployment"}}', Category.OTHER),
    ],
)
def test_a_payload_may_name_its_category(body: bytes, category: Category) -> None:
    [draft] = GenericSource().parse({}, body)
    assert draft.category is category
