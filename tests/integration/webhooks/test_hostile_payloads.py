"""Hostile but correctly signed bodies: every answer is a 2xx or a 4xx, never a 500.

A 500 makes a Standard Webhooks sender retry for days, so whatever JSON a
sender can produce must either be stored or refused with a 422 that names
the path. The property tests throw arbitrary JSON into every free-form
field (custom profile fields, ``attributes``, ``activity.properties``).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.leads.events import LeadIn
from tests.support.ingest import activity_event, live_app
from tests.support.postgres import truncate_all

NOTHING = {"event": 0, "lead": 0, "activity": 0}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db_url(request, tmp_path_factory: pytest.TempPathFactory, sqlite_template) -> str:
    """One database per backend for all the examples of the property tests."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_database")
        truncate_all(url)
        return url
    path = tmp_path_factory.mktemp("hostile") / "leadbot.db"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{path}"


@pytest.fixture
def app(db_url):
    with live_app(db_url) as live:
        yield live


def nested(depth: int, leaf: Any = 1) -> Any:
    """``depth`` levels of alternating objects and lists around ``leaf``."""
    value = leaf
    for level in range(depth):
        value = {"k": value} if level % 2 else [value]
    return value


def event_with(place: str, value: Any) -> dict[str, Any]:
    """An activity event carrying ``value`` in one free-form place."""
    event = activity_event()
    if place == "attributes":
        event["lead"]["attributes"] = {"x": value}
    elif place == "custom_field":
        event["lead"]["crm_notes"] = value
    else:
        event["activity"]["properties"] = {"x": value}
    return event


FREE_FORM = ["attributes", "custom_field", "properties"]
PATHS = {
    "attributes": "lead.attributes.x",
    "custom_field": "lead.crm_notes",
    "properties": "activity.properties.x",
}


@pytest.mark.parametrize("place", FREE_FORM)
@pytest.mark.parametrize("depth", [40, 300, 10_000])
def test_deep_nesting_is_refused_with_its_path(app, place, depth) -> None:
    # json.dumps itself recurses; build the text of the deepest case by hand
    text = json.dumps(event_with(place, "HOLE")).replace('"HOLE"', "[" * depth + "1" + "]" * depth)
    response = app.post_json_text(text)
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    # too deep for the JSON decoder itself to walk: the body as a whole is refused
    assert error["path"].startswith(PATHS[place] if depth < 1000 else "body")
    assert "nested deeper than 32 levels" in error["message"]
    assert app.counts() == NOTHING


def test_nesting_within_the_limit_is_stored(app) -> None:
    response = app.post(event_with("attributes", nested(20)))
    assert response.status_code == 202, response.text


@pytest.mark.parametrize("place", FREE_FORM)
@pytest.mark.parametrize("number", [2**63, -(2**63) - 1, 10**40])
def test_integers_beyond_64_bits_are_refused(app, place, number) -> None:
    response = app.post_json_text(json.dumps(event_with(place, number)))
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"path": PATHS[place], "message": "this number does not fit in 64 bits; send it as text"}
    ]
    assert app.counts() == NOTHING


def test_company_size_beyond_64_bits_is_refused(app) -> None:
    response = app.post_json_text(json.dumps(activity_event(company_size=2**70)))
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "lead.company_size"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_numbers_json_cannot_represent_are_refused(app, literal) -> None:
    text = json.dumps(event_with("properties", "HOLE")).replace('"HOLE"', literal)
    response = app.post_json_text(text)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["path"] == "activity.properties.x"


@pytest.mark.parametrize(
    ("document", "path"),
    [
        (activity_event(first_name="Ann\ud800"), "lead.first_name"),
        (event_with("attributes", "a\udfffb"), "lead.attributes.x"),
        (event_with("properties", {"\ud83d": 1}), "activity.properties.x.\ud83d"),
        (event_with("custom_field", ["ok", "\udc00"]), "lead.crm_notes[1]"),
    ],
    ids=["name", "attribute", "property-key", "custom-field-list"],
)
def test_lone_surrogates_are_refused(app, document, path) -> None:
    response = app.post_json_text(json.dumps(document))  # ensure_ascii: \\udXXX escapes
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["path"].encode("utf-8", "backslashreplace") == path.encode(
        "utf-8", "backslashreplace"
    )
    assert "surrogate" in error["message"]
    assert app.counts() == NOTHING


def test_company_size_beyond_any_company_is_kept_as_an_attribute(app) -> None:
    response = app.post(activity_event(company_size=3_000_000_000))
    assert response.status_code == 202, response.text
    assert "company_size" in response.json()["warnings"][0]


