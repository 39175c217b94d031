"""The OpenAPI document: public, valid OpenAPI 3.1, covering every operation, and exact: Schemathesis runs every
phase and every check against the API served over HTTP, and the three places where document and API disagreed
(issue #16) are tested one by one."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
import schemathesis
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from pydantic import ValidationError
from schemathesis.config import SchemathesisConfig
from schemathesis.core import NOT_SET
from schemathesis.core.failures import Failure
from schemathesis.engine import StopReason, events, from_schema
from schemathesis.specs.openapi.checks import positive_data_acceptance

from marketplace.api.views import registry
from marketplace.db import db, utcnow
from marketplace.i18n import oslo_date
from tests.api.conftest import error_code, fields
from tests.conftest import served_over_http
from tests.factories import jpeg_bytes, make_item

OPERATIONS = {(operation.method, operation.path): operation for operation in registry.operations}
SEED = 20261204
EXAMPLES_PER_OPERATION = 6
STATEFUL_STEPS = 6


def test_the_document_is_public_and_valid_openapi(client, web_app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["openapi"] == "3.1.0"
    operations = {(method.upper(), path) for path, methods in document["paths"].items() for method in methods}
    # 21, 10 for wanted notices and needs (#9), the ledger and reversing a hand-over (#17), sharing early (#18),
    # 4 for loans, 2 for the picked mark, 7 for transport and 3 for locations (#19), 2 for the inventory, 6
    # for building projects and 5 for the ICT fleet (#21)
    assert len(operations) == len(registry.operations) == 63
    # Every operation of the blueprint is documented, and every documented operation is routed.
    routed = {(method, rule.rule.removeprefix("/api/v1")) for rule in web_app.url_map.iter_rules()
              if rule.endpoint.startswith("api.") and rule.endpoint not in ("api.openapi_json", "api.docs")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(method, path.replace("{", "<int(min=1, max=2147483647):").replace("}", ">"))
                  for method, path in operations}
    assert routed == documented
    assert document["components"]["schemas"]["ItemCreate"]["additionalProperties"] is False
    assert set(document["paths"]["/items/{item_id}/reservations"]["post"]["responses"]) >= {"201", "409", "422"}


def test_the_reference_page_is_rendered_from_the_document(client):
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "POST /api/v1/items/{item_id}/reservations" in html and 'id="schema-ItemCreate"' in html
    assert "insufficient_quantity" in html and "<script" not in html


@pytest.fixture
def fuzz_region(setup):
    """Items of A and B with photos, drafts, a reservation of each kind, a hand-over, a wanted notice and a need,
    and an item A has in use."""
    from marketplace.listings import services as listings
    from marketplace.reservations import services as reservations
    from marketplace.reservations.models import WouldBuyNew

    setup.chairs = make_item(setup.caretaker_a, "office_chair", quantity=Decimal(40), now=setup.long_ago)
    setup.tables = make_item(setup.caretaker_b, "desk", quantity=Decimal(30), now=setup.long_ago)
    setup.sand = make_item(setup.caretaker_a, "grit_sand", quantity=Decimal("12.5"), now=setup.long_ago)
    setup.draft = make_item(setup.caretaker_b, "desk", publish=False)
    setup.draft_a = make_item(setup.caretaker_a, "desk", publish=False)  # the administrator of A may delete it
    photo_a = listings.upload_photo(setup.caretaker_a, jpeg_bytes(), item=setup.chairs)
    photo_b = listings.upload_photo(setup.caretaker_b, jpeg_bytes(colour=(200, 10, 10)), item=setup.tables)
    setup.reservations = [
        reservations.reserve(setup.member_b, setup.chairs.id, Decimal(2), would_buy_new=WouldBuyNew.YES),
        reservations.reserve(setup.member_a, setup.tables.id, Decimal(2), would_buy_new=WouldBuyNew.NO),
        reservations.reserve(setup.caretaker_b, setup.chairs.id, Decimal(1), would_buy_new=WouldBuyNew.UNKNOWN),
    ]
    from marketplace.reservations import handover

    handed = reservations.reserve(setup.member_b, setup.chairs.id, Decimal(1), would_buy_new=WouldBuyNew.YES)
    event = handover.collect(setup.caretaker_a, handed)  # the administrator of A may undo or correct it
    from marketplace.wanted import services as wanted
    from tests.factories import category

    notice = wanted.post_notice(setup.member_a, wanted.NoticeInput(title="Stoler", category=category("desk"),
                                                                   quantity=Decimal(3)))
    need = wanted.register_need(setup.member_b, wanted.NeedInput(title="Pulter", category=category("desk"),
                                                                 quantity=Decimal(2)))
    need_a = wanted.register_need(setup.member_a, wanted.NeedInput(title="Sand", category=category("grit_sand"),
                                                                   quantity=Decimal("0.5")))
    from marketplace.transport import services as transport
    from tests.factories import make_location

    today = oslo_date(utcnow())
    carried = transport.request_transport(setup.member_b, setup.reservations[0], window_from=today,
                                          window_to=today + timedelta(days=3), to_unit_id=setup.school_b.id)
    store = make_location(setup.admin_a, setup.a, "Ombrukslageret", address="Lagervegen 4")
    from marketplace.inventory import services as inventory
    from tests.factories import item_input

    in_use = inventory.register(setup.caretaker_a, item_input("desk", title="Elevpulter", building="A skole",
                                                              floor="2", room="204"))
    from marketplace.projects import services as projects

    project = projects.start_project(setup.admin_a, projects.ProjectInput(name="Nytt bibliotek"))
    project_need = projects.add_need(setup.admin_a, project, projects.NeedInput(category=category("desk"),
                                                                                quantity=Decimal(4), room="Lesesal"))
    db.session.commit()
    setup.ids = {"item_id": [setup.chairs.id, setup.tables.id, setup.sand.id, setup.draft.id, setup.draft_a.id,
                             in_use.id],
                 "photo_id": [photo_a.id, photo_b.id],
                 "reservation_id": [reservation.id for reservation in setup.reservations],
                 "notice_id": [notice.id], "need_id": [need.id, need_a.id, project_need.need_id], "event_id": [event.id],
                 "transport_request_id": [carried.id], "location_id": [store.id], "project_id": [project.id]}
    return setup


@pytest.fixture
def live_api(make_app) -> Iterator[str]:
    """The API served over HTTP on a free port (one request at a time), with a rate limit the run cannot reach;
    yields its base URL. Schemathesis speaks HTTP to it as to any server."""
    app = make_app(API_RATE_LIMIT="1000000 per minute")
    with served_over_http(app) as base_url:
        yield base_url


def _the_models_accept(case) -> bool:
    """Whether the operation's own Pydantic models accept what the case sent, read as parse_query and
    parse_body read it (every query value a string; a list only where the model has one)."""
    operation = OPERATIONS[(case.operation.method.upper(), case.operation.path)]
    try:
        if operation.query is not None:
            query = operation.query
            sent = {key: values if isinstance(values, list) else [values] for key, values in (case.query or {}).items()}
            query.model_validate({key: [str(value) for value in values] if _is_list(query, key) else str(values[0])
                                  for key, values in sent.items() if values})
        if operation.body is not None and operation.body_media == "application/json":
            operation.body.model_validate(json.loads(json.dumps(case.body if case.body is not NOT_SET else {})))
    except (ValidationError, TypeError, ValueError):
        return False
    return True


def _is_list(model, key: str) -> bool:
    field = next((info for name, info in model.model_fields.items() if (info.alias or name) == key), None)
    return field is not None and getattr(field.annotation, "__origin__", None) is list


@schemathesis.check
def positive_data_acceptance_but_rules(ctx, response, case):
    """Schemathesis's positive_data_acceptance, except where a rule the document states in prose refuses a
    request its schemas allow (an unknown category slug, a unit of another municipality, halves of a chair):
    such a refusal is a 400 or 422 to a request the operation's own models accept. A refusal the models
    make themselves means the document promises more than the API accepts, and fails."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Failure:
        if response.status_code in (400, 422) and _the_models_accept(case):
            return None
        raise


