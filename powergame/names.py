"""Strategy names: the lookup key of a name and how parameters are written in one.

One place for both, used by the registry, the axelrod bridge and the library, so a name
the library prints is a name the registry reads back.
"""

from __future__ import annotations

import ast
from typing import Any


def normalize(name: str) -> str:
    """The lookup key of a name: case, spaces and punctuation ignored, so "Tit-For Tat",
    "tit for tat" and "TitForTat" meet."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def parse_value(raw: str) -> Any:
    """A parameter value as written in a name: a Python literal, else the text itself."""
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return raw


def format_value(value: Any) -> str:
    """How a parameter value is written in a name, so that ``parse_value`` reads it back."""
    bare_ok = isinstance(value, str) and value and value == value.strip() and parse_value(value) == value
    if bare_ok and not any(ch in value for ch in ",()|=[]{}'\""):
        return str(value)
    return repr(value)


def instance_name(base: str, params: dict[str, Any], defaults: dict[str, Any] | None = None) -> str:
    """``"Start Small(T=3)"``: the base name plus every parameter that differs from its
    default (all of them when ``defaults`` is None); the base name alone if none does."""
    shown = {k: v for k, v in params.items() if defaults is None or defaults.get(k) != v}
    if not shown:
        return base
    return f"{base}({', '.join(f'{k}={format_value(v)}' for k, v in shown.items())})"
