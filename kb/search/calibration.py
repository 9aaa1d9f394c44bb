"""Calibrated parameters of the ranking and the "no good match" gate, stored as data.

`calibration.json` beside this module holds one entry per embedder name (the vector space the
numbers were fitted in). The gate is a logistic regression over a handful of scale-free features
(see `ranking.gate_features`) with a decision threshold; fitting uses numpy only.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

CALIBRATION_PATH = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True, slots=True)
class Gate:
    """p(good match) = sigmoid(intercept + sum coef_i * (x_i - mean_i) / scale_i); accept if
    p >= threshold. A feature missing from the input counts as 0."""

    features: tuple[str, ...] = ()
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    coef: tuple[float, ...] = ()
    intercept: float = 0.0
    threshold: float = 0.0

    def probability(self, values: dict[str, float]) -> float:
        z = self.intercept
        for name, mean, scale, coef in zip(
            self.features, self.mean, self.scale, self.coef, strict=True
        ):
            z += coef * (values.get(name, 0.0) - mean) / (scale or 1.0)
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


# Accepts everything: used when no calibration exists for an embedder (e.g. in tests).
OPEN_GATE = Gate()


@dataclass(frozen=True, slots=True)
class Calibration:
    embedder: str = ""
    bm25_weight: float = 0.03
    identifier_weight: float = 0.1
    dense_top: int = 256
    candidates: int = 20
    gate: Gate = OPEN_GATE
    lexical_gate: Gate = OPEN_GATE
    notes: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        data = dict(data)
        for key in ("gate", "lexical_gate"):
            if key in data:
                data[key] = Gate(**{k: _tuple(v) for k, v in data[key].items()})
        return cls(**data)


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def load_calibration(embedder_name: str, path: str | Path | None = None) -> Calibration:
    """The calibration fitted for `embedder_name`, or an uncalibrated default (accept all)."""
    file = Path(path) if path else CALIBRATION_PATH
    try:
        entries = json.loads(file.read_text(encoding="utf-8"))["embedders"]
    except FileNotFoundError:
        return Calibration(embedder=embedder_name)
    if embedder_name in entries:
        return Calibration.from_json(entries[embedder_name])
    return Calibration(embedder=embedder_name)


def save_calibration(calibration: Calibration, path: str | Path | None = None) -> None:
    file = Path(path) if path else CALIBRATION_PATH
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {"embedders": {}}
    data["embedders"][calibration.embedder] = calibration.to_json()
    file.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def fit_logistic(
    x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, iterations: int = 50
) -> tuple[np.ndarray, float]:
    """L2-regularized logistic regression by Newton's method on standardized inputs.

    Returns (coefficients, intercept). Classes are reweighted to equal total weight, so the rare
    class (out-of-scope queries) is not drowned out.
    """
    n, d = x.shape
    weights = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max(n - y.sum(), 1)) * n
    design = np.hstack([x, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    penalty = np.eye(d + 1) * l2
    penalty[d, d] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -50, 50)))
        gradient = design.T @ (weights * (p - y)) + penalty @ beta
        hessian = (design * (weights * p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:d], float(beta[d])


def fit_gate(
    rows: list[dict[str, float]], labels: list[int], features: tuple[str, ...], *, l2: float = 1.0
) -> Gate:
    """Fit the gate's logistic part (threshold left at 0.5; choose it with `choose_threshold`)."""
    x = np.array([[row.get(f, 0.0) for f in features] for row in rows], dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    coef, intercept = fit_logistic((x - mean) / scale, y, l2=l2)
    return Gate(
        features=features,
        mean=tuple(round(float(v), 6) for v in mean),
        scale=tuple(round(float(v), 6) for v in scale),
        coef=tuple(round(float(v), 6) for v in coef),
        intercept=round(intercept, 6),
        threshold=0.5,
    )
