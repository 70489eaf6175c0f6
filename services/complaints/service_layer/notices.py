"""Telling reporters who consented that their complaint was answered or closed (the notices check).

The message says what the public page says (the reply, masked); the contact is read from the sealed clue at
the moment of sending and is written nowhere else. A failed send is retried on the next run, a few times."""

from __future__ import annotations

from pathlib import Path

import structlog
from babel.support import Translations

from services.complaints.adapters import clue_rows
from services.complaints.domain.privacy import mask_personal_numbers
from shared.refusals import N_

MAX_ATTEMPTS = 5
_TEXTS = Translations.load(str(Path(__file__).resolve().parent.parent / "translations"), ["zh_CN"])
_SUBJECT = {"answered": N_("Your complaint has been answered"), "closed": N_("Your complaint has been closed")}
_BODY = N_("The complaint you made on %(day)s: %(reply)s Follow it with your token on the complaints page.")
log = structlog.get_logger("offcampus.complaints.notices")


def send_notices(database, clock, vault, messengers) -> dict[str, int]:
    """Send what is owed: by email when the reporter gave one, else by SMS; counts by outcome."""
    counts: dict[str, int] = {}
    with database.unit_of_work() as uow:
        for notice in clue_rows.notices_due(uow.session, MAX_ATTEMPTS):
            outcome = _send(notice, vault, messengers, clock)
            if outcome.startswith("error:"):
                clue_rows.notice_failed(uow.session, notice["id"], outcome[len("error:"):])
            else:
                clue_rows.notice_sent(uow.session, notice["id"], outcome, clock.now())
            counts[outcome] = counts.get(outcome, 0) + 1
        uow.commit()
    if counts:
        log.info("reporters_notified", **counts)
    return counts


def _send(notice: dict, vault, messengers, clock) -> str:
    if notice["sealed"] is None:
        return "not_wanted"  # erased: no one left to tell
    reporter = vault.open(notice["clue_id"], notice["sealed"])["reporter"]
    email, phone = reporter.get("email"), reporter.get("phone")
    if not reporter.get("notify") or not (email and messengers.smtp_url or phone and messengers.sms_url):
        return "not_wanted"
    reply = mask_personal_numbers(notice["status_note"] or _TEXTS.gettext(N_("The desk has answered.")))
    text = _TEXTS.gettext(_BODY) % {"day": notice["received_at"].date().isoformat(), "reply": reply}
    try:
        if email and messengers.smtp_url:
            messengers.email(email, _TEXTS.gettext(_SUBJECT[notice["kind"]]), text)
            return "email"
        messengers.sms(phone, text)
        return "sms"
    except Exception as error:  # noqa: BLE001 - any failure is retried; only its kind is kept (not the address)
        return f"error:{type(error).__name__}"
