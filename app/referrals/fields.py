"""Reading the values an action needs, from a form or JSON alike; each problem names its field."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

MAX_VALUE = Decimal("9999999999.99")


class FieldProblems(dict):
    """field name → message; raise InvalidReferral(…, problems) when not empty."""


def text(
    problems: FieldProblems,
    name: str,
    value,
    *,
    label: str,
    required: bool,
    min_len=1,
    max_len=2000,
) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems[name] = f"{label} is required."
        return None
    if not isinstance(value, str):
        problems[name] = f"{label} must be text."
        return None
    value = value.strip()
    if "\x00" in value or not _encodable(value):
        problems[name] = f"{label} contains characters that are not allowed."
        return None
    if len(value) < min_len:
        problems[name] = f"{label} needs at least {min_len} characters."
    elif len(value) > max_len:
        problems[name] = f"{label} can have at most {max_len} characters."
    return value


def _encodable(value: str) -> bool:
    """False for lone surrogates, which no database can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def integer(problems: FieldProblems, name: str, value, *, label: str) -> int | None:
    if value is None or value == "":
        problems[name] = f"{label} is required."
        return None
    # Whole numbers only: 2.9 is not member 2, and True is not member 1.
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        problems[name] = f"{label} must be a whole number."
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        problems[name] = f"{label} must be a whole number."
        return None
    if not 0 < number < 2**31:
        problems[name] = f"{label} is out of range."
        return None
    return number


def moment(problems: FieldProblems, name: str, value, *, label: str, tz: str) -> datetime | None:
    """An ISO date-time; without an offset it is read in the network's timezone."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            problems[name] = f"{label} must be a date and time like 2026-05-04T09:30."
            return None
    elif value is None or value == "":
        problems[name] = f"{label} is required."
        return None
    else:
        problems[name] = f"{label} must be a date and time like 2026-05-04T09:30."
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    if not 2000 <= parsed.year <= 2200:
        problems[name] = f"{label} is out of range."
        return None
    return parsed.astimezone(UTC)


def day(problems: FieldProblems, name: str, value, *, label: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            problems[name] = f"{label} must be a date like 2026-05-04."
            return None
        if not 1900 <= parsed.year <= 2200:
            problems[name] = f"{label} is out of range."
            return None
        return parsed
    if value is None or (isinstance(value, str) and not value.strip()):
        problems[name] = f"{label} is required."
    else:
        problems[name] = f"{label} must be a date like 2026-05-04."
    return None


def money(problems: FieldProblems, name: str, value, *, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        problems[name] = f"{label} must be an amount like 1250.00."
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        problems[name] = f"{label} must be an amount like 1250.00."
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_VALUE:
        problems[name] = f"{label} must be between 0 and {MAX_VALUE}."
        return None
    if amount != amount.quantize(Decimal("0.01")):
        problems[name] = f"{label} has at most two decimals."
        return None
    return amount


def local_noon(value: date, tz: str) -> datetime:
    """A visit day as a moment: noon in the network's timezone keeps the day on every clock."""
    return datetime.combine(value, time(12, 0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def add_months(value: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = value.month - 1 + months
    year, month = value.year + month_index // 12, month_index % 12 + 1
    for day_of_month in (value.day, 30, 29, 28):
        try:
            return value.replace(year=year, month=month, day=day_of_month)
        except ValueError:
            continue
    raise AssertionError("unreachable")
