"""The parameters of the estimators: one table of those both take, and the
``__init__`` each estimator is given from it.

scikit-learn reads an estimator's parameters from the signature of its
``__init__`` (``get_params``, ``clone``, ``repr``), which must name each of
them and do nothing but store them.  ``with_parameters`` writes that
``__init__`` from the table, as :mod:`dataclasses` writes one from the
fields: a real function with the named parameters, their defaults, and one
``self.<name> = <name>`` per parameter.
"""

#: the default of a shared parameter that each estimator gives its own
OWN = object()

#: The parameters of both estimators, in the order of their signatures, with
#: their defaults.  ``loss``, the first, is the only one that can be passed
#: by position; the others are keyword-only.
SHARED_PARAMETERS = {
    "loss": OWN,
    "penalty": "l2",
    "alpha": 0.0001,
    "l1_ratio": 0.15,
    "fit_intercept": True,
    "max_iter": 1000,
    "tol": "auto",
    "shuffle": True,
    "verbose": 0,
    "epsilon": 0.1,
    "random_state": None,
    "learning_rate": "auto",
    "eta0": "auto",
    "power_t": OWN,
    "early_stopping": False,
    "validation_fraction": 0.1,
    "n_iter_no_change": "auto",
    "warm_start": False,
    "average": False,
    "solver": "sgd",
    "batch_size": 1,
    "clip_norm": None,
    "clip_value": None,
    "gamma": 0.9,
    "step_size": 10,
    "eta_min": 0.0,
    "warmup_epochs": 0,
    "restore_best_weights": False,
    "keep_adaptive_state": False,
    "shuffle_block_size": None,
    "sparse_intercept_decay": "auto",
}


def estimator_parameters(defaults, insert=None):
    """The parameters of an estimator, in the order of its signature.

    Parameters
    ----------
    defaults : dict
        The estimator's defaults of the shared parameters marked ``OWN``.
    insert : dict, default=None
        The estimator's own parameters: ``{shared name: {name: default}}``
        puts them right after the shared parameter named.

    Returns
    -------
    parameters : dict
        Each parameter's name and default, in the signature's order.
    """
    insert = insert or {}
    unknown = (set(defaults) | set(insert)) - set(SHARED_PARAMETERS)
    if unknown:
        raise ValueError(f"not shared parameters: {sorted(unknown)}")
    parameters = {}
    for name, default in SHARED_PARAMETERS.items():
        if (default is OWN) != (name in defaults):
            raise ValueError(f"{name}: only the OWN defaults are the estimator's")
        parameters[name] = defaults.get(name, default)
        parameters.update(insert.get(name, {}))
    return parameters


def with_parameters(defaults, insert=None):
    """Class decorator: give the estimator the ``__init__`` of its
    parameters (see :func:`estimator_parameters`).

    The first parameter can be passed by position, the others only by
    name; the function stores each under its name and does nothing else,
    as scikit-learn requires.

    Parameters
    ----------
    defaults : dict
        The estimator's defaults of the shared parameters marked ``OWN``.
    insert : dict, default=None
        The estimator's own parameters, after the shared ones named.

    Returns
    -------
    decorate : callable
        Sets ``cls.__init__`` and returns ``cls``.
    """
    parameters = estimator_parameters(defaults, insert)

    def decorate(cls):
        first, *others = parameters
        source = "\n".join(
            [
                f"def __init__(self, {first}, *, {', '.join(others)}):",
                *(f"    self.{name} = {name}" for name in parameters),
            ]
        )
        namespace = {"__name__": cls.__module__}
        exec(compile(source, f"<{cls.__name__}.__init__>", "exec"), namespace)
        init = namespace["__init__"]
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        init.__defaults__ = (parameters[first],)
        init.__kwdefaults__ = {name: parameters[name] for name in others}
        cls.__init__ = init
        return cls

    return decorate
