"""Membership rules: plain functions that change rows in one transaction.

They take plain values, never touch `request` or templates, and raise
`FieldError` (shown by a form field) or `TokenError` (an emailed link is spent).
Split by what they do (accounts, sessions, emailed links, the export); everything a
view or a test calls is importable from here.
"""

from __future__ import annotations

from portal.domain import FieldError
from portal.members.services.accounts import (
    CONSENT_VERSION,
    JoinResult,
    authenticate,
    change_password,
    check_password,
    delete_account,
    email_key,
    find_by_email,
    find_by_handle,
    join,
    make_admin,
    set_locale,
    set_notifications,
    set_password,
    update_profile,
)
from portal.members.services.export import export
from portal.members.services.links import (
    AlreadyConfirmed,
    check_sign_in_link,
    check_verify_link,
    confirm_email,
    member_for_reset,
    reset_password,
    reset_token,
    send_link,
    send_verification,
    sign_in_token,
    sign_in_with_link,
    verify_token,
)
from portal.members.services.sessions import (
    REMEMBER_FOR,
    SESSION_FOR,
    Suspended,
    add_session,
    end_all_sessions,
    end_session,
    load_session,
    start_session,
)

__all__ = [
    "AlreadyConfirmed",
    "check_sign_in_link",
    "check_verify_link",
    "CONSENT_VERSION",
    "REMEMBER_FOR",
    "SESSION_FOR",
    "Suspended",
    "FieldError",
    "JoinResult",
    "add_session",
    "authenticate",
    "change_password",
    "check_password",
    "confirm_email",
    "delete_account",
    "email_key",
    "end_all_sessions",
    "end_session",
    "export",
    "find_by_email",
    "find_by_handle",
    "join",
    "make_admin",
    "load_session",
    "member_for_reset",
    "reset_password",
    "reset_token",
    "send_link",
    "send_verification",
    "set_locale",
    "set_notifications",
    "set_password",
    "sign_in_token",
    "sign_in_with_link",
    "start_session",
    "update_profile",
    "verify_token",
]
