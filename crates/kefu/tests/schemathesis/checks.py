# Checks schemathesis runs on every answer of the kefu API, beside its own
# not_a_server_error (crates/kefu/tests/api_properties.rs starts it).
import json
import schemathesis

@schemathesis.check
def problem_details_on_client_errors(ctx, response, case):
    """Every 4xx answer is problem+json with a message a person can act on."""
    if 400 <= response.status_code < 500:
        try:
            body = json.loads(response.text)
        except ValueError:
            raise AssertionError(
                f"{case.method} {case.formatted_path}: {response.status_code} is not JSON: {response.text[:200]!r}"
            )
        detail = body.get("detail") if isinstance(body, dict) else None
        assert isinstance(detail, str) and detail.strip(), (
            f"{case.method} {case.formatted_path}: {response.status_code} without a message: {response.text[:200]}"
        )
