"""The endpoint benchmark of issue 17: `kg serve` against `oxigraph serve-read-only`, side by
side on the same graph, in the same run.

Run `make bench-serve`, or `python bench/serve.py [--duration S]`. It needs `wrk` (Debian's
package; `make bench-serve` installs it) and the `oxigraph` server (a dev dependency).

It builds `data/` into a temporary folder, loads the same N-Triples into an Oxigraph store,
starts both servers on free loopback ports with their default settings, and prints Markdown
tables:

1. Throughput and latency, measured by `wrk` over keep-alive connections at concurrency 1, 8
   and 32 (req/s, p50, p99), for three workloads:
   - `ASK {}` repeated: the same GET again and again (kg serve answers it from its answer
     cache after the first time; Oxigraph has no cache and runs it each time);
   - `ASK` distinct: each request a different query (`ASK { FILTER(N > 0) }`, N counting
     up), so kg serve runs every one in a worker process;
   - a saved question (`links-of-place`, place=shenzhen), repeated: kg serve at
     `/queries/links-of-place?place=shenzhen`, Oxigraph the same text with `VALUES`.
2. Cheap queries while heavy ones run: 4 × workers clients each POST a heavy query (a
   COUNT over the cartesian product of two 2,500-triple subqueries, about a second of
   engine time) again and again, while a probe sends a distinct `ASK` every 0.2 s; it
   prints the share of probes answered 200 within 1 s, and their p50 and maximum latency.

The last column of each table is kg serve's figure over Oxigraph's (for req/s, how many
times fewer; for latencies, how many times longer).
"""

from __future__ import annotations

import argparse
import http.client
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kg  # noqa: E402
from kg.sparql.workers import Limits  # noqa: E402

