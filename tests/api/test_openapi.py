"""The OpenAPI document: public, valid OpenAPI 3.1, covering every operation; and the whole API fuzzed from it
(Schemathesis, in-process over WSGI) with tokens of two municipalities: never a 5xx, always as documented."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.api.views import registry
from marketplace.db import db
from tests.api.conftest import error_code, fields
from tests.factories import jpeg_bytes, make_item

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
EXAMPLES_PER_OPERATION = 12


def test_the_document_is_public_and_valid_openapi(client, web_app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["openapi"] == "3.1.0"
    operations = {(method.upper(), path) for path, methods in document["paths"].items() for method in methods}
    assert len(operations) == len(registry.operations) == 31  # 21, and 10 for wanted notices and needs (#9)
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
    """Items of A and B with photos, a reservation of each kind, tokens of both municipalities."""
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
    from marketplace.wanted import services as wanted
    from tests.factories import category

    notice = wanted.post_notice(setup.member_a, wanted.NoticeInput(title="Stoler", category=category("desk"),
                                                                   quantity=Decimal(3)))
    need = wanted.register_need(setup.member_b, wanted.NeedInput(title="Pulter", category=category("desk"),
                                                                 quantity=Decimal(2)))
    db.session.commit()
    setup.ids = {"item_id": [setup.chairs.id, setup.tables.id, setup.sand.id, setup.draft.id, setup.draft_a.id],
                 "photo_id": [photo_a.id, photo_b.id],
                 "reservation_id": [reservation.id for reservation in setup.reservations],
                 "notice_id": [notice.id], "need_id": [need.id]}
    return setup


def test_fuzz_the_whole_api_from_its_own_document(web_app, fuzz_region):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", web_app)
    secrets = [fuzz_region.secrets[name] for name in ("caretaker_a", "caretaker_b", "member_a", "member_b")]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(registry.operations)
    for operation in operations:
        names = [parameter.name for parameter in operation.path_parameters]
        known = [operation.as_strategy(path_parameters={name: fuzz_region.ids[name][index % len(
            fuzz_region.ids[name])] for name in names}) for index in range(3)] if names else []
        examples = schema.get_strategies_from_examples(operation)  # the documented examples, as sent
        strategy = st.one_of(operation.as_strategy(), *examples, *known)

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy, secret=st.sampled_from(secrets))
        def exercise(case, secret):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {secret}"}
            response = case.call()
            case.validate_response(response, checks=CHECKS)

        exercise()


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
