"""Deterministic randomness: one independent numpy PCG64 stream per generation phase.

Each phase (accounts, billing, events chunk 17, …) gets its own `Generator(PCG64(...))` seeded
from `SeedSequence([seed, phase, *extra])`, so changing how one phase draws numbers never shifts
another phase's data. `Stream` serves scalar draws to the per-account story code quickly (numpy
scalar calls are slow) while every number still comes from PCG64, in a fixed order.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import TypeVar

import numpy as np

T = TypeVar("T")

# Stable phase ids (never use hash(): Python randomises string hashes per process).
PHASES = {
    "profiles": 1,
    "billing": 2,
    "crm": 3,
    "fx": 4,
    "events": 5,
    "support": 6,
    "activities": 7,
    "nps": 8,
    "messy": 9,
}


def phase_rng(seed: int, phase: str, *extra: int) -> np.random.Generator:
    """A numpy Generator for one phase (and optionally one chunk) of the generation."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([seed, PHASES[phase], *extra]))
    )


class Stream:
    """Fast scalar draws (uniform, normal, Poisson, choices) served from blocks of a Generator."""

    __slots__ = ("_gen", "_n", "_nbuf", "_npos", "_pos", "_u")

    def __init__(self, gen: np.random.Generator, block: int = 1 << 16) -> None:
        self._gen = gen
        self._u: list[float] = []
        self._pos = 0
        self._n: list[float] = []
        self._npos = 0
        self._nbuf = block

    def u(self) -> float:
        """A uniform number in [0, 1)."""
        pos = self._pos
        if pos >= len(self._u):
            self._u = self._gen.random(self._nbuf).tolist()
            pos = 0
        self._pos = pos + 1
        return self._u[pos]

    def normal(self) -> float:
        """A standard normal number."""
        pos = self._npos
        if pos >= len(self._n):
            self._n = self._gen.standard_normal(self._nbuf // 4).tolist()
            pos = 0
        self._npos = pos + 1
        return self._n[pos]

    def chance(self, p: float) -> bool:
        """True with probability p."""
        return self.u() < p

    def randint(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi] (both inclusive)."""
        return lo + int(self.u() * (hi - lo + 1))

    def uniform(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.u()

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.normal())

    def pick(self, options: Sequence[T]) -> T:
        """A uniformly chosen element."""
        return options[int(self.u() * len(options))]

    def weighted(self, options: Sequence[T], cum_weights: Sequence[float]) -> T:
        """An element chosen with the given cumulative weights (see `cumulative`)."""
        return options[bisect_right(cum_weights, self.u() * cum_weights[-1])]

    def poisson(self, lam: float) -> int:
        """A Poisson number (Knuth's method for small means, normal approximation above 30)."""
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, round(lam + math.sqrt(lam) * self.normal()))
        limit = math.exp(-lam)
        k, prod = 0, self.u()
        while prod > limit:
            k += 1
            prod *= self.u()
        return k

    def geometric_months(self, p: float) -> int:
        """Number of failures before the first success of a monthly hazard p (0, 1, …)."""
        if p <= 0:
            return 1 << 30
        if p >= 1:
            return 0
        return int(math.log(1.0 - self.u()) / math.log(1.0 - p))


def cumulative(weights: Sequence[float]) -> list[float]:
    """Cumulative weights for `Stream.weighted`."""
    return list(accumulate(weights))
