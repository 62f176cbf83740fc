"""The verdict: adopt the proposed weights only when the held-out evidence says so.

Judged on the outcome the weights were fitted for (churn or contraction within 6 months),
on the held-out months, with the account-bootstrap intervals of `intervals.py`:

- a score *ranks* the outcome when its whole AUC interval lies above 0.5 (chance);
- **nothing_ranks**: neither the configured nor the proposed score ranks it: the data does
  not support any weights (no vars to paste);
- **adopt**: the proposed score ranks it and the whole interval of the AUC difference
  (proposed − configured) lies above 0: the vars to paste are printed;
- **worse**: the whole interval of the difference lies below 0: keep the configured weights;
- **no_difference**: otherwise (the interval of the difference includes 0, or the proposed
  score is better but does not rank the outcome itself): keep them too;
- **no_verdict**: the held-out months hold only one class of the outcome.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from cs_metrics.calibrate.intervals import Interval, PairedIntervals, level_label

CHANCE_AUC = 0.5


@dataclass(frozen=True)
class Verdict:
    kind: str  # adopt, no_difference, worse, nothing_ranks, no_verdict
    text: str

    @property
    def adopt(self) -> bool:
        """True when the proposed weights should replace the configured ones (vars printed)."""
        return self.kind == "adopt"

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "adopt": self.adopt}


def ranks(auc_interval: Interval) -> bool:
    """A score ranks the outcome when its whole AUC interval lies above chance."""
    return auc_interval.above(CHANCE_AUC)


def _span(interval: Interval, pattern: str) -> str:
    if interval.low is None or interval.high is None:
        return "no interval"
    return f"{pattern.format(interval.low)} to {pattern.format(interval.high)}"


def decide(
    configured_auc: float | None,
    proposed_auc: float | None,
    intervals: PairedIntervals,
    outcome: str,
) -> Verdict:
    """The verdict (module docstring) for one outcome's held-out figures."""
    if configured_auc is None or proposed_auc is None:
        return Verdict(
            "no_verdict", f"No verdict: the held-out months hold only one class of {outcome}."
        )
    level = level_label(intervals.level)
    if not ranks(intervals.first_auc) and not ranks(intervals.second_auc):
        return Verdict(
            "nothing_ranks",
            f"Neither score ranks {outcome} better than chance on the held-out months: AUC"
            f" {configured_auc:.3f} configured ({level} interval"
            f" {_span(intervals.first_auc, '{:.3f}')}), {proposed_auc:.3f} proposed"
            f" ({_span(intervals.second_auc, '{:.3f}')}): neither interval lies above"
            f" {CHANCE_AUC}. Check the usage, billing, NPS and support data before trusting"
            " any weights; keep the configured ones.",
        )
    difference = intervals.auc_difference
    figures = (
        f"AUC {proposed_auc:.3f} proposed vs {configured_auc:.3f} configured, a difference of"
        f" {proposed_auc - configured_auc:+.3f} whose {level} interval"
        f" ({_span(difference, '{:+.3f}')})"
    )
    if difference.above(0.0) and ranks(intervals.second_auc):
        return Verdict(
            "adopt",
            f"The proposed weights rank {outcome} better on the held-out months: {figures}"
            " lies above 0. Consider adopting them (check the band sizes below: they move"
            " with the weights).",
        )
    if difference.above(0.0):
        return Verdict(
            "no_difference",
            f"The proposed weights rank {outcome} better than the configured ones ({figures}"
            " lies above 0), but not better than chance (AUC interval"
            f" {_span(intervals.second_auc, '{:.3f}')}). Keep the configured weights.",
        )
    if difference.below(0.0):
        return Verdict(
            "worse",
            f"The proposed weights rank {outcome} worse on the held-out months: {figures}"
            " lies below 0. Keep the configured weights.",
        )
    return Verdict(
        "no_difference",
        f"The proposed weights do not rank {outcome} measurably better on the held-out months:"
        f" {figures} includes 0. Keep the configured weights.",
    )
