"""Standard Webhooks: every type is read by one builder, and says `other` of itself."""

from __future__ import annotations

from echodash.events import Category
from echodash.sources.standard import StandardWebhooksSource
from tests.sources.standard.samples import SAMPLES, SECRET, signed_samples


def test_every_sample_is_signed_and_read_by_the_one_builder() -> None:
    source = StandardWebhooksSource()
    assert source.titles.names() == ["*"]
    for headers, body in signed_samples():
        assert source.verify(headers, body, [SECRET]) == 0
        [draft] = source.parse(headers, body)
        assert draft.title.startswith(f"{draft.type} from Standard Webhooks sender")
        assert (draft.category, draft.service, draft.outcome) == (Category.OTHER, None, None)


def test_the_first_sample_names_the_user() -> None:
    headers, body = SAMPLES[0]
    [draft] = StandardWebhooksSource().parse(headers, body)
    assert draft.title == (
        "user.created from Standard Webhooks sender: example · user_29w83sxmDNGwOuEthce5gg56FcC"
    )
