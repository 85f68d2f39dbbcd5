"""What the demo's accounts share: one password, printed by `make run` for trying the site out.

Hashing a password is slow on purpose (a few hundred milliseconds with the production hasher), and it was
most of the time `seed_demo` took: the demo's forty accounts get one hash, made once per process.
"""

import functools

from django.contrib.auth.hashers import make_password


@functools.cache
def password_hash_once(password: str) -> str:
    """The password's hash, the same for every demo account that has it (they share the password anyway)."""
    return make_password(password)
