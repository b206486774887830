"""Keys shared by every process of an installation, kept in the metadata database.

A key is made on first use by whichever process needs it first; the primary key on its name settles a race
(the loser reads the winner's key), so every server sharing the database, on any machine and whatever its
workspace folder, signs and checks with the same key.
"""

from __future__ import annotations

import secrets
from contextlib import suppress

from tunefork.errors import ConflictError
from tunefork.store.models import Secret
from tunefork.workspace import Workspace

KEY_BYTES = 32


def shared_secret(workspace: Workspace, name: str) -> bytes:
    """The key ``name`` of this installation (``KEY_BYTES`` random bytes), created once."""
    with workspace.session() as session:
        found = session.get(Secret, name)
    if found is None:
        with suppress(ConflictError), workspace.session() as session:  # another process made it first
            session.add(Secret(name=name, value=secrets.token_hex(KEY_BYTES)))
        with workspace.session() as session:
            found = session.get(Secret, name)
    return bytes.fromhex(found.value)
