"""Values for each action of the state-machine test: good ones, and the bad ones to refuse.

`values_for` draws what a person types into the action's form (or an API client sends),
valid or not, and says which columns a success must leave behind, with which values.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from app.models import ReferralKind
from app.referrals.states import Action
from tests.state_machine_cast import Cast, months_later

ANY_TEXT = object()  # an expected value: some non-empty text, its wording left to the service
UNCHECKED = object()  # may change; check_success checks it against the target it finds


def values_for(
    data, action: Action, row: dict, good: bool, cast: Cast, now: datetime
) -> tuple[dict, dict]:
    """Values for an action, valid or not, and the columns a success must leave behind."""
    draw = data.draw
    values: dict = {}
    expect: dict = {}
    bad: list[dict] = []
    if action == Action.ACCEPT:
        expect = {"accepted_at": now}
    elif action == Action.DECLINE:
        code, reason = draw(
            st.sampled_from(
                [
                    ("no_capacity", "No capacity this month"),
                    ("other", "  Out of our scope  "),
                    ("wrong_specialty", None),
                ]
            )
        )
        values = {"reason_code": code}
        if reason is not None:
            values["reason"] = reason
        suggested = None
        if draw(st.booleans()):  # the one member that is neither side and can receive
            suggested = cast.third_member(row)
            values["suggested_member_id"] = draw(st.sampled_from([suggested, str(suggested)]))
        expect = {
            "declined_at": now,
            "reason_code": code,
            "status_reason": reason.strip() if reason else "Wrong specialty",
            "suggested_member_id": suggested,
        }
        bad = [{"reason_code": "other", "reason": r} for r in (None, "", "no", "   ", 42)]
        bad += [{"reason_code": c, "reason": "Full"} for c in (None, "", "busy", 3)]
        bad += [
            {"reason_code": "no_capacity", "suggested_member_id": v}
            for v in (cast.member_ids["O"], "abc", 0, 10**7, True)
        ]
    elif action == Action.FORWARD:
        target = cast.third_member(row)
        reason = draw(st.sampled_from([None, "", "Better fit for this case"]))
        values = {"receiver_id": draw(st.sampled_from([target, str(target)]))}
        if reason is not None:
            values["reason"] = reason
        expect = {"declined_at": now, "status_reason": reason or ANY_TEXT}
        wrong = [row["receiver_id"], row["sender_id"], 10**7, None, "", "abc", 0, True]
        wrong += [cast.member_ids[m] for m in "DEO"]
        bad = [{"receiver_id": v} for v in wrong] + [{"receiver_id": target, "reason": 5}]
    elif action == Action.CANCEL:
        code, reason = draw(
            st.sampled_from(
                [("client_declined", "Client moved away"), ("other", " Sent by mistake ")]
            )
        )
        values = {"reason_code": code, "reason": reason}
        expect = {"cancelled_at": now, "reason_code": code, "status_reason": reason.strip()}
        bad = [{"reason_code": "other", "reason": r} for r in (None, "", "ok", "  ", 12)]
        bad += [{"reason": "Client moved away"}, {"reason_code": "moved", "reason": "Moved"}]
    elif action == Action.EXPIRE:
        expect = {"expired_at": now, "status_reason": ANY_TEXT}
    elif action in (Action.SCHEDULE, Action.RESCHEDULE):
        ahead = timedelta(days=draw(st.integers(1, 700)), minutes=draw(st.integers(0, 1439)))
        at = (now + ahead).replace(microsecond=0)
        local = at.astimezone(cast.tz).replace(tzinfo=None)
        form = draw(st.sampled_from(["utc", "z", "local", "object", "now"]))
        if form == "now":
            at, value = now, now.isoformat()
        else:
            value = {
                "utc": at.isoformat(),
                "z": at.isoformat().replace("+00:00", "Z"),
                "local": local.isoformat(timespec="minutes"),
                "object": at,
            }[form]
            if form == "local":  # read back in the network's timezone
                at = local.replace(tzinfo=cast.tz).astimezone(UTC)
        if action == Action.RESCHEDULE and at == row["appointment_at"]:  # a new time it is
            at += timedelta(minutes=1)
            value = at.isoformat()
        values = {"appointment_at": value}
        expect = {"scheduled_at": now, "appointment_at": at}
        if action == Action.RESCHEDULE:  # a new time; when it was first scheduled stays
            expect = {"appointment_at": at}
        accepted = row["accepted_at"] or now
        bad = [
            {"appointment_at": v}
            for v in (
                None,
                "",
                "next tuesday",
                "2030-02-30T09:00",
                "1999-01-01T09:00",
                (accepted - timedelta(hours=1)).isoformat(),
                (now + timedelta(days=800)).isoformat(),
                12,
            )
        ]
        if action == Action.RESCHEDULE and row["appointment_at"] is not None:
            bad.append({"appointment_at": row["appointment_at"].isoformat()})  # the same time
    elif action == Action.RECORD_VISIT:
        today = now.astimezone(cast.tz).date()
        sent_day = row["sent_at"].astimezone(cast.tz).date()
        visit = sent_day + timedelta(days=draw(st.integers(0, (today - sent_day).days)))
        values = {"visit_date": draw(st.sampled_from([visit, visit.isoformat()]))}
        early = (
            row["appointment_at"] is not None
            and visit < row["appointment_at"].astimezone(cast.tz).date()
        )
        if early:  # a visit before its appointment is confirmed, or refused
            values["confirm_early_visit"] = draw(st.sampled_from([True, "on"]))
        expect = {
            "visited_at": datetime.combine(visit, time(12), cast.tz).astimezone(UTC),
            "valid_until": months_later(visit, cast.validity),
        }
        bad = [
            {"visit_date": v}
            for v in (
                None,
                "",
                "last week",
                "2026-13-01",
                "1899-12-31",
                (today + timedelta(days=1)).isoformat(),
                (sent_day - timedelta(days=1)).isoformat(),
            )
        ]
        if early:
            bad.append({"visit_date": visit.isoformat()})
            bad.append({"visit_date": visit.isoformat(), "confirm_early_visit": False})
    elif action == Action.NO_SHOW:
        values = draw(
            st.sampled_from(
                [
                    {},
                    {"cancel": False},
                    {"cancel": "no"},
                    {"cancel": False, "reason_code": "client_unreachable"},
                    {"cancel": True, "reason_code": "client_unreachable"},
                    {"cancel": "on", "reason_code": "other", "reason": " Client moved away "},
                ]
            )
        )
        if values.get("cancel") in (True, "on"):
            expect = {
                "cancelled_at": now,
                "status_reason": ANY_TEXT,
                "reason_code": values["reason_code"],
            }
            if "reason" in values:
                expect["status_reason"] = values["reason"].strip()
        else:
            expect = {"appointment_at": None, "scheduled_at": None}
        bad = [{"cancel": True, "reason_code": "other", "reason": 7}, {"cancel": True}]
        bad += [{"reason_code": "gone"}]
    elif action == Action.CLOSE:
        outcome = draw(st.sampled_from(["Treated; follow-up in 6 months", " Engaged "]))
        if row["kind"] == ReferralKind.CLINICAL:
            value, amount = draw(st.sampled_from([None, ""])), None
            wrong_values = ["100", 0, "0.00"]
        else:
            value = draw(st.sampled_from([None, "", "1250.50", "0", 300, Decimal("9.99")]))
            amount = None if value in (None, "") else Decimal(str(value))
            wrong_values = ["-1", "abc", "1.234", "NaN", True, "1e20"]
        values = {"outcome": outcome}
        if value is not None:
            values["value"] = value
        expect = {"closed_at": now, "outcome": outcome.strip(), "business_value": amount}
        bad = [{"outcome": o} for o in (None, "", "ok", 5)]
        bad += [{"outcome": outcome, "value": v} for v in wrong_values]
    elif action == Action.REQUEST_INFO:
        question = draw(st.sampled_from(["Latest blood results?", "  Which medication?  "]))
        values = {"question": question}
        expect = {"info_requested_at": now, "info_question": question.strip()}
        bad = [{"question": q} for q in (None, "", "no", "   ", 7, "x" * 5001, "a\x00b")]
    elif action == Action.PROVIDE_INFO:
        answer = draw(st.sampled_from(["Results attached.", "  None at the moment  "]))
        values = {"answer": answer}
        asked = row["info_requested_at"] or now
        waited = max(int((now - asked).total_seconds()), 0)
        expect = {
            "info_requested_at": None,
            "info_question": None,
            "sender_wait_seconds": row["sender_wait_seconds"] + waited,
        }
        bad = [{"answer": a} for a in (None, "", " ", 3, "x" * 5001)]
    elif action == Action.INTERIM_REPORT:
        values = {"report": draw(st.sampled_from(["Seen; results pending.", " Bloods sent "]))}
        bad = [{"report": r} for r in (None, "", "ok", 4, "x" * 5001)]
    elif action == Action.REOPEN:
        values = {"reason": draw(st.sampled_from(["Client asked again", " Closed too early "]))}
        # What the end recorded is cleared; a missed visit's appointment too.
        cleared = ("closed_at", "outcome", "business_value", "cancelled_at", "status_reason")
        expect = dict.fromkeys([*cleared, "reason_code"])
        expect |= dict.fromkeys(
            ["appointment_at", "scheduled_at", "info_requested_at", "info_question"], UNCHECKED
        )
        bad = [{"reason": r} for r in (None, "", "no", 9)]
    # Every action takes an optional note; a bad one spoils otherwise good values.
    note = draw(st.sampled_from([None, "", "Phoned the client", "  padded  "]))
    if note is not None:
        values["note"] = note
    bad += [values | {"note": n} for n in (123, "x" * 2001, "bad\x00note")]
    if not good:
        values = draw(st.sampled_from(bad))
    return values, expect
