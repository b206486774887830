"""Workspace, migrations and name/id resolution, on SQLite and (when reachable) PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from databases import PgSchema, postgres_unavailable
from sqlalchemy import inspect

from tunefork.errors import AmbiguousReferenceError, ConflictError, NotFoundError, TuneforkError
from tunefork.store.models import Dataset
from tunefork.store.repository import get_dataset, get_project
from tunefork.workflows import projects
from tunefork.workflows.shared_secrets import KEY_BYTES, delete_secret, find_secret, new_secret
from tunefork.workspace import Workspace


@pytest.fixture(params=["sqlite", "postgresql"])
def any_workspace(request, tmp_path: Path, monkeypatch) -> Workspace:
    """The same workspace on SQLite and on PostgreSQL (a throwaway schema), skipped when PG is down."""
    if request.param == "sqlite":
        ws = Workspace.open(tmp_path / "home")
        yield ws
        ws.close()
        return
    reason = postgres_unavailable()
    if reason is not None:
        pytest.skip(reason)
    schema = PgSchema()
    monkeypatch.setenv("TUNEFORK_DATABASE_URL", schema.url)
    ws = Workspace.open(tmp_path / "home")
    yield ws
    ws.close()
    schema.drop()


def test_migrations_create_tables_and_are_idempotent(any_workspace: Workspace) -> None:
    tables = set(inspect(any_workspace.engine).get_table_names())
    assert {"projects", "datasets", "models", "evaluations", "alembic_version"} <= tables
    Workspace.open(any_workspace.home).close()  # second upgrade is a no-op


def test_project_create_list_and_conflicts(any_workspace: Workspace) -> None:
    created = projects.create_project(any_workspace, "pharmacy", "speech", description="drug names")
    assert created["kind"] == "speech" and created["locale"] == "en-US"
    assert [p["name"] for p in projects.list_projects(any_workspace)] == ["pharmacy"]
    assert projects.show_project(any_workspace, created["id"])["name"] == "pharmacy"
    with pytest.raises(ConflictError, match="already exists"):
        projects.create_project(any_workspace, "pharmacy", "speech")
    with pytest.raises(TuneforkError, match="Unknown project kind"):
        projects.create_project(any_workspace, "x", "video")


def test_a_locale_is_checked_and_one_the_models_cannot_read_is_warned(any_workspace: Workspace) -> None:
    german = projects.create_project(any_workspace, "kundendienst", "language", locale="de_de")
    assert german["locale"] == "de-DE"
    (warning,) = german["warnings"]
    assert warning.startswith("Locale de-DE: language models here read English only") and "tfidf" in warning
    assert projects.show_project(any_workspace, "kundendienst")["warnings"] == [warning]
    assert projects.create_project(any_workspace, "fotos", "image", locale="fr-FR")["warnings"] == []  # no words
    assert projects.create_project(any_workspace, "calls", "speech", locale="en-gb")["warnings"] == []
    with pytest.raises(TuneforkError, match="'english' is not a locale: give a language code"):
        projects.create_project(any_workspace, "x", "speech", locale="english")
    with pytest.raises(TuneforkError, match="'en US' is not a locale"):
        projects.update_project(any_workspace, "calls", locale="en US")
    assert projects.show_project(any_workspace, "calls")["locale"] == "en-GB"  # kept
    assert projects.update_project(any_workspace, "calls", locale="es")["warnings"][0].startswith(
        "Locale es: speech models here read English only"
    )
    from tunefork.kinds import get_kind
    from tunefork.kinds.registry import locale_warning

    for english in ("en_US", "eng", "eng-GB"):  # stored before locales were checked; ISO 639-2 (a code review)
        assert locale_warning(get_kind("speech"), english) is None


def test_names_resolve_within_projects_and_ambiguity_is_explained(any_workspace: Workspace) -> None:
    first = projects.create_project(any_workspace, "alpha", "speech")
    second = projects.create_project(any_workspace, "beta", "speech")
    with any_workspace.session() as session:
        for project in (first, second):
            session.add(Dataset(project_id=project["id"], name="calls", kind="acoustic"))
    with any_workspace.session() as session:
        with pytest.raises(AmbiguousReferenceError, match="--project"):
            get_dataset(session, "calls")
        narrowed = get_dataset(session, "calls", project="beta")
        assert narrowed.project_id == second["id"]
        assert get_dataset(session, narrowed.id).name == "calls"
        with pytest.raises(NotFoundError, match="in project 'alpha'"):
            get_dataset(session, "missing", project="alpha")
        with pytest.raises(NotFoundError):
            get_project(session, "gamma")


def test_a_name_typed_in_other_letter_case_is_suggested(any_workspace: Workspace) -> None:
    """Names are looked up as typed (case matters), so a name in the wrong case is the commonest miss: it is
    suggested like a typo, even when short (``NLU`` for ``nlu``), in the case it has."""
    projects.create_project(any_workspace, "nlu", "language")
    projects.create_project(any_workspace, "RX-V1", "speech")
    with any_workspace.session() as session:
        with pytest.raises(NotFoundError, match=r"'NLU'\. Did you mean 'nlu'\?"):
            get_project(session, "NLU")
        with pytest.raises(NotFoundError, match=r"Did you mean 'RX-V1'\?"):
            get_project(session, "rx-v1")
        with pytest.raises(NotFoundError) as empty:
            get_project(session, "")
        assert "Did you mean" not in str(empty.value)


def test_home_comes_from_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TUNEFORK_HOME", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("TUNEFORK_DATABASE_URL", raising=False)
    ws = Workspace.open()
    assert ws.home == (tmp_path / "elsewhere").resolve()
    assert (ws.home / "tunefork.db").exists()
    ws.close()


def test_a_lost_name_race_is_a_conflict_not_an_sql_error(any_workspace: Workspace) -> None:
    project = projects.create_project(any_workspace, "races", "speech")
    with any_workspace.session() as session:
        session.add(Dataset(project_id=project["id"], name="calls", kind="acoustic"))
    taken = "dataset with this name already exists"
    with pytest.raises(ConflictError, match=taken) as raised, any_workspace.session() as session:
        session.add(Dataset(project_id=project["id"], name="calls", kind="acoustic"))  # a raced second request
    assert "INSERT" not in str(raised.value) and raised.value.__cause__ is None


def test_a_shared_secret_is_found_by_every_process_on_the_database(
    any_workspace: Workspace, tmp_path: Path, monkeypatch
) -> None:
    """Processes with their own workspace folders find the key another made; a second key of the same name is
    refused, and a deleted one is gone for all."""
    monkeypatch.setenv("TUNEFORK_DATABASE_URL", any_workspace.settings.database_url)
    other = Workspace.open(tmp_path / "machine-b")
    try:
        key = new_secret(any_workspace, "session/1")
        assert len(key) == KEY_BYTES and find_secret(other, "session/1") == key
        with pytest.raises(ConflictError):
            new_secret(other, "session/1")
        delete_secret(other, "session/1")
        assert find_secret(any_workspace, "session/1") is None
    finally:
        other.close()


def test_names_with_control_characters_or_over_200_characters_are_refused(any_workspace: Workspace) -> None:
    with pytest.raises(TuneforkError, match="control characters"):
        projects.create_project(any_workspace, "evil\x1b[31mred", "speech")
    with pytest.raises(TuneforkError, match="at most 200"):
        projects.create_project(any_workspace, "n" * 201, "speech")
    with pytest.raises(TuneforkError, match="may not contain '/'"):  # GET /projects/a%2Fb could not find it
        projects.create_project(any_workspace, "a/b", "speech")
    for dots in (".", ".."):  # clients normalise GET /projects/.. to / (a security review)
        with pytest.raises(TuneforkError, match=r"may not be '\.' or '\.\.'"):
            projects.create_project(any_workspace, dots, "speech")
    assert (
        projects.create_project(any_workspace, "  [bold]markup[bold] is fine  ", "speech")["name"]
        == "[bold]markup[bold] is fine"
    )


def test_a_new_workspace_is_private(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("TUNEFORK_DATABASE_URL", raising=False)
    ws = Workspace.open(tmp_path / "private")
    assert ws.home.stat().st_mode & 0o777 == 0o700
    assert (ws.home / "tunefork.db").stat().st_mode & 0o777 == 0o600
    ws.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_started_at_once_on_an_empty_database_all_come_up(backend: str, tmp_path: Path) -> None:
    """A scale-out review started two servers and two workers on an empty PostgreSQL: the ones that lost the race
    to create the tables died with a UniqueViolation on alembic_version."""
    from threading import Barrier

    from tunefork.store.db import make_engine, upgrade_schema

    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        if (reason := postgres_unavailable()) is not None:
            pytest.skip(reason)
        schema = PgSchema()
        url = schema.url
    start = Barrier(4)

    def come_up(_: int) -> None:
        engine = make_engine(url)
        start.wait()
        try:
            upgrade_schema(engine)
        finally:
            engine.dispose()

    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(come_up, range(4)))  # re-raises the first failure
        engine = make_engine(url)
        assert "alembic_version" in inspect(engine).get_table_names()
        engine.dispose()
    finally:
        if schema is not None:
            schema.drop()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg2://tf:s3cret@db:5432/tf", "postgresql+psycopg2://tf:***@db:5432/tf"),
        ("postgresql+psycopg2://postgres@db:5499/x?password=s3cret", "postgresql+psycopg2://postgres@db:5499/x?password=***"),
        ("redis://db:6390/7?PassWord=s3cret&ssl=true", "redis://db:6390/7?PassWord=***&ssl=true"),
        ("redis://:s3cret@db:6379/0", "redis://:***@db:6379/0"),
        ("http://user:s3cret@objects:8333", "http://user:***@objects:8333"),
        ("https://h/b?X-Amz-Signature=s3cret&api_key=s3cret&pwd=s3cret#top", "https://h/b?X-Amz-Signature=***&api_key=***&pwd=***#top"),
        ("postgresql://u:pa/ss@word@db/x", "postgresql://u:***@db/x"),
        ("postgresql://u:pa?ss@db/x", "postgresql://u:***@db/x"),
        ("redis://:pa#ss@db:6379/0", "redis://:***@db:6379/0"),
        ("postgresql://u:pa ss'x\"y@db/x?sslmode=require", "postgresql://u:***@db/x?sslmode=require"),
        ("postgresql://u:pw@db/x?application_name=a@b&password=s3cret", "postgresql://u:***@db/x?application_name=a@b&password=***"),
        ("https://acct.blob.core.windows.net/c?sv=2022-11-02&se=2026&sig=s3cret", "https://acct.blob.core.windows.net/c?sv=2022-11-02&se=2026&sig=***"),
        ("https://h/b?mail=a@b&token=s3cret", "https://h/b?mail=a@b&token=***"),
        ("s3://tunefork/artifacts", "s3://tunefork/artifacts"),
        ("not a url", "not a url"),
    ],
)  # fmt: skip
def test_a_url_is_shown_without_its_secrets(url: str, shown: str) -> None:
    """A review saw ``?password=`` and an endpoint's ``user:PASSWORD@`` in clear: only the database URL's userinfo
    was masked."""
    from tunefork.store.redaction import redacted_text, redacted_url

    assert redacted_url(url) == shown
    assert redacted_text(f'Could not connect to "{url}": refused') == f'Could not connect to "{shown}": refused'
