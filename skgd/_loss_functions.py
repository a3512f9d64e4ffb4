"""The loss objects of the estimators' ``loss_functions`` table.

scikit-learn's SGD estimators carry a class attribute ``loss_functions``: a
dict from each loss name to a tuple ``(loss class, *default parameters)``,
which code written for them reads (``loss_functions["huber"][1]`` is the
default ``epsilon``, 0.1) and instantiates (``cls(*params)``).  skgd's
estimators carry the same table with skgd's own loss classes: each computes
the value and derivative of its loss in numpy (the definitions of
:mod:`skgd._losses`), array at a time with scikit-learn's argument names
(``loss(y_true, raw_prediction, sample_weight=None, loss_out=None)``), and
for one pair with scikit-learn's ``py_loss(p, y)`` and ``py_dloss(p, y)``.
"""

import numpy as np

from skgd import _losses


class LossFunction:
    """A loss of the prediction ``p`` for the target ``y``, with its
    parameters: value and derivative with respect to ``p``."""

    #: the loss's name in skgd._losses (None: the subclass computes it)
    name = None

    def _params(self):
        return {}

    def _value(self, y, p):
        return _losses.loss_value(self.name, y, p, **self._params())

    def _derivative(self, y, p):
        return _losses.loss_derivative(self.name, y, p, **self._params())

    @staticmethod
    def _out(values, sample_weight, out):
        if sample_weight is not None:
            values = values * np.asarray(sample_weight, dtype=np.float64)
        if out is None:
            return values
        out[...] = values
        return out

    def loss(self, y_true, raw_prediction, sample_weight=None, loss_out=None,
             n_threads=1):  # fmt: skip
        """The loss of each pair, times its weight; written to ``loss_out``
        when given (``n_threads`` is accepted and ignored)."""
        value = self._value(y_true, raw_prediction)
        return self._out(value, sample_weight, loss_out)

    def gradient(self, y_true, raw_prediction, sample_weight=None,
                 gradient_out=None, n_threads=1):  # fmt: skip
        """The derivative of each pair's loss with respect to the
        prediction, times its weight."""
        value = self._derivative(y_true, raw_prediction)
        return self._out(value, sample_weight, gradient_out)

    def py_loss(self, p, y):
        """The loss of one prediction ``p`` for the target ``y``."""
        return float(self._value(y, p))

    def py_dloss(self, p, y):
        """The derivative of :meth:`py_loss` with respect to ``p``."""
        return float(self._derivative(y, p))

    def __repr__(self):
        args = ", ".join(repr(v) for v in self._params().values())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and self._params() == other._params()

    def __hash__(self):
        return hash((type(self), tuple(self._params().values())))


class SquaredError(LossFunction):
    """``0.5 * (p - y)**2``."""

    name = "squared_error"


class LogLoss(LossFunction):
    """``log(1 + exp(p)) - y * p`` for ``y`` in {0, 1}."""

    name = "log_loss"


class ModifiedHuber(LossFunction):
    """``max(0, 1 - p * y)**2`` above ``p * y = -1``, ``-4 * p * y`` below."""

    name = "modified_huber"


class _WithEpsilon(LossFunction):
    def __init__(self, epsilon=0.1):
        self.epsilon = float(epsilon)

    def _params(self):
        return {"epsilon": self.epsilon}


class Huber(_WithEpsilon):
    """Squared up to a residual of ``epsilon``, linear past it."""

    name = "huber"


class EpsilonInsensitive(_WithEpsilon):
    """``max(0, |y - p| - epsilon)``."""

    name = "epsilon_insensitive"


class SquaredEpsilonInsensitive(_WithEpsilon):
    """``max(0, |y - p| - epsilon)**2``."""

    name = "squared_epsilon_insensitive"


class Hinge(LossFunction):
    """``max(0, threshold - p * y)`` for ``y`` in {-1, +1}: the hinge at
    threshold 1, the perceptron's loss at 0; its derivative is ``-y`` where
    ``p * y <= threshold``."""

    def __init__(self, threshold=1.0):
        self.threshold = float(threshold)

    def _params(self):
        return {"threshold": self.threshold}

    def _value(self, y, p):
        y, p = _losses._as_float_arrays(y, p)
        return np.maximum(self.threshold - p * y, 0.0)

    def _derivative(self, y, p):
        y, p = _losses._as_float_arrays(y, p)
        return np.where(p * y <= self.threshold, -y, 0.0)


class SquaredHinge(Hinge):
    """``max(0, threshold - p * y)**2`` for ``y`` in {-1, +1}."""

    def _value(self, y, p):
        margin = super()._value(y, p)
        return margin * margin

    def _derivative(self, y, p):
        y, p = _losses._as_float_arrays(y, p)
        z = self.threshold - p * y
        return np.where(z > 0.0, -2.0 * y * z, 0.0)


REGRESSION_LOSS_FUNCTIONS = {
    "squared_error": (SquaredError,),
    "huber": (Huber, 0.1),
    "epsilon_insensitive": (EpsilonInsensitive, 0.1),
    "squared_epsilon_insensitive": (SquaredEpsilonInsensitive, 0.1),
}

CLASSIFICATION_LOSS_FUNCTIONS = {
    "hinge": (Hinge, 1.0),
    "squared_hinge": (SquaredHinge, 1.0),
    "perceptron": (Hinge, 0.0),
    "log_loss": (LogLoss,),
    "modified_huber": (ModifiedHuber,),
    **REGRESSION_LOSS_FUNCTIONS,
}
