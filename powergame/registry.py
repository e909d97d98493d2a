"""The strategy registry: every strategy a user can name, from the built-in library, installed
plugins, plugin files and the axelrod bridge.

``load_registry(plugins)`` collects the strategies (see ``powergame.plugins`` for where
they come from); ``Registry.create(name)`` builds a fresh player from a name such as::

    Out-for-Tat                       a registered strategy (case, spaces, punctuation ignored)
    Start Small(T=3)                  keyword parameters for the class's constructor
    mypkg:Foo                         a plugin strategy in a namespace ("Foo" works when unambiguous)
    axelrod:Tit For Tat               a strategy of the axelrod library (loaded only when asked for)
    axelrod:TitForTat | Leave After Withholdings(k=3)
                                      an exit wrapper around an inner strategy

A broken plugin never breaks the registry: each problem becomes a ``PluginError`` in
``Registry.errors`` and every other strategy stays usable.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from powergame import plugins as plugin_sources
from powergame.errors import ParameterError, PluginError, UnknownStrategyError
from powergame.names import format_value, normalize, parse_value
from powergame.player import FAMILIES, Player, check_classifier

AXELROD_PREFIX = "axelrod"
BUILTIN_SOURCE = "builtin"


@dataclass(frozen=True)
class StrategyEntry:
    """One strategy a user can name. ``factory()`` returns a fresh player and pickles (a
    class, or a ``functools.partial`` of module-level callables)."""

    name: str
    factory: Callable[[], Player]
    classifier: dict[str, Any]
    source: str
    doc: str
    is_wrapper: bool = False
    aliases: tuple[str, ...] = ()  # other names it answers to


@dataclass(frozen=True)
class StrategySpec:
    """One part of a strategy name: the bare name and its keyword parameters."""

    name: str
    params: tuple[tuple[str, Any], ...] = ()


# --- parsing names ------------------------------------------------------------------------
def parse_name(text: str) -> list[StrategySpec]:
    """``"A(x=1) | W(k=3)"`` -> [StrategySpec("A", (("x", 1),)), StrategySpec("W", (("k", 3),))].
    The first part is the strategy, the following ones wrap it, innermost first."""
    if not isinstance(text, str) or not text.strip():
        raise ParameterError("strategy", text, "must be a strategy name (`powergame strategies` lists them)")
    return [_parse_part(part.strip(), text) for part in _split_top_level(text, "|")]


def format_spec(spec: StrategySpec) -> str:
    """The canonical text of a spec; ``parse_name`` reads it back to the same spec."""
    if not spec.params:
        return spec.name
    return f"{spec.name}({', '.join(f'{key}={format_value(value)}' for key, value in spec.params)})"


def _parse_part(part: str, whole: str) -> StrategySpec:
    if not part:
        raise ParameterError("strategy", whole, "has an empty part around '|'; write Inner | Wrapper")
    if part.endswith(")"):
        opening = _matching_open(part)
        if opening is not None:
            inside = part[opening + 1 : -1]
            name = part[:opening].strip()
            if name and (not inside.strip() or _looks_like_keywords(inside)):
                return StrategySpec(name, _parse_params(inside, part))
    return StrategySpec(part)


def _parse_params(inside: str, part: str) -> tuple[tuple[str, Any], ...]:
    params: list[tuple[str, Any]] = []
    for item in _split_top_level(inside, ","):
        if not item.strip():
            continue
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ParameterError(
                "strategy parameter",
                item.strip(),
                f"write parameters as key=value, e.g. Start Small(T=3) (in {part!r})",
            )
        if key in dict(params):
            raise ParameterError("strategy parameter", key, f"is given twice in {part!r}")
        params.append((key, parse_value(raw.strip())))
    return tuple(params)


def _looks_like_keywords(inside: str) -> bool:
    return all("=" in item for item in _split_top_level(inside, ",") if item.strip())


def _split_top_level(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif ch == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _matching_open(part: str) -> int | None:
    """Index of the '(' that the final ')' closes (None if unbalanced)."""
    depth, quote = 0, ""
    for i in range(len(part) - 1, -1, -1):
        ch = part[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
            if depth == 0:
                return i
    return None


# --- building players (module level so that factories pickle) --------------------------------
def build_player(
    cls: Callable[..., Player], params: tuple[tuple[str, Any], ...], display_name: str
) -> Player:
    """``cls(**params)``, named ``display_name`` unless the class names its instances itself."""
    player = cls(**dict(params))
    _rename(player, cls, display_name)
    return player


def build_wrapped(
    inner: Callable[[], Player],
    wrapper: type[Player],
    params: tuple[tuple[str, Any], ...],
    display_name: str,
) -> Player:
    """``wrapper(inner(), **params)``, named ``display_name`` unless the wrapper names itself."""
    player = wrapper(inner(), **dict(params))  # type: ignore[call-arg]
    _rename(player, wrapper, display_name)
    return player


def _rename(player: Player, cls: Callable[..., Player], display_name: str) -> None:
    if player.name == getattr(cls, "name", None) and player.name != display_name:
        player.name = display_name


def build_axelrod_player(name: str, params: tuple[tuple[str, Any], ...], display_name: str) -> Player:
    """The axelrod strategy ``name`` with keyword ``params``, through the axelrod bridge."""
    from powergame.axelrod_bridge import AxelrodPlayer

    player: Player = AxelrodPlayer(name, **dict(params))
    player.name = display_name
    return player


# --- the registry ----------------------------------------------------------------------------
class Registry:
    """Every strategy that can be named; build one with ``load_registry``.

    ``errors`` lists the plugins that could not be used (each a ``PluginError`` naming the
    plugin and the reason); ``plugins`` the plugin files that were asked for, so that
    another process can rebuild the same registry with ``load_registry(registry.plugins)``.
    """

    def __init__(self, plugins: Sequence[str] = ()) -> None:
        self.errors: list[PluginError] = []
        self.plugins: tuple[str, ...] = tuple(plugins)
        self._entries: dict[str, StrategyEntry] = {}  # normalized full name -> entry
        self._by_bare_name: dict[str, list[StrategyEntry]] = {}  # normalized bare name -> namespaced entries
        self._resolved: dict[
            str, StrategyEntry
        ] = {}  # name as asked -> entry (parameters, wrappers, axelrod)
        self._classes: dict[str, type[Player]] = {}  # normalized full name -> registered class
        self._aliases: dict[str, StrategyEntry] = {}  # normalized other name (class `aliases`) -> entry

    # --- filling -----------------------------------------------------------------------
    def add_plugin(self, contents: plugin_sources.PluginContents) -> None:
        """Register every valid strategy of one plugin; report each invalid one in ``errors``."""
        for candidate in contents.candidates:
            try:
                entry = _entry_for(candidate, contents.source, contents.namespace)
                self._add(entry, candidate, contents.namespace)  # type: ignore[arg-type]
            except PluginError as exc:
                self.errors.append(exc)

    def _add(self, entry: StrategyEntry, cls: type[Player], namespace: str | None) -> None:
        key = normalize(entry.name)
        existing = self._entries.get(key)
        if existing is not None:
            if self._classes[key] is cls:
                return  # the same class reached twice (e.g. one file listed twice)
            raise PluginError(
                entry.source,
                f"strategy {entry.name!r} is already registered by plugin {existing.source!r}; "
                "rename one of them or give one plugin a NAMESPACE",
            )
        for alias in getattr(cls, "aliases", ()):
            alias_key = normalize(f"{namespace}:{alias}" if namespace else alias)
            taken = self._entries.get(alias_key) or self._aliases.get(alias_key)
            if taken is not None and taken is not entry:
                raise PluginError(
                    entry.source,
                    f"alias {alias!r} of {entry.name!r} is already a name of {taken.name!r} "
                    f"(plugin {taken.source!r})",
                )
        self._entries[key] = entry
        self._classes[key] = cls
        for alias in getattr(cls, "aliases", ()):
            self._aliases[normalize(f"{namespace}:{alias}" if namespace else alias)] = entry
        if namespace is not None:
            bare = entry.name.split(":", 1)[1]
            self._by_bare_name.setdefault(normalize(bare), []).append(entry)

    # --- looking up ----------------------------------------------------------------------
    def entries(self, family: str | None = None) -> list[StrategyEntry]:
        """The registered strategies (not wrappers, not axelrod's), sorted by name;
        ``family`` keeps one family only."""
        if family is not None and family not in FAMILIES:
            raise ParameterError("family", family, "must be one of " + ", ".join(FAMILIES))
        chosen = [
            e
            for e in self._entries.values()
            if not e.is_wrapper and (family is None or e.classifier.get("family") == family)
        ]
        return sorted(chosen, key=lambda e: e.name.casefold())

    def wrappers(self) -> list[StrategyEntry]:
        """The exit wrappers (use them as ``Inner | Wrapper(params)``), sorted by name."""
        return sorted((e for e in self._entries.values() if e.is_wrapper), key=lambda e: e.name.casefold())

    def names(self) -> list[str]:
        """Every registered name (strategies and wrappers)."""
        return sorted((e.name for e in self._entries.values()), key=str.casefold)

    def get(self, name: str) -> StrategyEntry:
        """The entry for a name, with parameters and wrappers applied; UnknownStrategyError
        (with suggestions) if there is none, ParameterError for bad parameters."""
        cached = self._resolved.get(name)
        if cached is not None:
            return cached
        specs = parse_name(name)
        entry = self._resolve_spec(specs[0])
        for wrapper_spec in specs[1:]:
            entry = self._wrap(entry, wrapper_spec)
        self._resolved[name] = entry
        return entry

    def canonical_name(self, name: str) -> str:
        """The name of the strategy ``name`` denotes, with every parameter that equals its
        default dropped: ``Start Small(T=1)`` and ``start small`` both give ``Start Small``
        (two names with the same canonical name play the same strategy)."""
        parts = []
        for spec in parse_name(name):
            prefix, sep, _ = spec.name.partition(":")
            if sep and normalize(prefix) == AXELROD_PREFIX:
                parts.append(format_spec(spec))
                continue
            entry = self._lookup(spec.name)
            defaults = _defaults(self._classes.get(normalize(entry.name)))
            kept = tuple(
                (key, value)
                for key, value in spec.params
                if not (key in defaults and type(defaults[key]) is type(value) and defaults[key] == value)
            )
            parts.append(format_spec(StrategySpec(entry.name, kept)))
        return " | ".join(parts)

    def create(self, name: str) -> Player:
        """A fresh player for ``name`` (see ``get``)."""
        entry = self.get(name)
        if entry.is_wrapper:
            raise ParameterError(
                "strategy", name, f"is an exit wrapper: put a strategy before it, e.g. 'Out-for-Tat | {name}'"
            )
        return entry.factory()

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self.get(name)
        except (UnknownStrategyError, ParameterError):
            return False
        return True

    def __len__(self) -> int:
        return len(self._entries)

    def _lookup(self, name: str) -> StrategyEntry:
        """A registered entry by plain name (no parameters, no axelrod)."""
        key = normalize(name)
        entry = self._entries.get(key) or self._aliases.get(key)
        if entry is not None:
            return entry
        namespaced = self._by_bare_name.get(key, [])
        if len(namespaced) == 1 and ":" not in name:
            return namespaced[0]
        if len(namespaced) > 1:
            raise UnknownStrategyError(name, sorted(e.name for e in namespaced))
        raise UnknownStrategyError(name, self.suggestions(name))

    def suggestions(self, name: str, limit: int = 3) -> list[str]:
        """Registered names close to ``name`` (for "did you mean")."""
        return _close_names(name, self.names(), limit)

    def _resolve_spec(self, spec: StrategySpec) -> StrategyEntry:
        prefix, sep, rest = spec.name.partition(":")
        if sep and normalize(prefix) == AXELROD_PREFIX:
            return _axelrod_entry(rest.strip(), spec.params)
        try:
            entry = self._lookup(spec.name)
        except UnknownStrategyError:
            before, paren, _ = spec.name.partition("(")
            if paren and spec.name.endswith(")") and normalize(before) in self._entries:
                raise ParameterError(
                    "strategy", spec.name, "write parameters as key=value, e.g. Start Small(T=3)"
                ) from None
            raise
        if not spec.params:
            return entry
        cls = self._classes[normalize(entry.name)]
        _check_params(cls, spec.params, entry.name, skip_first=entry.is_wrapper)
        display = format_spec(StrategySpec(entry.name, spec.params))
        if entry.is_wrapper:
            # A wrapper with parameters and nothing inside: only `create` can tell the user.
            return StrategyEntry(display, cls, entry.classifier, entry.source, entry.doc, True)
        factory = functools.partial(build_player, cls, spec.params, display)
        probe = _probe(factory, display)
        return StrategyEntry(display, factory, dict(probe.classifier), entry.source, entry.doc)

    def _wrap(self, inner: StrategyEntry, spec: StrategySpec) -> StrategyEntry:
        wrapper = self._lookup(spec.name)
        if not wrapper.is_wrapper:
            raise ParameterError(
                "strategy",
                spec.name,
                "comes after '|' but is not an exit wrapper; wrappers: "
                + (", ".join(e.name for e in self.wrappers()) or "none registered"),
            )
        if inner.is_wrapper:
            raise ParameterError(
                "strategy", inner.name, "is an exit wrapper: the first part must be a strategy"
            )
        wrapper_cls = self._classes[normalize(wrapper.name)]
        _check_params(wrapper_cls, spec.params, wrapper.name, skip_first=True)
        display = f"{inner.name} | {format_spec(StrategySpec(wrapper.name, spec.params))}"
        factory = functools.partial(build_wrapped, inner.factory, wrapper_cls, spec.params, display)
        probe = _probe(factory, display)
        source = inner.source if inner.source == wrapper.source else f"{inner.source} + {wrapper.source}"
        return StrategyEntry(display, factory, dict(probe.classifier), source, wrapper.doc)


def load_registry(
    plugins: Iterable[str | Path] = (), *, entry_points: bool = True, env: bool = True
) -> Registry:
    """Every strategy from the ``powergame.strategies`` entry points (``entry_points``), the
    files in ``POWERGAME_PLUGINS`` (``env``) and the given plugin files, in that order.
    Problems are collected in ``Registry.errors``; nothing here raises for a bad plugin."""
    files = [str(p) for p in plugins]
    if env:
        files = plugin_sources.env_plugin_paths() + files
    unique_files = list(dict.fromkeys(files))
    registry = Registry(unique_files)
    if entry_points:
        found, errors = plugin_sources.discover_entry_points()
        registry.errors.extend(errors)
        for contents in found:
            registry.add_plugin(contents)
    for path in unique_files:
        try:
            contents = plugin_sources.load_plugin_file(path)
        except PluginError as exc:
            registry.errors.append(exc)
            continue
        registry.add_plugin(contents)
    return registry


# --- helpers -------------------------------------------------------------------------------
def _entry_for(candidate: object, source: str, namespace: str | None) -> StrategyEntry:
    if not isinstance(candidate, type) or not issubclass(candidate, Player):
        what = candidate.__name__ if isinstance(candidate, type) else repr(candidate)
        raise PluginError(source, f"{what} is not a Player subclass")
    name = getattr(candidate, "name", None)
    if not isinstance(name, str) or not name.strip() or name == Player.name:
        raise PluginError(
            source, f"class {candidate.__name__} needs a `name` (a non-empty string of its own)"
        )
    if "|" in name or not normalize(name):
        raise PluginError(source, f"strategy name {name!r} must contain letters or digits and no '|'")
    if ":" in name:
        raise PluginError(source, f"strategy name {name!r} must not contain ':' (set NAMESPACE instead)")
    problem = check_classifier(getattr(candidate, "classifier", None))
    if problem is not None:
        raise PluginError(source, f"strategy {name!r}: {problem}")
    full_name = f"{namespace}:{name}" if namespace else name
    factory: Callable[[], Player] = candidate
    if namespace:
        factory = functools.partial(build_player, candidate, (), full_name)
    return StrategyEntry(
        name=full_name,
        factory=factory,
        classifier=dict(candidate.classifier),
        source=source,
        doc=first_paragraph(candidate.__doc__),
        is_wrapper=bool(candidate.is_wrapper),
        aliases=tuple(getattr(candidate, "aliases", ())),
    )


# A class's signature is read once (``inspect.signature`` costs ~0.1 ms; a spec of the 162
# memory-one codes names one class 162 times). Callers only read what these return.
def _defaults(cls: type | None) -> dict[str, Any]:
    """The keyword defaults of a class's constructor (empty when they cannot be read)."""
    return {} if cls is None else _class_defaults(cls)


@functools.lru_cache(maxsize=256)
def _class_defaults(cls: type) -> dict[str, Any]:
    try:
        parameters = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def first_paragraph(doc: str | None) -> str:
    """The first paragraph of a docstring, on one line."""
    if not doc:
        return ""
    paragraph = inspect.cleandoc(doc).split("\n\n", 1)[0]
    return " ".join(paragraph.split())


@functools.lru_cache(maxsize=256)
def _allowed_params(cls: type, skip_first: bool) -> tuple[list[str], bool]:
    """The keyword parameters of ``cls.__init__`` and whether it takes ``**kwargs``."""
    try:
        signature = inspect.signature(cls.__init__)  # type: ignore[misc]
    except (TypeError, ValueError):
        return [], True
    names, open_ended = [], False
    params = list(signature.parameters.values())[1:]  # self
    if skip_first and params:
        params = params[1:]  # the wrapped player
    for p in params:
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            open_ended = True
        elif p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY):
            names.append(p.name)
    return names, open_ended


