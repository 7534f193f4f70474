"""Cluster-randomised designs: social communities as the randomisation units.

Why: word of mouth carries a treatment to friends. With users as units, half of a control
user's friends are treated, so the control arm catches part of the effect and the treated arm
misses the buzz of its untreated friends; the estimate shrinks towards zero while the twin-world
truth (everyone treated vs no one) keeps the whole effect. Randomising whole communities keeps
most friendships inside one arm, so the arm comparison sees what the twin worlds see.

Communities: connected components of the graph's strong ties (friendships whose two ends share
at least ``min_shared_friends`` friends — an edge between two communities rarely has common
friends), computed with sparse products in row chunks; components above ``max_users`` are cut
into breadth-first pieces so one giant component cannot swallow the experiment.

Users in tiny clusters (no strong ties) join the cluster holding most of their friends (a unit
of one adds a degree of freedom to the test but almost no information).

Analysis: one row per cluster with the sums of every outcome and the number of users; each
metric becomes the ratio ``sum(outcome) / sum(users)`` (or ``sum(num) / sum(den)``) per arm with
the delta-method variance over clusters, the standard analysis of a cluster-randomised trial,
tested with t on (clusters - 2) degrees of freedom. Per-user pre-period covariates do not apply
to cluster sums, so there are no CUPED rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse import csgraph

from xsim.analysis.claims import ClaimsGate
from xsim.analysis.effects import RunEffects, estimate_effects
from xsim.analysis.truth import Truth
from xsim.core.rng import RandomStreams
from xsim.estimators.effects import ArmStats, DiffTest, Guardrail, Metric, Ratio, analyze
from xsim.estimators.effects.frequentist import finish_test
from xsim.schema.scenario import ClusterSpec, Scenario
from xsim.world.population import Population, assign_arms

USERS_COLUMN = "_users"  # users per cluster: the denominator of every per-user mean
_CHUNK_ROWS = 65_536  # rows of the friendship matrix multiplied at once (bounds memory)
_TINY_CLUSTER_USERS = 5  # smaller clusters dissolve into their members' friends' clusters


@dataclass(frozen=True)
class Clusters:
    """Cluster id of every user (0..n_clusters-1) and how well clusters hold friendships."""

    of_user: np.ndarray
    n_clusters: int
    within_share: float  # share of friendships whose two ends are in the same cluster

    def sizes(self) -> np.ndarray:
        return np.bincount(self.of_user, minlength=self.n_clusters)

    def note(self) -> str:
        sizes = self.sizes()
        return (
            f"Cluster design: {self.n_clusters:,} social clusters randomised (users per "
            f"cluster: median {np.median(sizes):.0f}, max {sizes.max():,}); "
            f"{self.within_share:.0%} of friendships lie inside a cluster, so spillover across "
            "arms is limited to the rest. Effects are per-user ratios sum(outcome)/sum(users) "
            "over clusters with delta-method variances; no CUPED rows (covariates are per user)."
        )


def find_clusters(friends: sp.csr_matrix, spec: ClusterSpec) -> Clusters:
    """Communities of the friendship graph (see the module docstring)."""
    ties = strong_ties(friends, spec.min_shared_friends)
    _, labels = csgraph.connected_components(ties, directed=False)
    labels = _join_loners(friends, labels)
    labels = _split_large(ties, labels, spec.max_users)
    _, of_user = np.unique(labels, return_inverse=True)  # dense ids 0..k-1
    of_user = of_user.astype(np.int32)
    return Clusters(of_user, int(of_user.max()) + 1 if len(of_user) else 0,
                    _within_share(friends, of_user))  # fmt: skip


def strong_ties(friends: sp.csr_matrix, min_shared: int) -> sp.csr_matrix:
    """Friendships whose two ends have at least ``min_shared`` friends in common."""
    friends = sp.csr_matrix(friends, dtype=np.float32)
    if min_shared <= 0:
        return friends
    blocks = []
    for start in range(0, friends.shape[0], _CHUNK_ROWS):
        rows = friends[start : start + _CHUNK_ROWS]
        shared = sp.csr_matrix((rows @ friends).multiply(rows))  # common friends per edge
        shared.data = (shared.data >= min_shared).astype(np.float32)
        shared.eliminate_zeros()
        blocks.append(shared)
    return sp.csr_matrix(sp.vstack(blocks, format="csr"))


def _join_loners(friends: sp.csr_matrix, labels: np.ndarray) -> np.ndarray:
    """A user in a tiny cluster (a loner without strong ties, a stray pair) joins the settled
    cluster holding most of their friends: a unit that small adds a degree of freedom to the
    test but almost no information, and its friendships would mostly cross arms. Users with no
    friend in a settled cluster stay where they are."""
    sizes = np.bincount(labels)
    loners = np.flatnonzero(sizes[labels] < _TINY_CLUSTER_USERS)
    if len(loners) == 0:
        return labels
    n, k = len(labels), len(sizes)
    settled = (sizes[labels] >= _TINY_CLUSTER_USERS).astype(np.float32)  # joinable clusters
    member = sp.csr_matrix((settled, (np.arange(n), labels)), shape=(n, k))
    member.eliminate_zeros()
    friends_in = sp.csr_matrix(friends[loners] @ member)  # loners x clusters: friend counts
    has_friends = np.diff(friends_in.indptr) > 0
    best = np.asarray(friends_in.argmax(axis=1)).ravel()
    labels = labels.copy()
    labels[loners[has_friends]] = best[has_friends]
    return labels


def _split_large(ties: sp.csr_matrix, labels: np.ndarray, max_users: int) -> np.ndarray:
    """Cut components above ``max_users`` into equal breadth-first pieces (neighbours stay
    together as far as a size cap allows). New labels follow the existing ones."""
    labels = labels.astype(np.int64)
    sizes = np.bincount(labels)
    next_label = len(sizes)
    for component in np.flatnonzero(sizes > max_users):  # few: only the giant components
        members = np.flatnonzero(labels == component)
        sub = ties[members][:, members]
        order = csgraph.breadth_first_order(sub, 0, directed=False, return_predecessors=False)
        n_pieces = -(-len(members) // max_users)
        piece = np.arange(len(order)) * n_pieces // len(order)
        labels[members[order]] = np.where(piece == 0, component, next_label + piece - 1)
        next_label += n_pieces - 1
    return labels


def _within_share(friends: sp.csr_matrix, of_user: np.ndarray) -> float:
    coo = friends.tocoo()
    if coo.nnz == 0:
        return 1.0
    return float(np.mean(of_user[coo.row] == of_user[coo.col]))


def assign_units(
    population: Population, scenario: Scenario, streams: RandomStreams
) -> tuple[np.ndarray, Clusters | None]:
    """Arm code of each user, and the clusters when the unit is 'cluster'. Arms come from the
    assignment stream alone: one uniform per user, or one per cluster."""
    weights = [a.weight for a in scenario.arms.values()]
    if scenario.experiment.unit != "cluster":
        return assign_arms(population.n_users, weights, streams), None
    clusters = find_clusters(population.friends, scenario.experiment.clusters)
    return assign_arms(clusters.n_clusters, weights, streams)[clusters.of_user], clusters


def estimate_unit_effects(
    users: pd.DataFrame, scenario: Scenario, truth: Truth | None, clusters: Clusters | None
) -> RunEffects:
    """The effects at the randomisation unit: users, or clusters (see the module docstring)."""
    if clusters is None:
        return estimate_effects(users, scenario, truth)
    spec = scenario.analysis
    every = [*spec.metrics, *(g.metric for g in spec.guardrails)]
    frame = cluster_table(users, clusters, sorted({c for m in every for c in m.columns}))
    metrics = [_ratio(m) for m in spec.metrics]
    guardrails = [Guardrail(_ratio(g.metric), g.margin, g.relative) for g in spec.guardrails]
    effects = analyze(
        frame,
        arm="arm",
        control=scenario.control_arm,
        metrics=metrics,
        alpha=spec.alpha,
        correction=spec.correction,
        guardrails=guardrails,
        expected_weights={name: arm.weight for name, arm in scenario.arms.items()},
    )
    renamed = {_ratio(m).name: m.name for m in every}  # rows carry the user-level names
    for row in effects.rows:
        row["metric"] = renamed.get(row["metric"], row["metric"])
    effects.settings["metrics"] = [renamed[m.name] for m in metrics]
    effects.settings["unit"] = "cluster"
    effects.notes.append(clusters.note())
    return RunEffects(effects, truth, ClaimsGate.of(users, every))


def cluster_table(users: pd.DataFrame, clusters: Clusters, columns: list[str]) -> pd.DataFrame:
    """One row per cluster: its arm, its number of users and the sums of ``columns``."""
    codes = clusters.of_user
    frame = {
        "cluster": np.arange(clusters.n_clusters),
        "arm": users["arm"].groupby(codes).first().to_numpy(),
        USERS_COLUMN: np.bincount(codes, minlength=clusters.n_clusters).astype(float),
    }
    for column in columns:
        values = users[column].to_numpy(dtype=float)
        frame[column] = np.bincount(codes, weights=values, minlength=clusters.n_clusters)
    return pd.DataFrame(frame)


class ClusterRatio(Ratio):
    """A per-user ratio over clusters, tested with t on K - 2 degrees of freedom (K clusters
    in the two arms): with a few dozen clusters the variance is estimated from few units and
    the normal reference is too liberal (Donner & Klar 2000, ch. 6)."""

    def compare(self, control: ArmStats, treatment: ArmStats, alpha: float) -> DiffTest:
        test = super().compare(control, treatment, alpha)
        df = max(control.n + treatment.n - 2, 1)
        return finish_test(test.diff, test.se, df, alpha, "delta_t_clusters")


def _ratio(metric: Metric) -> ClusterRatio:
    """Per-user mean as a ratio of cluster sums; a ratio metric keeps its two columns."""
    columns = metric.columns if metric.kind == "ratio" else (*metric.columns, USERS_COLUMN)
    return ClusterRatio(*columns, higher_is_better=metric.higher_is_better)
