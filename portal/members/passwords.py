"""Password rules (NIST SP 800-63B) and hashing with argon2id.

werkzeug's default scrypt is below OWASP's guidance, so we use argon2-cffi with
OWASP's minimum profile: m = 19 MiB, t = 2, p = 1.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

MIN_LENGTH = 15
MAX_LENGTH = 256

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when an email is unknown, so that both cases cost one hash. A
# constant (the hash of a long random phrase, with the same parameters), because
# hashing at import would cost every gunicorn worker 19 MiB and 20 ms at start-up.
_DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$zgJVmXiwDnoYHosgdXQ3xg$EpyzuT1U31zW+lj2/v/Lm4EMkYU3Dw6WYgVm5eBS7+E"  # noqa: E501,S105


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and line[0] != "#")


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """What is wrong with a new password, in words for the form, or None."""
    if len(password) < MIN_LENGTH:
        return _(
            "Use at least %(count)s characters: a phrase of a few words is easy "
            "to remember and hard to guess.",
            count=MIN_LENGTH,
        )
    if len(password) > MAX_LENGTH:
        return _("Use at most %(count)s characters.", count=MAX_LENGTH)
    folded = password.lower()
    squeezed = "".join(folded.split())
    if folded in common_passwords() or squeezed in common_passwords():
        return _("That password is one of the most common ones. Please choose another phrase.")
    if len(set(squeezed)) <= 3:
        return _("That password repeats too few characters. Please choose a phrase.")
    for own in (email.lower(), email.lower().split("@")[0], name.lower()):
        if len(own) >= 4 and squeezed == "".join(own.split()):
            return _("Your password can't be your email address or name.")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches; an absent hash still costs one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
