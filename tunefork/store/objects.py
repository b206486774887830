"""Immutable, content-addressed artifact objects in a shared store (S3 through ``fsspec``/``s3fs``, or a folder).

An artifact folder (a dataset, an upload) is packed as a deterministic tar (sorted entries, zeroed
owners and times), named by its SHA-256 (``sha256-<hex>``) and stored once under
``<prefix>/objects/<2 hex>/<digest>.tar``. Objects are never changed: writing an existing digest is a
no-op, and readers verify the checksum of what they download. An S3 PUT is all-or-nothing; on a folder
store the object is written under a temporary name and renamed.
"""

from __future__ import annotations

import hashlib
import re
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tunefork.config import StorageSettings
from tunefork.errors import UnavailableError
from tunefork.store.redaction import redacted_text, redacted_url

DIGEST = re.compile(r"^sha256-[0-9a-f]{64}$")
CHUNK = 1 << 20
REFUSED_CREDENTIALS = re.compile(r"Forbidden|AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|\b403\b")
"""How S3 servers say that they refused the key or secret (botocore's ``ClientError`` texts)."""


class ObjectStoreError(UnavailableError):
    """The object store could not be reached, or an object is missing or corrupt (answered 503)."""

    names_store_internals = True


class ObjectMissingError(ObjectStoreError):
    """The store answered, but the object is not there (deleted, or never written)."""


