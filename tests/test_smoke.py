from app.models import Role


def test_sign_in_shows_dashboard(make, login):
    member = make.member(name="Dr Rivera Practice")
    user = make.practitioner(member, name="Dr Rivera")
    client = login(user)
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Hello, Dr Rivera" in page.get_data(as_text=True)


def test_coordinator_dashboard(make, login):
    network = make.network(name="Riverside")
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    page = login(coordinator).get("/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Riverside at a glance" in html
