"""The translation catalogue: compiled with polib (no system gettext needed) and checked complete."""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogues() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def compile_all() -> list[Path]:
    """Write each .mo next to its .po when it is missing or older."""
    written = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            written.append(mo_path)
    return written


def problems(po_path: Path) -> list[str]:
    """Untranslated, fuzzy and obsolete-but-used entries, one line each."""
    po = polib.pofile(str(po_path))
    found = [f"untranslated: {e.msgid!r}" for e in po.untranslated_entries()]
    found += [f"fuzzy: {e.msgid!r}" for e in po.fuzzy_entries()]
    for e in po.translated_entries():
        if e.msgid_plural and not all(e.msgstr_plural.values()):
            found.append(f"plural form missing: {e.msgid!r}")
    return found
