"""Finding strategy plugins: entry points, plugin files and the POWERGAME_PLUGINS variable.

A plugin is anything that hands powergame a set of ``Player`` subclasses:

- an entry point in the group ``powergame.strategies`` (how installed packages, and the
  built-in library itself, register); the loaded object is a module or a list of classes;
- a Python file given with ``--plugin PATH.py``;
- a file listed in the environment variable ``POWERGAME_PLUGINS`` (paths separated by
  ``os.pathsep``).

From a module, the strategies are its ``STRATEGIES`` list if it has one, else the public
Player subclasses defined in it (or in its submodules, for a package) that set a ``name``.
A module may set ``NAMESPACE = "mypkg"`` to have its strategies named ``mypkg:Name``.

Every function here reports a broken plugin as a ``PluginError`` naming the plugin and the
reason; validating the classes themselves is the registry's job.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType

from powergame.errors import PluginError
from powergame.player import Player

ENTRY_POINT_GROUP = "powergame.strategies"
ENV_VAR = "POWERGAME_PLUGINS"
RESERVED_NAMESPACES = ("axelrod",)


@dataclass(frozen=True)
class PluginContents:
    """What one plugin offers: its ``source`` name (entry-point name or file path), the
    candidate objects it lists (not yet validated) and its namespace, if any."""

    source: str
    candidates: tuple[object, ...]
    namespace: str | None = None


def discover_entry_points() -> tuple[list[PluginContents], list[PluginError]]:
    """Load every entry point of the ``powergame.strategies`` group, sorted by name.
    Returns what loaded and one error per entry point that did not."""
    from importlib.metadata import entry_points

    loaded: list[PluginContents] = []
    errors: list[PluginError] = []
    seen: set[str] = set()
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        # The same distribution can be visible twice on sys.path (e.g. an editable install
        # plus a build directory); the first occurrence wins, as with imports.
        if point.name in seen:
            continue
        seen.add(point.name)
        try:
            obj = point.load()
        except Exception as exc:
            errors.append(PluginError(point.name, f"entry point {point.value!r} failed to load: {_why(exc)}"))
            continue
        try:
            loaded.append(contents_of(obj, point.name))
        except PluginError as exc:
            errors.append(exc)
    return loaded, errors


def env_plugin_paths(environ: Mapping[str, str] | None = None) -> list[str]:
    """The plugin files listed in ``POWERGAME_PLUGINS`` (empty items ignored)."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "")
    return [item for item in value.split(os.pathsep) if item.strip()]


def module_name_for(path: Path) -> str:
    """The name a plugin file is imported under: unique per file and the same in every
    process, so classes from it pickle between processes that loaded the same plugins."""
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
    return f"powergame_plugin_{_identifier(path.stem)}_{digest}"


def load_plugin_file(path: str | Path) -> PluginContents:
    """Import a plugin file and return its contents (PluginError if it cannot)."""
    shown = str(path)
    file = Path(path).expanduser()
    if "\x00" in shown:
        raise PluginError(shown, "is not a file path (it holds a NUL character)")
    if not file.is_file():
        reason = "is a directory, not a .py file" if file.is_dir() else "file not found"
        raise PluginError(shown, reason)
    file = file.resolve()
    name = module_name_for(file)
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:
            raise PluginError(shown, "cannot be imported as Python (is it a .py file?)")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:
            del sys.modules[name]
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise PluginError(shown, f"failed to import: {_why(exc, file)}") from exc
    return contents_of(module, shown)


def contents_of(obj: object, source: str) -> PluginContents:
    """The candidate strategies of a loaded plugin object: a module, a list or tuple of
    classes, or a single class."""
    if isinstance(obj, ModuleType):
        namespace = _namespace(obj, source)
        listed = getattr(obj, "STRATEGIES", None)
        if listed is None:
            defined = _defined_players(obj)
            if not defined:
                raise PluginError(
                    source,
                    "defines no strategy: no Player subclass with a `name` of its own, and no STRATEGIES list",
                )
            return PluginContents(source, tuple(defined), namespace)
        if not isinstance(listed, (list, tuple)):
            raise PluginError(
                source, f"STRATEGIES must be a list of Player classes, got {type(listed).__name__}"
            )
        return PluginContents(source, tuple(listed), namespace)
    if isinstance(obj, (list, tuple)):
        return PluginContents(source, tuple(obj))
    if isinstance(obj, type):
        return PluginContents(source, (obj,))
    raise PluginError(
        source, f"loaded a {type(obj).__name__}; expected a module, a list of Player classes or a class"
    )


def _defined_players(module: ModuleType) -> list[type[Player]]:
    prefix = module.__name__ + "."
    found = []
    for attr, value in vars(module).items():
        if attr.startswith("_") or not isinstance(value, type) or not issubclass(value, Player):
            continue
        if value.__module__ != module.__name__ and not value.__module__.startswith(prefix):
            continue  # imported from elsewhere, e.g. `from powergame import Player`
        if value.name == Player.name:
            continue  # a helper base class: it has no name of its own
        found.append(value)
    return found


def _namespace(module: ModuleType, source: str) -> str | None:
    namespace = getattr(module, "NAMESPACE", None)
    if namespace is None:
        return None
    if not isinstance(namespace, str) or not namespace.strip() or ":" in namespace or "|" in namespace:
        raise PluginError(
            source, f"NAMESPACE = {namespace!r} is not allowed: a non-empty name without ':' or '|'"
        )
    if namespace.strip().lower() in RESERVED_NAMESPACES:
        raise PluginError(source, f"NAMESPACE = {namespace!r} is reserved for the axelrod bridge")
    return namespace.strip()


def _identifier(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def _why(exc: BaseException, file: Path | None = None) -> str:
    """``ExcType: message`` plus the line of the plugin file where it happened."""
    text = f"{type(exc).__name__}: {exc}"
    line = None
    if isinstance(exc, SyntaxError) and exc.lineno is not None:
        text = f"{type(exc).__name__}: {exc.msg}"
        line = exc.lineno
    elif file is not None:
        line = _last_line_in(exc.__traceback__, str(file))
    return f"{text} (line {line})" if line is not None else text


def _last_line_in(tb: TracebackType | None, filename: str) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def plugin_fingerprints(
    paths: Sequence[str], environ: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """What decides which strategies a run's plugins hold, by content rather than by path
    text: per plugin file (the given ``paths``, then ``POWERGAME_PLUGINS``) its file name
    and a SHA-256 of its bytes; per installed plugin (entry point) its distribution and
    version. Two runs whose records are equal load the same strategy code."""
    from importlib.metadata import entry_points

    records: list[dict[str, str]] = []
    for path in [*paths, *env_plugin_paths(environ)]:
        file = Path(path).expanduser()
        try:
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
        except OSError:
            digest = "unreadable"
        records.append({"file": file.name, "sha256": digest})
    installed = set()
    for point in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(point, "dist", None)
        name = dist.metadata["Name"] if dist is not None else point.value
        version = dist.version if dist is not None else "unknown"
        installed.add((point.name, name, version))
    records.extend(
        {"entry_point": point, "distribution": name, "version": version}
        for point, name, version in sorted(installed)
    )
    return records
