"""Package attributes imported on first use (PEP 562).

A task container imports the SDK on every try, on the try's critical path. A package that
imported every module up front made each try pay for operators, sensors and codecs its DAG file
never uses; with these hooks ``from dagseal import DAG, EmptyOperator`` imports only those two.
"""

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_attributes(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``; ``exports`` maps each name to the module
    that defines it. A name is looked up once, then kept in the package like an eager import.

    An exported name must not also be a submodule's name: importing that submodule would bind the
    module under the name (the package must import such a name eagerly).
    """
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
