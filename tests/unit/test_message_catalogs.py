"""Every message catalog is complete in Chinese and its compiled .mo matches its .po."""

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = sorted(ROOT.glob("shared/translations/*/LC_MESSAGES/messages.po")) + sorted(
    ROOT.glob("services/*/translations/*/LC_MESSAGES/messages.po")) + sorted(
    ROOT.glob("shared/console/translations/*/LC_MESSAGES/messages.po")) + sorted(
    ROOT.glob("services/*/entrypoints/console/translations/*/LC_MESSAGES/messages.po"))


def _key(message) -> tuple:
    # plural messages carry tuples of ids and strings
    ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return tuple(ids), tuple(strings)


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiled_catalog_matches_its_source(po_path):
    with po_path.open("rb") as f:
        source = dict(_key(m) for m in read_po(f) if m.id)
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"run: pybabel compile -d {po_path.parents[2].relative_to(ROOT)}"
    with mo_path.open("rb") as f:
        compiled = dict(_key(m) for m in read_mo(f) if m.id)
    translated = {k: v for k, v in source.items() if any(v)}
    assert compiled == translated, f"stale {mo_path.relative_to(ROOT)}: recompile with pybabel compile"


@pytest.mark.parametrize("po_path", [p for p in CATALOGS if "/zh_CN/" in str(p)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_has_a_chinese_translation(po_path):
    with po_path.open("rb") as f:
        untranslated = [m.id for m in read_po(f) if m.id and not all(_key(m)[1])]
    assert untranslated == []
