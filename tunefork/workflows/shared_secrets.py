"""Keys shared by every process of an installation, kept in the metadata database.

A key is made fresh under a new name (:func:`new_secret`; the primary key on its name refuses a second one), so
every server sharing the database, on any machine and whatever its workspace folder, finds it
(:func:`find_secret`) and signs and checks with it; deleting it ends what it signs on every server.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete

from tunefork.store.models import Secret
from tunefork.workspace import Workspace

KEY_BYTES = 32


def new_secret(workspace: Workspace, name: str) -> bytes:
    """Make and store a new random key under ``name`` (a name not in use: else
    :class:`~tunefork.errors.ConflictError`)."""
    value = secrets.token_hex(KEY_BYTES)
    with workspace.session() as session:
        session.add(Secret(name=name, value=value))
    return bytes.fromhex(value)


def find_secret(workspace: Workspace, name: str) -> bytes | None:
    """The key ``name``, or None when there is none (never made, or deleted)."""
    with workspace.session() as session:
        found = session.get(Secret, name)
        return None if found is None else bytes.fromhex(found.value)


def delete_secret(workspace: Workspace, name: str) -> None:
    """Delete the key ``name`` (nothing happens when there is none)."""
    with workspace.session() as session:
        session.execute(delete(Secret).where(Secret.name == name))


def delete_secrets_made_before(workspace: Workspace, prefix: str, before: datetime) -> int:
    """Delete the keys whose names start with ``prefix`` made before ``before``; how many went."""
    with workspace.session() as session:
        made_before = Secret.name.startswith(prefix, autoescape=True) & (Secret.created_at < before)
        return session.execute(delete(Secret).where(made_before)).rowcount
