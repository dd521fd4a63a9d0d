"""Reading values that people and programs send: forms, JSON bodies and query strings alike.

Each reader takes the problems dict, the field's name, the raw value and a label; it returns
the value in its Python type, or None with a message for the person under the field's name.
Pages, the JSON API, lists and services all read through this one module.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

MAX_VALUE = Decimal("9999999999.99")
# What a date or a moment must look like, in messages.
DAY = "a date like 2026-05-04"
MOMENT = "a date and time like 2026-05-04T09:30"
QUERY_MOMENT = "a date like 2026-05-04 or a date-time with offset"
# Ids are 32-bit integers in every table: anything larger is no record of ours.
MAX_ID = 2**31 - 1
# Numbered pages of a list go this far; past that, narrow the search.
MAX_PAGE = 10_000


# Characters that reorder what follows them on screen (Trojan Source, CVE-2021-42574): a name
# with them reads differently from what it is.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Line breaks that a multi-line text (a reason, a note) may keep; everything else in these
# classes is refused everywhere.
LINE_BREAKS = frozenset("\n\r\t")
# Invisible format characters (zero-width space, word joiner, BOM, soft hyphen, tags, …,
# Unicode category Cf) let "Dr Daisy\u200bOsei" pass for "Dr Daisy Osei". Zero-width
# (non-)joiners stay: Persian, Arabic and Indic names are spelt with them.
JOINERS = frozenset("\u200c\u200d")


def refused_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character that no text of refnet may hold, or None when the text is clean.

    Refused in every text: control characters (NUL, ESC, CR/LF in one-line texts, DEL, C1),
    Unicode line and paragraph separators in one-line texts, bidirectional overrides and
    isolates, invisible format characters but the joiners, lone surrogates. Multi-line
    texts (reasons, notes, a bio) keep LF, CR and tab. One-line texts (names, e-mail
    addresses, subjects, every mail header) keep none of them: a line break in a header is
    a header of the attacker's."""
    for char in value:
        if multiline and char in LINE_BREAKS:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") or char in BIDI_CONTROLS:
            return char
        if category == "Cf" and char not in JOINERS:
            return char
        if not multiline and category in ("Zl", "Zp"):
            return char
    return None


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
    multiline: bool = False,
) -> str | None:
    """Text of one line (a name, a phone number), or with `multiline` of several lines (a
    reason, notes); control characters refused either way (`refused_character`)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems[name] = f"{label} is required."
        return None
    if not isinstance(value, str):
        problems[name] = f"{label} must be text."
        return None
    value = value.strip()
    if refused_character(value, multiline=multiline) is not None:
        problems[name] = f"{label} contains characters that are not allowed."
        return None
    if len(value) < min_len:
        problems[name] = f"{label} needs at least {min_len} characters."
    elif len(value) > max_len:
        problems[name] = f"{label} can have at most {max_len} characters."
    return value


def encodable(value: str) -> bool:
    """False for lone surrogates, which no database can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def valid_unicode(value, depth: int = 0) -> bool:
    """Every string in a decoded JSON value is storable (no lone surrogates), 32 levels deep."""
    if depth > 32:
        return False
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return all(
            valid_unicode(k, depth + 1) and valid_unicode(v, depth + 1) for k, v in value.items()
        )
    if isinstance(value, list):
        return all(valid_unicode(v, depth + 1) for v in value)
    return True


def search_text(problems: FieldProblems, name: str, value: str | None, *, max_len: int) -> str:
    """A search term from a query string: '' when absent or refused."""
    value = value or ""
    if refused_character(value) is not None:
        problems[name] = f"{name} contains characters that are not allowed."
    elif len(value) > max_len:
        problems[name] = f"{name} can have at most {max_len} characters."
    else:
        return value
    return ""


def contains_pattern(term: str) -> str:
    """A LIKE pattern matching values that contain `term` (lower-cased) literally: `%`, `_`
    and the escape character itself are escaped; use with `escape="\\"`."""
    escaped = term.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_terms(args, names, *, max_len: int = 100) -> tuple[dict[str, str], FieldProblems]:
    """Search terms of a query string, each read by search_text; a refused one is ''. Pages
    search with what is left; the API answers the problems."""
    problems = FieldProblems()
    terms = {name: search_text(problems, name, args.get(name), max_len=max_len) for name in names}
    return terms, problems


def query_integer(
    problems: FieldProblems, name: str, value: str | None, *, low: int, high: int
) -> int | None:
    """A whole number from a query string, within [low, high]; None when absent."""
    if value in (None, ""):
        return None
    if not _digits(value) or not low <= int(value) <= high:
        problems[name] = f"{name} must be a whole number from {low} to {high}."
        return None
    return int(value)


def _digits(value) -> bool:
    """Text of plain digits, at most 10 of them: no sign, "_", space or other script's digits
    (int() takes "+1_0", " 10 " and Arabic-Indic digits; a digits-only reader does not)."""
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10


