"""Data sets shipped with skgd for examples, benchmarks and tests."""

from skgd.datasets._california import load_california_housing

__all__ = ["load_california_housing"]
