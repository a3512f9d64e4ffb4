"""Data sets shipped with skgd for examples, benchmarks and tests."""

from skgd.datasets._california import load_california_housing
from skgd.datasets._text import make_sparse_text

__all__ = ["load_california_housing", "make_sparse_text"]
