"""Emailed links confirm exactly what they were sent for."""

from __future__ import annotations

from .helpers import PASSWORD, make_app, sign_in


def test_an_old_confirmation_link_cannot_undo_an_email_change(client, smtp, make_member):
    make_member(email="old@example.com", verified=False)
    sign_in(client, "old@example.com")
    client.post("/account/verify/resend")
    old_link = smtp.link("old@example.com", "/verify/")

    response = client.post(
        "/account/email",
        data={"email-email": "new@example.com", "email-current_password": PASSWORD},
    )
    assert response.status_code == 303
    assert client.post(smtp.link("new@example.com", "/verify/")).status_code == 303

    stale = client.post(old_link)
    assert stale.status_code == 400
    assert "no longer use" in stale.get_data(as_text=True)
    assert client.get("/account/export").json["member"]["email"] == "new@example.com"


def test_an_anonymous_post_to_a_limited_account_route_asks_to_sign_in(migrated, app):
    limited = make_app(migrated, RATELIMIT_ENABLED=True)
    response = limited.test_client().post("/account/email", data={"email-email": "x@example.com"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
