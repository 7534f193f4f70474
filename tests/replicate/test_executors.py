"""Executors: results in task order, identical files whatever the executor or worker count,
and a Dask run that survives losing a worker."""

import os
import signal

import pytest

from tests.replicate.scenarios import tiny
from xsim.core.errors import InputError
from xsim.pipeline.executors import (
    DaskExecutor,
    LocalPoolExecutor,
    SerialExecutor,
    make_executor,
    single_threaded_children,
)
from xsim.studies.replicate import ReplicationPlan, run_replications

N_REPLICATIONS = 8


def _scaled(shared, task):  # module level: picklable for the pool
    return shared * task, os.environ.get("OPENBLAS_NUM_THREADS")


@pytest.fixture(scope="module")
def plan():
    return ReplicationPlan(tiny(), peek_every_days=7)


@pytest.fixture(scope="module")
def serial_files(plan, tmp_path_factory):
    return _files(run_replications(plan, N_REPLICATIONS, SerialExecutor()), tmp_path_factory)


def _files(result, tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("reps")
    result.write(folder)
    return {name: (folder / name).read_bytes() for name in ("replications.json",
                                                            "replications.csv")}  # fmt: skip


def test_pool_returns_results_in_task_order_single_threaded():
    seen = []
    results = LocalPoolExecutor(2).map(_scaled, 3, [5, 1, 4, 2], lambda d, t: seen.append((d, t)))
    assert [r[0] for r in results] == [15, 3, 12, 6]
    assert {r[1] for r in results} == {"1"}  # BLAS limited to one thread in every worker
    assert seen[-1] == (4, 4)


def test_thread_variables_are_restored():
    before = os.environ.get("OMP_NUM_THREADS")
    with single_threaded_children():
        assert os.environ["OMP_NUM_THREADS"] == "1"
    assert os.environ.get("OMP_NUM_THREADS") == before


@pytest.mark.parametrize("workers", [2, 4])
def test_same_seed_same_files_whatever_the_worker_count(plan, serial_files, workers,
                                                        tmp_path_factory):  # fmt: skip
    result = run_replications(plan, N_REPLICATIONS, LocalPoolExecutor(workers))
    assert _files(result, tmp_path_factory) == serial_files  # byte for byte


def test_same_seed_same_files_on_a_local_dask_cluster(plan, serial_files, tmp_path_factory):
    pytest.importorskip("distributed")
    executor = DaskExecutor(local_workers=2, timeout_seconds=180)
    result = run_replications(plan, N_REPLICATIONS, executor)
    assert _files(result, tmp_path_factory) == serial_files


@pytest.mark.slow
def test_a_dask_run_survives_a_killed_worker(plan, serial_files, tmp_path_factory):
    """Kill one of two worker processes after the second replication finishes; the scheduler
    re-runs its tasks elsewhere and the results are still exactly the serial ones. The cluster
    listens on loopback only and the map is bounded by a timeout."""
    distributed = pytest.importorskip("distributed")
    with single_threaded_children(), distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=50,
    ) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        victim = next(iter(client.run(os.getpid).values()))
        killed = []

        def kill_once(done, total):
            if done >= 2 and not killed:
                os.kill(victim, signal.SIGKILL)
                killed.append(done)

        executor = DaskExecutor(client=client, timeout_seconds=180)
        result = run_replications(plan, N_REPLICATIONS, executor, kill_once)
        assert killed and killed[0] < N_REPLICATIONS  # the kill happened mid-run
    assert _files(result, tmp_path_factory) == serial_files


def test_make_executor_reads_the_options():
    assert isinstance(make_executor(workers=1), SerialExecutor)
    assert isinstance(make_executor(workers=3), LocalPoolExecutor)
    with pytest.raises(InputError):
        DaskExecutor(address="tcp://127.0.0.1:1", local_workers=2)
    with pytest.raises(InputError):
        LocalPoolExecutor(0)
