"""Checking and rendering title templates: one compiled template per text, errors in words."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from functools import lru_cache
from types import TracebackType
from typing import Any

from jinja2 import Template, TemplateSyntaxError, nodes

from echodash.titles.guard import TitleEnvironment
from echodash.titles.limits import LOOP_FILTER, RENDER_SECONDS, Refused, deadline
from echodash.titles.model import TemplateError

MAX_TEMPLATE = 2_000
MAX_OUTPUT = 10_000  # rendering stops here; a title is cut far shorter anyway
MAX_TITLE = 300

_ENV = TitleEnvironment()
# Tags that define or pull in other templates or variables: titles are one expression line.
_TAGS: dict[type[nodes.Node], str] = {
    nodes.Assign: "set", nodes.AssignBlock: "set", nodes.Macro: "macro", nodes.CallBlock: "call",
    nodes.FilterBlock: "filter", nodes.With: "with", nodes.Block: "block",
    nodes.Extends: "extends", nodes.Include: "include", nodes.Import: "import",
    nodes.FromImport: "from … import", nodes.ScopedEvalContextModifier: "autoescape",
}  # fmt: skip
_ALLOWED = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.For, nodes.Name,
    nodes.Const, nodes.Getattr, nodes.Getitem, nodes.Slice, nodes.Filter, nodes.Test,
    nodes.Call, nodes.Keyword, nodes.CondExpr, nodes.And, nodes.Or, nodes.Not, nodes.Neg,
    nodes.Pos, nodes.BinExpr, nodes.Concat, nodes.Compare, nodes.Operand, nodes.List,
    nodes.Tuple, nodes.Dict, nodes.Pair,
)  # fmt: skip


def check_template(text: str) -> None:
    """Raise TemplateError if `text` cannot be used as a title template."""
    _compile(text)


def render_title(text: str, context: Mapping[str, Any]) -> str:
    """The one-line title `text` renders to; any failure is a TemplateError."""
    template = _compile(text)
    token = deadline.set(time.monotonic() + RENDER_SECONDS)
    pieces: list[str] = []
    size = 0
    try:
        for piece in template.generate(dict(context)):
            pieces.append(piece)
            size += len(piece)
            if size >= MAX_OUTPUT:
                break  # a loop writing forever is cut off here, not after it ends
    except Refused as error:
        raise TemplateError(_at(_line(error.__traceback__), str(error))) from None
    except Exception as error:  # a broken template must never break the caller
        raise TemplateError(_at(_line(error.__traceback__), _runtime_message(error))) from None
    finally:
        deadline.reset(token)
    title = " ".join("".join(pieces)[:MAX_OUTPUT].split())
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1].rstrip() + "…"


@lru_cache(maxsize=256)
def _compile(text: str) -> Template:
    if len(text) > MAX_TEMPLATE:
        raise TemplateError(
            f"The template is {len(text):,} characters long; keep it under {MAX_TEMPLATE:,}."
        )
    try:
        tree = _ENV.parse(text)
        _inspect(tree, loops=0)
        return _ENV.from_string(tree)
    except TemplateSyntaxError as error:
        raise TemplateError(_at(error.lineno, _syntax_message(error.message or ""))) from None
    except TemplateError:
        raise
    except Exception as error:  # e.g. a constant the optimizer folds fails to compute
        raise TemplateError(_at(None, _runtime_message(error))) from None


def _inspect(node: nodes.Node, loops: int) -> None:
    """Refuse what a title has no use for, before anything runs; bound every loop."""
    line = node.lineno
    if type(node) in _TAGS:
        raise TemplateError(_at(line, f"'{{% {_TAGS[type(node)]} %}}' is not available in titles."))
    if not isinstance(node, _ALLOWED):
        raise TemplateError(_at(line, f"this kind of {type(node).__name__} is not available."))
    if isinstance(node, nodes.For):
        if node.recursive or loops:
            raise TemplateError(_at(line, "loops cannot be nested or recursive in a title."))
        # Every loop sees at most a few items: checked here, so it also covers `{% for %}`s
        # over huge payload arrays that write nothing (the output cap would never stop them).
        node.iter = nodes.Filter(node.iter, LOOP_FILTER, [], [], None, None, lineno=line)
        loops += 1
    if isinstance(node, nodes.Getattr) and node.attr.startswith("__"):
        raise TemplateError(_at(line, f"names starting with '__' ({node.attr}) are not allowed."))
    key = (
        node.arg.value
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const)
        else None
    )
    if isinstance(key, str) and key.startswith("__"):
        raise TemplateError(_at(line, "names starting with '__' are not allowed."))
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
        raise TemplateError(_at(line, f"'{node.node.name}' is not available in titles."))
    if isinstance(node, nodes.Filter) and node.name != LOOP_FILTER and not _known(node.name):
        known = ", ".join(sorted(name for name in _ENV.filters if _known(name)))
        raise TemplateError(_at(line, f"there is no filter named '{node.name}'. Filters: {known}."))
    for child in node.iter_child_nodes():
        _inspect(child, loops)


def _known(filter_name: str) -> bool:
    return not filter_name.startswith("_") and filter_name in _ENV.filters


def _at(line: int | None, message: str) -> str:
    sentence = message if message.endswith((".", "?", "!")) else message + "."
    if line is None:
        return sentence[:1].upper() + sentence[1:]
    return f"Line {line}: {sentence}"


def _syntax_message(message: str) -> str:
    """Jinja's parser messages, with the fix for the most common slips spelled out."""
    if message == "unexpected '}'":
        return "unexpected '}' — close the expression with '}}'."
    block = re.search(r"block that needs to be closed is '(\w+)'", message)
    if block:
        name = block.group(1)
        return f"the template ends inside '{{% {name} %}}' — close it with '{{% end{name} %}}'."
    if message.lower().startswith("unexpected end of template"):
        return "the template ends too early" + message[len("unexpected end of template") :]
    if message.startswith("Encountered unknown tag"):
        return message.split(".")[0] + "; titles can use 'if' and 'for'."
    return message


def _runtime_message(error: Exception) -> str:
    if isinstance(error, TemplateError):
        return str(error)
    if isinstance(error, MemoryError):  # past the render child's memory limit
        return "the template needs too much memory to render; simplify it."
    detail = str(error).strip() or type(error).__name__
    return f"the template failed while rendering: {detail}"


def _line(trace: TracebackType | None) -> int | None:
    """The template line Jinja's rewritten traceback points at (its frames are `<template>`)."""
    found = None
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            found = trace.tb_lineno
        trace = trace.tb_next
    return found
