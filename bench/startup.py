"""How long `kg` takes to start: `kg --help` against `rdfpipe --help` (rdflib's own command
line, installed with rdflib), and `kg check DATA`, with and without the build cache, measured
side by side in fresh processes.

Run: `python bench/startup.py [DATA_DIR] [--repeat N]` (default: the curated `data/`, 15
rounds). It first compiles the package's bytecode (as any install does; an environment with
PYTHONDONTWRITEBYTECODE set would otherwise compile every module on every run) and builds
DATA_DIR into a temporary folder, whose cache the cached `kg check` reads. Each round runs
every command once, in turn, so that a busy machine slows them alike; the figures are the
medians of the rounds: wall time, and CPU time (user + system, from the child's rusage),
which a machine shared with other work inflates less. It also names the heavy libraries that
`import kg.cli` loads (none should be: each command imports its own).
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pyvis", "IPython", "networkx", "pyshacl", "rdflib", "pyoxigraph", "jinja2", "rich")


def _run(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", default="data", help="data folder for `kg check`")
    parser.add_argument("--repeat", type=int, default=15, help="rounds (default 15)")
    args = parser.parse_args()
    compileall.compile_dir(ROOT / "kg", quiet=1)
    kg = str(BIN / "kg")
    with tempfile.TemporaryDirectory(prefix="kg-startup-") as out:
        subprocess.run([kg, "build", args.data, "--out", out], check=True, capture_output=True)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "rdfpipe --help": [str(BIN / "rdfpipe"), "--help"],
            "kg --help": [kg, "--help"],
            "kg check (cache)": [kg, "check", args.data, "--build", out],
            "kg check --no-cache": [kg, "check", args.data, "--no-cache"],
        }
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, command in commands.items():
                w, c = _run(command)
                wall[name].append(w)
                cpu[name].append(c)
    w = {name: statistics.median(ts) for name, ts in wall.items()}
    c = {name: statistics.median(ts) for name, ts in cpu.items()}
    print(f"medians of {args.repeat} rounds; load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'command':<22} {'wall s':>7} {'cpu s':>7} {'wall ÷ rdfpipe':>15}")
    for name in commands:
        ratio = w[name] / w["rdfpipe --help"]
        print(f"{name:<22} {w[name]:7.3f} {c[name]:7.3f} {ratio:14.2f}×")
    print(f"(1) kg --help / rdfpipe --help: {w['kg --help'] / w['rdfpipe --help']:.2f}× wall")
    for name in ("kg check (cache)", "kg check --no-cache"):
        print(f"(2) {name} / 0.5 s: {w[name] / 0.5:.2f}× wall, {c[name] / 0.5:.2f}× cpu")
    probe = "import sys, kg.cli; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    heavy = [name for name in HEAVY if name in set(found.stdout.split())]
    print(f"heavy libraries `import kg.cli` loads: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
