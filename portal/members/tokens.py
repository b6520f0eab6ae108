"""Signed, expiring, single-use links (verify email, reset password, sign-in link).

Tokens carry a fingerprint of the state they change, so that using one changes the
state and spends the token: a verify token names the email being verified; a reset
token the current password hash; a sign-in token the time of the last sign-in.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

VERIFY_MAX_AGE = 48 * 3600
CHANGE_EMAIL_MAX_AGE = 48 * 3600
RESET_MAX_AGE = 60 * 60
SIGN_IN_MAX_AGE = 10 * 60


class TokenError(ValueError):
    """The link is broken, expired or already used; the message says which, plainly."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"],
        salt=f"portal.{purpose}",
        signer_kwargs={"digest_method": hashlib.sha256},
    )


def fingerprint(*parts: object) -> str:
    seed = "|".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(seed.encode()).hexdigest()[:24]


def stamp(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict:
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError(_("This link has expired.")) from exc
    except BadSignature as exc:
        raise TokenError(
            _("This link is not valid. It may have been copied incompletely.")
        ) from exc
    if not isinstance(payload, dict):
        raise TokenError(_("This link is not valid."))
    return payload
