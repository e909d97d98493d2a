"""Random specs and argument lists: every command ends with exit status 0, or with exactly
one `Error:` line; never a traceback, and memory stays bounded."""

from __future__ import annotations

import atexit
import contextlib
import io
import itertools
import json
import math
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from powergame.cli import main

WORKDIR = Path(tempfile.mkdtemp(prefix="powergame-fuzz-"))
atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)
COUNTER = itertools.count()
# Every run is held to little work, so each example stays fast and small.
LIMITS = ["--max-work", "20000", "--max-memory", "0.3", "--match-timeout", "10"]
MEMORY_GROWTH_LIMIT_KB = 1_000_000  # peak resident memory may grow by at most ~1 GB

NAMES = [
    "Loyal",
    "Parasite",
    "Out-for-Tat",
    "Hit and Run",
    "Start Small(T=2)",
    "Start Small(T=x)",
    "Nobody",
    "",
]
numbers = st.one_of(
    st.integers(-(10**25), 10**25),
    st.integers(-3, 300),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-2, 2),
)
texts = st.one_of(st.sampled_from(NAMES), st.text(max_size=12), st.just("a" * 500), st.just("x\x00y"))
scalars = st.one_of(numbers, texts, st.booleans())
values = st.one_of(
    scalars, st.lists(scalars, max_size=5), st.lists(st.lists(numbers, max_size=5), max_size=3)
)


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """``powergame ARGS`` in this process, in the scratch folder: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    old = sys.argv, os.getcwd()
    sys.argv = ["powergame", *args]
    os.chdir(WORKDIR)
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old[0]
        os.chdir(old[1])
    return code, out.getvalue(), err.getvalue()


def assert_clean(args: list[str], baseline: int) -> None:
    code, _, err = run_cli(args)
    assert "Traceback" not in err, (args, err)
    error_lines = [line for line in err.splitlines() if line.startswith("Error:")]
    if code == 0:
        assert not error_lines, (args, err)
    else:
        assert code == 2 and len(error_lines) == 1, (args, code, err)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline
    assert grown < MEMORY_GROWTH_LIMIT_KB, (args, grown)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON's escapes are TOML's (a lone surrogate is a TOML error)
    assert isinstance(value, list)
    return "[" + ", ".join(toml_value(item) for item in value) + "]"


TOP = ["name", "description", "strategies", "repetitions", "seed", "self_play", "exact", "colour"]
GAME = ["rounds", "continuation", "payoffs", "outside_options", "exit_costs", "noise", "turns"]
likely = {
    "strategies": st.lists(st.sampled_from(NAMES), min_size=0, max_size=4),
    "repetitions": st.integers(-1, 3) | st.integers(-(10**20), 10**20),
    "rounds": st.integers(-1, 30) | st.integers(-(10**20), 10**20),
    "continuation": st.floats(0, 1) | st.sampled_from([0.9999999999, 0.5]),
}


VALID = ["Loyal", "Parasite", "Out-for-Tat", "Hit and Run", "Start Small(T=2)"]


@st.composite
def near_valid(draw: st.DrawFn) -> str:
    """A valid small spec with at most one key replaced by a random value."""
    top = {
        "strategies": draw(st.lists(st.sampled_from(VALID), min_size=1, max_size=3, unique=True)),
        "repetitions": draw(st.integers(1, 3)),
        "seed": draw(st.integers(0, 10)),
        "exact": draw(st.booleans()),
    }
    game = {
        "payoffs": [3, 0, 5, 1],
        "outside_options": draw(st.lists(st.floats(-1, 3), min_size=2, max_size=2)),
    }
    game.update(draw(st.sampled_from([{"rounds": 10}, {"continuation": 0.8}])))
    if draw(st.booleans()):
        key = draw(st.sampled_from(TOP + GAME))
        (top if key in TOP else game)[key] = draw(likely.get(key, values))
    lines = [f"{key} = {toml_value(value)}" for key, value in top.items()]
    lines += ["[game]"] + [f"{key} = {toml_value(value)}" for key, value in game.items()]
    return "\n".join(lines) + "\n"


@st.composite
def documents(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(near_valid())
    if draw(st.booleans()) and draw(st.booleans()):
        return draw(st.text(max_size=60))  # mostly not TOML at all
    lines = []
    for key in draw(st.lists(st.sampled_from(TOP), unique=True, max_size=6)):
        lines.append(f"{key} = {toml_value(draw(likely.get(key, values)))}")
    if draw(st.booleans()):
        lines.append("[game]")
        for key in draw(st.lists(st.sampled_from(GAME), unique=True, max_size=4)):
            lines.append(f"{key} = {toml_value(draw(likely.get(key, values)))}")
    return "\n".join(lines) + "\n"


@settings(max_examples=20)
@given(documents())
def test_any_spec_file_runs_or_is_one_error_line(document: str) -> None:
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    spec = WORKDIR / f"spec-{next(COUNTER)}.toml"
    spec.write_text(document, encoding="utf-8")
    assert_clean(
        ["run", str(spec), "--out", str(WORKDIR / f"out-{next(COUNTER)}"), "-q", "-p", "1", *LIMITS], baseline
    )


OPTIONS = {
    "match": ["--rounds", "--continuation", "--payoffs", "--outside", "--exit-cost", "--noise", "--seed", "--json",
              "--full", "--plugin", "--max-work"],
    "tournament": ["--rounds", "-w", "--payoffs", "--outside", "--exit-cost", "--noise", "--seed", "-r",
                   "--no-self-play", "--exact", "--quiet", "--plugin", "--out", "--resume", "--force", "--csv",
                   "--match-timeout", "--max-memory"],
    "strategies": ["--family", "--plugin"],
    "report": ["--out"],
}  # fmt: skip
FLAGS = {"--json", "--full", "--no-self-play", "--exact", "--quiet", "--resume", "--force", "--csv"}


@st.composite
def argument_lists(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(OPTIONS)))
    args = [command]
    if command in ("match", "tournament") and draw(st.booleans()):
        args += draw(st.lists(st.sampled_from(VALID), min_size=2, max_size=2, unique=True))
    for _ in range(draw(st.integers(0, 3))):
        args.append(draw(st.sampled_from(NAMES) | st.text(max_size=8)))
    for option in draw(st.lists(st.sampled_from(OPTIONS[command]), max_size=4)):
        args.append(option)
        if option not in FLAGS:
            value = draw(
                scalars | st.sampled_from(["2,1", "3,0,5,1", "1e308,-1e308", "0.5", str(WORKDIR / "x")])
            )
            args.append(str(value))
    if draw(st.booleans()):
        draw_from = draw(st.permutations(args[1:]))
        args = [command, *draw_from]
    if command in ("match", "tournament"):
        args += LIMITS[:4] if command == "match" else [*LIMITS, "-p", "1"]
    return args


@settings(max_examples=30)
@given(argument_lists())
def test_any_argument_list_runs_or_is_one_error_line(args: list[str]) -> None:
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    args = [arg.replace("\x00", "") for arg in args]  # a command line cannot hold NUL
    assert_clean(args, baseline)
