"""The Institution aggregate: identity, licence, lifecycle and history; each change records one event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from services.registry.domain import events as ev
from services.registry.domain import lifecycle as lc
from services.registry.domain.errors import IllegalTransition, InvalidInstitution, TransitionRefused, Violation
from services.registry.domain.filing import CATEGORIES, DISCIPLINE, NON_DISCIPLINE
from services.registry.domain.identity import (
    check_credit_code,
    check_division_code,
    check_served,
    normalise_credit_code,
)
from services.registry.domain.licence import HistoryEntry, Licence, LicenceHalf

# dates are local dates (ARCHITECTURE.md, "Data"); China keeps UTC+8 all year, so no tz database is needed
LOCAL_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
SYSTEM_ACTOR = "system"  # who records what the scheduled checks find


def _blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


def registration_violations(*, name: Any, credit_code: Any, division_code: Any, town: Any, category: Any,
                            subject_group: Any, state: Any, towns: Mapping[str, Collection[str]]) -> list[Violation]:
    """Every reason the described institution cannot be put on the books (empty when it can).

    `towns` lists the towns of each county the platform serves (division code -> town names)."""
    found = [Violation(f"institution.{key}_required", key) for key, value in
             (("name", name), ("town", town), ("subject_group", subject_group)) if _blank(value)]
    found += [v for v in (check_credit_code(credit_code), check_division_code(division_code)) if v]
    if not any(v.item in ("division_code", "town") for v in found):
        found += [v for v in (check_served(division_code, town, towns),) if v]
    if category not in CATEGORIES:
        found.append(Violation("institution.unknown_category", "category", {"category": str(category)}))
    if state not in lc.INITIAL_STATES:
        found.append(Violation("institution.initial_state", "state", {"state": str(state)}))
    return found


class Institution:
    """An off-campus training institution on the registry's books."""

    def __init__(self, *, id: Any, name: str, credit_code: str, division_code: str, town: str, address: str,
                 category: str, subject_group: str, audience: Any = None, contact_phone: str | None = None,
                 legal_representative: str | None = None, state: str = lc.UNDER_REVIEW, version: int = 0,
                 licence: Licence | None = None, rectification_deadline: dt.date | None = None,
                 rectification_overdue_flagged: bool = False, ban_case_id: str | None = None,
                 licence_reminders: dict[str, dt.date] | None = None, history: list[HistoryEntry] | None = None):
        self.id = id
        self.name, self.credit_code, self.division_code = name, credit_code, division_code
        self.town, self.address, self.category, self.subject_group = town, address, category, subject_group
        self.audience, self.contact_phone = audience, contact_phone
        self.legal_representative = legal_representative
        self.state, self.version, self.licence = state, version, licence
        self.rectification_deadline = rectification_deadline
        self.rectification_overdue_flagged = rectification_overdue_flagged
        self.ban_case_id = ban_case_id
        self.licence_reminders = dict(licence_reminders or {})  # licence kind -> the valid_until reminded of
        self.history = list(history or [])

    @property
    def events(self) -> list[ev.RegistryEvent]:
        """Events recorded since loading, for the unit of work to collect."""
        return self.__dict__.setdefault("_events", [])  # lazily: an ORM load skips `__init__`

    @classmethod
    def register(cls, *, id: Any, name: str, credit_code: str, division_code: str, town: str, address: str,
                 category: str, subject_group: str, actor: str, towns: Mapping[str, Collection[str]],
                 audience: Any = None,
                 contact_phone: str | None = None, legal_representative: str | None = None,
                 state: str = lc.UNDER_REVIEW, occurred_on: dt.date | None = None,
                 recorded_at: dt.datetime | None = None, reason: str | None = None) -> Institution:
        """Put an institution on the books (`stock` or `under_review`), or raise InvalidInstitution."""
        code = normalise_credit_code(credit_code) if isinstance(credit_code, str) else credit_code
        found = registration_violations(name=name, credit_code=code, division_code=division_code, town=town,
                                        category=category, subject_group=subject_group, state=state, towns=towns)
        if found:
            raise InvalidInstitution(found)
        institution = cls(id=id, name=name.strip(), credit_code=code, division_code=division_code,
                          town=town.strip(), address=address, category=category, subject_group=subject_group,
                          audience=audience, contact_phone=contact_phone,
                          legal_representative=legal_representative, state=state, version=1)
        occurred_on, recorded_at = institution._when(occurred_on, recorded_at)
        institution.history.append(HistoryEntry(action=lc.REGISTER, from_state=None, to_state=state,
                                                occurred_on=occurred_on, recorded_at=recorded_at,
                                                actor=actor, reason=reason))
        institution.events.append(ev.InstitutionRegistered(
            institution_id=id, name=institution.name, credit_code=code, division_code=division_code,
            town=institution.town, address=address, category=category, subject_group=subject_group, state=state,
            occurred_on=occurred_on, legal_representative=_shown(legal_representative)))
        return institution

    def allowed_actions(self) -> tuple[str, ...]:
        """What a clerk may do now."""
        return lc.allowed_actions(self.state, self.category)

    # -- the clerk's actions ----------------------------------------------------------------------------

    def start_review(self, *, actor: str, occurred_on: dt.date | None = None,
                     recorded_at: dt.datetime | None = None, reason: str | None = None) -> None:
        """Begin the re-examination of an institution on the books."""
        common = self._move(lc.START_REVIEW, actor, occurred_on, recorded_at, reason)
        self.events.append(ev.ReviewStarted(**common))

    def license(self, licence: Licence, *, actor: str, occurred_on: dt.date | None = None,
                recorded_at: dt.datetime | None = None, reason: str | None = None) -> None:
        """Issue the licence (both halves) after review or rectification."""
        self._licensed(lc.LICENSE, licence, actor, occurred_on, recorded_at, reason)

    def renew_licence(self, licence: Licence, *, actor: str, occurred_on: dt.date | None = None,
                      recorded_at: dt.datetime | None = None, reason: str | None = None) -> None:
        """Replace the licence of a licensed institution (renewal before or after expiry)."""
        self._licensed(lc.RENEW_LICENCE, licence, actor, occurred_on, recorded_at, reason)

    def order_rectification(self, *, deadline: dt.date, reason: str, actor: str,
                            occurred_on: dt.date | None = None, recorded_at: dt.datetime | None = None) -> None:
        """Order the institution under review to rectify by a deadline."""
        self._check(lc.ORDER_RECTIFICATION)
        _require_reason(lc.ORDER_RECTIFICATION, reason)
        on, _ = self._when(occurred_on, recorded_at)
        if not isinstance(deadline, dt.date) or deadline <= on:
            raise TransitionRefused("transition.deadline_not_after", "deadline", occurred_on=on.isoformat(),
                                    deadline=str(deadline))
        common = self._move(lc.ORDER_RECTIFICATION, actor, occurred_on, recorded_at, reason, deadline=deadline)
        self.rectification_deadline, self.rectification_overdue_flagged = deadline, False
        self.events.append(ev.RectificationOrdered(**common, deadline=deadline))

    def ban(self, *, reason: str, actor: str, case_id: str | None = None, document_number: str | None = None,
            occurred_on: dt.date | None = None, recorded_at: dt.datetime | None = None) -> bool:
        """Ban the institution on an inspection case's decision (`case_id`) or on a decision made before the
        platform (`document_number`); banning again for the same case changes nothing and returns False."""
        if self._banned_for(case_id):
            return False  # the same sanction delivered twice (at-least-once bus) is one ban
        self._check(lc.BAN)
        _require_reason(lc.BAN, reason)
        common = self._move(lc.BAN, actor, occurred_on, recorded_at, reason, case_id=case_id,
                            document_number=document_number)
        self.ban_case_id = case_id
        self.events.append(ev.InstitutionBanned(**common, case_id=case_id, document_number=document_number))
        return True

    def close(self, *, reason: str, actor: str, occurred_on: dt.date | None = None,
              recorded_at: dt.datetime | None = None) -> None:
        """Record that the institution closed or was deregistered."""
        self._check(lc.CLOSE)
        _require_reason(lc.CLOSE, reason)
        common = self._move(lc.CLOSE, actor, occurred_on, recorded_at, reason)
        self.events.append(ev.InstitutionClosed(**common))

    def convert(self, *, subject_group: str, actor: str, reason: str | None = None,
                occurred_on: dt.date | None = None, recorded_at: dt.datetime | None = None) -> None:
        """Turn a discipline institution into a non-discipline one teaching `subject_group`."""
        self._check(lc.CONVERT)
        if _blank(subject_group) or subject_group == DISCIPLINE:
            raise TransitionRefused("transition.subject_group_required", "subject_group")
        common = self._move(lc.CONVERT, actor, occurred_on, recorded_at, reason)
        self.category, self.subject_group = NON_DISCIPLINE, subject_group
        self.events.append(ev.InstitutionConverted(**{**common, "category": NON_DISCIPLINE}))

    def transition(self, action: str, *, actor: str, occurred_on: dt.date | None = None,
                   recorded_at: dt.datetime | None = None, **data: Any) -> bool:
        """Take a named action with its data (the HTTP transitions endpoint); False when nothing changed."""
        handlers = {lc.START_REVIEW: self.start_review, lc.LICENSE: self.license,
                    lc.RENEW_LICENCE: self.renew_licence, lc.ORDER_RECTIFICATION: self.order_rectification,
                    lc.BAN: self.ban, lc.CLOSE: self.close, lc.CONVERT: self.convert}
        if action not in handlers:
            raise IllegalTransition(self.state, str(action), self.allowed_actions())
        repeated_ban = action == lc.BAN and self._banned_for(data.get("case_id"))
        if not repeated_ban:
            self._check(action)  # the state decides before the data: a 409 names what is allowed now
        # the data is the action's own (the API's schema per action names each missing or unknown field)
        return handlers[action](actor=actor, occurred_on=occurred_on, recorded_at=recorded_at, **data) is not False

    # -- what the scheduled checks record -------------------------------------------------------------

    def flag_rectification_overdue(self, today: dt.date, *, recorded_at: dt.datetime | None = None) -> bool:
        """Record, once, that the rectification deadline has passed; True when it was recorded now."""
        if not rectification_overdue(self, today):
            return False
        overdue_on = self.rectification_deadline + dt.timedelta(days=1)
        self.version += 1
        self.rectification_overdue_flagged = True
        self.history.append(HistoryEntry(
            action=lc.FLAG_RECTIFICATION_OVERDUE, from_state=self.state, to_state=self.state,
            occurred_on=overdue_on, recorded_at=recorded_at or _now(), actor=SYSTEM_ACTOR,
            deadline=self.rectification_deadline))
        self.events.append(ev.RectificationOverdue(
            **self._event_fields(self.state, overdue_on, None), deadline=self.rectification_deadline))
        return True

    def remind_licence_expiry(self, today: dt.date, within_days: int) -> list[ev.LicenceExpiring]:
        """Record one reminder per licence half expiring within `within_days` (once per expiry date)."""
        reminders = []
        for kind, half in licence_halves_expiring(self, today, within_days):
            if self.licence_reminders.get(kind) == half.valid_until:
                continue
            self.version += 1
            self.licence_reminders[kind] = half.valid_until
            reminder = ev.LicenceExpiring(institution_id=self.id, name=self.name, town=self.town, kind=kind,
                                          number=half.number, valid_until=half.valid_until)
            self.events.append(reminder)
            reminders.append(reminder)
        return reminders

    # -- internals ------------------------------------------------------------------------------------

    def _licensed(self, action: str, licence: Licence, actor: str, occurred_on: dt.date | None,
                  recorded_at: dt.datetime | None, reason: str | None) -> None:
        self._check(action)
        if not isinstance(licence, Licence):
            raise TransitionRefused("licence.required", "licence")
        on, _ = self._when(occurred_on, recorded_at)
        licence.check(self.category, on)
        common = self._move(action, actor, occurred_on, recorded_at, reason)
        self.licence = licence
        self.rectification_deadline, self.rectification_overdue_flagged = None, False
        self.events.append(ev.InstitutionLicensed(**common, licence_valid_until=licence.valid_until))

    def _banned_for(self, case_id: str | None) -> bool:
        return self.state == lc.BANNED and case_id is not None and case_id == self.ban_case_id

    def _check(self, action: str) -> None:
        if action not in self.allowed_actions():
            raise IllegalTransition(self.state, action, self.allowed_actions())

    def _when(self, occurred_on: dt.date | None, recorded_at: dt.datetime | None) -> tuple[dt.date, dt.datetime]:
        """When it happened (default: today, locally) and when it was recorded (default: now)."""
        recorded_at = recorded_at or _now()
        today = recorded_at.astimezone(LOCAL_TZ).date() if recorded_at.tzinfo else recorded_at.date()
        occurred_on = occurred_on or today
        if occurred_on > today:
            raise TransitionRefused("transition.occurred_in_future", "occurred_on", occurred_on=occurred_on.isoformat())
        if self.history and occurred_on < self.history[-1].occurred_on:
            # paper records are entered in the order things happened, so the history reads as a story
            raise TransitionRefused("transition.occurred_before_previous", "occurred_on",
                                    occurred_on=occurred_on.isoformat(),
                                    previous=self.history[-1].occurred_on.isoformat())
        return occurred_on, recorded_at

    def _move(self, action: str, actor: str, occurred_on: dt.date | None, recorded_at: dt.datetime | None,
              reason: str | None, *, case_id: str | None = None, deadline: dt.date | None = None,
              document_number: str | None = None) -> dict:
        """Change state, bump the version and append the history entry; return the event's common fields."""
        self._check(action)
        occurred_on, recorded_at = self._when(occurred_on, recorded_at)
        from_state, self.state = self.state, lc.target_state(action)
        self.version += 1
        self.history.append(HistoryEntry(action=action, from_state=from_state, to_state=self.state,
                                         occurred_on=occurred_on, recorded_at=recorded_at, actor=actor,
                                         reason=reason, case_id=case_id, deadline=deadline,
                                         document_number=document_number))
        return self._event_fields(from_state, occurred_on, reason)

    def _event_fields(self, from_state: str, occurred_on: dt.date, reason: str | None) -> dict[str, Any]:
        return {"institution_id": self.id, "name": self.name,
                "division_code": self.division_code, "town": self.town, "category": self.category,
                "from_state": from_state, "to_state": self.state, "occurred_on": occurred_on, "reason": reason}


def _shown(text: str | None) -> str | None:
    """A free text as an event carries it: trimmed, and None when blank."""
    return text.strip() or None if isinstance(text, str) else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _require_reason(action: str, reason: Any) -> None:
    if _blank(reason):
        raise TransitionRefused("transition.reason_required", "reason", action=action)


def rectification_overdue(institution: Institution, today: dt.date) -> bool:
    """Whether a rectification deadline has passed and the overdue event has not been recorded yet."""
    return (institution.state == lc.RECTIFICATION and institution.rectification_deadline is not None
            and institution.rectification_deadline < today and not institution.rectification_overdue_flagged)


def licence_halves_expiring(institution: Institution, today: dt.date,
                            within_days: int) -> list[tuple[str, LicenceHalf]]:
    """The licence halves of a licensed institution that expire within `within_days` of today."""
    if institution.licence is None or institution.state != lc.LICENSED:
        return []
    horizon = today + dt.timedelta(days=within_days)
    return [(name, half) for name, half in institution.licence.halves() if half.valid_until <= horizon]
