"""Imports run one way (docs/architecture.md): no module imports a layer above its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

ENGINES = (
    "powergame.engine",
    "powergame.batch",
    "powergame.exact",
    "powergame.exact_batch",
    "powergame.play",  # the engine façade: the top of the engines layer
    "powergame.play_engines",
    "powergame.record_arrow",
    "powergame.population",
    "powergame.work",  # estimates the engines' work from their limits
)
REGISTRY = ("powergame.registry", "powergame.plugins", "powergame.axelrod_bridge")
CORE = (
    "powergame.actions",
    "powergame.errors",
    "powergame.game",
    "powergame.kernel",
    "powergame.player",
    "powergame.state_table",
    "powergame.exit_rule",
    "powergame.result",
    "powergame.figures",
    "powergame.history_window",
    "powergame.power",
    "powergame.streams",
    "powergame.names",
    "powergame.record",
    "powergame.time_limit",
    "powergame.arrow_arrays",
)
ABOVE_ENGINES = (
    *REGISTRY,
    "powergame.strategies",
    "powergame.tournaments",
    "powergame.cli",
    "powergame.testing",
)


def _files_of(name: str) -> str:
    """The files of an engine: its module, or the modules of its subpackage."""
    stem = name.split(".")[-1]
    return (
        f"powergame/{stem}.py" if (ROOT / "powergame" / f"{stem}.py").exists() else f"powergame/{stem}/*.py"
    )


# (files, module prefixes they must never import)
RULES = [
    ("strategies/*.py", (*ENGINES, *REGISTRY, "powergame.tournaments", "powergame.cli", "powergame.testing")),
    ("tournaments/*.py", ("powergame.cli",)),
    ("powergame/testing/*.py", ("powergame.cli", "powergame.tournaments")),
    *[(_files_of(name), ABOVE_ENGINES) for name in ENGINES if name != "powergame.population"],
    ("powergame/population/*.py", ABOVE_ENGINES),
    *[(f"powergame/{name.split('.')[-1]}.py", (*ENGINES, *ABOVE_ENGINES)) for name in CORE],
    *[
        (f"powergame/{name.split('.')[-1]}.py", ("powergame.tournaments", "powergame.cli"))
        for name in REGISTRY
    ],
]


def imported_modules(path: Path, package: str | None = None) -> set[str]:
    """Every module ``path`` imports, absolute, relative ones resolved against its package."""
    if package is None:
        package = {"strategies": "powergame.strategies", "tournaments": "powergame.tournaments"}.get(
            path.parent.name, ".".join(path.relative_to(ROOT).parent.parts)
        )
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize(("pattern", "forbidden"), RULES, ids=[rule[0] for rule in RULES])
def test_no_module_imports_a_layer_above_its_own(pattern: str, forbidden: tuple[str, ...]) -> None:
    files = sorted(ROOT.glob(pattern))
    assert files, f"{pattern} matches no file"
    bad = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in sorted(imported_modules(path))
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]
    assert not bad, "\n".join(bad)


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The rule can fail: a population module importing the registry is reported."""
    source = tmp_path / "x.py"
    source.write_text("from powergame.registry import load_registry\nfrom ..tournaments import spec\n")
    names = imported_modules(source, package="powergame.population")
    assert "powergame.registry.load_registry" in names and "powergame.tournaments.spec" in names
