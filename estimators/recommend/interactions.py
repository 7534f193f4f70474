"""What a recommender learns from: observed user×item interaction matrices and features.

`Interactions` holds the platform's observed log as sparse user×item matrices, one per view:
behaviour (`views`: item views or visits), transactions (`purchases`: counts, `amounts`: money
spent) and the social graph (`social`: user×user adjacency). `owned` says which items each user
already owns (excluded from slates); it defaults to ``purchases > 0``. `Features` holds optional
dense user and item feature matrices (observable traits; topic, price, quality…).

Both validate shapes on construction and raise `xsim.core.errors.InputError` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from xsim.core.errors import InputError

_ITEM_VIEWS = ("views", "purchases", "amounts", "owned")


def event_matrix(
    users: np.ndarray,
    items: np.ndarray,
    n_users: int,
    n_items: int,
    values: np.ndarray | None = None,
) -> sp.csr_matrix:
    """Sum events (one per user, item[, value]) into an n_users × n_items CSR matrix.

    Repeated (user, item) pairs add up, so an event log column becomes counts (or amounts).
    """
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    data = np.ones(len(users)) if values is None else np.asarray(values, dtype=float)
    if not (len(users) == len(items) == len(data)):
        raise InputError("events: users, items and values must have the same length")
    mat = sp.coo_matrix((data, (users, items)), shape=(n_users, n_items)).tocsr()
    mat.sum_duplicates()
    return mat


def _as_csr(name: str, mat, shape: tuple[int, int], problems: list[str], dtype) -> sp.csr_matrix:
    if not sp.issparse(mat):
        problems.append(f"{name}: must be a scipy.sparse matrix, got {type(mat).__name__}")
        return mat
    if mat.shape != shape:
        problems.append(f"{name}: shape must be {shape}, got {mat.shape}")
        return mat
    out = sp.csr_matrix(mat, dtype=dtype)
    if dtype is not bool and out.nnz and (not np.all(np.isfinite(out.data)) or out.data.min() < 0):
        problems.append(f"{name}: values must be finite and >= 0")
    return out


@dataclass(frozen=True, kw_only=True, eq=False)
class Interactions:
    """Observed user×item interactions (CSR), the input of every recommender's `fit`.

    `views` and `purchases` are required (they may be empty); `amounts`, `social` (user×user,
    symmetric or not; a nonzero means "is a neighbour of") and `owned` are optional.
    """

    n_users: int
    n_items: int
    views: sp.csr_matrix
    purchases: sp.csr_matrix
    amounts: sp.csr_matrix | None = None
    social: sp.csr_matrix | None = None
    owned: sp.csr_matrix | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        if int(self.n_users) < 1 or int(self.n_items) < 1:
            raise InputError("interactions: n_users and n_items must be >= 1")
        shape = (int(self.n_users), int(self.n_items))
        for name in _ITEM_VIEWS:
            mat = getattr(self, name)
            if mat is not None:
                dtype = bool if name == "owned" else np.float64
                object.__setattr__(self, name, _as_csr(name, mat, shape, problems, dtype))
        if self.social is not None:
            social = _as_csr("social", self.social, (shape[0], shape[0]), problems, np.float64)
            object.__setattr__(self, "social", social)
        if problems:
            raise InputError([f"interactions.{p}" for p in problems])

    @classmethod
    def empty(cls, n_users: int, n_items: int) -> Interactions:
        """No observations yet (day 0): recommenders then fall back to ties/popularity."""
        zero = sp.csr_matrix((n_users, n_items))
        return cls(n_users=n_users, n_items=n_items, views=zero, purchases=zero)

    @property
    def owned_matrix(self) -> sp.csr_matrix:
        """Boolean n_users × n_items: `owned` if given, else ``purchases > 0``."""
        if self.owned is not None:
            return self.owned
        return sp.csr_matrix(self.purchases > 0, dtype=bool)

    def only_users(self, users: np.ndarray) -> Interactions:
        """The same log with every other user's views, purchases and amounts removed.

        For per-arm recommenders: an arm's model learns only from its own users. The social
        graph and `owned` (facts, not training signal) are kept whole.
        """
        keep = np.zeros(self.n_users)
        keep[np.asarray(users, dtype=np.int64)] = 1.0
        mask = sp.diags(keep, format="csr")
        amounts = None if self.amounts is None else mask @ self.amounts
        return replace(
            self,
            views=mask @ self.views,
            purchases=mask @ self.purchases,
            amounts=amounts,
            owned=self.owned_matrix,
        )


@dataclass(frozen=True, kw_only=True, eq=False)
class Features:
    """Optional dense features: `users` (n_users × p) and `items` (n_items × q), float."""

    users: np.ndarray | None = None
    items: np.ndarray | None = None
    user_names: tuple[str, ...] | None = field(default=None)
    item_names: tuple[str, ...] | None = field(default=None)

    def __post_init__(self) -> None:
        problems: list[str] = []
        for name in ("users", "items"):
            arr = getattr(self, name)
            if arr is None:
                continue
            arr = np.asarray(arr, dtype=float)
            if arr.ndim == 1:
                arr = arr[:, None]
            if arr.ndim != 2:
                problems.append(f"features.{name}: must be a 2-D array, got {arr.ndim} dims")
            elif not np.all(np.isfinite(arr)):
                problems.append(f"features.{name}: contains NaN or infinite values")
            object.__setattr__(self, name, arr)
            names = getattr(self, name[:-1] + "_names")
            if names is not None and arr.ndim == 2 and len(names) != arr.shape[1]:
                problems.append(
                    f"features.{name[:-1]}_names: {len(names)} names for {arr.shape[1]} columns"
                )
        if problems:
            raise InputError(problems)

    def check_rows(self, n_users: int, n_items: int) -> None:
        """Raise `InputError` unless the matrices have one row per user / per item."""
        problems = []
        for name, n in (("users", n_users), ("items", n_items)):
            arr = getattr(self, name)
            if arr is not None and arr.shape[0] != n:
                problems.append(f"features.{name}: must have {n} rows, got {arr.shape[0]}")
        if problems:
            raise InputError(problems)
