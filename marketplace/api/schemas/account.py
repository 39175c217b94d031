"""The shape of the caller, as their token acts."""

from __future__ import annotations

from marketplace.api.schemas.common import MunicipalityRef, OrganisationRef, Out


class UnitRef(Out):
    id: int
    name: str


class MeOut(Out):
    id: int
    email: str
    name: str
    locale: str
    municipality: MunicipalityRef | None
    organisation: OrganisationRef | None
    unit: UnitRef | None
    roles: list[str]
