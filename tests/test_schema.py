"""The committed OpenAPI schema (docs/openapi.yaml) must be what the code generates."""

from pathlib import Path

from django.core.management import call_command

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"


def test_committed_schema_matches_the_code(tmp_path):
    fresh = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(fresh), "--validate")
    assert fresh.read_text() == SCHEMA.read_text(), "API changed: run `make schema` and commit docs/openapi.yaml"
