"""Checkers by rule id: each rule of format.RULES that has no equations is run by exactly one checker,
registered here by its id (tests/test_rules.py keeps declarations and checkers one to one)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from ..core.findings import Finding

S = TypeVar("S")  # what the checkers look at: a report's Subject, a template's Scan


class Registry(Generic[S]):
    """The checkers of one kind of subject, by rule id."""

    def __init__(self) -> None:
        self.checkers: dict[str, Callable[[S], Iterable[Finding]]] = {}

    def checker(self, rule_id: str) -> Callable[[Callable[[S], Any]], Callable[[S], Any]]:
        """Decorator: register the function as the checker of the declared rule `rule_id`."""

        def register(function: Callable[[S], Any]) -> Callable[[S], Any]:
            self.checkers[rule_id] = function
            return function

        return register
