"""CHECK constraints of the models against those of a database, by name and by meaning.

Alembic's compare_metadata does not look at CHECK constraints, so a CHECK changed or
dropped in a model would leave the migration test green. Here each CHECK, from the models
and from the database, is brought to one normal text, so that what the model wrote, what
SQLite keeps (the text as created) and what PostgreSQL gives back (pg_get_constraintdef:
casts, ANY (ARRAY[...]), BETWEEN spelt out, a pair of parentheses round everything)
compare equal when they mean the same:

- case, whitespace and identifier quotes do not count; casts (`::text`) are dropped;
- `x = ANY (ARRAY[a, b])` is `x IN (a, b)`, `x <> ALL (ARRAY[...])` is `x NOT IN (...)`,
  and a list of one is a plain comparison: `x IN (a)` is `x = a`;
- `x BETWEEN a AND b` is `x >= a AND x <= b`;
- parentheses count only where they group an AND or an OR inside something else (other
  than a chain of the same operator): `(a = b) OR (c IS NULL)` is `a = b OR c IS NULL`,
  but `a OR (b AND c)` keeps its group.

Limits, accepted for a test: string literals are lowercased too, and a grouping that only
precedence implies (`a OR b AND c`) reads differently from the same one spelt out.
"""

from __future__ import annotations

import re

from sqlalchemy import CheckConstraint, MetaData, inspect, text
from sqlalchemy.engine import Connection

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | "(?P<quoted>[^"]*)"
      | (?P<cast>::)
      | (?P<number>\d+(?:\.\d+)?)
      | (?P<word>[a-z_][a-z0-9_$]*)
      | (?P<operator><>|!=|>=|<=|=|<|>|\|\||[-+*/%])
      | (?P<punctuation>[(),\[\]])
    )""",
    re.VERBOSE,
)
# Words that continue a type name after its first word (`character varying`, …).
_TYPE_WORDS = {"varying", "with", "without", "time", "zone", "precision"}
_BOOLEAN = {"and", "or"}
_NOT_NAMES = {"and", "or", "not", "in", "is", "null", "any", "all", "array"}
_CLOSING = {"(": ")", "[": "]"}


class Group(list):
    """A parenthesised or bracketed run of tokens."""

    def __init__(self, opening: str, items=()) -> None:
        super().__init__(items)
        self.opening = opening


def _tokens(sql: str) -> list[str]:
    text, out, position = sql.strip().lower(), [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ValueError(f"cannot read CHECK text at {text[position:]!r}")
        position = match.end()
        kind = match.lastgroup
        out.append(match.group(kind))
    return out


def _without_casts(tokens: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(tokens):
        if tokens[i] != "::":
            out.append(tokens[i])
            i += 1
            continue
        i += 2  # the cast and the type's first word
        while i < len(tokens) and tokens[i] in _TYPE_WORDS:
            i += 1
        if i < len(tokens) and tokens[i] == "(" and tokens[i + 1][0].isdigit():
            i = tokens.index(")", i) + 1  # varchar(9), numeric(12, 2)
        if tokens[i : i + 2] == ["[", "]"]:
            i += 2
    return ["<>" if t == "!=" else t for t in out]


def _tree(tokens: list[str]) -> Group:
    stack = [Group("")]
    for token in tokens:
        if token in _CLOSING:
            stack.append(Group(token))
        elif token in (")", "]"):
            group = stack.pop()
            if _CLOSING[group.opening] != token:
                raise ValueError("unbalanced brackets in CHECK text")
            stack[-1].append(group)
        else:
            stack[-1].append(token)
    if len(stack) != 1:
        raise ValueError("unbalanced brackets in CHECK text")
    return stack[0]


def _array_items(node) -> Group | None:
    """The items of `(ARRAY[...])`, however deeply parenthesised, or None."""
    while isinstance(node, Group) and node.opening == "(" and len(node) == 1:
        node = node[0]
    if isinstance(node, Group) and node.opening == "(" and len(node) == 2 and node[0] == "array":
        node = node[1]
    if isinstance(node, Group) and node.opening == "[":
        return Group("(", node)
    return None


def _boolean_operators(seq) -> set[str]:
    return {item for item in seq if isinstance(item, str) and item in _BOOLEAN}


def _normal(seq: Group) -> Group:
    items = [_normal(i) if isinstance(i, Group) else i for i in seq]
    out: list = []
    i = 0
    while i < len(items):
        item, rest = items[i], items[i + 1 :]
        # x = ANY (ARRAY[a, b]) → x IN (a, b);  x <> ALL (ARRAY[...]) → x NOT IN (...)
        if item in ("=", "<>") and len(rest) >= 2 and rest[0] in ("any", "all"):
            listed = _array_items(rest[1])
            if listed is not None:
                out += ["in"] if item == "=" else ["not", "in"]
                out.append(listed)
                i += 3
                continue
        # x BETWEEN a AND b → x >= a AND x <= b
        if item == "between" and out and len(rest) >= 3 and rest[1] == "and":
            out += [">=", rest[0], "and", out[-1], "<=", rest[2]]
            i += 4
            continue
        out.append(item)
        i += 1
    out = _single_item_lists(out)
    while (unwrapped := _unwrapped(out)) != out:
        out = unwrapped
    return Group(seq.opening, out)


def _single_item_lists(out: list) -> list:
    """x IN (a) → x = a;  x NOT IN (a) → x <> a."""
    result: list = []
    for item in out:
        if (
            isinstance(item, Group)
            and item.opening == "("
            and result
            and result[-1] == "in"
            and "," not in item
        ):
            result.pop()
            if result and result[-1] == "not":
                result[-1] = "<>"
            else:
                result.append("=")
            result.extend(item)
            continue
        result.append(item)
    return result


def _unwrapped(out: list) -> list:
    """Drop the parentheses that group nothing a reader needs (see the module's rules)."""
    outside = _boolean_operators(out)
    result: list = []
    for index, item in enumerate(out):
        is_list = index > 0 and out[index - 1] == "in"
        is_call = index > 0 and _is_name(out[index - 1])
        if isinstance(item, Group) and item.opening == "(" and not is_list and not is_call:
            inside = _boolean_operators(item)
            after_not = index > 0 and out[index - 1] == "not"
            alone = len(out) == 1
            same_chain = len(inside) == 1 and inside == outside and not after_not
            if alone or not inside or same_chain:
                result.extend(item)
                continue
        result.append(item)
    return result


def _text(seq) -> str:
    text, previous = "", None
    for item in seq:
        call = isinstance(item, Group) and _is_name(previous)
        if isinstance(item, Group):
            piece = item.opening + _text(item) + _CLOSING[item.opening]
        else:
            piece = item
        text += piece if piece == "," or call or not text else " " + piece
        previous = item
    return text


def _is_name(item) -> bool:
    """A function's name, before its arguments: `length(timezone)`."""
    return isinstance(item, str) and item[0].isalpha() and item not in _NOT_NAMES


def normalize_check(sql: str) -> str:
    """One text for every spelling of the same CHECK condition."""
    return _text(_normal(_tree(_without_casts(_tokens(sql)))))


_PG_CHECKS = text(
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE contype = 'c' AND conrelid = CAST(:table AS regclass)"
)


def model_checks(metadata: MetaData, dialect) -> dict[tuple[str, str], str]:
    """{(table, name): normal text} of every named CHECK of the models, as `dialect` says it."""
    found = {}
    for table in metadata.sorted_tables:
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint):
                sql = constraint.sqltext.compile(
                    dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False}
                )
                found[(table.name, str(constraint.name))] = normalize_check(str(sql))
    return found


