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

All blocks of a page run in order in one fresh temporary folder, with this interpreter's
``bin`` folder first on PATH (so ``powergame`` and ``python`` are the project's), each
command with a time limit.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a page that are run or written (see the module docstring)."""
    found = []
    for match in FENCE.finditer(text):
        info = match["info"].split()
        if not info:
            continue
        file = next((word.removeprefix("file=") for word in info[1:] if word.startswith("file=")), None)
        words = frozenset(info[1:])
        if "run" not in words and "output" not in words and file is None:
            continue
        indent = len(match["indent"])
        body = "".join(line[indent:] + "\n" for line in match["body"].splitlines())
        found.append(Block(info[0], words, file, body, text.count("\n", 0, match.start()) + 1))
    return found


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
        for block in blocks(page.read_text(encoding="utf-8")):
            where = f"{page.name}:{block.line}"
            if block.file is not None:
                (tmp_path / block.file).write_text(block.body, encoding="utf-8")
            if "slow" in block.words and not everything:
                continue
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


def test_the_block_reader_finds_the_marked_blocks_only() -> None:
    text = (
        "```bash\nnot run\n```\n\n"
        "1. step\n\n   ```bash run\n   echo indented\n   ```\n\n"
        "```python file=x.py\nA = 1\n```\n"
        "```console run slow\n$ echo hi\nhi\n```\n"
        "```text output\nprinted\n```\n"
    )
    found = blocks(text)
    assert [(b.language, sorted(b.words), b.file, b.body) for b in found] == [
        ("bash", ["run"], None, "echo indented\n"),
        ("python", ["file=x.py"], "x.py", "A = 1\n"),
        ("console", ["run", "slow"], None, "$ echo hi\nhi\n"),
        ("text", ["output"], None, "printed\n"),
    ]
    assert [b.line for b in found] == [7, 11, 14, 18]
    assert Block("bash", frozenset({"run", "status=2"}), None, "", 1).status == 2


def test_console_blocks_compare_output_like_doctest(tmp_path: Path) -> None:
    good = Block("console", frozenset({"run"}), None, "$ printf 'a\\nb\\nc\\n'\na\n...\nc\n", 1)
    console(good, tmp_path, "here")
    bad = Block("console", frozenset({"run"}), None, "$ echo hello\ngoodbye\n", 1)
    with pytest.raises(pytest.fail.Exception, match="expected"):
        console(bad, tmp_path, "here")
