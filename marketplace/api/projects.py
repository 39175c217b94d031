"""Building projects: a building furnished room by room from the own inventory first, then the network, then
new with a reason; with the progress figures the good examples publish (share reused, value against all new)."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from marketplace import urls
from marketplace.api.core import (
    ApiError,
    blueprint,
    municipality_ref,
    parse_body,
    parse_query,
    plain,
    registry,
    respond,
    with_references,
)
from marketplace.api.schemas.projects import (
    Amounts,
    AssignBody,
    Assignment,
    BuyNewBody,
    ItemMatch,
    Matches,
    Placement,
    ProjectCreate,
    ProjectDetail,
    ProjectList,
    ProjectNeedCreate,
    ProjectNeedOut,
    ProjectOut,
    ProjectQuery,
)
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden
from marketplace.i18n import oslo_date
from marketplace.inventory.services import place_of
from marketplace.listings.models import Item, ItemStatus
from marketplace.projects import progress as project_progress
from marketplace.projects import services as projects
from marketplace.projects.forms import need_input, project_input
from marketplace.projects.models import Project, ProjectNeed
from marketplace.reservations.models import WouldBuyNew

PROJECT = (ProjectDetail, "The project, its needs with what covers them and could cover them, and its progress.")


def _amounts(amounts: project_progress.Amounts) -> Amounts:
    return Amounts(unit=amounts.unit.value, needs_total=plain(amounts.needs_total),
                   covered_inventory=plain(amounts.covered_inventory),
                   covered_network=plain(amounts.covered_network), bought_new=plain(amounts.bought_new),
                   open=plain(amounts.open))


def _match(item: Item) -> ItemMatch:
    published = item.status == ItemStatus.PUBLISHED
    return ItemMatch(id=item.id, title=item.title, category=item.category.slug,
                     quantity=plain(item.quantity_available if published else item.quantity),
                     unit=item.category.unit.value, status=item.status.value,
                     municipality=municipality_ref(item.municipality), place="" if published else str(place_of(item)))


def _need_out(project_need: ProjectNeed, with_matches: bool = False) -> ProjectNeedOut:
    need = project_need.need
    matches = None
    if with_matches and need.status.value == "open":
        found = projects.matches(current_user, project_need)
        matches = Matches(own_surplus=[_match(item) for item in found.own_surplus],
                          own_inventory=[_match(item) for item in found.own_inventory],
                          network=[_match(match.item) for match in found.network])
    return ProjectNeedOut(
        id=need.id, room=project_need.room, title=need.title, category=need.category.slug,
        quantity=plain(need.quantity), unit=need.category.unit.value, status=need.status.value,
        outcome=need.outcome.value if need.outcome else None,
        amounts=_amounts(project_progress.need_amounts(project_need)),
        placements=[Placement(item_id=placement.item_id, quantity=plain(placement.quantity),
                              came_from=placement.came_from, reuse_event_id=placement.reuse_event_id,
                              placed_at=placement.placed_at) for placement in project_need.placements],
        reservation_ids=[reservation.id for reservation in need.reservations], matches=matches)


def _project_fields(project: Project, figures: project_progress.Progress | None = None) -> dict:
    figures = figures or project_progress.progress(project, oslo_date(utcnow()))
    pieces = figures.pieces
    return dict(
        id=project.id, name=project.name, building=project.building, site_id=project.location_id, due=project.due,
        status=project.status.value, description=project.description,
        municipality=municipality_ref(project.municipality), created_at=project.created_at,
        web_url=urls.external_url("projects.detail", project_id=project.id),
        needs_total=plain(pieces.needs_total), covered_inventory=plain(pieces.covered_inventory),
        covered_network=plain(pieces.covered_network), bought_new=plain(pieces.bought_new),
        share_reused=float(pieces.share_reused) if pieces.share_reused is not None else None,
        other_units=[_amounts(amounts) for amounts in figures.other_units],
        value_new_nok=plain(figures.value_new_nok), value_reused_nok=plain(figures.value_reused_nok),
        value_bought_new_nok=plain(figures.value_bought_new_nok), co2e_kg=plain(figures.co2e_kg),
        value_not_counted_for=figures.without_price)


def _detail(project: Project) -> ProjectDetail:
    return ProjectDetail(**_project_fields(project),
                         needs=[_need_out(project_need, with_matches=True) for project_need in project.needs])


@registry.route(blueprint, "GET", "/projects", summary="Your municipality's building projects", tag="projects",
                query=ProjectQuery, responses={200: (ProjectList, "A page of projects with their progress.")})
def list_projects():
    """Any member of the municipality sees its projects; nobody outside it."""
    query = parse_query(ProjectQuery)
    found = db.page(projects.projects_query(current_user), query.page, query.per_page)
    # The page's figures read together, in as many statements for twenty projects as for one.
    figures = project_progress.progress_of(found.rows, oslo_date(utcnow()))
    return respond(ProjectList(projects=[ProjectOut(**_project_fields(project, progress))
                                         for project, progress in zip(found.rows, figures)],
                               total=found.total, page=query.page, per_page=query.per_page))


@registry.route(blueprint, "POST", "/projects", summary="Start a building project", tag="projects",
                body=ProjectCreate, responses={201: PROJECT}, errors=(403,))
def create_project():
    """Municipal administrators."""
    body = parse_body(ProjectCreate)
    municipality = current_user.municipality
    if municipality is None:
        raise Forbidden
    values = body.model_dump()
    values["location_id"] = values.pop("site_id")
    try:
        values = with_references(values, municipality)
    except ApiError as error:  # the body calls the location its site
        error.fields = {"site_id" if name == "location_id" else name: text for name, text in error.fields.items()}
        raise
    project = projects.start_project(current_user, project_input(values))
    return respond(_detail(project), 201, {"Location": url_for("api.get_project", project_id=project.id)})


@registry.route(blueprint, "GET", "/projects/{project_id}", summary="One building project", tag="projects",
                responses={200: PROJECT})
def get_project(project_id: int):
    return respond(_detail(projects.find_project(current_user, project_id)))


@registry.route(blueprint, "POST", "/projects/{project_id}/needs", summary="Add a need to a project",
                tag="projects", body=ProjectNeedCreate,
                responses={201: (ProjectNeedOut, "The need, with what could cover it.")}, errors=(403, 409))
def add_project_need(project_id: int):
    """Caretakers and administrators of the municipality; 409 for a completed project."""
    project = projects.find_project(current_user, project_id)
    body = parse_body(ProjectNeedCreate)
    project_need = projects.add_need(current_user, project, need_input(
        with_references(body.model_dump(), project.municipality)))
    return respond(_need_out(project_need, with_matches=True), 201,
                   {"Location": url_for("api.get_need", need_id=project_need.need_id)})


@registry.route(blueprint, "POST", "/projects/{project_id}/needs/{need_id}/assign",
                summary="Cover a project's need with an item", tag="projects", body=AssignBody,
                responses={201: (Assignment, "What was placed or reserved, and the need now.")},
                errors=(403, 409))
def assign_to_need(project_id: int, need_id: int):
    """Own inventory is moved into the need's room (the part asked for split off its row, both keeping the
    history) and appended to the ledger as internal reuse; a listing is reserved for the project and held until
    its wanted-by date. 422 for more than the need lacks or the row has; 409 when it was taken meanwhile."""
    project = projects.find_project(current_user, project_id)
    project_need = projects.find_need(current_user, project, need_id)
    body = parse_body(AssignBody)
    done = projects.assign(current_user, project_need, body.item_id, body.quantity,
                           would_buy_new=WouldBuyNew(body.would_buy_new))
    placed = hasattr(done, "reuse_event_id")
    return respond(Assignment(
        kind="placement" if placed else "reservation", item_id=done.item_id, quantity=plain(done.quantity),
        reservation_id=None if placed else done.id, reuse_event_id=done.reuse_event_id if placed else None,
        need=_need_out(project_need)), 201)


@registry.route(blueprint, "POST", "/projects/{project_id}/needs/{need_id}/buy-new",
                summary="Buy the rest of a project's need new", tag="projects", body=BuyNewBody,
                responses={200: (ProjectNeedOut, "The need, decided.")}, errors=(403, 409))
def buy_new(project_id: int, need_id: int):
    project = projects.find_project(current_user, project_id)
    project_need = projects.find_need(current_user, project, need_id)
    body = parse_body(BuyNewBody)
    projects.decide(current_user, project_need, reason=body.reason, reason_text=body.reason_text)
    return respond(_need_out(project_need))
