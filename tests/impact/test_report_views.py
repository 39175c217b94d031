"""The climate report page, its CSV and Excel exports and the `marketplace report` command, against the same
hand-built ledger as the report service's tests: same totals everywhere, scopes checked on every entry point."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import load_workbook

from marketplace.db import db
from marketplace.impact import charts, document, exports, report
from marketplace.impact.labels import CONFIDENCE_LABELS
from marketplace.listings.models import MeasureUnit
from marketplace.reservations.models import WouldBuyNew
from tests.conftest import counting_queries, login
from tests.factories import make_item
from tests.impact.test_report import (MIXED_AMOUNTS, T0, YEAR, hand_over, ledger,  # noqa: F401  (fixtures)
                                      mixed_units)

A_YEAR = "scope=municipality:kommune-a&period=custom&from=2026-01-01&to=2026-12-31"
NETWORK_YEAR = "scope=network:vest&period=custom&from=2026-01-01&to=2026-12-31"
MEASURES = ("co2e_net_kg", "co2e_gross_kg", "waste_kg", "money_nok")


def built(scope_text: str, locale: str = "nb"):
    with force_locale(locale):
        return report.build(report.resolve_scope(None, scope_text), *YEAR, locale=locale)


def labels(expected, locale: str = "nb") -> dict[str, str]:
    """The export's label for each total of a report, as the files write it (network and site: one-sided)."""
    with force_locale(locale):
        return {column.attr: str(column.label) for column in document.columns(expected)}


def csv_sections(text: str) -> dict[str, list[list[str]]]:
    """Split the one-file CSV at its blank lines: {section title: rows after the title}."""
    sections, current = {}, None
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        if not row:
            current = None
        elif current is None:
            current = sections.setdefault(row[0], [])
        else:
            current.append(row)
    return sections


def number(cell: str) -> Decimal:
    """A figure as the report CSV writes it for Norwegian Excel: a decimal comma, no grouping."""
    assert "." not in cell and " " not in cell, cell
    return Decimal(cell.replace(",", "."))


