"""The probability that an assigned issue code is right, from the evidence behind it.

A code reaches an article when its summed evidence passes the taxonomy's threshold; how
sure that is depends on how much evidence there is and where. ``Calibration`` turns the
evidence of one ``article_issues`` row into a probability with a logistic model whose
weights are fitted on real articles labelled outside the team (``scripts/calibrate.py``
fits them on ``../shared/realdev`` with cross-validation and writes
``seeds/calibration.yaml``, part of the taxonomy group: refit after a rule change).
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from transforms.errors import ReferenceDataError

# The evidence of one assigned code, in this order. Tried on realdev and left out, as they
# did not lower the out-of-fold Brier score: the share of sentences with evidence, the
# title, the position of the first evidence, the number of distinct rules, the length.
FEATURES = ("log_score", "strongest_hit")


def features(score: float, strongest_hit: float) -> tuple[float, ...]:
    """The model's inputs for one article-code row (see ``FEATURES``): the log of the
    summed evidence, and the weight of its strongest single hit (a term of the code's own
    vocabulary weighs 1, a word that needs company less)."""
    return (math.log(max(score, 1e-6)), strongest_hit)


@dataclass(frozen=True)
class Calibration:
    """Logistic weights over ``FEATURES``, and what they were fitted on."""

    intercept: float
    weights: tuple[float, ...]
    taxonomy_version: str
    fitted_on: str

    def probability(self, x: tuple[float, ...]) -> float:
        z = self.intercept + sum(w * v for w, v in zip(self.weights, x, strict=True))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def parse_calibration(data: Mapping[str, Any] | None) -> Calibration:
    """The Calibration of ``seeds/calibration.yaml``: an intercept, one weight per feature
    named in ``FEATURES`` (all of them), and the taxonomy version it was fitted for."""
    where = "calibration.yaml"
    if not isinstance(data, Mapping):
        raise ReferenceDataError(f"{where}: expected a mapping")
    try:
        weights = data["weights"]
        intercept = float(data["intercept"])
        taxonomy_version = str(data["taxonomy_version"])
        fitted_on = str(data.get("fitted_on", ""))
    except (KeyError, TypeError, ValueError) as exc:
        raise ReferenceDataError(f"{where}: missing or bad key {exc}") from exc
    if not isinstance(weights, Mapping) or set(weights) != set(FEATURES):
        raise ReferenceDataError(f"{where}: weights must name exactly {list(FEATURES)}")
    try:
        values = tuple(float(weights[f]) for f in FEATURES)
    except (TypeError, ValueError) as exc:
        raise ReferenceDataError(f"{where}: weights must be numbers: {exc}") from exc
    if not all(math.isfinite(v) for v in (*values, intercept)):
        raise ReferenceDataError(f"{where}: weights must be finite numbers")
    return Calibration(intercept, values, taxonomy_version, fitted_on)
