"""The command line's speed (`make bench`), each figure printed next to anchors measured in the
same run on the same machine:

- `wdv route --csv` routes 100,000 addresses in at most 1.5 s including process start (aim: 1 s);
  anchors: the start of a bare Python process, and a plain script that looks every line's PC4 up
  in a dict built from the bundled table (the least any Python routing of the file can cost);
- `wdv --help` answers in under 0.5 s; anchor: the bare Python start.

Each figure is the fastest of a few runs: other work on the machine only ever adds time. Both the
wall-clock time and the CPU time (user + system) of the process are printed; the targets are checked
on the CPU time, which waiting for a core on a busy machine does not inflate.
"""

import csv
import io
import os
import random
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

pytestmark = pytest.mark.bench
PYTHON = sys.executable
WDV = str(Path(sys.executable).parent / "wdv")
BUNDLED_PC4 = PROJECT_ROOT / "app" / "routing" / "data" / "pc4_gemeente.csv"
ADDRESSES = 100_000
ROUTE_TARGET_S = 1.5
HELP_TARGET_S = 0.5

# the anchor: every line's PC4 looked up in a plain dict, answered in the same format
DICT_LOOP = f"""
import csv, sys
with open({str(BUNDLED_PC4)!r}, encoding="utf-8") as handle:
    table = {{row["pc4"]: row["gemeentecode"] for row in csv.DictReader(handle)}}
lines = sys.stdin.read().splitlines()
out = [lines[0] + ",gemeentecode,reden\\n"]
for line in lines[1:]:
    postcode, huisnummer = line.split(",")
    out.append(f"{{line}},{{table.get(postcode[:4], '')}},\\n")
sys.stdout.write("".join(out))
"""


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('bench-cli') / 'wdv.db'}"
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([WDV, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([WDV, "routing", "load-default"], env=env, check=True, capture_output=True)
    return url


@pytest.fixture(scope="module")
def addresses(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with BUNDLED_PC4.open(encoding="utf-8") as handle:
        areas = [row["pc4"] for row in csv.DictReader(handle)]
    rng = random.Random(7)
    out = io.StringIO()
    out.write("postcode,huisnummer\n")
    for _ in range(ADDRESSES):
        letters = rng.choice("ABCDEFGHJKLMNPRTVWXZ") + rng.choice("ABCEGHJKLMNPRTVWXZ")
        out.write(f"{rng.choice(areas)} {letters},{rng.randint(1, 300)}\n")
    path = tmp_path_factory.mktemp("bench-cli") / "adressen.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.cpu:.2f} s cpu ({self.wall:.2f} s wall)"


def fastest(
    runs: int, command: list[str], *, stdin: Path | None = None, env: dict[str, str] | None = None
) -> Timing:
    """The fastest of `runs` runs of a process (output discarded, exit status checked)."""

    def once() -> Timing:
        with open(stdin or os.devnull, "rb") as source:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(
                command,
                stdin=source,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                check=True,
            )
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return Timing(wall, cpu)

    timings = [once() for _ in range(runs)]
    return Timing(min(t.wall for t in timings), min(t.cpu for t in timings))


def row(what: str, timing: Timing, anchors: dict[str, Timing], target: float) -> str:
    measured = "; ".join(f"{name} {value}" for name, value in anchors.items())
    return f"{what:32} {timing}   anchors: {measured}   target <= {target} s"


def test_route_csv_100k_addresses_next_to_its_anchors(database: str, addresses: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database}
    with addresses.open("rb") as source:
        answered = subprocess.run(
            [WDV, "route", "--csv"], stdin=source, capture_output=True, text=True, env=env, check=True
        )
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    python_start = fastest(5, [PYTHON, "-c", "pass"])
    dict_loop = fastest(3, [PYTHON, "-c", DICT_LOOP], stdin=addresses)
    route = fastest(3, [WDV, "route", "--csv"], stdin=addresses, env=env)

    print()
    print(
        row(
            f"wdv route --csv, {ADDRESSES:,} lines",
            route,
            {"python start": python_start, "plain dict loop": dict_loop},
            ROUTE_TARGET_S,
        )
    )
    print(f"{'':32} peak {peak_mib:.0f} MiB; {answered.stderr.strip()}")
    output = answered.stdout.splitlines()
    assert len(output) == ADDRESSES + 1  # the header and every line
    assert answered.stderr.startswith(f"routed {ADDRESSES:,} of {ADDRESSES:,} addresses")
    assert route.cpu <= ROUTE_TARGET_S


def test_help_next_to_python_start() -> None:
    python_start = fastest(5, [PYTHON, "-c", "pass"])
    help_ = fastest(5, [WDV, "--help"])

    print()
    print(row("wdv --help", help_, {"python start": python_start}, HELP_TARGET_S))
    assert help_.cpu <= HELP_TARGET_S
