"""The losses of the compiled layer: value and derivative with respect to
the prediction, by scikit-learn's integer code (``skgd._codes.LOSS_CODES``).
"""

import math

from skgd._jit._compile import cached, inline, jit

# scikit-learn's codes (the tables of skgd._codes)
SQUARED_ERROR = 0
HUBER = 1
EPSILON_INSENSITIVE = 2
SQUARED_EPSILON_INSENSITIVE = 3
HINGE = 4
LOG_LOSS = 5
MODIFIED_HUBER = 6
SQUARED_HINGE = 7
PERCEPTRON = 8
# skgd's own (regression): the loss's parameter ``eps`` is the quantile of
# QUANTILE and the power of TWEEDIE
QUANTILE = 9
POISSON = 10
GAMMA = 11
TWEEDIE = 12

#: scikit-learn clamps every loss derivative to this magnitude
MAX_DLOSS = 1e12


# ---------------------------------------------------------------------------
# Losses: value and derivative with respect to the prediction ``p``.
# Definitions and argument order follow scikit-learn's ``_sgd_fast`` and
# ``_loss`` modules exactly (the same-numbers promise depends on it).
# ---------------------------------------------------------------------------
@jit()
def log1pexp(x):
    if x <= -37.0:
        return math.exp(x)
    elif x <= -2.0:
        return math.log1p(math.exp(x))
    elif x <= 18.0:
        return math.log(1.0 + math.exp(x))
    elif x <= 33.3:
        return x + math.exp(-x)
    return x


# ---------------------------------------------------------------------------
# skgd's own losses: the pinball loss and the half Tweedie deviances of the
# log link (scikit-learn's HalfTweedieLoss, its constant included so that
# the loss is 0 at a perfect prediction), ``mu = exp(p)``.
# ---------------------------------------------------------------------------
@jit()
def pinball_value(y, p, quantile):
    r = y - p
    if r >= 0.0:
        return quantile * r
    return (quantile - 1.0) * r


@jit()
def tweedie_value(y, p, power):
    if power == 0.0:
        r = y - math.exp(p)
        return 0.5 * r * r
    if power == 1.0:
        log_term = y * (math.log(y) - p) if y > 0.0 else 0.0
        return log_term - y + math.exp(p)
    if power == 2.0:
        return p - math.log(y) + y * math.exp(-p) - 1.0
    a = 1.0 - power
    b = 2.0 - power
    head = max(y, 0.0) ** b / (a * b)
    return head - y * math.exp(a * p) / a + math.exp(b * p) / b


@jit()
def tweedie_derivative(y, p, power):
    return math.exp((2.0 - power) * p) - y * math.exp((1.0 - power) * p)


@cached()
def loss_value(code, y, p, eps):
    if code == SQUARED_ERROR:
        return 0.5 * (p - y) * (p - y)
    elif code == HUBER:
        r = abs(y - p)
        if r <= eps:
            return 0.5 * r**2
        return eps * (r - 0.5 * eps)
    elif code == EPSILON_INSENSITIVE:
        r = abs(y - p) - eps
        return r if r > 0 else 0.0
    elif code == SQUARED_EPSILON_INSENSITIVE:
        r = abs(y - p) - eps
        return r * r if r > 0 else 0.0
    elif code == HINGE or code == PERCEPTRON:
        threshold = 1.0 if code == HINGE else 0.0
        z = p * y
        if z <= threshold:
            return threshold - z
        return 0.0
    elif code == LOG_LOSS:
        return log1pexp(p) - y * p
    elif code == MODIFIED_HUBER:
        z = p * y
        if z >= 1.0:
            return 0.0
        elif z >= -1.0:
            return (1.0 - z) * (1.0 - z)
        return -4.0 * z
    elif code == SQUARED_HINGE:
        z = 1.0 - p * y
        if z > 0:
            return z * z
        return 0.0
    elif code == QUANTILE:
        return pinball_value(y, p, eps)
    elif code == POISSON:
        return tweedie_value(y, p, 1.0)
    elif code == GAMMA:
        return tweedie_value(y, p, 2.0)
    return tweedie_value(y, p, eps)


@cached()
def loss_derivative(code, y, p, eps):
    if code == SQUARED_ERROR:
        return p - y
    elif code == HUBER:
        r = p - y
        if abs(r) <= eps:
            return r
        return eps if r >= 0 else -eps
    elif code == EPSILON_INSENSITIVE:
        if y - p > eps:
            return -1.0
        elif p - y > eps:
            return 1.0
        return 0.0
    elif code == SQUARED_EPSILON_INSENSITIVE:
        z = y - p
        if z > eps:
            return -2.0 * (z - eps)
        elif z < -eps:
            return 2.0 * (-z - eps)
        return 0.0
    elif code == HINGE or code == PERCEPTRON:
        threshold = 1.0 if code == HINGE else 0.0
        if p * y <= threshold:
            return -y
        return 0.0
    elif code == LOG_LOSS:
        if p > -37.0:
            e = math.exp(-p)
            return ((1.0 - y) - y * e) / (1.0 + e)
        return math.exp(p) - y
    elif code == MODIFIED_HUBER:
        z = p * y
        if z >= 1.0:
            return 0.0
        elif z >= -1.0:
            return 2.0 * (1.0 - z) * -y
        return -4.0 * y
    elif code == SQUARED_HINGE:
        z = 1.0 - p * y
        if z > 0:
            return -2.0 * y * z
        return 0.0
    elif code == QUANTILE:
        return 1.0 - eps if p > y else -eps
    elif code == POISSON:
        return math.exp(p) - y
    elif code == GAMMA:
        return 1.0 - y * math.exp(-p)
    return tweedie_derivative(y, p, eps)


@inline()
def log_loss_pair(y, p):
    """The log loss's value and derivative at ``p`` from one ``exp``, for
    the row orders scikit-learn has not (whose numbers are not promised):
    the derivative has ``loss_derivative``'s bits, the value is
    ``loss_value``'s to an ulp or two (``log1p(exp(-p)) + p``, or
    ``log1p(1 / exp(-p))`` below zero, instead of ``log(1 + exp(p))``).
    Two transcendental calls a row instead of three: the log_loss epoch in
    blocks of 64 rows, on 200 000 x 100, 26.6 -> 23.8 ms."""
    if p > -37.0:
        e = math.exp(-p)
        if p > 0.0:
            value = p + math.log1p(e)
        else:
            value = math.log1p(1.0 / e)
        return value - y * p, ((1.0 - y) - y * e) / (1.0 + e)
    e = math.exp(p)
    return e - y * p, e - y
