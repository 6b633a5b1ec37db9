"""`kg site` against `kg build` of the same data, side by side: how long writing the static
site (a page and three descriptions per IRI, class pages, search index, void.ttl) takes,
as a ratio of the build without the cache, and per IRI; and the peak memory of each.

    python bench/site.py                      # the curated data and 1,000 generated entities
    python bench/site.py --sizes 1000 3000    # generated data of these sizes
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402

_CHILD = """
import sys, time, resource, pathlib
import kg
from kg.publish.site import write_site
from kg.sparql.query import saved_questions
what, data, build, out = sys.argv[1], *map(pathlib.Path, sys.argv[2:5])
start = time.perf_counter()
if what == "build":
    kg.build(data, build, cache=False)
    count = 0
else:
    result = kg.build(data, build, cache=True)  # replayed: the build is already there
    start = time.perf_counter()
    count = write_site(build, out, result.schema, saved_questions(None)).descriptions
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, count)
"""


def run(what: str, data: Path, build: Path, out: Path) -> tuple[float, float, int]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, what, str(data), str(build), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds, rss_kib, count = done.stdout.split()
    return float(seconds), int(rss_kib) / 1024, int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print("| data | IRIs | kg build s | kg site s | site ÷ build | ms per IRI | peak MiB b / s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("curated data/", ROOT / "data")]
        for size in args.sizes:
            folder = Path(tmp) / f"gen-{size}"
            generate(folder, size)
            cases.append((f"{size:,} generated", folder))
        for name, data in cases:
            build, out = Path(tmp) / f"build-{name[:4]}", Path(tmp) / f"site-{name[:4]}"
            builds, sites = [], []
            for _ in range(args.repeat):  # in pairs, so that drift hits both alike
                builds.append(run("build", data, build, out))
                sites.append(run("site", data, build, out))
            b = min(builds)
            s = min(sites)
            print(
                f"| {name} | {s[2]:,} | {b[0]:.1f} | {s[0]:.1f} | {s[0] / b[0]:.2f} | "
                f"{1000 * s[0] / max(1, s[2]):.1f} | {b[1]:.0f} / {s[1]:.0f} |"
            )


if __name__ == "__main__":
    main()
