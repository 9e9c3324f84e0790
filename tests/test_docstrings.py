"""Every public name has a real numpydoc docstring, and its examples run."""

import doctest
import inspect

import matplotlib
import pytest

import shrinkage

matplotlib.use("Agg")
numpydoc_validate = pytest.importorskip("numpydoc.validate")

#: methods need no extended summary, See Also or Examples (their class has them);
#: classes and functions need everything but the extended summary
METHOD_EXEMPT = {"ES01", "SA01", "EX01"}
OBJECT_EXEMPT = {"ES01"}


def _public_objects():
    for name in shrinkage.__all__:
        obj = getattr(shrinkage, name)
        yield f"shrinkage.{name}", OBJECT_EXEMPT
        if inspect.isclass(obj):
            for attr, value in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if inspect.isfunction(value) or isinstance(value, classmethod):
                    yield f"shrinkage.{name}.{attr}", METHOD_EXEMPT


@pytest.mark.parametrize("qualname, exempt", list(_public_objects()),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_numpydoc_validation(qualname, exempt):
    result = numpydoc_validate.validate(qualname)
    errors = [(code, message) for code, message in result["errors"] if code not in exempt]
    assert not errors, f"{qualname}: {errors}"


@pytest.mark.parametrize("name", shrinkage.__all__)
def test_docstring_examples_run(name):
    obj = getattr(shrinkage, name)
    assert obj.__doc__ and "Examples" in obj.__doc__, f"{name} has no examples"
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(obj, name, globs={}):
        runner.run(test)
    assert runner.failures == 0 and runner.tries > 0


def test_help_shows_our_text():
    """The docstrings are real: help() shows our objective, not a mixin's text."""
    assert "Parameters" in shrinkage.Lasso.__doc__
    assert "l1_ratio" in shrinkage.ElasticNetCV.__doc__
    assert "<<" not in shrinkage.ElasticNetCV.__doc__
