"""Median time to hash and verify one password with the portal's argon2id settings.

    .venv/bin/python bench/password_hash.py [--rounds 25]

SECURITY.md asks for the figure: it is what every sign-in (and every attempt,
known address or not) costs the server, and what each guess costs an attacker.
"""

from __future__ import annotations

import argparse
import statistics
import time

from portal.members.passwords import _hasher, hash_password, verify_password


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    rounds = parser.parse_args().rounds
    password = "a phrase of a few words for timing"
    hashes, checks = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        digest = hash_password(password)
        hashes.append(time.perf_counter() - start)
        start = time.perf_counter()
        assert verify_password(digest, password)
        checks.append(time.perf_counter() - start)
    print(
        f"argon2id m={_hasher.memory_cost} KiB t={_hasher.time_cost} p={_hasher.parallelism}: "
        f"hash median {statistics.median(hashes) * 1000:.1f} ms, "
        f"verify median {statistics.median(checks) * 1000:.1f} ms ({rounds} rounds)"
    )


if __name__ == "__main__":
    main()
