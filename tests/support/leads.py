"""Lead profiles several tests score."""

from __future__ import annotations

from typing import Any

#: a VP at a mid-size German company: fit enough for the packaged rules' MQL threshold
SENIOR_BUYER: dict[str, Any] = {
    "email": "vp@initech.com",
    "job_title": "VP Engineering",
    "company": "Initech",
    "company_size": 300,
    "country": "DE",
    "attributes": {},
}
