"""Every sender is one folder with the same file names, and only the framework catches
everything: a sender's parser may fail, and the base's cascade shows its delivery anyway."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from echodash import sources
from echodash.sources import PayloadReader, source_classes

PACKAGE = Path(sources.__file__).parent
REQUIRED = {"__init__.py", "source.py", "reader.py", "titles.py"}
# A sender whose history can be backfilled names the things its webhooks report there.
OPTIONAL = {"things.py"}
# The framework: the base (parse cascade, secret loop) and the registry (a broken plugin must
# not take the others down). Nothing else in sources/ catches every exception.
FRAMEWORK = {"_base.py", "_registry.py"}


def built_in_kinds() -> list[str]:
    return [k for k, cls in source_classes().items() if cls.__module__.startswith("echodash.")]


def test_every_built_in_sender_is_one_folder_with_the_same_file_names() -> None:
    kinds = built_in_kinds()
    assert len(kinds) == 13
    for kind in kinds:
        folder = PACKAGE / kind
        assert folder.is_dir(), f"sources/{kind}/ is missing"
        names = {p.name for p in folder.glob("*.py")}
        assert names >= REQUIRED, f"sources/{kind}/ lacks {sorted(REQUIRED - names)}"
        extra = {n for n in names - REQUIRED - OPTIONAL if not n.startswith("titles_")}
        assert not extra, (
            f"sources/{kind}/ has {sorted(extra)}: only titles_*.py and things.py may be added"
        )
        assert source_classes()[kind].__module__ == f"echodash.sources.{kind}.source"


def test_each_reader_module_holds_one_payload_reader() -> None:
    for kind in built_in_kinds():
        module = importlib.import_module(f"echodash.sources.{kind}.reader")
        readers = [
            name
            for name, value in vars(module).items()
            if isinstance(value, type)
            and issubclass(value, PayloadReader)
            and value.__module__ == module.__name__
        ]
        assert len(readers) == 1, f"sources/{kind}/reader.py defines readers {readers}"


def test_no_sender_module_catches_every_exception() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in FRAMEWORK and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ExceptHandler) and (
                node.type is None
                or (
                    isinstance(node.type, ast.Name)
                    and node.type.id in ("Exception", "BaseException")
                )
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_the_flat_modules_of_the_old_layout_are_gone() -> None:
    flat = sorted(p.name for p in PACKAGE.glob("*.py") if not p.name.startswith("_"))
    assert flat == []


def test_a_sender_that_cannot_read_is_refused_when_defined() -> None:
    import pytest

    from echodash.sources import Source

    with pytest.raises(TypeError, match="neither `reader` nor its own read"):

        class Mute(Source):
            kind = "mute"
            name = "Mute"

            def signed_with(self, headers: object, body: bytes) -> None:
                return None

            def delivery_id(self, headers: object, body: bytes) -> None:
                return None
