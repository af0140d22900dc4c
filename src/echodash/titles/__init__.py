"""Feed templates: per event type, a user's own title and choice of key fields."""

from echodash.titles.apply import (
    apply,
    candidate_fields,
    default_title_template,
    template_context,
)
from echodash.titles.model import FeedTemplate, TemplateError, fingerprint
from echodash.titles.preview import PreviewRow, preview
from echodash.titles.sandbox import check_template, render_title

__all__ = [
    "FeedTemplate",
    "PreviewRow",
    "TemplateError",
    "apply",
    "candidate_fields",
    "check_template",
    "default_title_template",
    "fingerprint",
    "preview",
    "render_title",
    "template_context",
]