def test_schemathesis_finds_nothing(live_api, fuzz_region):
    """Every phase (examples, coverage, fuzzing, stateful) and every check, positive and negative data, with
    a municipal administrator's token: never a 5xx, every answer as documented, what the document allows is
    accepted unless a rule refuses it, what it forbids is refused, a deleted draft is gone, a created item
    is there, no operation works without the token, and an undocumented method is 405 with Allow."""
    config = SchemathesisConfig.from_dict({
        "seed": SEED,
        "headers": {"Authorization": f"Bearer {fuzz_region.secrets['admin_a']}"},
        # Text is Unicode without NUL (the document says so in words; JSON Schema has no keyword for it).
        "generation": {"mode": "all", "max-examples": EXAMPLES_PER_OPERATION, "deterministic": True,
                       "database": "none", "allow-x00": False, "codec": "utf-8"},
        "checks": {"positive_data_acceptance": {"enabled": False}},  # run by positive_data_acceptance_but_rules
        "phases": {"stateful": {"max-steps": STATEFUL_STEPS}},
        "workers": 1,
    })
    schema = schemathesis.openapi.from_url(f"{live_api}/api/v1/openapi.json", config=config)
    cases, seconds, failures, errors = Counter(), Counter(), [], []
    checks_run = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            started = event.timestamp
        elif isinstance(event, events.PhaseFinished):
            seconds[event.phase.name.value] += round(event.timestamp - started)
        elif isinstance(event, events.ScenarioFinished):
            cases[event.phase.value] += len(event.recorder.cases)
            for case_id, nodes in event.recorder.checks.items():
                for node in nodes:
                    checks_run.add(node.name)
                    if node.failure_info is not None:
                        failures.append(f"{node.name} on {event.recorder.label}: {node.failure_info.failure.title}\n"
                                        f"{node.failure_info.failure.message}\n{node.failure_info.code_sample}")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(str(getattr(event, "value", None) or getattr(event, "exception", None)))
        elif isinstance(event, events.EngineFinished):
            stop_reason = event.stop_reason
            failures += [str(failure) for failure in event.failures]
    print(f"Schemathesis: {sum(cases.values())} cases {dict(cases)} in seconds {dict(seconds)}; "
          f"checks: {sorted(checks_run)}")
    assert not errors, errors
    assert not failures, "\n\n".join(failures)
    assert stop_reason == StopReason.COMPLETED
    assert set(cases) == {"examples", "coverage", "fuzzing", "stateful"}
    assert {"positive_data_acceptance_but_rules", "negative_data_rejection", "not_a_server_error",
            "response_schema_conformance", "ignored_auth", "unsupported_method"} <= checks_run


