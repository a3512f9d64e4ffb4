"""The generated modules of the compiled layer: one per solver rule.

A kernel that closes over a jitted function, or receives it as a value
(from Python or from another compiled function), is never found in numba's
cache: the function becomes an address (a new compilation, and a new cache
file, in every process).  So skgd writes each solver's kernel into a module
of its own: the solver's functions, the glue the template reads
(``skgd._jit._template``: ``hyper``, ``begin``, ``prepare``,
``coordinate``, ``complete``, ``proximal``, ``GENERAL``, ``PROXIMAL``,
``SPLIT``), then the template,
whose calls of the rule are then calls of module globals, which numba
caches.  The module is named by a hash of its text and of the layer
(``skgd._jit._compile.layer_digest``): an edit of the rule, of the template
or of any file of the layer gives a new name, hence a new compilation, and
a second process finds the first one's cache.

The modules go to ``$NUMBA_CACHE_DIR/skgd`` when that variable is set, else
to ``skgd/__pycache__/kernels`` when it is writable, else to the user's
cache directory; numba caches their functions beside them (or under
``NUMBA_CACHE_DIR``).
"""

import ast
import functools
import hashlib
import importlib.util
import inspect
import os
import re
import sys
import tempfile
import textwrap
from pathlib import Path

import skgd
from skgd._jit._compile import HERE, layer_digest

SOLVER = '''"""skgd's kernels for the rule of {qualname} (generated: do not edit)."""

{imports}
from skgd._jit import _entries as _e
from skgd._jit._compile import inline as _inline

#: the hyperparameters of the rule, in the order of ``model.hp`` (``l1``
#: and ``l2``: the penalty's strengths)
HYPER = {hyper!r}
#: the state vectors, in the order of the rows of ``model.S``
STATE = {state!r}

# ---- the solver's functions ({origin})
{functions}

# ---- the names the template reads
GENERAL = {general}
PROXIMAL = {proximal}
SPLIT = {split}


@_inline(error_model="numpy")
def hyper(hp):
    return ({hyper_tuple})


@_inline(error_model="numpy")
def begin(h, t0):
    return {begin_call}


@_inline(error_model="numpy")
def prepare(h, carry, t):
    return {prepare_call}


@_inline(error_model="numpy")
def coordinate(g, w, eta, S, c, h, p, catch_up):
    r = _rule(g, {state_args}{rule_args})
{state_writes}    return {intermediates}


@_inline(error_model="numpy")
def complete(a, b, h, p):
    return {complete_call}


@_inline(error_model="numpy")
def proximal(z, eta, S, c, h, p):
    return {proximal_call}


# ---- the template (skgd._jit._template)
{template}

run_epoch = _e.minibatch_kernel(minibatch_epoch)
'''

TEMPLATE_MARKER = (
    "# ---- template: copied into each solver's generated module from here"
)


@functools.lru_cache(maxsize=None)
def template():
    """(the template's imports but the placeholders', its body below the
    marker) as source text."""
    text = (HERE / "_template.py").read_text()
    head, _, body = text.partition(TEMPLATE_MARKER)
    imports = [
        ast.unparse(node) for node in ast.parse(head).body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and getattr(node, "module", None) != "skgd._jit._placeholders"
    ]  # fmt: skip
    return "\n".join(imports), body.split("\n", 1)[1].strip() + "\n"


#: the names by which a rule reads the penalty's strengths: ``alpha *
#: l1_ratio`` and ``alpha * (1 - l1_ratio)`` (each 0 when the penalty has no
#: such part)
PENALTY_NAMES = ("l1", "l2")
#: the names by which a rule reads its coordinate's value before the update
#: and the update's rate (unless the solver has hyperparameters of those
#: names)
STEP_NAMES = ("w", "eta")


class RuleError(ValueError):
    """A solver's rule does not follow the protocol (see skgd.solvers.Solver)."""


class SourceUnavailable(RuleError):
    """The source of a solver's rule cannot be read, so it cannot be
    compiled."""


