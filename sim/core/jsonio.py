"""The one way xsim writes JSON: strict, with no NaN or Infinity tokens.

JSON has no NaN or infinities; Python's `json` writes them as the invalid tokens ``NaN`` and
``Infinity`` unless told not to. `finite` turns a value into plain JSON data (NaN and ±inf become
None, numpy scalars Python numbers, arrays and tuples lists, recursively through dicts and
lists) and `dumps` writes it with ``allow_nan=False``, so a stray non-finite number can never
reach a file as an invalid token.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def finite(value: Any) -> Any:
    """``value`` as JSON data: NaN and ±inf -> None, numpy -> Python, tuples -> lists."""
    if isinstance(value, dict):
        return {_key(k): finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if isinstance(value, np.ndarray):
        return finite(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def nan_for_null(value: Any) -> Any:
    """The inverse of `finite` for one number read back: JSON's null stands for NaN."""
    return math.nan if value is None else value


def shape_problem(exc: Exception) -> str:
    """Why a JSON document did not read into its result type (for the `InputError` line)."""
    return f"missing field {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)


def _key(key: Any) -> Any:
    return key.item() if isinstance(key, np.generic) else key


def dumps(obj: Any, **kwargs: Any) -> str:
    """`json.dumps` of ``finite(obj)`` with ``allow_nan=False``; a ``default`` hook's results
    are made finite too."""
    default = kwargs.pop("default", None)
    if default is not None:
        kwargs["default"] = lambda o: finite(default(o))
    return json.dumps(finite(obj), allow_nan=False, **kwargs)
