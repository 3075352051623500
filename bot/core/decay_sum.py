"""A sum of exponentially fading values kept in constant space, with a bound on its error.

Σ p·2^(−(t − tᵢ)/h) = p·2^(−(t − a)/h)·Σ 2^((tᵢ − a)/h) for any anchor ``a``,
so one running sum per rule gives the faded total at any time ``t``. In real
arithmetic that is exact; in floating point every step rounds. So the sum
carries a rigorous bound on how far it may be from the real value, and
:func:`raw_bounds` widens that by how far ``score_lead``'s own float
arithmetic may be from the real value. A caller that needs the score's
integers decides from both ends of that interval and recomputes exactly in the
rare case the two ends disagree.

The bounds assume IEEE-754 doubles with round-to-nearest and a ``pow`` within
4 ulp of the true value (glibc, musl and macOS are within 1).
"""

from __future__ import annotations

from dataclasses import dataclass

#: unit roundoff of a double
U = 2.0**-53
#: an absolute allowance per operation for results in the subnormal range
TINY = 2.0**-1000
#: anchors move when the exponent would exceed this many half-lives
REBASE_AFTER = 32.0
_MICROS = 1_000_000
#: exponents beyond this are a state gone wrong (a huge rewind), not arithmetic to do
_MAX_EXPONENT = 900.0


class Overflow(ArithmeticError):
    """An exponent left the range the sum is kept in; rebuild the state from the activities."""


def power(offset: int, inverse: float) -> tuple[float, float]:
    """2^(offset·inverse) for ``offset`` in µs and ``inverse`` = 1/half-life in 1/s.

    Returns the value and a bound on its relative error: the exponent carries
    four roundings (``inverse`` two of them), each worth ln 2·|y|·u in the
    result, and ``pow`` adds at most 8u.
    """
    exponent = (offset / _MICROS) * inverse
    if exponent > _MAX_EXPONENT:
        raise Overflow(f"exponent {exponent:g}")
    # far below the range the result underflows to 0 or a subnormal: TINY covers it
    return 2.0**exponent, (3.0 * abs(exponent) + 10.0) * U


@dataclass(slots=True)
class DecaySum:
    """Σ 2^((tᵢ − anchor)/h) over some times tᵢ (µs), and a bound on the error of ``total``."""

    anchor: int
    total: float = 0.0
    error: float = 0.0

    def add(self, at: int, inverse: float, sign: float = 1.0) -> None:
        """Add (``sign`` 1) or take away (``sign`` −1) the term of the time ``at``."""
        value, relative = power(at - self.anchor, inverse)
        self.total += sign * value
        self.error += value * relative + U * abs(self.total) + TINY

    def reset(self, anchor: int) -> None:
        """Empty, which is exact."""
        self.anchor, self.total, self.error = anchor, 0.0, 0.0

    def rebase(self, anchor: int, inverse: float) -> None:
        """Express the same sum against ``anchor``."""
        factor, relative = power(self.anchor - anchor, inverse)
        total = self.total * factor
        self.error = (
            self.error * factor * (1 + relative)
            + abs(self.total) * factor * relative
            + U * abs(total)
            + TINY
        )
        self.total, self.anchor = total, anchor

    def at(self, now: int, inverse: float) -> tuple[float, float]:
        """Σ 2^(−(now − tᵢ)/h), and a bound on its error."""
        factor, relative = power(self.anchor - now, inverse)
        value = self.total * factor
        error = (
            self.error * factor * (1 + relative)
            + abs(self.total) * factor * relative
            + U * abs(value)
            + TINY
        )
        return value, error


def raw_bounds(
    points: int, exact: int, past: int, faded: float, faded_error: float
) -> tuple[float, float]:
    """An interval sure to hold the raw sum ``score_lead`` computes for a fading rule.

    ``exact`` activities are dated at or after now (``score_lead`` counts each
    as exactly ``points``); ``past`` ones are older, their faded values summing
    to ``faded`` (± ``faded_error``). ``score_lead`` rounds each older term by at
    most 11·points·u (an exponent with four roundings is worth at most
    4u·ln 2·max(x·2^−x) = 1.5u of ``points``; ``pow`` 8u; the product u) and
    its running sum by γₙ₋₁ times the sum of the terms.
    """
    if past == 0:  # whole numbers only: the float sum is exact
        raw = float(exact * points)
        return raw, raw
    scaled = points * faded
    estimate = scaled + exact * points
    own = points * faded_error * (1 + 2 * U) + U * (abs(scaled) + abs(estimate))
    per_term = past * (11 * points * U + TINY)
    theirs = per_term + (exact + past - 1) * U * 1.001 * (estimate + own + per_term)
    margin = 4 * (own + theirs) + TINY
    return max(0.0, estimate - margin), estimate + margin
