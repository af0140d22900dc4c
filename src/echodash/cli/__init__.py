"""The `echodash` command: serve, endpoints, events, tokens."""

from __future__ import annotations

from echodash.cli.main import main

__all__ = ["main"]