def text_of(html: str) -> str:
    """The page's visible text, roughly: tags out, non-breaking spaces as spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ").replace("\u202f", " ")


# --- The page -----------------------------------------------------------------------------------------

def test_page_shows_the_totals_breakdowns_charts_and_method(client, ledger):  # noqa: F811
    expected = built("municipality:kommune-a").totals
    login(client, "member@a.example")
    response = client.get(f"/report?{A_YEAR}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    text = text_of(html)
    with force_locale("nb"):
        for shown in (charts.co2e(expected.co2e_net_kg), charts.co2e(expected.co2e_gross_kg),
                      charts.kg(expected.waste_kg), charts.nok(expected.money_nok)):
            assert shown.replace("\u00a0", " ").replace("\u202f", " ") in text, shown
    assert "A kommune" in html and "2026" in html
    # Charts: an accessible SVG for each breakdown, named by its own title and description.
    svgs = re.findall(r'<svg[^>]* class="chart"[^>]*>', html)
    assert len(svgs) == 4  # by group, by category, by unit, over time (no matrix for a municipality)
    for svg in svgs:
        assert 'role="img"' in svg and "style=" not in svg
        title_id, desc_id = re.search(r'aria-labelledby="([^" ]+) ([^"]+)"', svg).groups()
        assert f'<title id="{title_id}">' in html and f'<desc id="{desc_id}">' in html
    assert "style=" not in html.split('<main', 1)[1]  # the CSP forbids inline styles
    assert "Skrivebord" in html and "Tastatur" in html  # categories, and the factors used
    assert 'id="matrix-heading"' not in html
    assert "klimaregnskap" in html  # the note, on every report
    assert 'href="/report/export.csv?' in html and 'href="/report/export.xlsx?' in html
    assert 'media="print"' in html


def test_default_scope_is_the_users_municipality_and_this_year(client, ledger):  # noqa: F811
    login(client, "admin@a.example")
    html = client.get("/report").get_data(as_text=True)
    assert '<h1 id="report-heading">A kommune</h1>' in html
    assert 'value="this_year" checked' in html
    assert '<option value="municipality:kommune-a" selected>' in html


def test_the_time_chart_fills_empty_months(client, ledger):  # noqa: F811
    login(client, "member@a.example")
    html = client.get(f"/report?{A_YEAR}&bucket=month").get_data(as_text=True)
    over_time = html.split('id="over_time-heading"', 1)[1].split("</section>", 1)[0]
    assert over_time.count("<tr>") == 13  # a header row and twelve months
    html = client.get(f"/report?{A_YEAR}&bucket=quarter").get_data(as_text=True)
    over_time = html.split('id="over_time-heading"', 1)[1].split("</section>", 1)[0]
    assert over_time.count("<tr>") == 5


def test_home_and_menu_link_to_the_report(client, ledger):  # noqa: F811
    login(client, "member@a.example")
    html = client.get("/").get_data(as_text=True)
    assert html.count('href="/report"') == 2  # the menu and the shortcut


# --- Exports: the same totals as the page, the factors and the method ---------------------------------

def test_csv_carries_the_totals_every_breakdown_the_factors_and_the_method(client, ledger):  # noqa: F811
    expected = built("municipality:kommune-a")
    login(client, "member@a.example")
    response = client.get(f"/report/export.csv?{A_YEAR}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "municipality-kommune-a-2026-01-01-2026-12-31.csv" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    with force_locale("nb"):
        sections = csv_sections(text)
        names = labels(expected)
        totals = {row[0]: row[1] for row in sections[_("Totals")][1:]}
        for name in MEASURES:
            assert number(totals[names[name]]) == getattr(expected.totals, name)
        assert number(totals[names["amounts_received:piece"]]) == expected.totals.amounts_received[MeasureUnit.PIECE]
        by_category = {row[0]: row for row in sections[_("By category")][1:]}
        assert set(by_category) == {row.label for row in expected.by_category}
        factors = sections[_("Factors used")]
        assert len(factors) == 1 + len(expected.factors)
        assert {row[1] for row in factors[1:]} >= {"Skrivebord", "Tastatur"}
        assert all(row[9] and row[6] for row in factors[1:])  # sources and confidence on every line
        words = {str(label) for label in CONFIDENCE_LABELS.values()}  # in bokmål, never "low"/"medium"
        assert {row[6] for row in factors[1:]} <= words and not {row[6] for row in factors[1:]} & set(CONFIDENCE_LABELS)
        assert {row[2] for row in factors[1:]} == {"stk."}  # what each per-unit factor is per
        method = " ".join(row[1] for row in sections[_("Method")])
        assert "klimaregnskap" in method and "2026.1" in method
        assert _("Giver → receiver") not in sections  # only at network level


def test_csv_opens_in_columns_in_norwegian_excel(client, runner, ledger, tmp_path):  # noqa: F811
    """Excel in Norway splits at semicolons and reads decimal commas: a byte-order mark, ';' and 18762,5 with no
    thousands separator, so every figure lands in its own cell as a number (issue 18, item 10)."""
    expected = built("municipality:kommune-a")
    login(client, "member@a.example")
    body = client.get(f"/report/export.csv?{A_YEAR}").get_data()
    assert body.startswith("\ufeff".encode("utf-8"))
    lines = body.decode("utf-8-sig").split("\r\n")
    with force_locale("nb"):
        names = labels(expected)
    net = next(line for line in lines if line.startswith(names["co2e_net_kg"] + ";"))
    figure = format(expected.totals.co2e_net_kg, "f").replace(".", ",")
    assert net == f"{names['co2e_net_kg']};{figure}" and "," in figure  # e.g. "kg CO2e unngått (netto);18762,500"
    assert re.fullmatch(r"-?\d+,\d+", figure)  # no grouping, no point
    assert f"Til;{YEAR[1].isoformat()}" in lines  # dates stay ISO
    assert not any("," in line and ";" not in line for line in lines if line)  # no comma-separated row
    target = tmp_path / "rapport.csv"
    result = runner.invoke(args=["report", "--scope", "municipality:kommune-a", "--from", "2026-01-01",
                                 "--to", "2026-12-31", "--format", "csv", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith("\ufeff".encode("utf-8"))  # the file opens in Excel as the download
    assert target.read_bytes().decode("utf-8-sig").replace("\r\n", "\n") == body.decode("utf-8-sig").replace("\r\n", "\n")
    stdout = runner.invoke(args=["report", "--scope", "municipality:kommune-a", "--from", "2026-01-01",
                                 "--to", "2026-12-31", "--format", "csv"]).output
    assert not stdout.startswith("\ufeff") and f"{names['co2e_net_kg']};{figure}" in stdout  # pipes get no mark


def test_xlsx_has_a_sheet_per_breakdown_the_factors_and_number_cells(client, ledger):  # noqa: F811
    expected = built("network:vest")
    login(client, "coordinator@vest.example")
    response = client.get(f"/report/export.xlsx?{NETWORK_YEAR}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.get_data()))
    with force_locale("nb"):
        titles = [_(name) for name in ("Summary", "By category group", "By category", "By unit",
                                                "Over time", "Giver → receiver", "Factors used", "Method",
                                                "Loans (not counted as reuse)", "Reuse first")]
        names = labels(expected)
    assert workbook.sheetnames == titles
    summary = {row[0]: row[1] for row in workbook[titles[0]].iter_rows(values_only=True) if row and row[0]}
    for name in MEASURES:
        assert isinstance(summary[names[name]], (int, float)), name
        assert Decimal(str(summary[names[name]])) == getattr(expected.totals, name)
    matrix = list(workbook[titles[5]].iter_rows(values_only=True))
    pairs = {(row[0], row[1]): Decimal(str(row[2])) for row in matrix[1:]}  # giver, receiver, net CO2e, …
    assert pairs == {(giver, receiver): totals.co2e_net_kg for giver, receiver, totals in expected.matrix}
    factors = list(workbook[titles[6]].iter_rows(values_only=True))
    assert len(factors) == 1 + len(expected.factors)
    assert all(isinstance(row[3], (int, float)) and row[9] for row in factors[1:])
    with force_locale("nb"):
        assert {row[6] for row in factors[1:]} <= {str(label) for label in CONFIDENCE_LABELS.values()}
    method = " ".join(str(row[1]) for row in workbook[titles[7]].iter_rows(values_only=True))
    assert "klimaregnskap" in method


def test_page_and_files_show_one_column_per_unit_of_measure(client, runner, mixed_units):  # noqa: F811
    login(client, "coordinator@vest.example")
    page = text_of(client.get(f"/report?{NETWORK_YEAR}").get_data(as_text=True))
    assert "Ombrukt (stk.)" in page and "Ombrukt (kg)" in page and "Ombrukt (tonn)" in page
    assert "99,5" not in page  # 12 + 85.5 + 2, a sum of pieces, kilograms and tonnes, is nowhere
    text = client.get(f"/report/export.csv?{NETWORK_YEAR}").get_data().decode("utf-8-sig")
    totals = {row[0]: row[1] for row in csv_sections(text)["Totalt"][1:]}
    amounts = {unit: number(totals[f"Ombrukt ({label})"])
               for unit, label in ((MeasureUnit.PIECE, "stk."), (MeasureUnit.KG, "kg"), (MeasureUnit.TONNE, "tonn"))}
    assert amounts == MIXED_AMOUNTS
    with force_locale("nb"):
        by_category = csv_sections(text)[_("By category")]
        factors = csv_sections(text)[_("Factors used")]
    chairs = dict(zip(by_category[0], next(row for row in by_category if row[0] == "Kontorstol")))
    assert (chairs["Ombrukt (stk.)"], chairs["Ombrukt (kg)"], chairs["Ombrukt (tonn)"]) == ("12,000", "", "")
    assert factors[0][2:4] == ["Per", "kg CO2e for en ny, per enhet"]
    assert {row[1]: row[2] for row in factors[1:]} == {"Kontorstol": "stk.", "Annet møbel": "kg", "Strøsand": "tonn"}
    data = json.loads(runner.invoke(args=["report", "--scope", "network:vest", "--from", "2026-01-01",
                                          "--to", "2026-12-31", "--format", "json"]).output)
    assert data["totals"]["amounts_received"] == {"piece": 12, "kg": 85.5, "tonne": 2}
    assert "amounts_received" not in data["matrix"][0]  # a giver → receiver row mixes categories: no amounts


def test_the_band_and_the_categories_without_money_are_shown(client, runner, mixed_units):  # noqa: F811
    """Other furniture has no new price: its hand-over saves no money, and the report says so."""
    expected = built("network:vest")
    totals = expected.totals
    assert totals.co2e_low_kg <= totals.co2e_net_kg <= totals.co2e_high_kg and totals.co2e_low_kg < totals.co2e_high_kg
    login(client, "coordinator@vest.example")
    page = text_of(client.get(f"/report?{NETWORK_YEAR}").get_data(as_text=True))
    with force_locale("nb"):
        band = _("Range: %(low)s – %(high)s", low=charts.co2e(totals.co2e_low_kg), high=charts.co2e(totals.co2e_high_kg))
    assert band.replace("\u00a0", " ").replace("\u202f", " ") in page
    assert "Ikke regnet med for Annet møbel: ingen nypris." in page
    text = client.get(f"/report/export.csv?{NETWORK_YEAR}").get_data().decode("utf-8-sig")
    rows = {row[0]: row[1] for row in csv_sections(text)["Totalt"][1:]}
    assert number(rows["kg CO2e unngått (netto, lav)"]) == totals.co2e_low_kg
    assert number(rows["kg CO2e unngått (netto, høy)"]) == totals.co2e_high_kg
    assert rows["Penger ikke regnet med for (ingen nypris)"] == "Annet møbel"
    data = json.loads(runner.invoke(args=["report", "--scope", "network:vest", "--from", "2026-01-01",
                                          "--to", "2026-12-31", "--format", "json"]).output)
    assert data["money_not_counted_for"] == ["Annet møbel"]


def test_the_files_and_the_page_agree_for_a_unit(client, ledger):  # noqa: F811
    scope = f"unit:{ledger.school_a.id}"
    expected = built(scope)
    login(client, "member@a.example")
    query = f"scope={scope}&period=custom&from=2026-01-01&to=2026-12-31"
    assert client.get(f"/report?{query}").status_code == 200
    text = client.get(f"/report/export.csv?{query}").get_data().decode("utf-8-sig")
    with force_locale("nb"):
        totals = {row[0]: row[1] for row in csv_sections(text)[_("Totals")][1:]}
        assert number(totals[labels(expected)["co2e_gross_kg"]]) == expected.totals.co2e_gross_kg == Decimal("130.000")


# --- The command line ---------------------------------------------------------------------------------

def test_cli_json_equals_the_report(runner, ledger):  # noqa: F811
    expected = built("network:vest")
    result = runner.invoke(args=["report", "--scope", "network:vest", "--from", "2026-01-01", "--to", "2026-12-31",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for name in MEASURES:
        assert Decimal(str(data["totals"][name])) == getattr(expected.totals, name)
    assert data["totals"]["events"] == expected.totals.events == 3
    assert {(row["giver"], row["receiver"]) for row in data["matrix"]} == {(g, r) for g, r, _t in expected.matrix}
    assert len(data["factors"]) == len(expected.factors) and all(row["confidence"] for row in data["factors"])
    assert any("klimaregnskap" in line["text"] for line in data["method"])


def test_cli_csv_is_the_download(runner, client, ledger):  # noqa: F811
    result = runner.invoke(args=["report", "--scope", "municipality:kommune-a", "--from", "2026-01-01",
                                 "--to", "2026-12-31", "--format", "csv"])
    assert result.exit_code == 0, result.output
    login(client, "member@a.example")
    download = client.get(f"/report/export.csv?{A_YEAR}").get_data().decode("utf-8-sig")
    assert result.output.replace("\r\n", "\n") == download.replace("\r\n", "\n")


def test_cli_xlsx_to_a_file(runner, ledger, tmp_path):  # noqa: F811
    target = tmp_path / "rapport.xlsx"
    result = runner.invoke(args=["report", "--scope", "network:vest", "--from", "2026-01-01", "--to", "2026-12-31",
                                 "--format", "xlsx", "--output", str(target)])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(target)
    assert len(workbook.sheetnames) == 10  # the eight climate sheets, "Loans" and "Reuse first"


@pytest.mark.parametrize("args, message", [
    (["--scope", "galaxy:far"], "municipality:SLUG"),
    (["--scope", "municipality:nowhere"], "no such"),
    (["--from", "2026-13-01"], "--from"),
    (["--to", "yesterday"], "--to"),
    (["--to", "9999-12-31"], "between 1900 and 2999"),  # the page's years, so the period's arithmetic holds
    (["--from", "2026-12-31", "--to", "2026-01-01"], "on or after"),
    (["--format", "pdf"], "--format"),
])
def test_cli_explains_bad_input(runner, ledger, args, message):  # noqa: F811
    options = {"--scope": "municipality:kommune-a", "--from": "2026-01-01", "--to": "2026-12-31", "--format": "json"}
    options.update(zip(args[::2], args[1::2]))
    result = runner.invoke(args=["report", *[part for pair in options.items() for part in pair]])
    assert result.exit_code != 0
    assert message in result.output


# --- Permissions --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/report", "/report/export.csv", "/report/export.xlsx"])
@pytest.mark.parametrize("scope", ["municipality:kommune-b", "network:vest", "site", "unit:{school_b}"])
def test_a_member_cannot_read_another_municipalitys_report_by_url(client, ledger, path, scope):  # noqa: F811
    login(client, "member@a.example")
    scope = scope.format(school_b=ledger.school_b.id)
    assert client.get(f"{path}?scope={scope}&period=custom&from=2026-01-01&to=2026-12-31").status_code == 403


def test_unknown_scopes_are_not_found(client, ledger):  # noqa: F811
    login(client, "member@a.example")
    assert client.get("/report?scope=municipality:nowhere").status_code == 404
    assert client.get("/report/export.csv?scope=unit:999999").status_code == 404
    for huge in ("99999999999", "2147483648", "99999999999999999999999"):  # more than any id: names nothing
        for path in ("/report", "/report/export.csv", "/report/export.xlsx"):
            assert client.get(f"{path}?scope=unit:{huge}").status_code == 404, (path, huge)
    assert client.get("/report?scope=unit:١٢").status_code == 400  # not a number: a scope it cannot read


def test_the_report_needs_a_sign_in(client, ledger):  # noqa: F811
    assert client.get("/report").status_code in (302, 401)
    assert client.get("/report/export.csv").status_code in (302, 401)


def test_a_partner_organisation_reads_what_it_received(client, ledger):  # noqa: F811
    """A partner's own report (scope partner:SLUG): CO2e and money of what it received, no waste (it gives
    nothing); its people and its networks' admins read it, others do not."""
    chairs = make_item(ledger.caretaker_a, "office_chair", quantity=Decimal(5), now=T0)
    hand_over(ledger.partner_user, ledger.caretaker_a, chairs, 2, WouldBuyNew.YES, T0 + timedelta(days=30))
    db.session.commit()
    login(client, "helper@hjelpen.example")
    assert 'href="/report"' in client.get("/").get_data(as_text=True)
    page = client.get(f"/report?period=custom&from={YEAR[0]}&to={YEAR[1]}")
    assert page.status_code == 200 and "Hjelpen" in page.get_data(as_text=True)
    partner = report.build(report.resolve_scope(None, "partner:hjelpen"), *YEAR)
    assert partner.totals.co2e_net_kg == Decimal("140.000") and partner.totals.events == 1  # 2 chairs × 70
    assert partner.totals.waste_kg == 0 and partner.totals.events_given == 0
    assert client.get("/report?scope=municipality:kommune-a").status_code == 403
    for email, status in (("coordinator@vest.example", 200), ("member@a.example", 403)):
        other = client.application.test_client()
        login(other, email)
        assert other.get("/report?scope=partner:hjelpen").status_code == status, email
    assert other.get("/report?scope=partner:nobody").status_code == 404


