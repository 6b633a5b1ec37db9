"""Work for the second core: a function run in a forked child process, its result sent back.

The build is CPU-bound Python, so threads do not help; a forked child starts at once with the
parent's memory (nothing to import or pickle on the way in) and pickles only its result
back. `Forked.start` returns None where forking is unsafe or pointless (no `fork` start
method, other threads running, a single usable core): the caller then does the work itself.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def usable_cores() -> int:
    """How many cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def can_fork() -> bool:
    """Whether a forked helper would be safe (no other threads) and useful (two cores)."""
    return (
        usable_cores() >= 2
        and threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon  # which may have no children
    )


class Forked(Generic[T]):
    """`func(*args)` running in a forked child; `result()` waits for it."""

    def __init__(self, func: Callable[..., T], *args: Any) -> None:
        ctx = multiprocessing.get_context("fork")
        self._receive, send = ctx.Pipe(duplex=False)
        # not a daemon, so that it may fork a helper of its own; the caller always waits for
        # it (`result`) or stops it (`cancel`)
        self._process = ctx.Process(target=_child, args=(func, args, send))
        self._process.start()
        send.close()

    @classmethod
    def start(cls, func: Callable[..., T], *args: Any) -> Forked[T] | None:
        """A running child, or None where `can_fork()` says no."""
        return cls(func, *args) if can_fork() else None

    def result(self, timeout: float | None = None) -> T:
        """The child's return value; its exception (as `ChildError`) if it raised. With a
        `timeout`, a child still running after that many seconds is killed (`TimeoutError`)."""
        if timeout is not None and not self._receive.poll(timeout):
            self.cancel()
            raise TimeoutError(f"stopped after {timeout:g} s")
        try:
            ok, value = self._receive.recv()
        except (EOFError, OSError) as exc:
            ok, value = False, f"the helper process ended without an answer ({exc!r})"
        finally:
            self._receive.close()
            self._process.join()
        if not ok:
            raise ChildError(value)
        return value  # type: ignore[no-any-return]

    def cancel(self) -> None:
        """Stop the child, if it still runs."""
        self._process.kill()
        self._process.join()
        self._receive.close()


def in_two(func: Callable[..., list[T]], items: list[Any], cut: int, *args: Any) -> list[T]:
    """`func(items, *args)`, the items from `cut` on done by a forked helper while this
    process does those before it, where forking can be done and both halves have items. A
    helper that fails is done again here, so that its error is raised as itself."""
    helper = Forked.start(func, items[cut:], *args) if 0 < cut < len(items) else None
    if helper is None:
        return func(items, *args)
    done = func(items[:cut], *args)
    try:
        done.extend(helper.result())
    except ChildError:
        done.extend(func(items[cut:], *args))
    return done


class ChildError(RuntimeError):
    """The forked child raised or died; the message has its traceback."""


def _child(func: Callable[..., Any], args: tuple[Any, ...], send: Connection) -> None:
    try:
        send.send((True, func(*args)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which decides
        send.send((False, traceback.format_exc()))
    finally:
        send.close()