# --- The document is exact: what it allows is accepted, what it forbids is refused ---------------------------

def _documented(api, schema_name: str, field: str):
    """A validator of one body field as the document describes it."""
    document = api.client.get("/api/v1/openapi.json").get_json()
    schema = {**document["components"]["schemas"][schema_name]["properties"][field],
              "components": document["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


QUANTITIES = ["0", "0.0", "0.000", "00", "007", "0.001", "0.5", "0.05", "24", "2.5", "999999.999", "1000000",
              "1000000.000", "1000000.001", "1000001", "9999999", "1.2345", "1e3", " 1", "1.", ".5",
              0, 0.0005, 0.001, 24, 2.5, 1000000, 1000000.5, True]


def test_a_quantity_is_accepted_exactly_when_the_document_allows_it(api, setup):
    """"0" matched the documented pattern but was refused (so did "9999999", above the maximum), and a number
    with four decimals was documented but refused; now the document and the API agree on every one."""
    documented = _documented(api, "WantedCreate", "quantity")
    disagreements = []
    for quantity in QUANTITIES:
        response = api.post("/wanted", "member_a", json={"title": "Strøsand", "category": "grit_sand",
                                                          "quantity": quantity})
        assert response.status_code in (201, 422), response.get_data(as_text=True)
        if (response.status_code == 201) != documented.is_valid(quantity):
            disagreements.append((quantity, response.status_code))
    assert disagreements == []


@pytest.mark.parametrize("field, value", [
    ("would_be_discarded", 0), ("would_be_discarded", 1), ("would_be_discarded", "true"),
    ("would_be_discarded", None), ("unit_id", "1"), ("unit_id", True), ("available_from", "2026-08-01T00:00:00"),
    ("available_from", "1999-12-31"), ("advertise_until", "2100-01-01"),
])
def test_a_value_of_another_type_or_form_is_refused_and_creates_nothing(api, setup, field, value):
    """would_be_discarded: 0 was accepted for a boolean (and "1" for an id, a date-time for a date)."""
    documented = _documented(api, "ItemCreate", field)
    body = {"title": "Strøsand", "category": "grit_sand", "condition": "good", "quantity": 2, field: value}
    response = api.post("/items", "caretaker_a", json=body)
    assert not documented.is_valid(value)
    assert response.status_code == 422 and field in fields(response)
    assert api.get("/items", "caretaker_a").get_json()["total"] == 0


def test_times_in_the_documented_form_only(api, fuzz_region):
    documented = _documented(api, "ReservationCreate", "wished_pickup_at")
    for moment, accepted in [("2026-12-01T09:00:00+01:00", True), ("2026-12-01T09:00:00Z", True),
                             ("2026-12-01 09:00:00+01:00", False), ("2026-12-01T09:00+01:00", False),
                             ("2026-12-01T09:00:00+0100", False), (1796400000, False), ("1999-12-31T23:00:00Z", False)]:
        response = api.post(f"/items/{fuzz_region.sand.id}/reservations", "member_b",
                            json={"quantity": "0.5", "wished_pickup_at": moment})
        assert documented.is_valid(moment) is accepted
        assert response.status_code == (201 if accepted else 422), (moment, response.get_data(as_text=True))


METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def test_every_method_a_path_documents_answers_404_for_an_id_no_row_has(api, fuzz_region):
    """DELETE /api/v1/items/0 answered 405 while GET answered 404 (fixed with the bounded ids of 32b55b7): for
    every documented path, every documented method gives the same JSON 404 for an id that names nothing."""
    document = api.client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        if "{" not in path:
            continue
        for nothing in ("0", "2147483647", "2147483648", "99999999999999999999"):
            url = re.sub(r"{\w+}", nothing, path)
            for method in operations:
                response = api(method.upper(), url, "admin_a", json={})
                assert response.status_code == 404, (method, url, response.status_code)
                assert error_code(response) == "not_found"


def test_a_method_the_path_does_not_document_is_405_with_allow(api, fuzz_region):
    document = api.client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        url = re.sub(r"{(\w+)}", lambda match: str(fuzz_region.ids[match.group(1)][0]), path)
        documented = {method.upper() for method in operations}
        for method in sorted(METHODS - documented):
            response = api(method, url, "admin_a")
            assert response.status_code == 405, (method, url, response.status_code)
            assert error_code(response) == "method_not_allowed"
            assert set(response.headers["Allow"].split(", ")) - {"HEAD", "OPTIONS"} == documented