@functools.lru_cache(maxsize=None)
def directory():
    """Where the generated modules are written (see the module docstring)."""
    cache = os.environ.get("NUMBA_CACHE_DIR")
    if cache:
        return Path(cache) / "skgd"
    inside = Path(skgd.__file__).resolve().parent / "__pycache__" / "kernels"
    try:
        inside.mkdir(parents=True, exist_ok=True)
        if os.access(inside, os.W_OK):
            return inside
    except OSError:
        pass
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(home).expanduser() / "skgd" / "kernels"


_modules = {}


def load(stem, text):
    """The generated module ``stem`` of source ``text``: written (once, and
    atomically, so that processes generating it at once agree) and
    imported."""
    if stem in _modules:
        return _modules[stem]
    folder = directory()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.py"
    if not path.exists() or path.read_text() != text:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[stem] = module
    spec.loader.exec_module(module)
    _modules[stem] = module
    return module


def _stem(prefix, text):
    digest = hashlib.sha256((layer_digest() + text).encode()).hexdigest()
    return f"skgd_{prefix}_{digest[:20]}"


# ---------------------------------------------------------------------------
# A solver's module
# ---------------------------------------------------------------------------
def _function(cls, name):
    """(the source of function ``name`` of ``cls``, renamed ``_name`` and
    undecorated; its ast; (file, first line)), or Nones if ``cls`` has no
    such function."""
    func = cls._own(name)
    if func is None:
        return None, None, None
    try:
        lines, line = inspect.getsourcelines(func)
        path = inspect.getsourcefile(func)
    except (OSError, TypeError) as exc:
        raise SourceUnavailable(
            f"the source of {cls.__name__}.{name} is not available ({exc}): define "
            "the solver in a file, or in an interactive session that keeps its "
            "cells' source (IPython, Jupyter)"
        ) from None
    source = textwrap.dedent("".join(lines))
    body = source.splitlines()
    n_decorators = 0
    while body[n_decorators].lstrip().startswith("@"):
        n_decorators += 1
    body = body[n_decorators:]
    tree = ast.parse("\n".join(body)).body[0]
    if not isinstance(tree, ast.FunctionDef) or tree.name != name:
        raise RuleError(f"{cls.__name__}.{name} is not a plain function")
    body[0] = body[0].replace(f"def {name}(", f"def _{name}(", 1)
    return "\n".join(body) + "\n", tree, (path, line + n_decorators)


def _params(tree):
    args = tree.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.defaults:
        raise RuleError(
            f"{tree.name[1:]} takes plain positional parameters only (no defaults, "
            "*args or **kwargs)"
        )
    return [a.arg for a in args.args]


def _call(name, params, where):
    """A call of ``name`` with each parameter read from ``where``."""
    return f"{name}({', '.join(where(p) for p in params)})"


