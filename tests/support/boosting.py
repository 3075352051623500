"""The baseline calibrated points are measured against: gradient boosting on the same leads.

scikit-learn's ``HistGradientBoostingClassifier`` with its defaults, on the
columns the points see: text columns declared categorical, numbers as they
are, missing values as missing. Identity fields (names, company, phone,
website) are left out; the points only score them as given or missing.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from bot.history.evaluate import roc_auc
from bot.history.records import LabelledRecord

_IDENTITY = {"email", "first_name", "last_name", "company", "phone", "website", "attributes"}


def _flat(record: LabelledRecord) -> dict[str, Any]:
    values = {k: v for k, v in record.profile.items() if k not in _IDENTITY}
    return {**values, **record.profile.get("attributes", {})}


def boosting_auc(
    train: list[LabelledRecord], held: list[LabelledRecord], **settings: Any
) -> tuple[float, float]:
    """(ROC AUC on ``held``, seconds to encode, fit and predict) of boosting fitted on ``train``."""
    started = time.perf_counter()
    rows = [_flat(r) for r in train], [_flat(r) for r in held]
    columns = sorted({key for part in rows for row in part for key in row})
    text = [any(isinstance(row.get(c), str) for row in rows[0]) for c in columns]
    codes: dict[str, dict[str, int]] = {c: {} for c in columns}

    def encode(part: list[dict[str, Any]]) -> np.ndarray:
        matrix = np.full((len(part), len(columns)), np.nan)
        for i, row in enumerate(part):
            for j, column in enumerate(columns):
                value = row.get(column)
                if value is None or value == "":
                    continue
                if text[j]:
                    value = codes[column].setdefault(str(value).casefold(), len(codes[column]))
                matrix[i, j] = float(value)
        return matrix

    model = HistGradientBoostingClassifier(
        categorical_features=np.array(text), random_state=0, **settings
    )
    model.fit(encode(rows[0]), [r.label for r in train])
    predicted = model.predict_proba(encode(rows[1]))[:, 1]
    return roc_auc([r.label for r in held], list(predicted)), time.perf_counter() - started
