"""Model files: one ZIP per version in the ``triage`` storage, checked by its SHA-256 when loaded.

A version bundles one engine model per target. The archive holds ``manifest.json`` (format,
targets, engine) and ``<target>.model``, each written by the engine's own ``TriageModel.save``
and read back by ``TriageModel.load``. ``ModelVersion.sha256`` is the digest of the whole archive:
a file that was altered or swapped is refused, never loaded.

Loaded bundles are cached per process by (version id, digest): a worker triaging a stream of new
cases reads and unpickles a version once. The cache is only a speed-up; nothing another process
needs lives in it.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from safeguard.triage.models import ModelVersion

FORMAT = 1
MANIFEST = "manifest.json"
# Versions kept loaded per process: the active one and a few shadows.
CACHE_SIZE = 4


class ModelFileError(Exception):
    """The version's file is missing, unreadable, or not the file that was stored (digest)."""


@dataclass(frozen=True)
class Bundle:
    """One version's engine models, by target (``Target`` values)."""

    models: Mapping[str, Any]
    engine: str


_cache: OrderedDict[tuple[int, str], Bundle] = OrderedDict()
_cache_lock = threading.Lock()


def storage() -> Any:
    return storages["triage"]


def write(models: Mapping[str, Any], *, engine: str) -> tuple[str, str]:
    """Store the bundle; returns (file name in the storage, SHA-256 of its bytes). The archive is
    not compressed: the engine compresses its own files."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="triage-") as tmp, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(MANIFEST, json.dumps({"format": FORMAT, "targets": list(models), "engine": engine}))
        for target, model in models.items():
            path = Path(tmp) / f"{target}.model"
            model.save(str(path))
            zf.write(path, f"{target}.model")
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    name = storage().save(f"models/{stamp}-{digest[:16]}.zip", ContentFile(data))
    return str(name), digest


def read(name: str, digest: str) -> Bundle:
    """Load a stored bundle, refusing it unless its bytes have ``digest``."""
    from safeguard.triage.ml import TriageModel

    try:
        with storage().open(name, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ModelFileError(f"model file {name!r} cannot be read: {exc}") from exc
    if hashlib.sha256(data).hexdigest() != digest:
        raise ModelFileError(f"model file {name!r} does not match its SHA-256; refusing to load it")
    try:
        with (
            tempfile.TemporaryDirectory(prefix="triage-") as tmp,
            zipfile.ZipFile(io.BytesIO(data)) as zf,
        ):
            manifest = json.loads(zf.read(MANIFEST))
            if manifest.get("format") != FORMAT:
                raise ModelFileError(f"model file {name!r} has an unknown format {manifest.get('format')!r}")
            models = {}
            for target in manifest["targets"]:
                path = Path(tmp) / f"{target}.model"
                path.write_bytes(zf.read(f"{target}.model"))
                models[target] = TriageModel.load(str(path))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ModelFileError(f"model file {name!r} is not a triage model bundle: {exc}") from exc
    return Bundle(models=models, engine=str(manifest.get("engine", "")))


def load(version: ModelVersion) -> Bundle:
    """The version's bundle, from the per-process cache or from its file."""
    key = (version.pk, version.sha256)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    bundle = read(version.file, version.sha256)
    with _cache_lock:
        _cache[key] = bundle
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return bundle


def forget() -> None:
    """Empty the cache (tests, and after a file was replaced by hand)."""
    with _cache_lock:
        _cache.clear()
