"""What storing a chunk and merging the run cost, by file format and writer options.

Plays a few chunks of the bundled default spec (1,000 matches each) and measures, per
chunk, the CPU milliseconds of writing its part file and of reading it back, and the file's
size, for the part formats in use (Arrow IPC with LZ4, as a run of one process stores its
parts; uncompressed and memory-mapped, as a worker's part is stored and merged: "read" is
then only the mapping, the pages are touched when the table is used) against Parquet with
the defaults (the earlier parts) and Arrow IPC uncompressed read into memory; then the same
chunks repeated to ``--rows`` rows are written as ``matches.parquet`` is (``storage``'s
options) and with Parquet's defaults, each read back and compared with
``pyarrow.Table.equals``. Medians over ``--repeats``.

    python benchmarks/part_files.py
    python benchmarks/part_files.py --rows 800000 --repeats 5
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import resource
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from powergame.tournaments import round_robin, storage
from powergame.tournaments.bundled import resolve_spec
from powergame.tournaments.spec import load_spec


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def median_ms(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = cpu()
        action()
        times.append(cpu() - started)
    return statistics.median(times) * 1e3


def chunks(count: int) -> list[pa.Table]:
    spec = dataclasses.replace(load_spec(resolve_spec("default")), repetitions=8000)
    size = round_robin.chunk_size(spec.game)
    loader = round_robin.default_registry_loader
    return [
        round_robin.play_chunk(round_robin.ChunkJob(i, spec, i * size, (i + 1) * size, (), loader, None))[2]
        for i in range(0, count * 97, 97)  # chunks from all over the round robin
    ]


def ipc(compression: str | None) -> Callable[[pa.Table, Path], None]:
    def write(table: pa.Table, path: Path) -> None:
        options = pa.ipc.IpcWriteOptions(compression=compression, use_threads=False)
        with (
            pa.OSFile(str(path), "wb") as sink,
            pa.ipc.new_file(sink, table.schema, options=options) as writer,
        ):
            writer.write_table(table)

    return write


def read_ipc(path: Path) -> pa.Table:
    with pa.OSFile(str(path)) as source:
        return pa.ipc.open_file(source, options=pa.ipc.IpcReadOptions(use_threads=False)).read_all()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--rows", type=int, default=800_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    tables = chunks(args.chunks)
    formats: dict[str, tuple[Callable[[pa.Table, Path], None], Callable[[Path], pa.Table]]] = {
        "Arrow IPC, LZ4 (one process's parts)": (
            storage._write_ipc,
            lambda path: storage._read_part_file(path),
        ),
        "Arrow IPC, uncompressed, mapped (a worker's)": (
            lambda table, path: storage._write_ipc(table, path, None),
            lambda path: storage._read_part_file(path),
        ),
        "Arrow IPC, uncompressed, read": (ipc(None), read_ipc),
        "Parquet, defaults (parts before)": (
            lambda table, path: pq.write_table(table, path),
            lambda path: pq.ParquetFile(path).read(use_threads=False),
        ),
    }
    print(f"per chunk of {tables[0].num_rows:,} matches, medians over {args.chunks} chunks x {args.repeats}:")
    print(f"{'format':44} {'write ms':>9} {'read ms':>8} {'kB':>6}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "part.arrow"
        for name, (write, read) in formats.items():
            written, read_back = [], []
            for table in tables:
                written.append(median_ms(functools.partial(write, table, path), args.repeats))
                read_back.append(median_ms(functools.partial(read, path), args.repeats))
                assert read(path).equals(table)
            size = path.stat().st_size
            print(
                f"{name:44} {statistics.median(written):>9.2f} {statistics.median(read_back):>8.2f} {size / 1e3:>6.0f}"
            )

        whole = pa.concat_tables(tables * -(-args.rows // sum(t.num_rows for t in tables))).slice(
            0, args.rows
        )
        merged = Path(folder) / "matches.parquet"
        print(
            f"\nmatches.parquet of {whole.num_rows:,} rows ({whole.column(0).num_chunks} chunks), medians of 3:"
        )
        writers: dict[str, Callable[[], None]] = {
            "storage's options (now)": lambda: storage._write_parquet(whole, merged),
            "before: defaults, groups of 4,096": lambda: pq.write_table(whole, merged, row_group_size=4096),
        }
        for name, write_merged in writers.items():
            seconds = median_ms(write_merged, 3) / 1e3
            equal = pq.read_table(merged).equals(whole)
            print(
                f"  {name:36} {seconds:.2f} s CPU, {merged.stat().st_size / 1e6:.1f} MB, reads back equal: {equal}"
            )


if __name__ == "__main__":
    main()
