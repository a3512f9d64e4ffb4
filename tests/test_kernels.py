"""The compiled layer: its code tables and its shuffle."""

import numpy as np
import pytest
from sklearn.utils._testing import ignore_warnings

from skgd import _codes, _kernels


@pytest.mark.parametrize(
    "table",
    [
        _codes.LOSS_CODES,
        _codes.PENALTY_CODES,
        _codes.LEARNING_RATE_CODES,
        _codes.SOLVER_CODES,
    ],
)
def test_code_tables_agree_with_kernels(table):
    for name, code in table.items():
        assert (
            getattr(_kernels, name.upper() if name != "none" else "NO_PENALTY") == code
        )


def test_penalty_and_schedule_codes_are_sklearns():
    from sklearn.linear_model import _stochastic_gradient as sgd

    assert _codes.PENALTY_CODES == sgd.PENALTY_TYPES
    assert _codes.LEARNING_RATE_CODES == sgd.LEARNING_RATE_TYPES


@ignore_warnings
@pytest.mark.parametrize("n", [1, 2, 17, 1000])
@pytest.mark.parametrize("seed", [1, 12345, 2**31 - 2])
def test_shuffle_is_sklearns(n, seed):
    """The same permutation as scikit-learn's SequentialDataset.shuffle,
    applied twice (two epochs) with the same seed."""
    from sklearn.utils._seq_dataset import ArrayDataset64

    X = np.arange(n, dtype=np.float64).reshape(n, 1)
    dataset = ArrayDataset64(X, X.ravel().copy(), np.ones(n), seed=1)
    order = np.arange(n, dtype=np.int32)
    for _ in range(2):
        dataset._shuffle_py(seed)
        _kernels.shuffle_order(order, seed)
        expected = [int(dataset._next_py()[1]) for _ in range(n)]
        assert order.tolist() == expected


def test_every_compiled_function_runs_without_reference_counting():
    """No function of the compiled layer uses numba's reference-counting
    runtime: with it, every helper taking arrays paid atomic increments and
    decrements once per row, a quarter to a third of an epoch."""
    from numba.core.registry import CPUDispatcher

    dispatchers = []
    for obj in vars(_kernels).values():
        obj = getattr(obj, "dispatcher", obj)
        if isinstance(obj, CPUDispatcher):
            dispatchers.append(obj)
    if not dispatchers:
        pytest.skip("numba's JIT is disabled")
    names = {d.__name__ for d in dispatchers}
    assert {"sgd_epoch", "minibatch_epoch", "_column_pass", "_fdot"} <= names
    for d in dispatchers:
        assert d.targetoptions.get("_nrt") is False, d.__name__