def query_ids(problems: FieldProblems, name: str, value: str | None, *, most: int = 20) -> set[int]:
    """Record ids from a query string, comma-separated ("4,17"); empty when absent."""
    ids = set()
    for part in (value or "").split(",")[: most + 1]:
        number = query_integer(problems, name, part.strip(), low=1, high=MAX_ID)
        if number is not None:
            ids.add(number)
    if len((value or "").split(",")) > most:
        problems[name] = f"{name} can list at most {most} ids."
    return ids


def query_moment(
    problems: FieldProblems, name: str, value: str | None, *, end_of_day: bool = False
) -> datetime | None:
    """A date (midnight UTC; with `end_of_day`, the next midnight) or an ISO date-time (UTC
    when it has no offset) from a query string. With `end_of_day` the moment is exclusive:
    "sent on or before 2026-05-04" compares with before 2026-05-05T00:00."""
    value = (value or "").strip()
    if not value:
        return None
    read = {"label": name, "example": QUERY_MOMENT, "years": (2000, 2200)}
    if len(value) == 10:
        parsed = _iso(problems, name, value, date.fromisoformat, **read)
        if parsed is None:
            return None
        start = datetime.combine(parsed, time(), UTC)
        return start + timedelta(days=1) if end_of_day else start
    parsed = _iso(problems, name, value.replace("Z", "+00:00"), datetime.fromisoformat, **read)
    if parsed is None:
        return None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC) + (timedelta(microseconds=1) if end_of_day else timedelta())


def integer(problems: FieldProblems, name: str, value, *, label: str) -> int | None:
    """An id from a form or a JSON body: a whole number from 1 to MAX_ID, required."""
    number = _whole(problems, name, value, label=label, required=True)
    if number is not None and not 0 < number <= MAX_ID:
        problems[name] = f"{label} is out of range."
        return None
    return number


def whole_number(
    problems: FieldProblems,
    name: str,
    value,
    *,
    label: str,
    low: int,
    high: int,
    required: bool = True,
    digits_only: bool = False,
) -> int | None:
    """A whole number within [low, high] from a form or a JSON body (text or number); None
    when absent and not required. With `digits_only`, text is trimmed and must then be plain
    digits ("12", never "+12", "1_2" or "12.0"), and a number must be an int (never 12.0)."""
    number = _whole(problems, name, value, label=label, required=required, digits_only=digits_only)
    if number is not None and not low <= number <= high:
        problems[name] = f"{label} must be between {low} and {high}."
        return None
    return number


def _whole(
    problems: FieldProblems, name: str, value, *, label: str, required: bool, digits_only=False
) -> int | None:
    if digits_only and isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        if required:
            problems[name] = f"{label} is required."
        return None
    # Whole numbers only: 2.9 is not member 2, and True is not member 1.
    if (
        isinstance(value, bool)
        or (isinstance(value, float) and not value.is_integer())
        or (digits_only and not (isinstance(value, int) or _digits(value)))
    ):
        problems[name] = f"{label} must be a whole number."
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        problems[name] = f"{label} must be a whole number."
        return None


NUMBER = re.compile(r"[0-9]{1,9}(\.[0-9]{1,6})?")


def number(problems: FieldProblems, name: str, value, *, label: str, whole: bool) -> float | None:
    """A plain non-negative number typed in a form ("48", "0.25"); with `whole`, an int.
    Ranges are the caller's rule."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        problems[name] = f"{label} is required."
        return None
    if not NUMBER.fullmatch(text) or (whole and "." in text):
        kind = "a whole number" if whole else "a number such as 0.25"
        problems[name] = f"{label} must be {kind}."
        return None
    return int(text) if whole else float(text)


def moment(problems: FieldProblems, name: str, value, *, label: str, tz: str) -> datetime | None:
    """An ISO date-time; without an offset it is read in the network's timezone."""
    if isinstance(value, datetime):
        value = value.isoformat()
    if value is None or value == "":
        problems[name] = f"{label} is required."
        return None
    if not isinstance(value, str) or not value.strip():
        problems[name] = f"{label} must be {MOMENT}."
        return None
    text = value.strip().replace("Z", "+00:00")
    read = {"label": label, "example": MOMENT, "years": (2000, 2200)}
    parsed = _iso(problems, name, text, datetime.fromisoformat, **read)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parsed.astimezone(UTC)


def day(problems: FieldProblems, name: str, value, *, label: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        problems[name] = f"{label} is required."
        return None
    if not isinstance(value, str):
        problems[name] = f"{label} must be {DAY}."
        return None
    read = {"label": label, "example": DAY, "years": (1900, 2200)}
    return _iso(problems, name, value.strip(), date.fromisoformat, **read)


def _iso(problems: FieldProblems, name: str, text: str, parse, *, label, example, years):
    """`parse(text)` within the years; otherwise None and a message saying what fits."""
    try:
        parsed = parse(text)
    except ValueError:
        problems[name] = f"{label} must be {example}."
        return None
    if not years[0] <= parsed.year <= years[1]:
        problems[name] = f"{label} is out of range."
        return None
    return parsed


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
