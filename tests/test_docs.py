"""Every runnable block of the documentation runs, so the docs cannot rot.

A fenced block is run when its info string has the word ``run`` after the language
(docs/index.md explains the convention):

- ```` ```bash run ````: a bash script (``set -e``); it must exit 0.
- ```` ```console run ````: ``$ command`` lines, each followed by its expected output
  (stdout and stderr, as a terminal shows them), compared as doctest does with ELLIPSIS
  and NORMALIZE_WHITESPACE (``...`` matches anything).
- ```` ```python run ````: Python code, executed in one namespace per page; a block
  ```` ```text output ```` right after it is what it prints (compared as above).
- ```` ```LANG file=NAME ````: not run; its text is written to NAME first (a plugin, a spec).
- the word ``slow`` as well: run only with ``POWERGAME_DOCS=all``; ``status=N``: the
  commands must exit with status N instead of 0 (e.g. ``powergame check`` finding a bug).

Every other block carries the check that stands in for running it (``CHECKS``; a block
with none fails ``test_every_block_is_checked``, so new docs cannot add unchecked blocks):

- ``spec`` (TOML): parsed and validated by the loader of its kind (tournament, population
  or sweep; its strategies must exist); ``base=NAME`` first lays it over the bundled spec
  NAME (a fragment such as a lone ``[sweep]`` table).
- ``in=PATH``: every line (each command of a ``&&`` chain, comments dropped) starts a line
  of the repository's file PATH: what CI runs (``.ci/run``) or a shipped example.
- ``synopsis``: a usage summary; each command's ``--help`` exits 0 and lists every
  ``--option`` the block names.
- ``names``: every module, function and file the block names exists (a diagram).
- ``listing=FOLDER``: every file the block lists (its first column; digits match any
  number) is in FOLDER, written by an earlier block of the page.
- ``cluster``: commands for a Dask cluster: the test starts a LocalCluster, runs the
  commands with its address for the one they name (``tcp://HOST:8786``), and checks
  ``dask scheduler``/``dask worker`` lines as a synopsis; the cluster is closed at the end.

All blocks of a page run in order in one fresh temporary folder, with this interpreter's
``bin`` folder first on PATH (so ``powergame`` and ``python`` are the project's), each
command with a time limit.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib
import io
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TIMEOUT = 120  # seconds per block: generous for a loaded machine; the blocks themselves are small
FENCE = re.compile(r"^(?P<indent> *)```(?P<info>[^`\n]*)\n(?P<body>.*?)^(?P=indent)```\s*$", re.M | re.S)


@dataclass(frozen=True)
class Block:
    language: str
    words: frozenset[str]
    file: str | None
    body: str
    line: int

    @property
    def status(self) -> int:
        """The exit status its commands must have (``status=N``, else 0)."""
        return next((int(w.removeprefix("status=")) for w in self.words if w.startswith("status=")), 0)

    def value(self, key: str) -> str | None:
        """The value of a ``key=value`` word, or None."""
        return next((w.split("=", 1)[1] for w in self.words if w.startswith(f"{key}=")), None)

    @property
    def checks(self) -> list[str]:
        """How the test checks this block (see ``CHECKS``); empty: not checked at all."""
        names = {w.split("=", 1)[0] for w in self.words}
        return [check for check in CHECKS if check in names]


# Every way a block is checked, by the word that marks it (see the module docstring).
CHECKS = ("run", "output", "file", "spec", "in", "synopsis", "names", "listing", "cluster")


def all_blocks(text: str) -> list[Block]:
    """Every fenced block of a page, marked or not (a bare fence has language "")."""
    found = []
    for match in FENCE.finditer(text):
        info = match["info"].split()
        language, words = (info[0], frozenset(info[1:])) if info else ("", frozenset())
        file = next((word.removeprefix("file=") for word in words if word.startswith("file=")), None)
        indent = len(match["indent"])
        body = "".join(line[indent:] + "\n" for line in match["body"].splitlines())
        found.append(Block(language, words, file, body, text.count("\n", 0, match.start()) + 1))
    return found


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a page that something checks (see the module docstring)."""
    return [block for block in all_blocks(text) if block.checks]


