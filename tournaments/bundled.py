"""The specs that ship with powergame (``tournaments/specs/*.toml``, package data), by name.

Every TOML file in that folder is a bundled spec, whatever it describes (a tournament, a
population, a sweep): its name is the file's stem, its kind comes from its tables
(``[sweep]`` makes a sweep, ``[population]`` a population, otherwise a tournament), and its
question is the first sentence ending in "?" of its comment header (``# Question: ...``),
else its ``description``. Nothing here lists the files by hand, so a spec added to the folder is
listed, resolvable by name and copyable at once.

``resolve_spec("default")`` gives the path of a bundled spec; an existing file always wins
over a bundled name, so ``resolve_spec("my.toml")`` is that file.
"""

from __future__ import annotations

import atexit
import contextlib
import difflib
import re
import shutil
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from powergame.errors import ParameterError

# The table that marks each non-tournament kind, and the command that runs it.
KIND_TABLES = (("sweep", "sweep"), ("population", "population"))
RUN_COMMANDS = {"tournament": "powergame run", "population": "powergame evolve", "sweep": "powergame sweep"}

_files = contextlib.ExitStack()  # holds extracted copies when the package is not plain files
atexit.register(_files.close)


@dataclass(frozen=True)
class BundledSpec:
    """One bundled spec: its name, kind, the question it asks, and where it lives."""

    name: str
    kind: str
    question: str
    path: Path

    @property
    def command(self) -> str:
        """The command that runs it, e.g. ``powergame run default``."""
        return f"{RUN_COMMANDS.get(self.kind, 'powergame run')} {self.name}"


def specs_folder() -> Path:
    """The folder of the bundled specs (inside the installed package)."""
    folder = resources.files("powergame.tournaments") / "specs"
    if isinstance(folder, Path):
        return folder
    return Path(_files.enter_context(resources.as_file(folder)))  # e.g. a zipped install


def _bundled_paths() -> dict[str, Path]:
    """Name -> file of every bundled spec, subfolders included (``sweeps/outside_gap.toml``):
    the file's stem, or its path below the folder when two files share a stem."""
    folder = specs_folder()
    paths = sorted(folder.rglob("*.toml"))
    stems = [path.stem for path in paths]
    return {
        (
            path.stem if stems.count(path.stem) == 1 else path.relative_to(folder).with_suffix("").as_posix()
        ): path
        for path in paths
    }


def bundled_names() -> list[str]:
    """The names of the bundled specs, sorted."""
    return sorted(_bundled_paths())


def bundled_specs() -> list[BundledSpec]:
    """Every bundled spec with its kind and question, sorted by name."""
    return [describe(path, name) for name, path in sorted(_bundled_paths().items())]


def describe(path: Path, name: str | None = None) -> BundledSpec:
    """Name (default: the file's stem), kind and question of a spec file (its header
    comment, else its description)."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        data = {}
    kind = next((kind for kind, table in KIND_TABLES if table in data), "tournament")
    question = header_question(text) or str(data.get("description", "")).strip()
    return BundledSpec(name=name or path.stem, kind=kind, question=question, path=path)


def header_question(text: str) -> str:
    """The question a spec's comment header asks: the first paragraph of the comment block
    at the top of the file, without a leading ``Question:``, up to its first question mark
    (all of it when it has none); empty if the file starts with no comment."""
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        body = stripped.lstrip("#").strip()
        if not body:
            if lines:
                break
            continue
        lines.append(body)
    paragraph = re.sub(r"^Question[^:]{0,40}:\s*", "", " ".join(lines))
    question = paragraph[: paragraph.index("?") + 1] if "?" in paragraph else paragraph
    return question[:1].upper() + question[1:]


def is_bundled(name: str) -> bool:
    """Whether ``name`` (``default`` or ``default.toml``) names a bundled spec."""
    return name.removesuffix(".toml") in _bundled_paths()


def resolve_spec(value: str | Path) -> Path:
    """The spec file ``value`` names: an existing file as given, else a bundled spec by
    name (``default`` or ``default.toml``). Anything else is a ``ParameterError`` with the
    closest bundled names and the list of them."""
    path = Path(value)
    if path.is_file():
        return path
    paths = _bundled_paths()
    names = sorted(paths)
    name = str(value).removesuffix(".toml")
    if name in paths:
        return paths[name]
    by_path = {p.relative_to(specs_folder()).with_suffix("").as_posix(): p for p in paths.values()}
    if name in by_path:  # sweeps/outside_gap as well as outside_gap
        return by_path[name]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
    raise ParameterError(
        "spec",
        str(value),
        f"must be an existing TOML file or a bundled spec; {hint}bundled: {', '.join(names)} "
        "(`powergame specs` lists them)",
    )


def copy_spec(name: str, destination: str | Path, overwrite: bool = False) -> Path:
    """Copy the bundled spec ``name`` to ``destination`` (a file, or a folder to copy into)
    as a starting point for one's own; returns the new file's path."""
    paths = _bundled_paths()
    names = sorted(paths)
    if name.removesuffix(".toml") not in paths:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
        raise ParameterError("spec", name, f"must be a bundled spec; {hint}bundled: {', '.join(names)}")
    source = paths[name.removesuffix(".toml")]
    target = Path(destination)
    if target.is_dir():
        target = target / source.name
    if target.exists() and not overwrite:
        raise ParameterError("destination", str(target), "already exists (choose another name or --force)")
    if not target.parent.is_dir():
        raise ParameterError("destination", str(target), "must be in an existing folder")
    shutil.copyfile(source, target)
    return target
