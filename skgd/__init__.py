"""skgd: scikit-learn-compatible linear models trained by gradient descent."""

from skgd import exceptions
from skgd._classifier import GDClassifier
from skgd._display import LossCurveDisplay
from skgd._gradcheck import check_gradient
from skgd._regressor import GDRegressor

__version__ = "0.1.0.dev0"

__all__ = [
    "GDClassifier",
    "GDRegressor",
    "LossCurveDisplay",
    "check_gradient",
    "exceptions",
    "__version__",
]
