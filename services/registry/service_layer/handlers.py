"""The clerk's use cases on institutions: register one, take an action on one. Called by the HTTP views."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from services.registry.adapters.county_section import registry_rules
from services.registry.adapters.repository import ConcurrentChange, InstitutionRepository
from services.registry.domain import Institution, Licence, LicenceHalf
from services.registry.service_layer.queries import not_found
from shared.refusals import N_, Conflict, StaleVersion
from shared.unit_of_work import UnitOfWork

REGISTRATION_FIELDS = ("name", "credit_code", "division_code", "town", "address", "category", "subject_group",
                       "audience", "contact_phone", "legal_representative", "state", "occurred_on")


def _duplicate(credit_code: str, holder: int | None = None) -> Conflict:
    return Conflict(N_("The unified social credit code %(credit_code)s is already registered."),
                    code="institution.duplicate_credit_code", credit_code=credit_code, existing_id=holder)


def register_institution(uow: UnitOfWork, fields: dict[str, Any], *, actor: str,
                         recorded_at: dt.datetime | None = None) -> int:
    """Put an institution on the books and announce it; return its id.

    Raises InvalidInstitution for a bad identity and Conflict for a credit code already held.
    """
    repository = InstitutionRepository(uow.session)
    given = {name: fields[name] for name in REGISTRATION_FIELDS if fields.get(name) is not None}
    institution = Institution.register(id=repository.next_id(), actor=actor, towns=registry_rules().towns,
                                       recorded_at=recorded_at, **given)
    holder = repository.holder_of(institution.credit_code)
    if holder is not None:
        raise _duplicate(institution.credit_code, holder)
    try:
        repository.add(institution)
    except sa.exc.IntegrityError as exc:  # a concurrent registration of the same code won the race
        raise _duplicate(institution.credit_code) from exc
    uow.track(institution)
    uow.commit()
    return institution.id


def licence_from(data: dict[str, Any]) -> Licence:
    """The domain's licence from the API's two halves."""
    school, registration = data["school_running_licence"], data["registration"]
    return Licence(
        school_licence=LicenceHalf(number=school["number"], issued_on=school["issued_on"],
                                   valid_until=school["valid_until"]),
        registration=LicenceHalf(number=registration["number"], issued_on=registration["issued_on"],
                                 valid_until=registration["valid_until"]),
        registration_kind=registration["kind"])


def take_action(uow: UnitOfWork, institution_id: int, action: str, data: dict[str, Any], *, actor: str,
                if_match: Collection[int] | None = None, recorded_at: dt.datetime | None = None) -> bool:
    """Take a lifecycle action with its data, recorded and announced; False when it changed nothing.

    `if_match` holds the versions `If-Match` named: when the institution is at none of them, StaleVersion.
    Without it, a concurrent writer who got there first makes this one a Conflict: two transitions can never
    both succeed over the same version.
    """
    repository = InstitutionRepository(uow.session)
    institution = repository.get(institution_id)
    if institution is None:
        raise not_found(institution_id)
    if if_match is not None and institution.version not in if_match:
        raise _stale(institution)
    arguments = dict(data)
    if "licence" in arguments:
        arguments["licence"] = licence_from(arguments["licence"])
    changed = institution.transition(action, actor=actor, recorded_at=recorded_at, **arguments)
    try:
        repository.save(institution)
    except ConcurrentChange:
        uow.rollback()
        now = InstitutionRepository(uow.session).get(institution_id)
        if if_match is not None:
            raise _stale(now) from None
        raise Conflict(N_("Someone else changed the institution at the same moment; read it again and retry."),
                       code="institution.concurrent_change", current_state=now.state,
                       allowed_actions=list(now.allowed_actions()), current_version=now.version) from None
    uow.track(institution)
    uow.commit()
    return changed


def _stale(institution: Institution) -> StaleVersion:
    return StaleVersion(N_("The institution has changed since you read it (If-Match no longer matches); "
                           "read it again."),
                        code="institution.stale_etag", current_state=institution.state,
                        current_version=institution.version)


def record_pre_platform_ban(uow: UnitOfWork, institution_id: int, *, document_number: str, decided_on: dt.date,
                            reason: str, actor: str, recorded_at: dt.datetime | None = None) -> None:
    """Record a ban decided on paper before the platform existed, citing the decision's document number.

    The institution's own rules apply as to any ban: its state must allow it, and the decision's date may not
    be before its last recorded step or in the future.
    """
    repository = InstitutionRepository(uow.session)
    institution = repository.get(institution_id)
    if institution is None:
        raise not_found(institution_id)
    institution.ban(reason=reason, actor=actor, document_number=document_number, occurred_on=decided_on,
                    recorded_at=recorded_at)
    commit_institution(uow, repository, institution)


def commit_institution(uow: UnitOfWork, repository: InstitutionRepository, institution: Institution) -> None:
    """Save a changed institution and commit it with its events; a change that raced another is a conflict."""
    try:
        repository.save(institution)
    except ConcurrentChange:
        raise Conflict(N_("Someone else changed the institution at the same moment; read it again and retry."),
                       code="institution.concurrent_change") from None
    uow.track(institution)
    uow.commit()
