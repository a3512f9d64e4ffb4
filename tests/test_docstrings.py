"""Every public class, function and method has a valid numpydoc docstring."""

import inspect

import pytest

import skgd
import skgd.datasets
import skgd.solvers

numpydoc_validate = pytest.importorskip("numpydoc.validate")

# extended summaries and See Also sections are welcome but optional; the
# first line of Returns may name the returned object (scikit-learn ignores
# RT02 too)
IGNORED = frozenset({"ES01", "SA01", "RT02"})
# methods are documented by their class's Examples
IGNORED_FOR_METHODS = IGNORED | {"EX01"}


def _documented_in_base(cls, attr):
    return any(
        getattr(getattr(base, attr, None), "__doc__", None) for base in cls.__mro__[1:]
    )


def _public_api():
    for module in (skgd, skgd.solvers, skgd.datasets):
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            qualified = f"{obj.__module__}.{obj.__qualname__}"
            yield qualified, IGNORED
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_") or not callable(member):
                        continue
                    if member.__doc__ is None and _documented_in_base(obj, attr):
                        continue  # the documentation inherits the base's
                    yield f"{qualified}.{attr}", IGNORED_FOR_METHODS


@pytest.mark.parametrize(
    "name, ignored",
    sorted(set(_public_api()), key=lambda item: item[0]),
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_docstring(name, ignored):
    result = numpydoc_validate.validate(name)
    errors = [f"{code}: {message}" for code, message in result["errors"]
              if code not in ignored]  # fmt: skip
    assert not errors, "\n".join([name, *errors])