def solver_source(cls, general):
    """The source of the generated module of solver class ``cls``'s rule,
    for the fits of ``general`` updates (several outputs, clipping, L1 or
    averaging) or the others; raises ``RuleError`` when the rule breaks the
    protocol."""
    sources = {}
    trees = {}
    origins = {}
    for name in ("rule", "finish", "begin", "prepare", "proximal"):
        text, tree, origin = _function(cls, name)
        if text is not None:
            sources[name], trees[name], origins[name] = text, tree, origin
    if "rule" not in trees:
        raise RuleError(f"{cls.__name__} defines no rule")
    rule = trees["rule"]
    finish, begin, prepare, prox = (
        trees.get(n) for n in ("finish", "begin", "prepare", "proximal")
    )
    state = tuple(cls.state)
    rule_params = _params(rule)
    if rule_params[: 1 + len(state)] != ["g", *state]:
        raise RuleError(
            f"rule(g, {', '.join(state)}, ...) must take the gradient g, then the "
            f"state {state!r}, then hyperparameters and per-update values; it takes "
            f"({', '.join(rule_params)})"
        )
    names = set(cls._get_param_names())
    step_names = [n for n in STEP_NAMES if n not in names]
    used = {p for f in trees.values() for p in _params(f)}
    # the constructor's parameters, then the penalty's strengths
    hyper = tuple(n for n in cls._get_param_names() if n in used)
    hyper += tuple(n for n in PENALTY_NAMES if n in used and n not in names)
    values = list(getattr(cls, "prepared", ()))
    if values and prepare is None:
        raise RuleError(
            f"{cls.__name__}.prepared names {values!r}: they are computed by "
            "prepare(...), which it does not define"
        )
    carry = []
    if prepare is not None:
        carry = [
            p for p in _params(prepare)
            if p not in names and p != "t" and p not in PENALTY_NAMES
        ]  # fmt: skip
        if begin is None and carry:
            raise RuleError(
                f"prepare takes {carry!r}, which are no hyperparameters: what a "
                "solver carries from update to update starts in begin(t0, ...)"
            )

    def h(p):
        if p in hyper:
            return f"h[{hyper.index(p)}]"
        raise RuleError(
            f"{p!r} is neither a state vector ({', '.join(state) or 'none'}), a "
            f"hyperparameter ({', '.join(sorted(names)) or 'none'}), a prepared "
            f"value ({', '.join(values) or 'none'}) of {cls.__name__}, a "
            "strength of the penalty (l1, l2) nor, in rule, the coordinate's value "
            "w or the update's rate eta"
        )

    def rule_arg(p):
        return f"p[{values.index(p)}]" if p in values else h(p)

    def step_arg(p):  # the rule also reads its coordinate's value and rate
        return p if p in step_names else rule_arg(p)

    split = finish is not None
    decays = getattr(cls, "lazy_decay", None) is not None
    reads = [
        f"np.float64(S[{i}, c]){' * catch_up' if decays else ''}"
        for i in range(len(state))
    ]
    n_inter = 2 if split else 1
    writes = "".join(f"    S[{i}, c] = r[{n_inter + i}]\n" for i in range(len(state)))
    if begin is None:
        begin_call = "()"
    else:
        begin_call = _call(
            "_begin", _params(begin), lambda p: "t0" if p == "t0" else h(p)
        )
    if prepare is None:
        prepare_call = "(), ()"
    else:

        def prep_arg(p):
            if p == "t":
                return "t"
            return f"carry[{carry.index(p)}]" if p in carry else h(p)

        call = _call("_prepare", _params(prepare), prep_arg)
        prepare_call = call if begin is not None else f"(), {call}"
    if split:
        fin = _params(finish)
        complete_call = (
            "_finish(a, b" + "".join(", " + rule_arg(p) for p in fin[2:]) + ")"
        )
    else:
        complete_call = "a"
    if prox is None:
        proximal_call = "z"
    else:
        fp = _params(prox)
        if fp[:2] != ["w", "eta"]:
            raise RuleError(
                f"proximal(w, eta, ...) must take the coefficient w after the step "
                f"and the step's rate eta first; it takes ({', '.join(fp)})"
            )

        def prox_arg(p):  # the coordinate's state after the rule, by name
            return f"np.float64(S[{state.index(p)}, c])" if p in state else rule_arg(p)

        proximal_call = (
            "_proximal(z, eta" + "".join(", " + prox_arg(p) for p in fp[2:]) + ")"
        )
    owner = next(c for c in cls.__mro__ if "rule" in c.__dict__)  # not Solver
    imports, body = template()
    text = SOLVER.format(
        imports=imports,
        template=body,
        qualname=f"{owner.__module__}.{owner.__qualname__}",
        general=bool(general) or prox is not None,
        proximal=prox is not None,
        split=split,
        hyper=hyper,
        state=state,
        origin=", ".join(f"{n}: {p}, line {ln}" for n, (p, ln) in origins.items()),
        functions="\n\n".join(
            f"@_inline(error_model='numpy')\n{sources[n]}" for n in sources
        ),
        hyper_tuple="".join(f"hp[{i}], " for i in range(len(hyper))),
        begin_call=begin_call,
        prepare_call=prepare_call,
        state_args="".join(r + ", " for r in reads),
        rule_args=", ".join(step_arg(p) for p in rule_params[1 + len(state) :]),
        state_writes=writes,
        intermediates="r[0], r[1]" if split else "r[0], 0.0",
        complete_call=complete_call,
        proximal_call=proximal_call,
    )
    # where each copied function starts, here and in its file (for messages)
    lines = text.splitlines()
    origins_in_text = {}
    for name, (path, line) in origins.items():
        start = f"def _{name}("
        here = next(i for i, t in enumerate(lines, 1) if t.startswith(start))
        origins_in_text[f"_{name}"] = (path, line, here)
    text += (
        "\n#: copied function -> (its file, its first line there, here)\n"
        f"ORIGINS = {origins_in_text!r}\n"
    )
    return text


