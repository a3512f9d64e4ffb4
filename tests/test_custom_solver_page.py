"""The examples of docs/custom_solver.rst run as written: the dozen-line
AdaMax compiles (no fallback warning) and matches a numpy implementation of
its update, its usage block runs, ISTA reaches scikit-learn's Lasso."""

import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.linear_model import Lasso

PAGE = Path(__file__).resolve().parents[1] / "docs" / "custom_solver.rst"


def code_blocks():
    """The page's ``.. code-block:: python`` bodies, dedented."""
    blocks = []
    text = PAGE.read_text()
    for m in re.finditer(r"\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", text):
        lines = m[1].splitlines()
        blocks.append("\n".join(line[3:] for line in lines) + "\n")
    return blocks


@pytest.fixture(scope="module")
def page_modules(tmp_path_factory):
    """The page's AdaMax and ISTA, each in a file of its own, importable."""
    folder = tmp_path_factory.mktemp("custom_solver_page")
    blocks = code_blocks()
    adamax = next(b for b in blocks if "class AdaMax" in b)
    ista = next(b for b in blocks if "class ISTA" in b)
    (folder / "adamax.py").write_text(adamax)
    (folder / "page_ista.py").write_text(ista)
    sys.path.insert(0, str(folder))
    try:
        import adamax as a
        import page_ista as i

        yield a, i, blocks
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("adamax", None)
        sys.modules.pop("page_ista", None)


def numpy_adamax(X, y, eta, epochs, bs, beta_1=0.9, beta_2=0.999, eps=1e-8):
    n, p = X.shape
    w, m, u, t = np.zeros(p + 1), np.zeros(p + 1), np.zeros(p + 1), 0
    Xb1 = np.hstack([X, np.ones((n, 1))])
    for _ in range(epochs):
        for s in range(0, n, bs):
            A, b = Xb1[s : s + bs], y[s : s + bs]
            g = A.T @ (A @ w - b) / len(b)
            t += 1
            m = beta_1 * m + (1 - beta_1) * g
            u = np.maximum(beta_2 * u, np.abs(g) + eps)
            w = w - eta * m / ((1 - beta_1**t) * u)
    return w


@pytest.mark.parametrize("batch_size", [1, 8])
def test_the_dozen_line_solver_compiles_and_matches_numpy(page_modules, batch_size):
    from skgd import GDRegressor

    AdaMax = page_modules[0].AdaMax
    X, y = make_regression(60, 4, noise=1.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "runs on the numpy path" warning
        reg = GDRegressor(
            solver=AdaMax(), batch_size=batch_size, eta0=0.05, penalty=None,
            learning_rate="constant", shuffle=False, max_iter=3, tol=None,
        ).fit(X, y)  # fmt: skip
    w = numpy_adamax(X, y, 0.05, 3, batch_size)
    np.testing.assert_allclose(reg.coef_, w[:-1], rtol=1e-11)
    np.testing.assert_allclose(reg.intercept_[0], w[-1], rtol=1e-11)
    assert reg.solver_state_.step[0] == 3 * -(-60 // batch_size)
    assert set(reg.solver_state_._fields) == {"step", "m", "u"}


def test_the_usage_block_runs(page_modules):
    usage = next(b for b in page_modules[2] if "GridSearchCV(" in b)
    namespace = {}
    exec(compile(usage, str(PAGE), "exec"), namespace)
    assert namespace["reg"].score(namespace["X"], namespace["y"]) > 0.99
    assert namespace["search"].best_params_["solver__beta_2"] in (0.99, 0.999)


def test_the_ista_block_reaches_the_lasso(page_modules):
    from skgd import GDRegressor

    ISTA = page_modules[1].ISTA
    X, y = make_regression(100, 6, n_informative=2, noise=1.0, random_state=1)
    X = (X - X.mean(0)) / X.std(0)
    reg = GDRegressor(
        solver=ISTA(), penalty="l1", alpha=2.0, batch_size="full",
        learning_rate="constant", eta0=0.5, max_iter=2000, tol=None,
    ).fit(X, y)  # fmt: skip
    ref = Lasso(alpha=2.0, tol=1e-13, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(reg.coef_, ref.coef_, atol=1e-9)
    assert (reg.coef_ == 0).sum() == (ref.coef_ == 0).sum() > 0
