"""The curry helper that keeps operators flat (RxPY's way, one level deep).

Instead of a factory returning ``operator(source)`` returning
``Observable(subscribe)`` — three nested closures — an operator writes one
module-level ``subscribe(source, observer, scheduler)`` (often a method of a
small per-subscription class) and its factory returns ``lift(subscribe)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from reactivex import Observable, abc

__all__ = ["Subscribe", "lift"]

A = TypeVar("A")
B = TypeVar("B")

Subscribe = Callable[
    [Observable[A], abc.ObserverBase[B], abc.SchedulerBase | None], abc.DisposableBase
]
"""``subscribe(source, observer, scheduler)``: one subscription of an operator to ``source``."""


def lift(subscribe: Subscribe[A, B]) -> Callable[[Observable[A]], Observable[B]]:
    """The operator ``source -> Observable`` whose subscriptions are ``subscribe(source, ...)``."""

    def operator(source: Observable[A]) -> Observable[B]:
        def on_subscribe(
            observer: abc.ObserverBase[B], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            return subscribe(source, observer, scheduler)

        return Observable(on_subscribe)

    return operator
