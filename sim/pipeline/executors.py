"""Executors: where replications run. A local process pool by default, Dask when asked.

Every executor has one method, ``map(fn, shared, tasks, progress, on_result) -> results``: it
calls ``fn(shared, task)`` for every task and returns the results *in task order*, whatever
order they finished in. ``on_result(result)`` is called in this process as each result arrives
(checkpoints use it: an interrupted run keeps what finished). ``shared`` (the scenario, say)
is shipped to each worker once, not once per task. Results depend only on ``(shared, task)``,
never on which worker ran a task or how many there were — the seed of a replication is derived
from its index (`xsim.core.rng`).

Worker processes run with one BLAS/OpenMP thread each: a statsmodels fit in every one of N
processes would otherwise start N threads of its own and the processes would fight over cores.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Any, Protocol
from urllib.parse import urlsplit

from xsim.core.errors import InputError, XsimError

Progress = Callable[[int, int], None]  # (done, total)
TaskFn = Callable[[Any, Any], Any]
OnResult = Callable[[Any], None]

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_DASK_RETRIES = 3  # a task whose worker died is re-run on another; this bounds real errors
_PR_SET_PDEATHSIG = 1  # prctl option: the signal this process gets when its parent ends


class Executor(Protocol):
    def map(
        self,
        fn: TaskFn,
        shared: Any,
        tasks: Sequence,
        progress: Progress | None = None,
        on_result: OnResult | None = None,
    ) -> list: ...

    def describe(self) -> str: ...


class SerialExecutor:
    """In this process, one task after another (``--workers 1``; also for debugging)."""

    def map(self, fn: TaskFn, shared, tasks: Sequence, progress: Progress | None = None,
            on_result: OnResult | None = None) -> list:  # fmt: skip
        results = []
        for done, task in enumerate(tasks, 1):
            results.append(fn(shared, task))
            if on_result:
                on_result(results[-1])
            if progress:
                progress(done, len(tasks))
        return results

    def describe(self) -> str:
        return "this process (1 worker)"


class LocalPoolExecutor:
    """A pool of ``workers`` processes forked from a clean fork server that has imported xsim
    once (cheap to start, and never a fork of a process with running threads). The fork server
    starts with one-thread BLAS variables, so every worker forked from it has them too.

    Workers never outlive this process: each ends when it ends, even by SIGKILL
    (`_die_with`), and an interrupted ``map`` kills its workers instead of waiting for their
    running tasks."""

    def __init__(self, workers: int):
        if workers < 1:
            raise InputError(f"--workers: must be at least 1, got {workers}")
        self.workers = workers

    def map(self, fn: TaskFn, shared, tasks: Sequence, progress: Progress | None = None,
            on_result: OnResult | None = None) -> list:  # fmt: skip
        results: list = [None] * len(tasks)
        with single_threaded_children():  # workers start on the first submit
            pool = ProcessPoolExecutor(
                max_workers=min(self.workers, max(len(tasks), 1)),
                mp_context=_pool_context(),
                initializer=_start_worker,
                initargs=(shared, os.getpid()),
            )  # fmt: skip
            try:
                pending = {pool.submit(_call_with_shared, fn, t): i for i, t in enumerate(tasks)}
                _collect(pending, results, progress, on_result)
            except BaseException:
                # Ctrl-C, SIGTERM or a failed task: the running tasks' results are not wanted,
                # so end their workers now rather than wait for them to finish
                _kill_workers(pool)
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        return results

    def describe(self) -> str:
        return f"local process pool ({self.workers} workers)"


def owned_pool(workers: int) -> ProcessPoolExecutor:
    """A plain process pool (for ``pool.map``) whose workers end with this process however it
    ends, as `LocalPoolExecutor`'s do: `xsim compare` and `xsim optimize` use it."""
    with single_threaded_children():
        return ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(),
                                   initializer=_die_with, initargs=(os.getpid(),))  # fmt: skip


def _collect(pending: dict, results: list, progress: Progress | None,
             on_result: OnResult | None) -> None:  # fmt: skip
    for done, future in enumerate(as_completed(pending), 1):
        results[pending[future]] = future.result()
        if on_result:
            on_result(results[pending[future]])
        if progress:
            progress(done, len(pending))


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    kill = getattr(pool, "kill_workers", None)  # Python 3.14 has it
    if kill is not None:
        kill()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()


def _pool_context():
    context = get_context("forkserver")
    context.set_forkserver_preload(["xsim.studies.replicate"])
    return context


_SHARED: dict[str, Any] = {}


def _start_worker(shared, owner: int) -> None:
    """Worker initializer: die with the pool's owner, then keep ``shared`` for every task."""
    _die_with(owner)
    _SHARED["value"] = shared


