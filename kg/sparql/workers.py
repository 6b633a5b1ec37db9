"""The endpoint's query workers: processes that each hold the graph, supervised from the
server's event loop, and the policy that decides which waiting query runs next.

A Python thread cannot be stopped, and the query engine can crash on input nobody foresaw,
so every query runs in a worker process with a deadline. A worker that passes its deadline is
killed; one that dies for any reason is reaped at once (no zombies) and replaced in the
background, and the query it held gets an answer.

**No starvation.** Every query's first `short_s` seconds are cheap time; a query that runs
longer is *heavy*. At most `workers` queries may be heavy at once, and there are `reserved`
more processes than that, so short queries always find a process even while the heavy slots
are full:

- A query whose text ran heavy before (remembered by digest, the last 4,096) waits for a heavy
  slot; any other query takes any idle process.
- A query that turns heavy while every heavy slot is taken is stopped and put back in the
  queue as heavy, with what is left of its deadline; it runs again when a heavy slot frees.
- Waiting queries are taken in turn per client address (round robin), so one client's burst
  does not hold back another's query; a query that waits longer than `queue_wait_s`, or
  arrives when `max_queue` wait already, is answered 503 with `Retry-After`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import subprocess
import sys
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from kg.errors import QueryError
from kg.outputs.built import find_graph_file
from kg.pipeline.questions import Question
from kg.sparql.text import MAX_DEPTH
from kg.sparql.worker import HEADER, Caps, frame

log = logging.getLogger("kg.serve")


@dataclass(frozen=True)
class Limits:
    """Every bound of the endpoint; `kg serve`'s options set them."""

    timeout_s: float = 10.0  # a query's wall-clock deadline, parsing included
    max_rows: int = 10_000  # rows (or triples) per answer; more are cut and flagged
    max_bytes: int = 16 * 1024 * 1024  # bytes per answer body; more are cut and flagged
    max_query_bytes: int = 64 * 1024  # size of the query text (and of a request body)
    max_depth: int = MAX_DEPTH  # nesting of brackets and path operators in the query
    workers: int = 2  # queries that may run heavy (past short_s) at once
    reserved: int = 2  # processes beyond `workers`, kept for short queries
    spare: int = 1  # started and loaded, idle, to take the place of one that is stopped
    short_s: float = 0.5  # a query running longer than this is heavy
    queue_wait_s: float = 5.0  # how long a query may wait for a process before a 503
    max_queue: int = 256  # queries waiting at once; more are answered 503 at once
    header_timeout_s: float = 10.0  # to receive a request's headers
    body_timeout_s: float = 10.0  # to receive a request's body
    keep_alive_s: float = 5.0  # an idle keep-alive connection is closed after this
    max_header_bytes: int = 32 * 1024  # request line and headers
    cache_bytes: int = 64 * 1024 * 1024  # answers kept for repeated queries (0: none)


