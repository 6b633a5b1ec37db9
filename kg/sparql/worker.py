"""One query worker of `kg serve`, run as `python -m kg.sparql.worker BUILD_DIR LIMITS`.

It loads the built graph into a pyoxigraph store once, says it is ready, then answers requests
read from stdin until stdin closes (the server is gone). Requests and replies are MessagePack
frames with a 4-byte length: request `[name, text, values, fmt]`, reply
`[kind, media_type, body, truncated, detail]`. The question text is parsed here, under the
query's deadline, like everything else the engine does with it.

A plain subprocess rather than `multiprocessing`: the server's `__main__` is never imported
again (a notebook or a script without a main guard can start a server), the worker runs in a
session of its own (a terminal's Ctrl-C goes to the server only), and nothing it sends back is
unpickled.
"""

from __future__ import annotations

import struct
import sys
import traceback
from typing import BinaryIO

import msgspec

from kg.errors import GbaKgError, KgError
from kg.outputs.built import load_store
from kg.pipeline.questions import parse_question
from kg.sparql.query import run_question
from kg.sparql.results import GRAPH_FORMATS, RESULT_FORMATS, Answer

HEADER = struct.Struct(">I")
Request = tuple[str, str, dict[str, str], str]
Reply = tuple[str, str, bytes, str, str]


class Caps(msgspec.Struct, frozen=True):
    """What the worker needs of the endpoint's limits."""

    max_rows: int
    max_bytes: int


def read_frame(stream: BinaryIO) -> bytes | None:
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    body = stream.read(size)
    return body if len(body) == size else None


def frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def encode(answer: Answer, fmt: str, caps: Caps) -> tuple[str, bytes, str]:
    """Media type, body and truncation flag ('' when complete) of an answer."""
    formats = GRAPH_FORMATS if answer.kind == "graph" else RESULT_FORMATS
    media_type, write = formats[fmt]
    truncated = "rows" if answer.truncated else ""
    body = write(answer)
    while len(body) > caps.max_bytes and (answer.rows or answer.triples):
        # halve the answer until it fits: a cut answer is still a well-formed document
        answer.rows = answer.rows[: len(answer.rows) // 2]
        answer.triples = answer.triples[: len(answer.triples) // 2]
        body = write(answer)
        truncated = "bytes"
    return media_type, body, truncated


def answer(store: object, request: Request, caps: Caps) -> Reply:
    name, text, values, fmt = request
    try:
        question = parse_question(text, name)
        result = run_question(store, question, values, max_rows=caps.max_rows)  # type: ignore[arg-type]
        media_type, body, truncated = encode(result, fmt, caps)
        return ("ok", media_type, body, truncated, "")
    except GbaKgError as exc:  # the query's fault: a syntax error, a bad parameter
        return ("error", "", b"", "", exc.report() if isinstance(exc, KgError) else str(exc))
    except Exception:  # noqa: BLE001 - our bug: the server logs it; the worker lives on
        return ("bug", "", b"", "", traceback.format_exc())


def main(argv: list[str]) -> int:
    build_dir, caps_json = argv
    caps = msgspec.json.decode(caps_json, type=Caps)
    requests = msgspec.msgpack.Decoder(Request)
    replies = msgspec.msgpack.Encoder()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    store = load_store(build_dir)
    stdout.write(frame(replies.encode(("ready", "", b"", "", ""))))
    stdout.flush()
    while (payload := read_frame(stdin)) is not None:
        stdout.write(frame(replies.encode(answer(store, requests.decode(payload), caps))))
        stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