def file_digest(path: Path) -> str:
    """``sha256-<hex>`` of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return f"sha256-{digest.hexdigest()}"


def pack(folder: Path, archive: Path) -> str:
    """Write ``folder`` as a deterministic tar at ``archive``; its digest (equal content, equal digest)."""
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                raise ObjectStoreError(f"{path.name}: only files and folders can be stored")
            info = tar.gettarinfo(str(path), arcname=path.relative_to(folder).as_posix())
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0
            info.mode = 0o755 if info.isdir() else 0o644
            if info.isfile():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    return file_digest(archive)


def unpack(archive: Path, digest: str, folder: Path) -> None:
    """Verify ``archive`` against ``digest``, then extract it into ``folder`` (safe paths only)."""
    actual = file_digest(archive)
    if actual != digest:
        raise ObjectStoreError(f"object {digest} failed its checksum (got {actual}); it was not used")
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")


class ObjectStore:
    """The shared store named by ``TUNEFORK_STORAGE_URL`` (``s3://bucket/prefix`` or ``file:///folder``)."""

    def __init__(self, settings: StorageSettings) -> None:
        import fsspec  # imported here: only installations with a shared store pay for it

        protocol, _, root = settings.url.partition("://")
        if protocol not in ("s3", "file") or not root.strip("/"):
            raise ObjectStoreError(
                f"TUNEFORK_STORAGE_URL {redacted_url(settings.url)!r}: expected s3://bucket/prefix or file:///folder"
            )
        options: dict[str, Any] = {}
        if protocol == "s3":
            client: dict[str, str] = {}
            if settings.endpoint_url:
                client["endpoint_url"] = settings.endpoint_url
            if settings.region:
                client["region_name"] = settings.region
            options = {"client_kwargs": client, "use_listings_cache": False, "skip_instance_cache": True}
            if settings.access_key:
                options.update(key=settings.access_key, secret=settings.secret_key)
            options["config_kwargs"] = {"connect_timeout": 5, "read_timeout": 60, "retries": {"max_attempts": 2}}
        self.url = settings.url
        self.protocol = protocol
        self.fs = fsspec.filesystem(protocol, **options)
        self.root = root.rstrip("/") if protocol == "s3" else "/" + root.strip("/")

    def _key(self, digest: str) -> str:
        if not DIGEST.match(digest):
            raise ObjectStoreError(f"{digest!r} is not an object digest")
        return f"{self.root}/objects/{digest[7:9]}/{digest}.tar"

    def _call(self, what: str, function: Any, *args: Any) -> Any:
        """Run a store call; failures become :class:`ObjectStoreError` with the reason (never a stack)."""
        try:
            return function(*args)
        except ObjectStoreError:
            raise
        except FileNotFoundError as exc:
            raise ObjectMissingError(f"{what}: not found in {redacted_url(self.url)}") from exc
        except Exception as exc:
            reason = redacted_text(f"{type(exc).__name__}: {exc}")
            raise ObjectStoreError(f"{what} failed on {redacted_url(self.url)}: {reason}; {self.hint(exc)}") from exc

    def hint(self, exc: BaseException) -> str:
        """What to check when a store call failed on ``exc``: the credential variables when the store refused
        them, else the store's address variables (``tunefork doctor`` checks them all)."""
        if self.protocol == "file":
            return "check TUNEFORK_STORAGE_URL and that the folder is mounted and writable (`tunefork doctor`)"
        if isinstance(exc, PermissionError) or REFUSED_CREDENTIALS.search(str(exc)):
            return (
                "the store refused the credentials: check TUNEFORK_S3_ACCESS_KEY_ID and TUNEFORK_S3_SECRET_ACCESS_KEY "
                "(else the AWS credential chain; `tunefork doctor` checks every setting)"
            )
        return (
            "check TUNEFORK_STORAGE_URL, TUNEFORK_S3_ENDPOINT_URL and that the store runs "
            "(`tunefork doctor` checks every setting)"
        )

    def exists(self, digest: str) -> bool:
        """True when the object is stored."""
        return bool(self._call(f"looking up {digest}", self.fs.exists, self._key(digest)))

    def put(self, archive: Path, digest: str) -> None:
        """Store ``archive`` as object ``digest`` (nothing to do when it is already there: objects are immutable)."""
        key = self._key(digest)
        if self.exists(digest):
            return
        if self.protocol == "s3":
            self._call(f"uploading {digest}", self.fs.put_file, str(archive), key)
            return
        temporary = f"{key}.{archive.stem}.partial"
        self._call(f"storing {digest}", self.fs.makedirs, key.rsplit("/", 1)[0], True)
        self._call(f"storing {digest}", self.fs.put_file, str(archive), temporary)
        self._call(f"storing {digest}", self.fs.mv, temporary, key)

    def get(self, digest: str, archive: Path) -> None:
        """Download object ``digest`` to the file ``archive`` (unverified: see :func:`unpack`)."""
        self._call(f"downloading {digest}", self.fs.get_file, self._key(digest), str(archive))

    def delete(self, digest: str) -> None:
        """Remove an object (orphans, and logged requests past their retention: see
        :func:`tunefork.workflows.storage.sweep_objects`, :mod:`tunefork.workflows.endpoint_logs`)."""
        self._call(f"deleting {digest}", self.fs.rm_file, self._key(digest))

    def objects(self) -> list[tuple[str, datetime | None]]:
        """Every stored object's digest and when it was written."""
        top = f"{self.root}/objects"
        if not self._call("listing objects", self.fs.exists, top):
            return []
        found = self._call("listing objects", self.fs.find, top, None, False, True)
        result = []
        for key, info in found.items():
            name = key.rsplit("/", 1)[-1]
            if name.endswith(".tar") and DIGEST.match(name[:-4]):
                modified = info.get("LastModified") or info.get("mtime") or info.get("created")
                if isinstance(modified, int | float):
                    modified = datetime.fromtimestamp(modified, UTC)
                result.append((name[:-4], modified))
        return result

    def check(self) -> str:
        """Reach the store (for ``tunefork doctor``): how many objects it holds."""
        if self.protocol == "s3":
            bucket = self.root.split("/", 1)[0]
            try:
                self.fs.call_s3("head_bucket", Bucket=bucket)
            except FileNotFoundError:
                raise ObjectStoreError(f"bucket {bucket!r} does not exist") from None
            except Exception as exc:
                reason = redacted_text(f"{type(exc).__name__}: {exc}")
                raise ObjectStoreError(f"cannot use the store: {reason}; {self.hint(exc)}") from None
        return f"{len(self.objects())} object(s)"
