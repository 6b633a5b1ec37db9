"""How long `kg` takes to start: `kg --help` against `rdfpipe --help` (rdflib's own command
line, installed with rdflib), and `kg check DATA` against half a second, measured side by
side in fresh processes.

Run: `python bench/startup.py [DATA_DIR] [--repeat N]` (default: the curated `data/`, 15
rounds). Each round runs every command once, in turn, so that a busy machine slows them
alike; the figures are the medians of the rounds and their ratios. It also names the heavy
libraries that `import kg.cli` loads (none should be: each command imports its own).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
HEAVY = ("pyvis", "IPython", "networkx", "pyshacl", "rdflib", "pyoxigraph", "jinja2", "rich")


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", default="data", help="data folder for `kg check`")
    parser.add_argument("--repeat", type=int, default=15, help="rounds (default 15)")
    args = parser.parse_args()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "rdfpipe --help": [str(BIN / "rdfpipe"), "--help"],
        "kg --help": [str(BIN / "kg"), "--help"],
        f"kg check {args.data}": [str(BIN / "kg"), "check", args.data],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, command in commands.items():
            times[name].append(_seconds(command))
    median = {name: statistics.median(ts) for name, ts in times.items()}
    for name, value in median.items():
        print(f"{name:<22} {value:6.3f} s  (median of {args.repeat})")
    check = median[f"kg check {args.data}"]
    print(f"kg --help / rdfpipe --help      {median['kg --help'] / median['rdfpipe --help']:.2f}×")
    print(f"kg check {args.data} / 0.5 s          {check / 0.5:.2f}×")
    probe = "import sys, kg.cli; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    loaded = set(
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.split()
    )
    heavy = [name for name in HEAVY if name in loaded]
    print(f"heavy libraries `import kg.cli` loads: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
