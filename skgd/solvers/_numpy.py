"""A solver's rule applied with numpy: the default ``Solver.update``, for
the numpy path (a rule numba cannot compile) and as the reference of what a
compiled rule computes."""

import inspect

import numpy as np


def _static(cls, name):
    return cls._own(name)


def _call(func, known):
    """``func`` called with its parameters looked up by name in ``known``."""
    return func(*(known[p] for p in inspect.signature(func).parameters))


def _prepared(solver, hyper, t):
    """The values ``prepare`` gives update ``t`` (what it carries starts
    from ``begin`` at update ``t - 1``)."""
    cls = type(solver)
    prepare, begin = _static(cls, "prepare"), _static(cls, "begin")
    if prepare is None:
        return {}
    known = dict(hyper, t=float(t), t0=float(t - 1))
    if begin is not None:
        carried = _call(begin, known)
        carry_names = [
            p for p in inspect.signature(prepare).parameters
            if p not in hyper and p != "t"
        ]  # fmt: skip
        known.update(zip(carry_names, carried))
        _, values = _call(prepare, known)
    else:
        values = _call(prepare, known)
    return dict(zip(cls.prepared, values))


def apply_rule(solver, grad, state):
    """(direction, state) of one update by ``solver``'s rule, state updated
    in place and its step count incremented."""
    cls = type(solver)
    rule, finish = _static(cls, "rule"), _static(cls, "finish")
    hyper = {}
    for name in cls._get_param_names():
        try:
            hyper[name] = float(getattr(solver, name))
        except (TypeError, ValueError):
            continue
    t = int(state.step[0]) + 1
    known = dict(hyper, **_prepared(solver, hyper, t))
    grad = np.asarray(grad, dtype=np.float64)
    vectors = [np.asarray(getattr(state, s), dtype=np.float64) for s in cls.state]
    params = list(inspect.signature(rule).parameters)[1 + len(vectors) :]
    extra = [known[p] for p in params]
    n_inter = 2 if finish is not None else 1
    try:  # whole arrays at once, when the rule's arithmetic allows
        with np.errstate(all="ignore"):
            out = [np.broadcast_to(np.asarray(v, np.float64), grad.shape)
                   for v in rule(grad, *vectors, *extra)]  # fmt: skip
    except (TypeError, ValueError):  # branches or math functions: one by one
        rows = [rule(g, *vs, *extra) for g, *vs in zip(grad, *vectors)]
        out = [np.array(col, dtype=np.float64) for col in zip(*rows)]
        if not rows:
            out = [np.zeros(0)] * (n_inter + len(vectors))
    for name, new in zip(cls.state, out[n_inter:]):
        getattr(state, name)[...] = new
    if finish is not None:
        fparams = list(inspect.signature(finish).parameters)[2:]
        fextra = [known[p] for p in fparams]
        try:
            with np.errstate(all="ignore"):
                direction = np.asarray(finish(out[0], out[1], *fextra), np.float64)
        except (TypeError, ValueError):
            direction = np.array(
                [finish(a, b, *fextra) for a, b in zip(out[0], out[1])]
            )
    else:
        direction = out[0]
    state.step[0] += 1
    return np.array(direction, dtype=np.float64), state
