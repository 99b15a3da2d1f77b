"""Module attributes loaded on first use (PEP 562), shared by ``adaptopt`` and ``adaptopt.sweep``."""

import importlib


def lazy_attributes(package: str, table: dict[str, tuple[str, str]]):
    """``__getattr__`` and ``__dir__`` for a package whose public names live in submodules.

    ``table`` maps a public name to ``(module, attribute)``; the module is imported the first
    time the name is looked up, and the value is cached in the package's namespace.
    """
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name):
        if name in table:
            module, attribute = table[name]
            value = getattr(importlib.import_module(module), attribute)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(namespace.get("__all__", table))

    return __getattr__, __dir__
