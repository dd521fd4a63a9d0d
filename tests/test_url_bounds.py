"""Numbers in URLs are bounded and paging links carry only known parameters (issue 9, S6):
a huge page number or an `endpoint` parameter is a clear answer, never a 500."""

from __future__ import annotations

import pytest

from app.models import AuditLog, Notification, Role

HUGE = "99999999999999999999"
LISTS = ("/members/", "/notifications/", "/admin/users/", "/admin/audit/")


@pytest.fixture
def admin_with_pages(make, db):
    """An admin who sees more than one page of every numbered list."""
    network = make.network()
    for n in range(30):
        make.member(network, name=f"Member {n:02}")
    admin = make.user(Role.ADMIN)
    for n in range(55):
        make.practitioner(make.member(network, name=f"Practice {n:02}"))
    db.session.add_all(
        Notification(user_id=admin.id, kind="send", message=f"Note {n}") for n in range(35)
    )
    db.session.add_all(
        AuditLog(user_id=admin.id, action="view", entity="member") for _ in range(55)
    )
    db.session.commit()
    return admin


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("page", [HUGE, "-1", "0", "abc", "10001"])
def test_a_page_out_of_range_is_a_422_not_a_500(admin_with_pages, login, path, page):
    response = login(admin_with_pages).get(f"{path}?page={page}")
    assert response.status_code == 422
    assert "There is no such page of this list." in response.get_data(as_text=True)


@pytest.mark.parametrize("path", LISTS)
def test_paging_links_carry_only_known_parameters(admin_with_pages, login, path):
    response = login(admin_with_pages).get(f"{path}?endpoint=x&_method=x&_external=1&q=")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'rel="next"' in html
    assert "endpoint=" not in html and "_method" not in html and "_external" not in html


def test_paging_links_keep_the_search(admin_with_pages, login):
    html = login(admin_with_pages).get("/members/?q=practice").get_data(as_text=True)
    assert 'href="/members/?q=practice&amp;page=2"' in html


def test_audit_ignores_an_entity_id_it_cannot_read(admin_with_pages, login):
    assert login(admin_with_pages).get(f"/admin/audit/?entity_id={HUGE}").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/referrals/2147483648",
        f"/referrals/{HUGE}",
        "/members/2147483648",
        f"/notifications/{HUGE}",
        f"/admin/users/{HUGE}/edit",
        f"/referrals/{HUGE}/documents/1",
        "/referrals/0",
    ],
)
def test_an_id_out_of_range_in_a_path_is_not_found(admin_with_pages, login, path):
    """PostgreSQL refused 2**31 as "integer out of range": a 500 before the fix."""
    assert login(admin_with_pages).get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [f"/referrals/{HUGE}/actions/accept", f"/tokens/{HUGE}/revoke", f"/members/{HUGE}/deactivate"],
)
def test_a_post_to_an_id_out_of_range_is_not_found(admin_with_pages, login, path):
    assert login(admin_with_pages).post(path).status_code == 404
