"""One exception tree: every `TrialwatchError` subclass of every package is defined in harvester/errors.py, and the
tree drawn in its docstring is the tree of those classes.

The classes are found by importing every module of harvester, index, search and trialwatch, so an error class
added anywhere, drawn or not, is seen here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from harvester import errors

PACKAGES = ("harvester", "index", "search", "trialwatch")


def every_module() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        module = importlib.import_module(package)
        names += [info.name for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}.")]
    return names


def subclasses(cls: type) -> list[type]:
    found = []
    for child in cls.__subclasses__():
        found += [child, *subclasses(child)]
    return found


def project_errors() -> list[type]:
    """Every subclass of `TrialwatchError` the four packages define (the tests' own left out)."""
    for name in every_module():
        importlib.import_module(name)
    return [cls for cls in dict.fromkeys(subclasses(errors.TrialwatchError))
            if cls.__module__.split(".")[0] in PACKAGES]


ERRORS = project_errors()


def source_line(cls: type) -> int:
    return inspect.getsourcelines(cls)[1]


def drawn(cls: type, prefix: str = "") -> list[str]:
    """`cls`'s subclasses, drawn as the docstring draws them (in the module's order)."""
    children = sorted((child for child in ERRORS if child.__bases__[0] is cls), key=source_line)
    lines = []
    for number, child in enumerate(children):
        last = number == len(children) - 1
        name = f"{prefix}{'└── ' if last else '├── '}{child.__name__}"
        lines.append(f"{name:<33}transient".rstrip() if child.transient else name)
        lines += drawn(child, prefix + ("    " if last else "│   "))
    return lines


def test_the_modules_are_all_imported():
    assert {"search.places", "trialwatch.web.forms", "trialwatch.web.app", "index.build"} <= set(every_module())
    assert len(ERRORS) > 20


def test_every_error_class_is_defined_in_the_errors_module():
    elsewhere = [f"{cls.__module__}.{cls.__qualname__}" for cls in ERRORS if cls.__module__ != errors.__name__]
    assert elsewhere == [], "define these in harvester/errors.py and draw them in its docstring"


def test_the_docstring_draws_every_error_class_where_it_is():
    tree = ["TrialwatchError", *drawn(errors.TrialwatchError)]
    docstring = [line.removeprefix("    ").rstrip() for line in errors.__doc__.splitlines()]
    start = docstring.index("TrialwatchError")
    assert docstring[start:start + len(tree)] == tree
    assert len(tree) == len(ERRORS) + 1


def test_every_error_is_exported():
    assert {cls.__name__ for cls in ERRORS} <= set(errors.__all__)
    assert all(hasattr(errors, name) for name in errors.__all__)
