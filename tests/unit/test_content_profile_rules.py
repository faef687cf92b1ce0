"""The content profile's rules (`ContentProfileIn`, `words_range_error`), without HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pressrun.services.settings_rules import ContentProfileIn, words_range_error


def valid(**fields: Any) -> dict[str, Any]:
    return ContentProfileIn.model_validate(fields).model_dump(exclude_unset=True)


@pytest.mark.parametrize(
    ("tag", "stored"),
    [
        ("en", "en"),
        ("EN-gb", "en-GB"),
        ("pt-BR", "pt-BR"),
        ("zh-hans", "zh-Hans"),
        ("sr-Latn-RS", "sr-Latn-RS"),
        ("es-419", "es-419"),
        ("fil", "fil"),
    ],
)
def test_language_tags_are_accepted_in_their_usual_case(tag: str, stored: str) -> None:
    assert valid(language=tag) == {"language": stored}


@pytest.mark.parametrize(
    "tag", ["", "e", "english", "en_GB", "en-", "en-GBR1", "zh-Hans-CN-x", "12", " en"]
)
def test_other_language_values_are_refused(tag: str) -> None:
    with pytest.raises(ValidationError) as err:
        ContentProfileIn.model_validate({"language": tag})
    assert err.value.errors()[0]["loc"] == ("language",)


def test_text_is_trimmed_and_avoided_topics_kept_once() -> None:
    assert valid(audience="  cooks ", avoid=[" Gluten ", "gluten", "sugar"]) == {
        "audience": "cooks",
        "avoid": ["Gluten", "sugar"],
    }


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"audience": "a" * 301}, "audience"),
        ({"tone": "a" * 201}, "tone"),
        ({"brand_name": "a" * 101}, "brand_name"),
        ({"house_style": "a" * 2001}, "house_style"),
        ({"point_of_view": "second"}, "point_of_view"),
        ({"target_words_min": 299}, "target_words_min"),
        ({"target_words_max": 5001}, "target_words_max"),
        ({"target_words_max": 1000.0}, "target_words_max"),
        ({"target_words_min": True}, "target_words_min"),
        ({"avoid": ["a"] * 51}, "avoid"),
        ({"avoid": [""]}, "avoid"),
        ({"avoid": ["\t"]}, "avoid"),
        ({"avoid": [3]}, "avoid"),
        ({"audience": None}, "audience"),
        ({"voice": "warm"}, "voice"),
    ],
)
def test_each_rule_names_its_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        ContentProfileIn.model_validate(fields)
    assert {e["loc"][0] for e in err.value.errors()} == {field}


def test_the_limits_themselves_are_accepted() -> None:
    fields = {
        "audience": "a" * 300,
        "tone": "t" * 200,
        "brand_name": "b" * 100,
        "house_style": "h" * 2000,
        "target_words_min": 300,
        "target_words_max": 5000,
        "avoid": [f"{n}" * 200 for n in range(10)] + [f"term {n}" for n in range(40)],
    }
    assert valid(**fields) == fields


def test_the_length_range_blames_the_end_that_was_sent() -> None:
    assert words_range_error(900, 1500, set()) is None
    assert words_range_error(1000, 1000, {"target_words_min"}) is None
    low = words_range_error(1600, 1500, {"target_words_min"})
    assert low is not None and low[0] == "target_words_min"
    assert "(1600) must not exceed target_words_max (1500)" in low[1]
    high = words_range_error(900, 800, {"target_words_max"})
    assert high is not None and high[0] == "target_words_max"
    both = words_range_error(900, 800, {"target_words_min", "target_words_max"})
    assert both is not None and both[0] == "target_words_min"