HEAVY = (
    "SELECT (COUNT(*) AS ?n) WHERE { { SELECT * WHERE { ?a ?b ?c } LIMIT 2500 } "
    "{ SELECT * WHERE { ?d ?e ?f } LIMIT 2500 } }"
)
DISTINCT_LUA = """
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  counter = id * 1000000000
end
function request()
  counter = counter + 1
  return wrk.format("GET", "{path}?query=ASK%20%7B%20FILTER(" .. counter .. "%20%3E%200)%20%7D")
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, path: str) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path + "?query=" + quote("ASK {}"))
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server on port {port} did not answer within 60 s")


@contextmanager
def servers(work: Path) -> Iterator[dict[str, tuple[int, str]]]:
    """kg serve and oxigraph serve-read-only on the same graph: name → (port, query path)."""
    kg.build(ROOT / "data", work / "build", formats=["nt"])
    bin_dir = Path(sys.executable).parent
    oxigraph = shutil.which("oxigraph", path=str(bin_dir)) or shutil.which("oxigraph")
    if oxigraph is None:
        raise SystemExit("the oxigraph server is not installed (pip install oxigraph)")
    subprocess.run(
        [oxigraph, "load", "--location", str(work / "ox"), "--file", str(work / "build/graph.nt")],
        check=True,
        capture_output=True,
    )
    kg_port, ox_port = free_port(), free_port()
    kg_cmd = [sys.executable, "-c", "from kg.cli import main; main()", "serve",
              "--build", str(work / "build"), "--port", str(kg_port)]  # fmt: skip
    ox_cmd = [oxigraph, "serve-read-only", "--location", str(work / "ox"),
              "--bind", f"127.0.0.1:{ox_port}"]  # fmt: skip
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for cmd in (kg_cmd, ox_cmd)
    ]
    try:
        wait_for(kg_port, "/sparql")
        wait_for(ox_port, "/query")
        yield {"kg serve": (kg_port, "/sparql"), "oxigraph": (ox_port, "/query")}
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(60)


def wrk(url: str, concurrency: int, duration: float, script: Path | None) -> dict[str, float]:
    command = ["wrk", "-t", str(min(concurrency, 2)), "-c", str(concurrency),
               "-d", f"{duration:g}s", "--latency", "--timeout", "10s"]  # fmt: skip
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": _ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "bad": float(non_2xx.group(1)) if non_2xx else 0.0,
    }


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def throughput(ports: dict[str, tuple[int, str]], duration: float, work: Path) -> None:
    saved = (ROOT / "queries" / "links-of-place.rq").read_text(encoding="utf-8")
    bound = saved.replace("WHERE {", "WHERE { VALUES ?place { gbr:shenzhen }", 1)
    print("## Throughput and latency (wrk, keep-alive)\n")
    print("| workload | concurrency | kg serve req/s | p50 ms | p99 ms | oxigraph req/s "
          "| p50 ms | p99 ms | req/s × fewer | p50 × longer |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for workload in ("ASK {} repeated", "ASK distinct", "saved question repeated"):
        for concurrency in (1, 8, 32):
            row = {}
            for name, (port, path) in ports.items():
                base = f"http://127.0.0.1:{port}"
                script = None
                if workload == "ASK {} repeated":
                    url = f"{base}{path}?query={quote('ASK {}')}"
                elif workload == "ASK distinct":
                    script = work / f"distinct-{port}.lua"
                    script.write_text(DISTINCT_LUA.replace("{path}", path))
                    url = base
                elif name == "kg serve":
                    url = f"{base}/queries/links-of-place?place=shenzhen"
                else:
                    url = f"{base}{path}?{urlencode({'query': bound})}"
                row[name] = wrk(url, concurrency, duration, script)
            a, b = row["kg serve"], row["oxigraph"]
            bad = " (non-2xx!)" if a["bad"] or b["bad"] else ""
            print(
                f"| {workload}{bad} | {concurrency} | {a['rps']:,.0f} | {a['p50']:.2f} "
                f"| {a['p99']:.2f} | {b['rps']:,.0f} | {b['p50']:.2f} | {b['p99']:.2f} "
                f"| {b['rps'] / a['rps']:.1f} | {a['p50'] / b['p50']:.1f} |"
            )
    print()


def under_load(ports: dict[str, tuple[int, str]], heavy_clients: int) -> None:
    print(f"## `ASK` while {heavy_clients} clients run a heavy query\n")
    print("| server | probes | answered 200 within 1 s | p50 ms | max ms | heavy answered |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (port, path) in ports.items():
        stop = threading.Event()
        heavy_done: list[int] = []

        def heavy(
            port: int = port, path: str = path,
            stop: threading.Event = stop, heavy_done: list[int] = heavy_done,
        ) -> None:  # fmt: skip
            while not stop.is_set():
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                try:
                    conn.request("POST", path, HEAVY.encode(),
                                 {"Content-Type": "application/sparql-query"})  # fmt: skip
                    heavy_done.append(conn.getresponse().status)
                except OSError:
                    heavy_done.append(0)
                finally:
                    conn.close()

        threads = [threading.Thread(target=heavy) for _ in range(heavy_clients)]
        for thread in threads:
            thread.start()
        time.sleep(2.0)  # the heavy queries fill the server first
        latencies, ok = [], 0
        for n in range(25):
            query = quote(f"ASK {{ FILTER({n + 1} > 0) }}")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            started = time.perf_counter()
            try:
                conn.request("GET", f"{path}?query={query}")
                status = conn.getresponse().status
            except OSError:
                status = 0
            elapsed = time.perf_counter() - started
            conn.close()
            latencies.append(elapsed * 1000)
            ok += status == 200 and elapsed < 1.0
            time.sleep(0.2)
        stop.set()
        for thread in threads:
            thread.join()
        print(
            f"| {name} | {len(latencies)} | {ok / len(latencies):.0%} "
            f"| {statistics.median(latencies):.1f} | {max(latencies):.1f} "
            f"| {sum(s == 200 for s in heavy_done)} of {len(heavy_done)} |"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per wrk run")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk; or make bench-serve)")
    with tempfile.TemporaryDirectory() as tmp, servers(Path(tmp)) as ports:
        print(f"# kg serve against oxigraph serve-read-only ({time.strftime('%Y-%m-%d')})\n")
        throughput(ports, args.duration, Path(tmp))
        under_load(ports, 4 * Limits.workers)


if __name__ == "__main__":
    main()