def test_network_admin_reads_the_network_with_its_matrix_and_each_member_without(client, ledger):  # noqa: F811
    login(client, "coordinator@vest.example")
    network = client.get(f"/report?{NETWORK_YEAR}").get_data(as_text=True)
    assert 'id="matrix-heading"' in network
    matrix = network.split('id="matrix-heading"', 1)[1].split("</section>", 1)[0]
    assert "<th scope=\"row\">A kommune</th>\n          <td>B kommune</td>" in matrix
    for slug in ("kommune-a", "kommune-b"):
        response = client.get(f"/report?scope=municipality:{slug}&period=custom&from=2026-01-01&to=2026-12-31")
        assert response.status_code == 200
        assert 'id="matrix-heading"' not in response.get_data(as_text=True)
    assert client.get("/report?scope=network:nord").status_code == 403
    assert client.get("/report?scope=municipality:kommune-c").status_code == 403
    # The choices: the network, each member municipality and partner, nothing else.
    options = re.findall(r'<option value="([^"]+)"', network)
    assert set(options) - {"month", "quarter"} == {"network:vest", "municipality:kommune-a", "municipality:kommune-b",
                                                   "partner:hjelpen"}


def test_member_chooses_among_the_municipality_and_its_units(client, ledger):  # noqa: F811
    login(client, "member@a.example")
    options = set(re.findall(r'<option value="([^"]+)"', client.get("/report").get_data(as_text=True)))
    assert options - {"month", "quarter"} == {"municipality:kommune-a", f"unit:{ledger.school_a.id}",
                                              f"unit:{ledger.depot_a.id}"}


def test_site_admin_sees_the_site_and_every_network(client, ledger):  # noqa: F811
    login(client, "root@site.example")
    html = client.get("/report?scope=site&period=custom&from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    assert 'id="matrix-heading"' in html
    options = set(re.findall(r'<option value="([^"]+)"', html))
    assert {"site", "network:vest", "network:nord"} <= options
    html = client.get("/report?scope=municipality:kommune-c").get_data(as_text=True)
    assert '<option value="municipality:kommune-c" selected>' in html  # the one shown is in the list


# --- Bad input: a clear message and 400, never a 500 --------------------------------------------------

@pytest.mark.parametrize("query", [
    "scope=galaxy:far",
    "scope=unit:abc",
    "period=decade",
    "period=custom",
    "period=custom&from=2026-01-01",
    "period=custom&from=garbage&to=2026-12-31",
    "period=custom&from=2026-02-30&to=2026-12-31",
    "period=custom&from=2026-12-31&to=2026-01-01",
    "from=0001-01-01&to=9999-12-31",
    "bucket=week",
    "period=custom&from=" + "9" * 500 + "&to=2026-01-01",
    "scope=%00&period=%00",
])
def test_bad_parameters_give_400_with_a_message(client, ledger, query):  # noqa: F811
    login(client, "admin@a.example")
    page = client.get(f"/report?{query}")
    assert page.status_code == 400, query
    html = page.get_data(as_text=True)
    if "%00" not in query:  # NUL characters are refused for every page before the view runs
        assert 'class="error-summary" role="alert"' in html
        assert '<details class="card report-controls" open>' in html  # the choices stay open, to correct
    assert client.get(f"/report/export.csv?{query}").status_code == 400


def test_norwegian_dates_are_understood(client, ledger):  # noqa: F811
    login(client, "member@a.example")
    response = client.get("/report?scope=municipality:kommune-a&period=custom&from=1.5.2026&to=31.05.2026")
    assert response.status_code == 200
    assert 'value="1.5.2026"' in response.get_data(as_text=True) or "2026" in response.get_data(as_text=True)


# --- Cost: the number of queries does not grow with the ledger ----------------------------------------

def test_the_page_issues_a_bounded_number_of_queries(client, web_app, ledger):  # noqa: F811
    login(client, "coordinator@vest.example")
    client.get(f"/report?{NETWORK_YEAR}")  # warm up: the user and caches
    with counting_queries(web_app) as small:
        assert client.get(f"/report?{NETWORK_YEAR}").status_code == 200
    chairs = make_item(ledger.caretaker_b, "stackable_chair", quantity=Decimal(40), would_be_discarded=True, now=T0)
    for number in range(12):
        hand_over(ledger.member_b, ledger.caretaker_b, chairs, 2, WouldBuyNew.YES,
                  T0 + timedelta(days=20 * number + 1))
    db.session.commit()
    with counting_queries(web_app) as large:
        assert client.get(f"/report?{NETWORK_YEAR}").status_code == 200
    # 27 for the report, 10 for the same scope's period before (one more report.build, decision 31), 2 for the
    # loans (decision 38)
    assert len(small) == len(large) <= 39


# --- The chart markup itself --------------------------------------------------------------------------

def test_charts_escape_every_text_and_use_no_inline_style(app):
    data = [charts.Datum('<script>alert("x")</script>', Decimal("12.5"), "12,5 kg & mer"),
            charts.Datum("Stoler", Decimal(0), "0 kg")]
    bar = str(charts.bar_chart("c1", "Tittel <b>", data, description='Beskrivelse "med" <tegn>'))
    column = str(charts.column_chart("c2", "Over tid", data, axis_label="kg CO2e"))
    for svg in (bar, column):
        assert "<script>" not in svg and "<b>" not in svg and "style=" not in svg
        assert svg.startswith("<svg") and 'role="img"' in svg
    assert "&lt;script&gt;" in bar and "12,5 kg &amp; mer" in bar
    assert '<title id="c1-title">Tittel &lt;b&gt;</title>' in bar
    assert 'aria-labelledby="c1-title c1-desc"' in bar
    empty = str(charts.bar_chart("c3", "Ingenting", []))
    assert "<rect" not in empty and 'role="img"' in empty


def test_names_people_typed_stay_text_in_the_files(client, ledger):  # noqa: F811
    """A unit called "=HYPERLINK(…)" must not become a formula in Excel or in a spreadsheet opening the CSV."""
    from marketplace.accounts.models import Role
    from marketplace.organisations import services as organisations
    from tests.factories import make_user

    evil = organisations.create_unit(ledger.a, '=HYPERLINK("http://evil.example","x")')
    receiver = make_user("evil@a.example", Role.MEMBER, ledger.a, evil)
    chairs = make_item(ledger.caretaker_a, "office_chair", quantity=Decimal(2), now=T0)
    hand_over(receiver, ledger.caretaker_a, chairs, 1, WouldBuyNew.YES, T0 + timedelta(days=3))
    db.session.commit()
    login(client, "admin@a.example")
    text = client.get(f"/report/export.csv?{A_YEAR}").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert any(row and row[0] == "'=HYPERLINK(\"http://evil.example\",\"x\")" for row in rows)
    assert not any(row and row[0].startswith("=") for row in rows)
    workbook = load_workbook(io.BytesIO(client.get(f"/report/export.xlsx?{A_YEAR}").get_data()))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    assert any(cell.value == "'=HYPERLINK(\"http://evil.example\",\"x\")" for cell in cells)
    assert exports._text("-12.500") == "-12.500" and exports._text("-12,500") == "-12,500" and exports._text("+47 99") == "'+47 99"  # numbers stay numbers