def _check_params(cls: type, params: tuple[tuple[str, Any], ...], name: str, skip_first: bool) -> None:
    allowed, open_ended = _allowed_params(cls, skip_first)
    if open_ended:
        return
    listing = ", ".join(allowed) if allowed else "none"
    for key, value in params:
        if key not in allowed:
            raise ParameterError(
                f"{name} parameter {key}", value, f"allowed parameters of {name!r}: {listing}"
            )


def _probe(factory: Callable[[], Player], display: str) -> Player:
    """Build one player to check the parameters (and read its classifier)."""
    try:
        player = factory()
    except ParameterError:
        raise
    except Exception as exc:
        raise ParameterError("strategy", display, f"cannot be built: {type(exc).__name__}: {exc}") from None
    problem = check_classifier(player.classifier)
    if problem is not None:
        raise ParameterError("strategy", display, problem)
    return player


def _axelrod_entry(name: str, params: tuple[tuple[str, Any], ...]) -> StrategyEntry:
    try:
        from powergame import axelrod_bridge
    except ImportError as exc:
        raise PluginError(AXELROD_PREFIX, f"the axelrod bridge cannot be loaded: {exc}") from None
    cls = axelrod_bridge.find_axelrod_strategy(
        f"{AXELROD_PREFIX}:{name}"
    )  # UnknownStrategyError with suggestions
    canonical = str(getattr(cls, "name", name))
    display = format_spec(StrategySpec(f"{AXELROD_PREFIX}:{canonical}", params))
    factory = functools.partial(build_axelrod_player, canonical, params, display)
    probe = _probe(factory, display)
    return StrategyEntry(
        display, factory, dict(probe.classifier), AXELROD_PREFIX, first_paragraph(cls.__doc__)
    )


def _close_names(name: str, candidates: list[str], limit: int) -> list[str]:
    by_key: dict[str, str] = {}
    for candidate in candidates:
        by_key.setdefault(normalize(candidate), candidate)
        if ":" in candidate:
            by_key.setdefault(normalize(candidate.split(":", 1)[1]), candidate)
    key = normalize(name)
    close = difflib.get_close_matches(key, list(by_key), n=limit, cutoff=0.6)
    picked = list(dict.fromkeys(by_key[k] for k in close))
    if len(picked) < limit and len(key) >= 3:
        for k, candidate in by_key.items():
            if key in k and candidate not in picked:
                picked.append(candidate)
            if len(picked) >= limit:
                break
    return picked[:limit]
