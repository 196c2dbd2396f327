"""The exception tree drawn in harvester/errors.py's docstring is the tree of its classes."""

from __future__ import annotations

import inspect

from harvester import errors


def drawn(cls: type, prefix: str = "") -> list[str]:
    """`cls`'s subclasses in harvester.errors, drawn as the docstring draws them (in the module's order)."""
    children = [child for child in ERRORS if child.__bases__[0] is cls]
    lines = []
    for number, child in enumerate(children):
        last = number == len(children) - 1
        name = f"{prefix}{'└── ' if last else '├── '}{child.__name__}"
        lines.append(f"{name:<33}transient".rstrip() if child.transient else name)
        lines += drawn(child, prefix + ("    " if last else "│   "))
    return lines


ERRORS = [value for _, value in inspect.getmembers(errors, inspect.isclass)
          if issubclass(value, errors.TrialwatchError) and value.__module__ == errors.__name__]
ERRORS.sort(key=lambda cls: inspect.getsourcelines(cls)[1])


def test_the_docstring_draws_every_error_class_where_it_is():
    tree = ["TrialwatchError", *drawn(errors.TrialwatchError)]
    docstring = [line.removeprefix("    ").rstrip() for line in errors.__doc__.splitlines()]
    start = docstring.index("TrialwatchError")
    assert docstring[start:start + len(tree)] == tree
    assert len(tree) == len(ERRORS)


def test_every_error_is_exported():
    assert {cls.__name__ for cls in ERRORS} <= set(errors.__all__)
    assert all(hasattr(errors, name) for name in errors.__all__)
