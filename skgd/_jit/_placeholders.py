"""Placeholders of the names a solver's generated module defines for the
template (``skgd._jit._template``): they let the template import on its own
(to be read, linted and searched); the generated modules never use them."""


def _placeholder(*args):
    raise NotImplementedError(
        "a name of skgd's kernel template, defined by each solver's generated "
        "module (skgd._jit._generate)"
    )


hyper = begin = prepare = coordinate = complete = proximal = _placeholder
GENERAL = PROXIMAL = SPLIT = False
