"""Who sees and runs building projects: pure predicates. A project is internal to its municipality, like its
inventory; its administrators start projects, and its caretakers and administrators add needs and cover them."""

from __future__ import annotations

from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import has_organisation_role, is_site_admin
from marketplace.organisations.models import Municipality
from marketplace.projects.models import Project


def can_see_projects(user: User, municipality: Municipality | None) -> bool:
    return municipality is not None and (is_site_admin(user) or has_organisation_role(user, municipality,
                                                                                        Role.MEMBER))


def can_start_project(user: User, municipality: Municipality | None) -> bool:
    return municipality is not None and (is_site_admin(user) or has_organisation_role(user, municipality,
                                                                                        Role.MUNICIPAL_ADMIN))


def can_run_project(user: User, project: Project) -> bool:
    """Add needs to it and cover them: from the inventory, by reserving, or by recording why new is bought."""
    return project.is_active and (is_site_admin(user) or has_organisation_role(user, project.municipality,
                                                                                 Role.CARETAKER))


TEMPLATE_PREDICATES = {"can_start_project": can_start_project, "can_run_project": can_run_project}
