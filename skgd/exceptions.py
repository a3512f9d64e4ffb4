"""Warnings of skgd.

:class:`DivergenceWarning` marks a fit that ended far worse than it started.
It is a :class:`~sklearn.exceptions.ConvergenceWarning`, so code that
filters scikit-learn's convergence warnings filters it too.  To make it an
error, use Python's warning filters:

>>> import warnings
>>> import numpy as np
>>> from skgd import GDRegressor
>>> from skgd.exceptions import DivergenceWarning
>>> X = np.random.RandomState(0).normal(loc=100, size=(100, 2))
>>> y = X @ [1.0, 2.0]
>>> with warnings.catch_warnings():
...     warnings.simplefilter("error", DivergenceWarning)
...     try:
...         GDRegressor(random_state=0).fit(X, y)
...     except DivergenceWarning as exc:
...         print(str(exc)[:42])
The fit ended far worse than it started: t
"""

from sklearn.exceptions import ConvergenceWarning


class DivergenceWarning(ConvergenceWarning):
    """A fit ended with a training objective far above its start.

    Emitted at the end of ``fit`` or ``partial_fit`` when the training
    objective of the last epoch exceeds ``DIVERGENCE_FACTOR`` (100) times
    the objective at the coefficients the call started from (or at zero
    coefficients, whichever is larger), or is not finite while the
    coefficients are.  The message names the ratio and the fixes that apply
    to the data at hand.  The model is returned as it is, as scikit-learn
    returns it; a subclass of :class:`sklearn.exceptions.ConvergenceWarning`.

    Examples
    --------
    >>> from sklearn.exceptions import ConvergenceWarning
    >>> from skgd.exceptions import DivergenceWarning
    >>> issubclass(DivergenceWarning, ConvergenceWarning)
    True
    """


__all__ = ["DivergenceWarning"]
