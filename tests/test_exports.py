"""Every module of harvester, index, search and trialwatch declares its public API in ``__all__``; what other code
imports from a module is in it; a package's re-exports are lazy (`harvester._lazy`) and are what its
``if TYPE_CHECKING:`` imports say they are."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_errors import PACKAGES, every_module

ROOT = Path(__file__).resolve().parent.parent
MODULES = every_module()
#: where imports from the packages are looked for
IMPORTERS = (*PACKAGES, "tests", "bench", "scripts", "cassettes")


def source_of(name: str) -> Path:
    path = ROOT.joinpath(*name.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


@pytest.mark.parametrize("name", MODULES)
def test_each_module_declares_what_it_exports(name):
    module = importlib.import_module(name)
    assert isinstance(getattr(module, "__all__", None), list), f"{name} declares no __all__"
    missing = [export for export in module.__all__ if not hasattr(module, export)]
    assert missing == [], f"{name}.__all__ names what it does not have"
    assert len(set(module.__all__)) == len(module.__all__)


def imported_names() -> dict[str, set[str]]:
    """module -> the public names some file of the project imports from it with ``from module import name``."""
    found: dict[str, set[str]] = {}
    for folder in IMPORTERS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.setdefault(node.module, set()).update(
                        alias.name for alias in node.names if not alias.name.startswith("_"))
    return found


def test_what_other_code_imports_from_a_module_is_in_its_all():
    missing = []
    for module_name, names in imported_names().items():
        if module_name not in MODULES:
            continue
        exports = set(importlib.import_module(module_name).__all__)
        missing += [f"{module_name}.{name}" for name in sorted(names - exports)
                    if f"{module_name}.{name}" not in MODULES]  # a submodule is not an export
    assert missing == []


PACKAGE_INITS = [name for name in MODULES if source_of(name).name == "__init__.py"]


def type_checking_imports(name: str) -> dict[str, str]:
    """name -> module, from the package's ``if TYPE_CHECKING:`` block."""
    tree = ast.parse(source_of(name).read_text(encoding="utf-8"))
    imports = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom) and statement.module
                imports.update({alias.asname or alias.name: statement.module for alias in statement.names})
    return imports


@pytest.mark.parametrize("name", PACKAGE_INITS)
def test_a_package_re_exports_what_its_type_checking_imports_say(name):
    package = importlib.import_module(name)
    imports = type_checking_imports(name)
    eager = {export for export in package.__all__ if export in vars(package) and export not in imports}
    assert set(imports) | eager == set(package.__all__)
    for export, module in imports.items():
        assert getattr(package, export) is getattr(importlib.import_module(module), export), export
        assert export in dir(package)
    with pytest.raises(AttributeError):
        package.no_such_name  # noqa: B018


def test_importing_the_packages_loads_no_models_and_no_http_client():
    probe = (
        "import importlib, sys\n"
        f"for name in {PACKAGE_INITS!r}: importlib.import_module(name)\n"
        "import harvester.errors, harvester.terms, harvester.registry as registry\n"
        "registry.DEFAULT_API_URL\n"
        "print(' '.join(sorted(name for name in ('pydantic', 'httpx', 'whoosh') if name in sys.modules)))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                            cwd=ROOT).stdout.split()
    assert loaded == []
