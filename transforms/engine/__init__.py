"""The matching engine: the one place that knows how the extraction's regexes run fast.

The contract, kept by every engine:

- ``compile_matcher(patterns)`` compiles a list of regexes into a matcher, once per run;
  ``matcher.scan(text)`` gives a scan of one text whose ``matches(pattern)`` is, for each
  compiled pattern, exactly ``[m for m in pattern.finditer(text) if m.end() > m.start()]``
  (the same spans and groups). Asking about a pattern that was not compiled is a KeyError.
- ``compile_literals(strings).occurrences(text)`` is every ``(start, end, index)`` where
  ``strings[index]`` occurs in ``text``, overlapping ones included, in no set order.
- ``kernel(name)`` is the C function of that name (``split_sentences``,
  ``offset_mismatches``) when the fast engine runs and the C kernels are built, else None:
  the caller then runs its Python code, which the C must equal.

Two engines keep it:

- ``reference``: plain ``re`` and ``str.find``.
- ``fast`` (the default): a Hyperscan prefilter, trigger keys and a C match loop (see
  ``fast.py``); without a C compiler the same in Python.

The engine is chosen by ``ALLIANCE_ENGINE`` (``fast`` or ``reference``) or ``alliance
--engine``; ``tests/test_engine.py`` holds the fast one to the reference on the samples, our
texts, the real dev texts and generated ones.
"""

import os
import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from transforms.engine import native

ENGINES = ("fast", "reference")
ENV = "ALLIANCE_ENGINE"


class Scan(Protocol):
    text: str

    def matches(self, pattern: re.Pattern[str]) -> list[re.Match[str]]: ...


class Matcher(Protocol):
    name: str

    def scan(self, text: str) -> Scan: ...


class Literals(Protocol):
    literals: tuple[str, ...]

    def occurrences(self, text: str) -> list[tuple[int, int, int]]: ...


def selected() -> str:
    """The engine ``ALLIANCE_ENGINE`` names (``fast`` when unset); ValueError for another."""
    name = os.environ.get(ENV, "").strip().lower() or "fast"
    if name not in ENGINES:
        raise ValueError(f"{ENV}={name!r}: the engine is one of {', '.join(ENGINES)}")
    return name


def use(name: str) -> None:
    """Choose the engine for this process and the worker processes it starts."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}: one of {', '.join(ENGINES)}")
    os.environ[ENV] = name


def compile_matcher(patterns: Sequence[re.Pattern[str]], engine: str | None = None) -> Matcher:
    """A matcher of ``patterns`` on the selected engine (or ``engine``)."""
    if (engine or selected()) == "reference":
        from transforms.engine.reference import ReferenceMatcher

        return ReferenceMatcher(patterns)
    from transforms.engine.fast import FastMatcher

    return FastMatcher(patterns)


def compile_literals(literals: Sequence[str], engine: str | None = None) -> Literals:
    """A finder of every occurrence of ``literals`` on the selected engine (or ``engine``)."""
    if (engine or selected()) == "reference":
        from transforms.engine.reference import ReferenceLiterals

        return ReferenceLiterals(literals)
    from transforms.engine.fast import FastLiterals

    return FastLiterals(literals)


def kernel(name: str) -> Callable[..., Any] | None:
    """The C kernel ``name`` when the fast engine runs and the kernels are built, else None."""
    if native.C is None or selected() != "fast":
        return None
    function: Callable[..., Any] = getattr(native.C, name)
    return function


def describe() -> str:
    """The selected engine, and whether its C kernels run: for logs and ``explain``."""
    name = selected()
    if name == "fast":
        return "fast (C kernels)" if native.C is not None else "fast (Python kernels: no C build)"
    return name
