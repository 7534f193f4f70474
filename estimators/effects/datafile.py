"""Reading the data file behind `xsim analyze`: CSV, gzipped CSV or Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from xsim.core.errors import InputError

CSV_SUFFIXES = (".csv", ".csv.gz", ".gz", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")


def read_table(path: str | Path) -> pd.DataFrame:
    """One row per randomisation unit. Raises `InputError` naming the file on any problem."""
    path = Path(path)
    if not path.is_file():
        raise InputError([f"{path}: file not found"])
    name = path.name.lower()
    try:
        if name.endswith(PARQUET_SUFFIXES):
            data = pd.read_parquet(path)
        elif name.endswith(CSV_SUFFIXES):
            data = pd.read_csv(path)  # pandas infers gzip from the suffix
        else:
            raise InputError([f"{path}: unknown file type (use .csv, .csv.gz or .parquet)"])
    except InputError:
        raise
    except Exception as err:  # noqa: BLE001 - any reader failure is the file's fault here
        raise InputError([f"{path}: cannot be read ({type(err).__name__}: {err})"]) from err
    if data.empty:
        raise InputError([f"{path}: no rows"])
    return data
