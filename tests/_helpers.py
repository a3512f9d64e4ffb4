"""Helpers shared by the tests that compare skgd's errors with scikit-learn's."""

import re


def normalise(message):
    """Sort the items of "{...}" option sets, whose order varies with string
    hashing between processes."""
    return re.sub(
        r"\{([^{}]*)\}",
        lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}",
        message,
    )


def error_of(callable_):
    """(exception type, message) raised by ``callable_()``, or (None, None)."""
    try:
        callable_()
    except Exception as exc:  # noqa: BLE001 - we compare exception types
        return type(exc), str(exc)
    return None, None
