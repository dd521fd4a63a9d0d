"""What a row of a referral list carries: the columns each kind of list selects, in one place.

Lists read plain rows (the columns they render, joined in the page's one SELECT), not ORM
instances: at 25 rows a page no longer builds 100 objects, decodes each network's JSON
deadlines or fills a dozen datetime columns it never shows (docs/performance.md). A column
a list starts to show is one more entry in its shape below (a correlated count is a
labelled scalar subquery), and it arrives as an attribute of every `ListRow`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import FromClause, func, literal

from app.models import Client, Member, Network, Referral
from app.models.referral import FROM_OWN_LINK, origin_of
from app.referrals.status_rules import label_of, shown_status
from app.threads.unread import UNREAD_MESSAGES

_referral = Referral.__table__
_sender = Member.__table__.alias("sender")
_receiver = Member.__table__.alias("receiver")
_network = Network.__table__.alias("network")
_client = Client.__table__
# The referral a forward made from this one, as Referral.forwarded_to_id derives it.
_forwarded_to_id = Referral.__mapper__.column_attrs["forwarded_to_id"].expression


@dataclass(frozen=True, eq=False)
class RowShape:
    """The labelled columns a list selects, and the tables they come from (referral first).
    A shape is itself (identity), as the lists' statements are cached per shape."""

    columns: tuple[Any, ...]
    source: FromClause


# The API's list items (schemas.ReferralSummary): the referral's own columns, no client
# data and no other row; `display_status` and `status_label` are derived by ListRow.
SUMMARY = RowShape(
    columns=(
        _referral.c.id,
        _referral.c.status,
        _referral.c.version,
        _referral.c.sender_id,
        _referral.c.receiver_id,
        _referral.c.network_id,
        _referral.c.kind,
        _referral.c.priority,
        _referral.c.service,
        _referral.c.sent_at,
        _referral.c.appointment_at,
        _referral.c.forwarded_from_id,
        _forwarded_to_id.label("forwarded_to_id"),
    ),
    source=_referral,
)

# A row of the list pages (templates/referrals/_rows.html): who, what, where it stands; the
# time is shown in the referral's network's zone. A referral may have no sender (a client of
# the receiver's own link): the sender is joined outer, and named in words then.
WITH_PARTIES = RowShape(
    columns=(
        _referral.c.id,
        _referral.c.status,
        _referral.c.kind,
        _referral.c.priority,
        _referral.c.service,
        _referral.c.sent_at,
        _referral.c.sender_id,  # "Waiting for your answer" when the reader acts for it
        _forwarded_to_id.label("forwarded_to_id"),
        _client.c.given_name.label("client_given_name"),
        _client.c.family_name.label("client_family_name"),
        func.coalesce(_sender.c.name, literal(FROM_OWN_LINK)).label("sender_name"),
        _receiver.c.name.label("receiver_name"),
        _network.c.timezone.label("timezone"),
    ),
    source=_referral.join(_client, _client.c.id == _referral.c.client_id)
    .outerjoin(_sender, _sender.c.id == _referral.c.sender_id)
    .join(_receiver, _receiver.c.id == _referral.c.receiver_id)
    .join(_network, _network.c.id == _referral.c.network_id),
)


def with_column(shape: RowShape, column: Any) -> RowShape:
    """The shape with one more labelled column (one that depends on the viewer, say)."""
    return RowShape(columns=(*shape.columns, column), source=shape.source)


# The list pages' rows with the unread badge of each referral's thread (its reader is the
# parameter `viewer_id`, which app/referrals/listing.page_of binds).
WITH_PARTIES_UNREAD = with_column(WITH_PARTIES, UNREAD_MESSAGES)


class ListRow:
    """One referral of a list: its shape's columns as attributes, and its status as shown."""

    def __init__(self, mapping: Mapping[str, Any]) -> None:
        self.__dict__.update(mapping)

    @property
    def display_status(self) -> str:
        return shown_status(self.status, self.forwarded_to_id)

    @property
    def status_label(self) -> str:
        return label_of(self.status, self.forwarded_to_id)

    @property
    def origin(self) -> str:
        return origin_of(self.sender_id)

    @property
    def client_name(self) -> str:
        return f"{self.client_given_name} {self.client_family_name}"

    def __repr__(self) -> str:
        return f"<ListRow {self.__dict__.get('id')}>"
