"""LossCurveDisplay: the objective per epoch, in scikit-learn's Display API."""

import numpy as np
from sklearn.utils.validation import check_is_fitted


def _check_matplotlib(caller):
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires matplotlib. You can install matplotlib with "
            "`pip install matplotlib` (or `pip install skgd[examples]`)."
        ) from exc


class LossCurveDisplay:
    """The training objective per epoch, and the validation score.

    Follows scikit-learn's Display API: build it with
    :meth:`from_estimator` (or from the arrays), then :meth:`plot` draws it;
    the matplotlib objects are kept as attributes. Needs matplotlib.

    Parameters
    ----------
    loss_curve : list of float, or list of lists of float
        The objective of each epoch (``loss_curve_``); one list per class for
        a one-vs-rest classifier.
    validation_scores : list of float, list of lists, or None, default=None
        The validation score of each epoch (``validation_scores_``).
    labels : list of str, default=None
        A label per curve (one-vs-rest: the classes).
    estimator_name : str, default=None
        Name used in the legend.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The objective curves.
    validation_lines_ : list of matplotlib Line2D
        The validation curves, on a second y axis (empty without scores).
    ax_ : matplotlib Axes
        The axes of the objective.
    figure_ : matplotlib Figure
        The figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skgd import GDRegressor, LossCurveDisplay
    >>> X = np.random.RandomState(0).randn(100, 3)
    >>> y = X @ np.array([1.0, 2.0, -1.0])
    >>> reg = GDRegressor(solver="adam", batch_size=10, random_state=0).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(reg)
    >>> len(display.lines_[0].get_ydata()) == reg.n_iter_
    True
    """

    def __init__(
        self, *, loss_curve, validation_scores=None, labels=None, estimator_name=None
    ):
        self.loss_curve = loss_curve
        self.validation_scores = validation_scores
        self.labels = labels
        self.estimator_name = estimator_name

    @staticmethod
    def _as_curves(values):
        if values is None:
            return []
        if len(values) and np.ndim(values[0]) == 1:
            return [np.asarray(v, dtype=float) for v in values]
        return [np.asarray(values, dtype=float)]

    def plot(self, ax=None, *, name=None, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Name in the legend; defaults to ``estimator_name``.
        **kwargs : dict
            Passed to ``Axes.plot`` for the objective curves.

        Returns
        -------
        display : LossCurveDisplay
            This object, with the matplotlib attributes set.
        """
        _check_matplotlib(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        name = self.estimator_name if name is None else name
        curves = self._as_curves(self.loss_curve)
        labels = self.labels or [None] * len(curves)
        scores = self._as_curves(self.validation_scores)
        self.lines_ = []
        for curve, label in zip(curves, labels):
            text = " ".join(str(part) for part in (name, label) if part is not None)
            if scores and not text:
                text = "training objective"  # named beside the validation curve
            (line,) = ax.plot(
                np.arange(1, len(curve) + 1), curve, label=text or None, **kwargs
            )
            self.lines_.append(line)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training objective")
        self.validation_lines_ = []
        if scores:
            twin = ax.twinx()
            for score, label, line in zip(scores, labels, self.lines_):
                text = "validation score" + (f" {label}" if label is not None else "")
                (vline,) = twin.plot(
                    np.arange(1, len(score) + 1), score, linestyle="--",
                    color=line.get_color(), label=text,
                )  # fmt: skip
                self.validation_lines_.append(vline)
            twin.set_ylabel("validation score")
        handles = [
            line for line in self.lines_ + self.validation_lines_
            if line.get_label() and not line.get_label().startswith("_")
        ]  # fmt: skip
        if self.validation_lines_:
            # one legend for both axes, below them: inside, it would cover
            # one of the two curves (loc="best" sees only one axes' lines)
            ax.legend(
                handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.15),
                ncol=min(len(handles), 3), frameon=False,
            )  # fmt: skip
        elif handles:
            ax.legend()
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Draw the curves recorded by a fitted skgd estimator.

        Parameters
        ----------
        estimator : GDRegressor or GDClassifier
            A fitted estimator (``loss_curve_``, ``validation_scores_``).
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Name in the legend; defaults to the estimator's class name.
        **kwargs : dict
            Passed to ``Axes.plot`` for the objective curves.

        Returns
        -------
        display : LossCurveDisplay
            The display, drawn.
        """
        _check_matplotlib(f"{cls.__name__}.from_estimator")
        if not hasattr(type(estimator), "fit") or not hasattr(estimator, "get_params"):
            raise TypeError(
                f"{cls.__name__}.from_estimator needs a skgd estimator; got "
                f"{type(estimator).__name__}."
            )
        check_is_fitted(estimator)
        if not hasattr(estimator, "loss_curve_"):
            raise TypeError(
                f"{type(estimator).__name__} records no loss_curve_: "
                f"{cls.__name__} draws skgd's GDRegressor and GDClassifier."
            )
        curve = estimator.loss_curve_
        labels = None
        if len(curve) and np.ndim(curve[0]) == 1:
            labels = [str(c) for c in estimator.classes_]
        display = cls(
            loss_curve=curve,
            validation_scores=getattr(estimator, "validation_scores_", None),
            labels=labels,
            estimator_name=type(estimator).__name__ if name is None else name,
        )
        return display.plot(ax=ax, **kwargs)
