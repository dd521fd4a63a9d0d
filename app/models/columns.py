"""Column helpers used by several models."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


def enum_column_type(enum_cls: type[StrEnum], name: str) -> Enum:
    """Store an enum as its value in a VARCHAR with a CHECK constraint on every database."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(v.value) for v in enum_cls),
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )
