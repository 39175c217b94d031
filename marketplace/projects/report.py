"""Each building project's figures in the municipality's climate report: what it needed, what the own inventory
and the network covered, what was bought new, the share reused and the CO2e its reuse avoided. Projects started
by the end of the period are shown with their figures as they stand (a project is one undertaking, not a
period's flow; its hand-overs and internal moves are in the report's own totals by date)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.db import db
from marketplace.impact.document import Appendix
from marketplace.impact.report import Report
from marketplace.impact.signals import report_appendices
from marketplace.projects.models import Project
from marketplace.projects.progress import progress_of


@report_appendices.connect
def projects_appendix(report: Report) -> Appendix | None:
    if report.scope.kind != "municipality":
        return None
    found = db.session.scalars(select(Project).where(
        Project.municipality_id == report.scope.id).order_by(Project.created_at, Project.id)).all()
    found = [project for project in found if project.created_at.date() <= report.end]
    if not found:
        return None
    lines, figures = [], []
    for project, figures_now in zip(found, progress_of(found, report.end)):
        pieces = figures_now.pieces
        lines += [
            (_("%(project)s: pieces needed", project=project.name), pieces.needs_total, "quantity"),
            (_("%(project)s: from own inventory", project=project.name), pieces.covered_inventory, "quantity"),
            (_("%(project)s: from the network", project=project.name), pieces.covered_network, "quantity"),
            (_("%(project)s: bought new", project=project.name), pieces.bought_new, "quantity"),
            (_("%(project)s: share reused", project=project.name), pieces.share_reused, "share"),
            (_("%(project)s: CO2e avoided", project=project.name), figures_now.co2e_kg, "co2e"),
        ]
        figures.append({"id": project.id, "name": project.name, "needs_total": pieces.needs_total,
                        "covered_inventory": pieces.covered_inventory, "covered_network": pieces.covered_network,
                        "bought_new": pieces.bought_new, "share_reused": pieces.share_reused,
                        "co2e_kg": figures_now.co2e_kg})
    return Appendix(key="projects", title=_("Building projects"), lines=lines, figures={"projects": figures},
                    template="projects/_report_section.html")