# --- in the server ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A query's outcome: kind is "ok", "error" (the query's fault), "timeout", "busy",
    "crash" (the engine died on it) or "bug" (ours; `detail` is a traceback for the log)."""

    kind: str
    media_type: str = ""
    body: bytes = b""
    truncated: str = ""
    detail: str = ""


@dataclass(eq=False)
class Job:
    question: Question
    values: dict[str, str]
    fmt: str
    client: str
    deadline: float  # loop time
    heavy: bool  # ran past short_s before (predicted) or now
    future: asyncio.Future[Reply]
    queued_at: float = 0.0
    digest: bytes = b""


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    spare: bool = False  # loaded but given no query: it stands in for one that is stopped
    ready: bool = False
    job: Job | None = None
    timers: list[asyncio.TimerHandle] = field(default_factory=list)
    buffer: bytearray = field(default_factory=bytearray)

    @property
    def out(self) -> int:
        assert self.process.stdout is not None
        return self.process.stdout.fileno()


class Pool:
    """`workers + reserved` supervised processes and the queue in front of them."""

    def __init__(self, build_dir: Path, limits: Limits) -> None:
        find_graph_file(build_dir)  # fail early, in this process, when there is no graph
        self.build_dir = build_dir
        self.limits = limits
        self.procs: list[_Worker] = []
        self.waiting: OrderedDict[str, deque[Job]] = OrderedDict()  # client → its jobs
        self.heavy_digests: OrderedDict[bytes, None] = OrderedDict()
        self.closed = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self.replaced = 0  # workers started after the first ones (killed or dead)
        self.runs = 0  # queries sent to a worker
        self.failed_starts = 0  # workers in a row that died before they were ready
        caps = Caps(max_rows=limits.max_rows, max_bytes=limits.max_bytes)
        self.command = [
            sys.executable, "-m", "kg.sparql.worker", str(build_dir),
            msgspec.json.encode(caps).decode(),
        ]  # fmt: skip
        self.requests = msgspec.msgpack.Encoder()
        self.replies = msgspec.msgpack.Decoder(tuple[str, str, bytes, str, str])

    # -- life --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the processes and wait until each holds the graph."""
        self.loop = asyncio.get_running_loop()
        for _ in range(self.limits.workers + self.limits.reserved):
            self._spawn()
        for _ in range(self.limits.spare):
            self._spawn(spare=True)
        while not all(w.ready for w in self.procs):
            if self.failed_starts:
                self.close()
                raise QueryError("a query worker could not load the graph (see above)")
            await asyncio.sleep(0.02)

    def close(self) -> None:
        """Kill and reap every process; waiting queries are answered 503."""
        self.closed = True
        for worker in list(self.procs):
            self._retire(worker)
        for jobs in self.waiting.values():
            for job in jobs:
                _settle(job, Reply("busy", detail="the server is stopping"))
        self.waiting.clear()

    def _spawn(self, spare: bool = False) -> None:
        assert self.loop is not None
        # the worker imports this very kg, in a session of its own (no terminal signals)
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        process = subprocess.Popen(
            self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
            start_new_session=True, close_fds=True,
        )  # fmt: skip
        worker = _Worker(process, spare)
        os.set_blocking(worker.out, False)
        self.procs.append(worker)
        self.loop.add_reader(worker.out, self._readable, worker)

    def _retire(self, worker: _Worker) -> None:
        """Kill (if alive), reap and forget a worker."""
        assert self.loop is not None
        for timer in worker.timers:
            timer.cancel()
        self.loop.remove_reader(worker.out)
        worker.process.kill()
        worker.process.wait(5)
        for pipe in (worker.process.stdin, worker.process.stdout):
            if pipe is not None:
                pipe.close()
        self.procs.remove(worker)

    def _replace(self, worker: _Worker) -> None:
        """Retire `worker`; a loaded spare takes its place at once (starting a process and
        loading the graph takes a while on a busy machine), and a new one is started."""
        self._retire(worker)
        if self.closed:
            return
        self.replaced += 1
        spare = next((w for w in self.procs if w.spare and w.ready), None)
        if spare is not None and not worker.spare:
            spare.spare = False
        as_spare = spare is not None or worker.spare
        if self.failed_starts:  # a worker that cannot start: try again, slower each time
            assert self.loop is not None
            delay = min(30.0, 0.5 * 2 ** min(self.failed_starts, 6))
            self.loop.call_later(delay, self._spawn_unless_closed, as_spare)
        else:
            self._spawn(as_spare)

    def _spawn_unless_closed(self, spare: bool) -> None:
        if not self.closed:
            self._spawn(spare)

    # -- queries -----------------------------------------------------------------------------

    def submit(
        self, question: Question, values: dict[str, str], fmt: str, client: str
    ) -> asyncio.Future[Reply]:
        """Queue a query; the future gets its Reply."""
        assert self.loop is not None
        now = self.loop.time()
        future: asyncio.Future[Reply] = self.loop.create_future()
        digest = hashlib.blake2b(
            repr((question.text, sorted(values.items()))).encode(), digest_size=16
        ).digest()
        job = Job(
            question, values, fmt, client, now + self.limits.timeout_s,
            digest in self.heavy_digests, future, now, digest,
        )  # fmt: skip
        if self.closed or self.queued() >= self.limits.max_queue:
            _settle(job, Reply("busy", detail=f"{self.queued()} queries are waiting"))
            return future
        self.waiting.setdefault(client, deque()).append(job)
        self.loop.call_later(self.limits.queue_wait_s, self._expire, job)
        self._dispatch()
        return future

    def queued(self) -> int:
        return sum(len(jobs) for jobs in self.waiting.values())

    def heavy_running(self) -> int:
        return sum(1 for w in self.procs if w.job is not None and w.job.heavy)

    def _dispatch(self) -> None:
        """Give idle processes the next eligible waiting queries, one client at a time."""
        while True:
            idle = [w for w in self.procs if w.ready and w.job is None and not w.spare]
            if not idle or not self.waiting:
                return
            heavy_free = self.heavy_running() < self.limits.workers
            job = self._next(heavy_free)
            if job is None:
                return
            self._run(idle[0], job)

    def _next(self, heavy_free: bool) -> Job | None:
        """The first eligible job, taking clients in turn; the client goes to the back."""
        for client, jobs in self.waiting.items():
            for job in jobs:
                # a query that turned out heavy while this one waited is heavy too
                job.heavy = job.heavy or job.digest in self.heavy_digests
                if job.heavy and not heavy_free:
                    continue
                jobs.remove(job)
                del self.waiting[client]
                if jobs:
                    self.waiting[client] = jobs  # to the back of the round
                return job
        return None

    def _run(self, worker: _Worker, job: Job) -> None:
        assert self.loop is not None
        if job.future.done():  # the client went away, or it expired in the queue
            return
        now = self.loop.time()
        remaining = job.deadline - now
        if remaining <= 0:
            _settle(job, Reply("timeout"))
            return
        worker.job = job
        self.runs += 1
        request = (job.question.name, job.question.text, job.values, job.fmt)
        try:
            stdin = worker.process.stdin
            assert stdin is not None
            stdin.write(frame(self.requests.encode(request)))
            stdin.flush()
        except OSError:
            return  # it died: its end of file is on the way to _readable, which answers
        worker.timers = [self.loop.call_later(remaining, self._deadline, worker, job)]
        if not job.heavy:
            heavy_at = self.loop.call_later(self.limits.short_s, self._turns_heavy, worker, job)
            worker.timers.append(heavy_at)

    def _turns_heavy(self, worker: _Worker, job: Job) -> None:
        if worker.job is not job:
            return
        self._remember_heavy(job)
        job.heavy = True
        if self.heavy_running() > self.limits.workers:
            # no heavy slot for it: stop it, and queue it again as heavy
            worker.job = None
            self._replace(worker)
            self.waiting.setdefault(job.client, deque()).appendleft(job)
            self.waiting.move_to_end(job.client, last=False)
        self._dispatch()

    def _deadline(self, worker: _Worker, job: Job) -> None:
        if worker.job is not job:
            return
        worker.job = None
        self._remember_heavy(job)
        self._replace(worker)
        _settle(job, Reply("timeout"))
        self._dispatch()

    def _expire(self, job: Job) -> None:
        jobs = self.waiting.get(job.client)
        if jobs is not None and job in jobs:
            jobs.remove(job)
            if not jobs:
                del self.waiting[job.client]
            _settle(job, Reply("busy", detail=f"waited {self.limits.queue_wait_s:g} s"))

    def _remember_heavy(self, job: Job) -> None:
        self.heavy_digests[job.digest] = None
        self.heavy_digests.move_to_end(job.digest)
        while len(self.heavy_digests) > 4096:
            self.heavy_digests.popitem(last=False)

    def _readable(self, worker: _Worker) -> None:
        """A worker said something, or died (end of file on its stdout)."""
        try:
            data = os.read(worker.out, 1 << 20)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._died(worker)
            return
        worker.buffer += data
        while len(worker.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(worker.buffer)
            if len(worker.buffer) < HEADER.size + size:
                break
            payload = bytes(worker.buffer[HEADER.size : HEADER.size + size])
            del worker.buffer[: HEADER.size + size]
            self._message(worker, self.replies.decode(payload))
        self._dispatch()

    def _message(self, worker: _Worker, message: tuple[str, str, bytes, str, str]) -> None:
        kind, media_type, body, truncated, detail = message
        if kind == "ready":
            worker.ready = True
            self.failed_starts = 0
            return
        job, worker.job = worker.job, None
        for timer in worker.timers:
            timer.cancel()
        worker.timers = []
        if job is not None:
            _settle(job, Reply(kind, media_type, body, truncated, detail))

    def _died(self, worker: _Worker) -> None:
        job, worker.job = worker.job, None
        if not worker.ready:
            self.failed_starts += 1
        worker.process.kill()
        code = worker.process.wait(5)
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        self._replace(worker)
        if job is not None:
            log.error("a query worker died (%s) on: %s", how, job.question.text[:2000])
            _settle(job, Reply("crash", detail=how))
        elif not self.closed:
            log.error("a query worker died (%s) while idle", how)
        self._dispatch()


def _settle(job: Job, reply: Reply) -> None:
    if not job.future.done():
        job.future.set_result(reply)
