"""The api_keys of integrated channels (e.g. the government hotline's system), read from configuration."""

from __future__ import annotations

from collections.abc import Mapping

from services.complaints.domain import Channel
from shared.config import SettingsError

KEYS_VARIABLE = "OFFCAMPUS_COMPLAINTS_API_KEYS"


def api_keys_from(environ: Mapping[str, str]) -> dict[str, Channel]:
    """`channel=key` pairs, comma-separated (`government_hotline=k1,mailbox=k2`), as key -> channel."""
    keys: dict[str, Channel] = {}
    for pair in filter(None, (part.strip() for part in environ.get(KEYS_VARIABLE, "").split(","))):
        channel, _, key = pair.partition("=")
        if channel not in Channel.__members__.values() or len(key) < 16:
            raise SettingsError(f"{KEYS_VARIABLE}: each entry is channel=key with a known channel and a key "
                                f"of at least 16 characters (channels: {', '.join(Channel)})")
        keys[key] = Channel(channel)
    return keys