def test_an_over_long_delivery_id_is_refused(app) -> None:
    response = app.post({"events": [activity_event()]}, msg_id="m" * 300)
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "webhook-id"
    assert app.counts() == NOTHING


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
@pytest.mark.parametrize(
    ("document", "path"),
    [
        (activity_event(), "occurred_at"),
        (activity_event(), "activity.occurred_at"),
        ({"type": "lead.outcome", "lead": {"email": "a@b.example"},
          "outcome": {"result": "won"}}, "outcome.closed_at"),
    ],
    ids=["event", "activity", "outcome"],
)  # fmt: skip
def test_times_beyond_the_calendar_are_refused(app, stamp, document, path) -> None:
    document = json.loads(json.dumps(document))
    target = document
    *parents, name = path.split(".")
    for part in parents:
        target = target[part]
    target[name] = stamp
    response = app.post(document)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"path": path, "message": "must lie between 1900 and 2200"}
    ]


def test_oversized_free_form_json_is_refused(app) -> None:
    attributes = {f"k{i}": "v" * 100 for i in range(400)}  # about 44 kB, under the body limit
    response = app.post({**activity_event(), "lead": {"email": "a@b.example", **attributes}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "lead.attributes"


# -- property tests ---------------------------------------------------------------

ODD_STRINGS = st.sampled_from(["\ud800", "a\udfffb", "\x00", "\u202egnp.exe", "", " " * 3])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | ODD_STRINGS
)
KEYS = st.text(max_size=12) | ODD_STRINGS | st.from_regex(r"[A-Za-z0-9_.:-]{1,64}", fullmatch=True)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=30,
) | st.integers(min_value=1, max_value=400).map(nested)

#: every answer the property tests saw, by status (printed at the end of the module)
ANSWERS: Counter[int] = Counter()


@pytest.fixture(scope="module")
def shared_app(module_db_url):
    ANSWERS.clear()
    with live_app(module_db_url) as live:
        yield live
    backend = module_db_url.split(":", 1)[0].split("+")[0]
    answers = dict(sorted(ANSWERS.items()))
    print(f"\nproperty tests on {backend}: {sum(ANSWERS.values())} examples, answers {answers}")


def _send(app, document: Any) -> int:
    status = app.post_json_text(json.dumps(document, allow_nan=True)).status_code
    ANSWERS[status] += 1
    return status


PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY_SETTINGS
@given(place=st.sampled_from(FREE_FORM), value=JSON_VALUES)
def test_any_json_in_a_free_form_field_is_stored_or_refused(shared_app, place, value) -> None:
    status = _send(shared_app, event_with(place, value))
    assert 200 <= status < 500, status


@PROPERTY_SETTINGS
@given(attributes=st.dictionaries(KEYS, JSON_VALUES, max_size=6))
def test_any_custom_profile_fields_are_stored_or_refused(shared_app, attributes) -> None:
    event = activity_event()
    event["lead"].update({k: v for k, v in attributes.items() if k != "email"})
    status = _send(shared_app, event)
    assert 200 <= status < 500, status


PROFILE_FIELDS = sorted(LeadIn.model_fields)


@PROPERTY_SETTINGS
@given(lead=st.dictionaries(st.sampled_from(PROFILE_FIELDS), JSON_VALUES, max_size=8))
def test_any_value_in_any_profile_field_is_stored_or_refused(shared_app, lead) -> None:
    event = activity_event()
    event["lead"].update(lead)
    status = _send(shared_app, event)
    assert 200 <= status < 500, status


TIMES = st.datetimes(timezones=st.timezones()).map(lambda t: t.isoformat()) | st.sampled_from(
    ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "2024-02-30T00:00:00Z"]
)
OUTCOME = {"type": "lead.outcome", "lead": {"email": "a@b.example"}, "outcome": {"result": "won"}}
ENVELOPE_PLACES = [
    ("id",), ("occurred_at",), ("type",), ("activity", "type"), ("activity", "occurred_at"),
    ("outcome", "result"), ("outcome", "amount"), ("outcome", "currency"),
    ("outcome", "closed_at"), ("outcome", "reason"),
]  # fmt: skip


@PROPERTY_SETTINGS
@given(place=st.sampled_from(ENVELOPE_PLACES), value=JSON_VALUES | TIMES)
def test_any_value_in_any_envelope_field_is_stored_or_refused(shared_app, place, value) -> None:
    event = json.loads(json.dumps(OUTCOME if place[0] == "outcome" else activity_event()))
    target = event
    for part in place[:-1]:
        target = target[part]
    target[place[-1]] = value
    status = _send(shared_app, event)
    assert 200 <= status < 500, status
