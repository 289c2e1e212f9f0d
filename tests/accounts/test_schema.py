"""The OpenAPI schema is valid and documents every status the API answers, so that
schemathesis (and client generators) can rely on it."""

import pytest
import yaml
from drf_spectacular.validation import validate_schema

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(db, client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_every_operation_documents_the_errors(schema):
    anonymous = {"/api/v1/auth/register/", "/api/v1/auth/token/", "/api/v1/auth/password-reset/"}
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert {"400", "404", "429"} <= codes, (path, method, codes)
        if path not in anonymous and path.startswith("/api/v1/"):
            assert "401" in codes, (path, method)
        if method in {"post", "put", "patch"}:
            assert "415" in codes, (path, method)


def test_the_logbook_paths_of_the_contract_are_all_there(schema):
    for name in ["episodes", "intakes", "activities", "medications", "doses", "checkins"]:
        assert set(schema["paths"][f"/api/v1/{name}/"]) >= {"get", "post"}
        assert set(schema["paths"][f"/api/v1/{name}/{{id}}/"]) >= {"get", "put", "patch", "delete"}
    for path in ["/api/v1/me/", "/api/v1/export/", "/api/v1/auth/register/", "/api/v1/auth/token/"]:
        assert path in schema["paths"]


def test_creates_document_the_idempotency_key_header(schema):
    post = schema["paths"]["/api/v1/intakes/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post["parameters"])


def test_deleting_the_account_documents_its_password_body(schema):
    body = schema["paths"]["/api/v1/me/"]["delete"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][ref]["required"] == ["password"]


def test_the_docs_page_loads_its_assets_locally(db, client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html
