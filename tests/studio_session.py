"""The studio's test client and sign-in, shared by the page tests (``pytest_plugins = ["studio_session"]``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tunefork.service.app import create_app
from tunefork.workspace import Workspace

TOKEN = "web-test-token"


@pytest.fixture
def client(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A client of the app (no job consumer: jobs run when a test says so), not signed in."""
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    with TestClient(create_app(workspace)) as test_client:
        yield test_client


def sign_in(client: TestClient) -> str:
    """Sign in and return the CSRF token the pages embed."""
    response = client.post("/studio/signin", data={"token": TOKEN, "next": "/studio/"})
    assert response.status_code == 200
    return re.search(r'name="csrf" value="([0-9a-f]+)"', response.text).group(1)
