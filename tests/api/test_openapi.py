"""The OpenAPI document: public, valid OpenAPI 3.1, covering every operation; and the whole API fuzzed from it
(Schemathesis, in-process over WSGI) with tokens of two municipalities: never a 5xx, always as documented."""

from __future__ import annotations

from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
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
    setup.ids = {"item_id": [setup.chairs.id, setup.tables.id, setup.sand.id, setup.draft.id],
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
