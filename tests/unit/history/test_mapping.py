"""The import mapping: validation that names the place, and row parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.history.mapping import (
    LeadMapping,
    MappingError,
    RowError,
    RowParser,
    load_mapping,
    parse_number,
    synthetic_email,
)

EXAMPLE = Path(__file__).parents[3] / "bot" / "history" / "examples" / "x-education-mapping.yaml"


def parser(**mapping: object) -> RowParser:
    return RowParser(LeadMapping.model_validate({"key": "id", **mapping}))


def test_the_shipped_example_is_valid_and_ignores_the_leaking_columns() -> None:
    mapping = load_mapping(EXAMPLE)
    leaking = {"Tags", "Lead Quality", "Lead Profile", "Last Notable Activity"}
    assert leaking <= set(mapping.ignore)
    assert not leaking & set(mapping.columns)
    assert not any(name.startswith("Asymmetrique") for name in mapping.read_columns())


def test_errors_name_the_place_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("key: id\ncolumns:\n  Visits: {to: attributes.visits, type: numbr}\n")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert any("columns.Visits.type" in p for p in caught.value.problems)


def test_an_unknown_target_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown target 'jobtitle'"):
        LeadMapping.model_validate({"key": "id", "columns": {"Title": "jobtitle"}})


def test_two_columns_cannot_feed_one_target() -> None:
    with pytest.raises(ValueError, match="several columns map to country"):
        LeadMapping.model_validate({"key": "id", "columns": {"A": "country", "B": "country"}})


def test_values_map_missing_words_booleans_and_numbers() -> None:
    row = parser(
        missing=["", "Select"],
        columns={
            "City": "attributes.city",
            "Opt out": {"to": "attributes.opt_out", "type": "boolean"},
            "Visits": {"to": "attributes.visits", "type": "number"},
            "Won": {"to": "converted"},
        },
    ).parse({"id": "a1", "City": "Select", "Opt out": "Yes", "Visits": "2.5", "Won": "0"})
    assert row.attributes == {"city": None, "opt_out": True, "visits": 2.5}
    assert row.fields == {"converted": False}


def test_a_value_map_can_turn_a_word_into_missing() -> None:
    row = parser(columns={"Country": {"to": "country", "values": {"unknown": None}}})
    assert row.parse({"id": "1", "Country": "unknown"}).fields == {"country": None}
    assert row.parse({"id": "1", "Country": "India"}).fields == {"country": "IN"}


def test_an_unrecognised_country_is_kept_as_an_attribute_with_a_warning() -> None:
    row = parser(columns={"Country": "country"}).parse({"id": "1", "Country": "Asia/Pacific"})
    assert row.fields == {"country": None}
    assert row.attributes == {"country_unrecognised": "Asia/Pacific"}
    assert row.warnings


def test_a_bad_value_names_its_column() -> None:
    p = parser(columns={"Visits": {"to": "attributes.visits", "type": "number"}})
    with pytest.raises(RowError, match="Visits: 'many' is not a number"):
        p.parse({"id": "1", "Visits": "many"})


def test_a_row_without_a_key_is_refused() -> None:
    with pytest.raises(RowError, match="id: the key is empty"):
        parser().parse({"id": "  "})


def test_rows_without_email_get_a_stable_synthetic_identity() -> None:
    assert synthetic_email("856fd959-07ED") == "856fd959-07ed@import.invalid"
    odd = synthetic_email("Müller & Co")
    assert odd == synthetic_email("Müller & Co")
    assert odd.startswith("key-") and odd.endswith("@import.invalid")
    p = parser(columns={"Mail": "email"})
    assert p.parse({"id": "7", "Mail": ""}).email == "7@import.invalid"
    assert p.parse({"id": "7", "Mail": "Ann@Example.com"}).email == "ann@example.com"


def test_counters_become_activity_counts_and_yes_counts_once() -> None:
    p = parser(
        columns={
            "Downloads": "activity.content_download",
            "Webinar": {"to": "activity.webinar", "type": "boolean"},
        }
    )
    row = p.parse({"id": "1", "Downloads": "3", "Webinar": "yes"})
    assert row.counters == {"content_download": 3, "webinar": 1}
    with pytest.raises(RowError, match="Downloads"):
        p.parse({"id": "1", "Downloads": "1.5", "Webinar": "no"})


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [("1,234", ".", 1234), ("1.234,5", ",", 1234.5), ("0", ".", 0), ("-2.5", ".", -2.5)],
)
def test_numbers(text: str, decimal: str, expected: float) -> None:
    assert parse_number(text, decimal) == expected


def test_not_a_finite_number() -> None:
    with pytest.raises(ValueError, match="finite"):
        parse_number("inf")