def _die_with(owner: int) -> None:
    """End this worker as soon as process ``owner`` ends, however it ends. A worker forked by
    the fork server is not the owner's child, and one blocked on its task queue never notices
    the owner is gone (SIGKILL leaves it no chance to say so): it would live on, holding the
    owner's stdout and stderr, so a pipeline reading them would never end."""
    if sys.platform.startswith("linux"):  # the fork server's death as well, where available
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    try:
        handle = os.pidfd_open(owner)  # readable once the owner has ended
    except ProcessLookupError:  # it ended before this worker got here
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd (not Linux, or an old kernel): poll instead
        handle = None
    threading.Thread(target=_exit_when_ended, args=(owner, handle), daemon=True).start()


def _exit_when_ended(owner: int, handle: int | None) -> None:
    if handle is not None:
        select.select([handle], [], [])
    else:
        while process_alive(owner):
            time.sleep(1.0)
    os._exit(1)


def process_alive(pid: int) -> bool:
    """Whether a process of this id exists on this host (one of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _call_with_shared(fn: TaskFn, task):
    return fn(_SHARED["value"], task)


@contextmanager
def single_threaded_children() -> Iterator[None]:
    """Set one-thread BLAS/OpenMP variables while child processes are started (they inherit
    the environment before importing numpy), then restore ours."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class DaskExecutor:
    """Tasks on a Dask cluster: an existing scheduler (``address``), a local cluster of
    ``local_workers`` processes started and stopped here, or a ``client`` you already hold.

    Tasks whose worker dies are re-run elsewhere (up to a few retries), so losing a worker
    slows a run down but does not fail it."""

    def __init__(self, address: str | None = None, local_workers: int | None = None,
                 client=None, timeout_seconds: float | None = None):  # fmt: skip
        if sum(x is not None for x in (address, local_workers, client)) != 1:
            raise InputError("give exactly one of --scheduler and --dask-local")
        if local_workers is not None and local_workers < 1:
            raise InputError(f"--dask-local: must be at least 1, got {local_workers}")
        _require_dask()
        self.address, self.local_workers, self.client = address, local_workers, client
        self.timeout_seconds = timeout_seconds  # a bound on the whole map (None: no bound)

    def map(self, fn: TaskFn, shared, tasks: Sequence, progress: Progress | None = None,
            on_result: OnResult | None = None) -> list:  # fmt: skip
        from distributed import as_completed

        with self._connected() as client:
            shared_future = client.scatter(shared, broadcast=True, hash=False)
            run_id = uuid.uuid4().hex[:12]  # keys only name tasks; results never depend on them
            futures = client.map(
                _apply, tasks, shared=shared_future, fn=fn, pure=False, retries=_DASK_RETRIES,
                key=[f"xsim-{run_id}-{i}" for i in range(len(tasks))],
            )  # fmt: skip
            finished = as_completed(futures, timeout=self.timeout_seconds)
            for done, future in enumerate(finished, 1):
                if on_result:
                    on_result(future.result())
                if progress:
                    progress(done, len(tasks))
            return client.gather(futures)

    @contextmanager
    def _connected(self):
        from distributed import Client, LocalCluster

        if self.client is not None:
            yield self.client
            return
        if self.address is not None:
            client = _connect(Client, self.address)
            try:
                yield client
            finally:
                client.close()
            return
        with single_threaded_children(), LocalCluster(
            n_workers=self.local_workers, threads_per_worker=1, processes=True,
            host="127.0.0.1", dashboard_address=None, silence_logs=40,
        ) as cluster, Client(cluster) as client:  # fmt: skip
            yield client

    def describe(self) -> str:
        if self.address is not None:
            return f"Dask scheduler {self.address}"
        if self.local_workers is not None:
            return f"local Dask cluster ({self.local_workers} workers)"
        return "Dask client"


def _apply(task, shared, fn: TaskFn):
    return fn(shared, task)


def _connect(client_class, address: str):
    try:
        return client_class(address, timeout="20s")
    except OSError as exc:  # includes TimeoutError: nothing answered at the address
        raise XsimError(f"--scheduler: cannot reach a Dask scheduler at {address}: {exc}") from None


def _require_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise InputError(
            "Dask is not installed: pip install 'xsim[distributed]' (or use --workers)"
        ) from None


def check_scheduler_address(address: str | None) -> None:
    """`InputError` unless ``address`` reads like a scheduler's (``tcp://host:8786``,
    ``host:8786``): checked before any simulation, not when the replications start."""
    if address is None:
        return
    parsed = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = parsed.port
    except ValueError:
        port = None
    if not parsed.hostname or port is None or " " in address:
        raise InputError(f"--scheduler: {address!r} is not an address like tcp://host:8786")


def make_executor(workers: int | None = None, scheduler: str | None = None,
                  dask_local: int | None = None) -> Executor:  # fmt: skip
    """The executor the command-line options ask for; a local pool of all cores by default."""
    check_scheduler_address(scheduler)
    if scheduler is not None or dask_local is not None:
        return DaskExecutor(address=scheduler, local_workers=dask_local)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    return SerialExecutor() if workers == 1 else LocalPoolExecutor(workers)