def database_checks(connection: Connection, tables) -> dict[tuple[str, str], str]:
    """{(table, name): normal text} of every CHECK the database holds on these tables."""
    if connection.dialect.name == "postgresql":
        # Not the inspector's text: it is pretty-printed, without the parentheses that
        # precedence implies, and those are what tell `(a OR b) AND c` apart here.
        found = {}
        for table in tables:
            rows = connection.execute(_PG_CHECKS, {"table": table})
            for name, definition in rows:
                found[(table, name)] = normalize_check(definition.removeprefix("CHECK "))
        return found
    inspector = inspect(connection)
    return {
        (table, check["name"]): normalize_check(check["sqltext"])
        for table in tables
        for check in inspector.get_check_constraints(table)
    }


def check_differences(metadata: MetaData, connection: Connection) -> list[tuple]:
    """What differs between the models' CHECK constraints and the database's, as
    ("missing in database" | "only in database" | "changed", table, name, ...) tuples."""
    models = model_checks(metadata, connection.dialect)
    database = database_checks(connection, [t.name for t in metadata.sorted_tables])
    differences: list[tuple] = []
    for key in sorted(models.keys() - database.keys()):
        differences.append(("missing in database", *key, models[key]))
    for key in sorted(database.keys() - models.keys()):
        differences.append(("only in database", *key, database[key]))
    for key in sorted(models.keys() & database.keys()):
        if models[key] != database[key]:
            differences.append(("changed", *key, models[key], database[key]))
    return differences