def for_solver(cls, general):
    """The generated module of solver class ``cls``'s rule (see
    ``solver_source``)."""
    text = solver_source(cls, general)
    return load(_stem("solver", text), text)


# ---------------------------------------------------------------------------
# A row-state solver's module
# ---------------------------------------------------------------------------
ROW = '''"""skgd's row pass of {qualname} (generated: do not edit)."""

import math  # noqa: F401 - for the solver's functions

import numpy as np  # noqa: F401

from skgd._jit import _entries as _e
from skgd._jit._compile import inline as _inline
from skgd._jit._loss import (  # noqa: F401
    LOG_LOSS,
    MAX_DLOSS,
    log_loss_pair,
    loss_derivative,
    loss_value,
)
from skgd._jit._rows import (  # noqa: F401
    U,
    prefetch_ahead,
    shuffle_order,
    span,
    worth_prefetching,
)

# ---- the solver's functions ({origin})
{functions}

run_rows = _e.row_kernel({entry})
'''


def row_source(cls):
    """The source of the generated module of the row pass of solver class
    ``cls`` (its ``row_pass``: plain functions of its file, the pass last,
    the others inlined into it), where the layer's loss functions
    (``loss_value``, ``loss_derivative``, ``log_loss_pair``, ``LOG_LOSS``,
    ``MAX_DLOSS``) and row readers (``span``, ``U``, ``shuffle_order``,
    ``prefetch_ahead``, ``worth_prefetching``) are in scope."""
    functions = list(cls.row_pass)
    if not functions:
        raise RuleError(f"{cls.__name__} keeps state per row but has no row_pass")
    texts = []
    origins = []
    for i, func in enumerate(functions):
        try:
            source = textwrap.dedent(inspect.getsource(func))
            origins.append(f"{func.__name__}: {inspect.getsourcefile(func)}")
        except (OSError, TypeError) as exc:
            raise SourceUnavailable(
                f"the source of {cls.__name__}'s row pass {func!r} is not "
                f"available ({exc})"
            ) from None
        if i < len(functions) - 1:
            source = "@_inline(error_model='numpy')\n" + source
        texts.append(source)
    return ROW.format(
        qualname=f"{cls.__module__}.{cls.__qualname__}",
        origin="; ".join(origins),
        functions="\n\n".join(texts),
        entry=functions[-1].__name__,
    )


def for_row_solver(cls):
    """The generated module of the row pass of solver class ``cls`` (see
    ``row_source``)."""
    text = row_source(cls)
    return load(_stem("rows", text), text)


def refused_line(module, error):
    """(file, line, source) of the solver's line that numba's ``error`` (a
    failure to compile ``module``) points at, or None."""
    path = module.__file__
    found = None
    for m in re.finditer(r'File "([^"]+)", line (\d+)', str(error)):
        if os.path.abspath(m[1]) == os.path.abspath(path):
            found = int(m[2])
    if found is None:
        return None
    best = None
    for name, (source, first, here) in module.ORIGINS.items():
        if here <= found and (best is None or here > best[2]):
            best = (source, first, here)
    if best is None:
        return None
    source, first, here = best
    line = first + (found - here)
    try:
        text = Path(source).read_text().splitlines()[line - 1].strip()
    except (OSError, IndexError):
        text = ""
    return source, line, text
