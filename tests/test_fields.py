"""fields.whole_number, the one reader of whole numbers: as the API and most forms read them,
and digits-only, as the network rules form reads them (app/followup/service.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.fields import FieldProblems, whole_number

WHOLE = "Reminders must be a whole number."
BETWEEN = "Reminders must be between 1 and 720."


def read(value, **options):
    problems = FieldProblems()
    number = whole_number(problems, "n", value, label="Reminders", low=1, high=720, **options)
    return number, problems.get("n")


@pytest.mark.parametrize(
    ("value", "lenient", "digits_only"),
    [
        ("12", (12, None), (12, None)),
        (12, (12, None), (12, None)),
        (" 12 ", (12, None), (12, None)),
        ("0012", (12, None), (12, None)),
        # What int() takes and a person typing digits does not mean.
        ("+12", (12, None), (None, WHOLE)),
        ("1_2", (12, None), (None, WHOLE)),
        ("\u0661\u0662", (12, None), (None, WHOLE)),  # Arabic-Indic 12
        (12.0, (12, None), (None, WHOLE)),
        (Decimal("12"), (12, None), (None, WHOLE)),
        # Blank is missing, not malformed, once trimmed.
        ("  ", (None, WHOLE), (None, "Reminders is required.")),
        # Refused by both, with the same message.
        ("12.0", (None, WHOLE), (None, WHOLE)),
        ("many", (None, WHOLE), (None, WHOLE)),
        (True, (None, WHOLE), (None, WHOLE)),
        (2.5, (None, WHOLE), (None, WHOLE)),
        ([12], (None, WHOLE), (None, WHOLE)),
        ("12345678901", (None, BETWEEN), (None, WHOLE)),
        ("0", (None, BETWEEN), (None, BETWEEN)),
        ("-1", (None, BETWEEN), (None, WHOLE)),
        ("", (None, "Reminders is required."), (None, "Reminders is required.")),
        (None, (None, "Reminders is required."), (None, "Reminders is required.")),
    ],
)
def test_whole_number_and_its_digits_only_reading(value, lenient, digits_only):
    assert read(value) == lenient
    assert read(value, digits_only=True) == digits_only


def test_absent_and_not_required_is_none_without_a_problem():
    assert read("  ", digits_only=True, required=False) == (None, None)
    assert read(None, required=False) == (None, None)
