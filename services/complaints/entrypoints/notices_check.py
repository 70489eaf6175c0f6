"""The worker's notices check, wired to the configured sealing key and messengers when it runs."""

from __future__ import annotations

import os

from services.complaints.adapters.messengers import Messengers
from services.complaints.adapters.vault import Vault
from services.complaints.service_layer.notices import send_notices
from shared.config import Settings


def notify_reporters(database, clock) -> dict[str, int]:
    """Send the notices owed to reporters who consented (email over SMTP, or SMS through the gateway)."""
    return send_notices(database, clock, Vault.configured(Settings.from_env()), Messengers.configured(os.environ))
