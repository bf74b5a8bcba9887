"""The import hook: a meta-path finder that serves ``airflow.*`` modules from the table in modules.py.

It sits last on ``sys.meta_path``, so an image that really has Airflow installed imports the real
thing; it is installed by the sandbox only, never by ``import dagseal``.
"""

import importlib
import importlib.machinery
import sys
import types
from collections.abc import Sequence
from typing import Any

from dagseal.sdk.compat.modules import MODULES, is_package

DOCS = "docs/authoring.md"


class UncoveredAirflowImport(ImportError):
    """A DAG file imported an Airflow module or name that dagseal does not provide."""


def _resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


# The finder and loader implement the protocols of importlib.abc without inheriting from it: that
# module imports importlib.resources, tempfile and shutil, on every task container's critical path.


class AirflowCompatLoader:
    """Fills a module lazily: a name is looked up in dagseal's SDK on first access."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        name = module.__name__
        names = MODULES.get(name, {})
        module.__all__ = sorted(names)  # type: ignore[attr-defined]

        def __getattr__(attr: str) -> Any:
            if attr.startswith("__"):
                raise AttributeError(attr)
            target = names.get(attr)
            if target is None:
                raise UncoveredAirflowImport(
                    f"{name}.{attr} is not provided by dagseal's Airflow compatibility layer; "
                    f"see {DOCS} for what is supported or import it from dagseal",
                    name=name,
                )
            value = _resolve(target)
            setattr(module, attr, value)
            return value

        module.__getattr__ = __getattr__  # type: ignore[attr-defined]


class AirflowCompatFinder:
    """Finds ``airflow`` and the mapped ``airflow.*`` modules; refuses other ``airflow.*`` by name."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "airflow" and not fullname.startswith("airflow."):
            return None
        package = is_package(fullname)
        if fullname not in MODULES and not package:
            raise UncoveredAirflowImport(
                f"module {fullname!r} is not provided by dagseal's Airflow compatibility layer "
                f"(no Airflow in this image); see {DOCS} for the supported imports, or add "
                f"apache-airflow to the team's runtime.yaml wheels",
                name=fullname,
            )
        spec = importlib.machinery.ModuleSpec(fullname, AirflowCompatLoader(), is_package=package)
        if package:
            spec.submodule_search_locations = []
        return spec


def install() -> bool:
    """Append the finder unless the image has a real ``airflow``; True if it is (now) active."""
    if any(isinstance(finder, AirflowCompatFinder) for finder in sys.meta_path):
        return True
    if "airflow" in sys.modules or importlib.machinery.PathFinder.find_spec("airflow") is not None:
        return False
    sys.meta_path.append(AirflowCompatFinder())
    return True


def uninstall() -> None:
    """Remove the finder and every module it served (tests use this to stay independent)."""
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, AirflowCompatFinder)]
    for name, module in list(sys.modules.items()):
        if isinstance(getattr(module, "__loader__", None), AirflowCompatLoader):
            del sys.modules[name]