def runnable_pages() -> list[Path]:
    return [page for page in PAGES if blocks(page.read_text(encoding="utf-8"))]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "100"
    env.pop("POWERGAME_PLUGINS", None)
    return env


def shell(command: str, cwd: Path, where: str, status: int = 0, merge: bool = False) -> str:
    """Run ``command`` with bash; its output (stdout, and stderr too with ``merge``, as a
    terminal shows them)."""
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", command],
        cwd=cwd,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge else subprocess.PIPE,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == status, (
        f"{where}: exit {done.returncode}, expected {status}\n{command}\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout


def console(block: Block, cwd: Path, where: str) -> None:
    """Run each ``$ command`` and compare its output with the lines below it."""
    sessions: list[tuple[str, list[str]]] = []
    for line in block.body.splitlines():
        if line.startswith("$ "):
            sessions.append((line[2:], []))
        elif sessions:
            sessions[-1][1].append(line)
    assert sessions, f"{where}: a console block needs `$ command` lines"
    for command, expected in sessions:
        compare(
            "\n".join(expected), shell(command, cwd, where, block.status, merge=True), where, f"`{command}`"
        )


def compare(expected: str, got: str, where: str, what: str) -> None:
    """Expected output against what was printed, as doctest compares them (ELLIPSIS,
    NORMALIZE_WHITESPACE); an empty expectation accepts anything."""
    want = expected.strip() + "\n" if expected.strip() else ""
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    if want and not doctest.OutputChecker().check_output(want, got, flags):
        pytest.fail(f"{where}: {what} printed\n{got}\nexpected\n{want}")


@pytest.mark.parametrize("page", runnable_pages(), ids=lambda page: page.name)
def test_page_runs(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", environment()["PATH"])
    namespace: dict[str, object] = {"__name__": "__docs__"}
    printed = io.StringIO()
    everything = os.environ.get("POWERGAME_DOCS") == "all"
    sys.path.insert(0, str(tmp_path))  # a plugin file written by the page imports in its Python
    try:
        with contextlib.ExitStack() as cleanup:
            cluster = Cluster(cleanup)
            found = blocks(page.read_text(encoding="utf-8"))
            commands_run = "\n".join(block.body for block in found if "run" in block.words)
            for block in found:
                where = f"{page.name}:{block.line}"
                if block.file is not None:
                    (tmp_path / block.file).write_text(block.body, encoding="utf-8")
                    # a test file a block runs anyway is not run twice
                    check_file(block, tmp_path, where, everything and block.file not in commands_run)
                if "slow" in block.words and not everything:
                    continue
                if "spec" in block.words:
                    check_spec(block.body, block.value("base"), where)
                if block.value("in") is not None:
                    check_in(block.body, ROOT / str(block.value("in")), where)
                if "synopsis" in block.words:
                    check_synopsis(block.body, where)
                if "names" in block.words:
                    check_names(block.body, where)
                if block.value("listing") is not None:
                    check_listing(block.body, tmp_path / str(block.value("listing")), where)
                if "cluster" in block.words:
                    run_on_cluster(block, tmp_path, where, cluster.address())
                if "run" not in block.words and "output" not in block.words:
                    continue
                if block.language in ("bash", "sh", "shell"):
                    shell(block.body, tmp_path, where, block.status)
                elif block.language == "console":
                    console(block, tmp_path, where)
                elif block.language == "python":
                    printed = io.StringIO()
                    with contextlib.redirect_stdout(printed):
                        exec(compile(block.body, where, "exec"), namespace)  # noqa: S102 - the docs' own code
                elif "output" in block.words:
                    compare(block.body, printed.getvalue(), where, "the Python block above")
                else:
                    pytest.fail(f"{where}: cannot run a {block.language!r} block (bash, console or python)")
    finally:
        sys.path.remove(str(tmp_path))
        for name, module in list(sys.modules.items()):  # the page's own modules go with its folder
            if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
                del sys.modules[name]


# --- the checks of blocks that are not run as they stand ----------------------------------
def check_file(block: Block, cwd: Path, where: str, everything: bool) -> None:
    """A written file is at least well formed: Python compiles, a TOML spec validates; and
    with ``everything`` (like a slow block) a test file (``test_*.py``) passes under pytest."""
    if block.language == "python":
        compile(block.body, f"{where} ({block.file})", "exec")
        if everything and Path(str(block.file)).name.startswith("test_"):
            shell(f"python -m pytest -q -p no:cacheprovider {shlex.quote(str(block.file))}", cwd, where)
    elif block.language == "toml":
        check_spec(block.body, None, where)


def merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid over ``base``, table by table."""
    result = dict(base)
    for key, value in over.items():
        both = isinstance(value, dict) and isinstance(result.get(key), dict)
        result[key] = merged(result[key], value) if both else value
    return result


def check_spec(text: str, base: str | None, where: str) -> None:
    """Validate a TOML spec with the loader of its kind; its strategies must exist."""
    from powergame.errors import PowerGameError
    from powergame.registry import load_registry
    from powergame.tournaments.bundled import resolve_spec
    from powergame.tournaments.population_spec import population_spec_from_dict
    from powergame.tournaments.spec import spec_from_dict
    from powergame.tournaments.sweep_spec import sweep_from_dict

    try:
        data = tomllib.loads(text)
        if base is not None:
            data = merged(tomllib.loads(resolve_spec(base).read_text(encoding="utf-8")), data)
        if "sweep" in data:
            sweep_from_dict(data, where=where)
        elif "population" in data:
            population_spec_from_dict(data, where=where)
        else:
            spec = spec_from_dict(data, where=where)
            registry = load_registry()
            for name in spec.strategies:
                registry.create(name)
    except (tomllib.TOMLDecodeError, PowerGameError) as exc:
        pytest.fail(f"{where}: the spec does not validate: {type(exc).__name__}: {exc}")


def commands(text: str) -> Iterator[str]:
    """The commands of a shell block: comments dropped, continuation lines joined, each
    command of a ``&&`` chain on its own."""
    joined = re.sub(r"\n[ \t]+(?=\S)", " ", text.replace("\\\n", " "))
    for line in joined.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        yield from (part.strip() for part in line.split("&&") if part.strip())


def check_in(text: str, source: Path, where: str) -> None:
    """Every command (or line) of the block starts a line of ``source``."""
    assert source.is_file(), f"{where}: in={source.relative_to(ROOT)} is not a file of the repository"
    lines = [part for line in source.read_text(encoding="utf-8").splitlines() for part in commands(line)]
    missing = [command for command in commands(text) if not any(line.startswith(command) for line in lines)]
    assert not missing, f"{where}: not in {source.relative_to(ROOT)}: {missing}"


def command_words(command: str) -> list[str]:
    """The words naming a command, up to its first option or placeholder
    (``powergame specs show NAME`` -> ``powergame specs show``)."""
    words = []
    for word in shlex.split(command):
        if word.startswith(("-", "[", "<")) or (word.isupper() or re.fullmatch(r"[A-Z_.]+", word)):
            break
        words.append(word)
    return words


def check_synopsis(text: str, where: str) -> None:
    """Each command's ``--help`` (run from the repository root) lists its options."""
    for command in commands(text):
        words = command_words(command)
        assert words, f"{where}: no command in {command!r}"
        if words[0].startswith(".venv/bin/"):
            words[0] = str(Path(sys.executable).parent / words[0].removeprefix(".venv/bin/"))
        done = subprocess.run(
            [*words, "--help"], cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=TIMEOUT
        )
        assert done.returncode == 0, f"{where}: `{' '.join(words)} --help` failed\n{done.stderr}"
        for option in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", command):
            assert re.search(rf"(?<![\w-]){option}(?![\w-])", done.stdout), (
                f"{where}: `{' '.join(words)}` has no option {option}"
            )


def check_names(text: str, where: str) -> None:
    """Every dotted module/function name and every source file the block names exists."""
    for path in re.findall(r"[\w/]+/[\w]+\.py", text):
        assert (ROOT / path).is_file(), f"{where}: no file {path}"
    for name in re.findall(r"(?<![\w./])[a-z_]+(?:\.[a-z_]+)+(?![\w/])", text):
        if name.rsplit(".", 1)[-1] in ("json", "parquet", "html", "py", "toml", "csv"):
            continue
        candidates = [name] if name.startswith("powergame.") else [f"powergame.{name}", name]
        assert any(resolves(candidate) for candidate in candidates), f"{where}: {name} names nothing"


def resolves(dotted: str) -> bool:
    """True if ``dotted`` is a module or an attribute of one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def check_listing(text: str, folder: Path, where: str) -> None:
    """Every file the listing names (first column; digits stand for any number) is in ``folder``."""
    assert folder.is_dir(), f"{where}: no folder {folder.name} (an earlier block writes it)"
    present = [path.relative_to(folder).as_posix() for path in folder.rglob("*")]
    for line in text.splitlines():
        for name in re.split(r",\s*", re.split(r"\s{2,}", line.strip())[0]) if line.strip() else []:
            pattern = re.sub(r"\d+", r"\\d+", re.escape(name))
            assert any(re.fullmatch(pattern, path) for path in present), (
                f"{where}: {folder.name}/ has no {name}"
            )


class Cluster:
    """A Dask LocalCluster, started when a block first needs one and closed with the page."""

    def __init__(self, cleanup: contextlib.ExitStack) -> None:
        self.cleanup = cleanup
        self.found: str | None = None

    def address(self) -> str:
        if self.found is None:
            from distributed import LocalCluster

            cluster = self.cleanup.enter_context(
                LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
            )
            self.found = str(cluster.scheduler_address)
        return self.found


PLACEHOLDER_ADDRESS = re.compile(r"tcp://[\w.]+:8786")


def run_on_cluster(block: Block, cwd: Path, where: str, address: str) -> None:
    """Run the block's commands against a running cluster (its address for the one they
    name); ``dask scheduler``/``dask worker`` lines, which would run forever, are checked
    as a synopsis."""
    for command in commands(block.body):
        if command.startswith("dask "):
            check_synopsis(command, where)
        else:
            shell(PLACEHOLDER_ADDRESS.sub(address, command), cwd, where, block.status)


def test_every_block_is_checked() -> None:
    """Each fenced block of README.md and docs/ is run or has a check (the inventory below
    on failure): a new unmarked block fails here."""
    inventory = [
        (f"{page.relative_to(ROOT)}:{block.line}", block.language or "(no language)", block.checks)
        for page in PAGES
        for block in all_blocks(page.read_text(encoding="utf-8"))
    ]
    unchecked = [entry for entry in inventory if not entry[2]]
    listing = "\n".join(
        f"{where:<28} {language:<14} {', '.join(checks) or 'NOT CHECKED'}"
        for where, language, checks in inventory
    )
    assert not unchecked, (
        f"{len(unchecked)} block(s) neither run nor checked; mark each (docs/index.md, "
        f"tests/test_docs.py):\n{listing}"
    )
    assert len(inventory) > 60  # the reader sees the blocks at all


def test_the_block_reader_finds_every_block_and_its_checks() -> None:
    text = (
        "```bash\nnot run\n```\n\n"
        "1. step\n\n   ```bash run\n   echo indented\n   ```\n\n"
        "```python file=x.py\nA = 1\n```\n"
        "```console run slow\n$ echo hi\nhi\n```\n"
        "```text output\nprinted\n```\n"
        "```\nplain\n```\n"
        "```toml spec base=default\n[game]\n```\n"
    )
    found = all_blocks(text)
    assert [(b.language, sorted(b.words), b.file, b.body) for b in found] == [
        ("bash", [], None, "not run\n"),
        ("bash", ["run"], None, "echo indented\n"),
        ("python", ["file=x.py"], "x.py", "A = 1\n"),
        ("console", ["run", "slow"], None, "$ echo hi\nhi\n"),
        ("text", ["output"], None, "printed\n"),
        ("", [], None, "plain\n"),
        ("toml", ["base=default", "spec"], None, "[game]\n"),
    ]
    assert [b.line for b in found] == [1, 7, 11, 14, 18, 21, 24]
    assert [b.checks for b in found] == [[], ["run"], ["file"], ["run"], ["output"], [], ["spec"]]
    assert [b.line for b in blocks(text)] == [7, 11, 14, 18, 24]
    assert found[-1].value("base") == "default"
    assert Block("bash", frozenset({"run", "status=2"}), None, "", 1).status == 2


def test_a_broken_block_fails_its_check(tmp_path: Path) -> None:
    """Each check catches what it is there for."""
    fails = pytest.raises((pytest.fail.Exception, AssertionError))
    check_spec('strategies = ["Loyal"]\n[game]\nrounds = 5\n', None, "here")
    with fails:  # a key the loader does not know
        check_spec('strategies = ["Loyal"]\n[game]\nrounds = 5\nnoisee = 0.1\n', None, "here")
    with fails:  # a strategy that does not exist
        check_spec('strategies = ["Loyall"]\n', None, "here")
    check_spec("[sweep]\n[sweep.axes]\nnoise = [0.0, 0.1]\n", "default", "here")
    with fails:
        check_spec("[sweep]\n[sweep.axes]\nnoize = [0.0, 0.1]\n", "default", "here")
    check_in(".venv/bin/python -m pytest  # the tests\n", ROOT / ".ci/run", "here")
    with fails:
        check_in(".venv/bin/python -m pytest --lf\n", ROOT / ".ci/run", "here")
    check_synopsis("powergame specs [--json]", "here")
    with fails:
        check_synopsis("powergame specs [--jsn]", "here")
    with fails:
        check_synopsis("powergame spex", "here")
    check_names("tournaments.spec.load_spec ─► tournaments/seeding.py ─► summary.json", "here")
    with fails:
        check_names("tournaments.spec.load_spek", "here")
    with fails:
        check_names("tournaments/seeds.py", "here")
    (tmp_path / "cells").mkdir()
    (tmp_path / "cells" / "cell-000003.json").write_text("{}")
    (tmp_path / "sweep.json").write_text("{}")
    check_listing("sweep.json   the spec\ncells/cell-000012.json   a record\n", tmp_path, "here")
    with fails:
        check_listing("sweep.json, sweep.csv   tables\n", tmp_path, "here")


def test_a_page_with_a_broken_block_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page runner itself: a runnable block that fails, fails the page."""
    page = tmp_path / "page.md"
    page.write_text("```console run\n$ powergame specs show no-such-spec\nname = ...\n```\n")
    folder = tmp_path / "run"
    folder.mkdir()
    with pytest.raises(AssertionError, match="exit 2, expected 0"):
        test_page_runs(page, folder, monkeypatch)


def test_console_blocks_compare_output_like_doctest(tmp_path: Path) -> None:
    good = Block("console", frozenset({"run"}), None, "$ printf 'a\\nb\\nc\\n'\na\n...\nc\n", 1)
    console(good, tmp_path, "here")
    bad = Block("console", frozenset({"run"}), None, "$ echo hello\ngoodbye\n", 1)
    with pytest.raises(pytest.fail.Exception, match="expected"):
        console(bad, tmp_path, "here")
