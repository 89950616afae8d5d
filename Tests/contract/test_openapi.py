"""The service contract, openapi/callgate.yaml, against itself and against the real service.

* The document is valid OpenAPI 3.1 (openapi-spec-validator), every example in it conforms to its
  schema, every route of the gateway is in it, and the binary embeds exactly the committed text.
* The real `callgate serve` (on its embedded LiveVox simulator) answers the documented requests with
  documented statuses, media types, headers and bodies: the request examples are sent as they are
  (copy-paste real), the problem responses are provoked one by one, and schemathesis generates
  requests for every operation (bounded: a fixed number of examples per operation, derandomized).

Run: .venv/bin/python -m pytest Tests/contract  (CALLGATE_BIN, default .build/debug/callgate).
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

import hypothesis
import pytest
import requests
import schemathesis
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi" / "callgate.yaml"
SPEC_TEXT = SPEC_PATH.read_text(encoding="utf-8")
SPEC = yaml.safe_load(SPEC_TEXT)

# Bounds of the generated part: examples per operation and a budget for the whole run.
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "30"))
TIME_BUDGET_SECONDS = float(os.environ.get("CONTRACT_TIME_BUDGET_SECONDS", "240"))
REQUEST_TIMEOUT = 15

# Every route GatewayRoute.parse answers (Sources/CallGate/HTTP/GatewayRoute.swift).
ROUTES = {
    ("get", "/callControl/supervisor/calls/queue/{serviceId}"),
    ("get", "/callControl/supervisor/calls/queue"),
    ("get", "/callControl/supervisor/calls/{serviceId}/GetNonAttemptedManualCalls"),
    ("post", "/callControl/supervisor/calls/{serviceId}/LaunchManualCalls"),
    ("post", "/callControl/supervisor/calls/{serviceId}/ScheduleCallback"),
    ("get", "/v1/services/{serviceId}/queue"),
    ("get", "/v1/services/{serviceId}/non-attempted-calls"),
    ("post", "/v1/services/{serviceId}/manual-calls"),
    ("post", "/v1/services/{serviceId}/callbacks"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/openapi.yaml"),
    ("get", "/v1/audit"),
    ("get", "/v1/audit/verify"),
    ("get", "/metrics"),
    ("post", "/v1/webhooks/callbacks"),
    ("post", "/v1/webhooks/manual-calls"),
    ("get", "/v1/deliveries"),
    ("get", "/v1/deliveries/{deliveryId}"),
    ("delete", "/v1/deliveries/{deliveryId}"),
    ("post", "/v1/deliveries/{deliveryId}/retry"),
    ("get", "/v1/calling-window"),
}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# ---------------------------------------------------------------------------- schema helpers

_REGISTRY = Registry().with_resource("urn:callgate", Resource.from_contents(SPEC, default_specification=DRAFT202012))


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def validator_at(*segments: str) -> Draft202012Validator:
    """A validator for the schema at the JSON Pointer made of `segments` in the spec."""
    pointer = "".join("/" + _escape(s) for s in segments)
    ref = "urn:callgate#" + urllib.parse.quote(pointer, safe="/~")
    return Draft202012Validator({"$ref": ref}, registry=_REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors_of(validator: Draft202012Validator, instance) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(instance)]


def node_ref_parts(ref: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in ref.removeprefix("#/").split("/")]


def resolve(node) -> tuple[dict, list[str]]:
    """Follows `$ref`s; returns the node and the pointer segments of where it lives."""
    where: list[str] = []
    while isinstance(node, dict) and "$ref" in node:
        where = node_ref_parts(node["$ref"])
        node = SPEC
        for part in where:
            node = node[part]
    return node, where


def documented_response(path: str, method: str, status: int) -> tuple[dict, list[str]]:
    """The response object (and its location) the spec gives for a status: exact, then `4XX`-style."""
    responses = SPEC["paths"][path][method]["responses"]
    for key in (str(status), f"{str(status)[0]}XX"):
        if key in responses:
            node, where = resolve(responses[key])
            return node, where or ["paths", path, method, "responses", key]
    raise AssertionError(f"{method.upper()} {path}: status {status} is not documented")


def check_against_spec(path: str, method: str, response: requests.Response) -> None:
    """Status, media type, required headers and body of a live response against the spec."""
    node, where = documented_response(path, method, response.status_code)
    for name, header in (node.get("headers") or {}).items():
        header, _ = resolve(header)
        if header.get("required"):
            assert name in response.headers, f"{response.status_code}: header {name} missing ({dict(response.headers)})"
    content = node.get("content")
    if not content:
        assert response.content == b"", f"{response.status_code}: a body where none is documented: {response.content[:200]!r}"
        return
    media = response.headers.get("Content-Type", "").split(";")[0].strip()
    assert media in content, f"{response.status_code}: Content-Type {media!r} not among {list(content)}"
    schema = content[media].get("schema")
    if schema is None or media == "application/yaml":
        return
    errors = errors_of(validator_at(*where, "content", media, "schema"), response.json())
    assert not errors, f"{method.upper()} {path} {response.status_code}: body does not conform: {errors}\n{response.text}"


def operations():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


# ---------------------------------------------------------------------------- the document


def test_spec_is_valid_openapi_3_1():
    assert SPEC["openapi"] == "3.1.0"
    OpenAPIV31SpecValidator(SPEC).validate()


def test_every_route_is_documented_and_nothing_else():
    documented = {(method, path) for path, method, _ in operations()}
    assert documented == ROUTES


def test_every_response_carries_x_request_id():
    for path, method, operation in operations():
        for status, response in operation["responses"].items():
            node, _ = resolve(response)
            assert "X-Request-ID" in (node.get("headers") or {}), f"{method.upper()} {path} {status}"
    for name, response in SPEC["components"]["responses"].items():
        assert "X-Request-ID" in response.get("headers", {}), name


def test_every_operation_is_secured_as_its_surface():
    for path, method, operation in operations():
        schemes = sorted(name for requirement in operation["security"] for name in requirement)
        if path.startswith("/v1/webhooks/"):
            assert schemes == ["webhookSignature"], path
        elif path.startswith("/v1/"):
            assert schemes == ["apiKeyHeader", "bearerAuth"], path
        elif path.startswith("/callControl/"):
            assert schemes == ["apiKeyHeader", "bearerAuth", "lvAccess"], path
        else:
            assert schemes == [], path


def _examples():
    """Every example of a media type or parameter, with where its schema is."""
    found = []

    def media_examples(location: list[str], media_types: dict):
        for media, body in media_types.items():
            if "schema" not in body:
                continue
            schema_at = [*location, media, "schema"]
            if "example" in body:
                found.append(("/".join(schema_at), schema_at, body["example"]))
            for name, example in (body.get("examples") or {}).items():
                found.append(("/".join(schema_at) + f"[{name}]", schema_at, example["value"]))

    for path, method, operation in operations():
        base = ["paths", path, method]
        if "requestBody" in operation:
            media_examples([*base, "requestBody", "content"], operation["requestBody"]["content"])
        for status, response in operation["responses"].items():
            if "content" in response:
                media_examples([*base, "responses", status, "content"], response["content"])
        for index, parameter in enumerate(operation.get("parameters", [])):
            if "example" in parameter:
                found.append((f"{path} {parameter['name']}", [*base, "parameters", str(index), "schema"], parameter["example"]))
    for name, response in SPEC["components"]["responses"].items():
        if "content" in response:
            media_examples(["components", "responses", name, "content"], response["content"])
    for name, parameter in SPEC["components"]["parameters"].items():
        if "example" in parameter:
            found.append((f"parameter {name}", ["components", "parameters", name, "schema"], parameter["example"]))
    for name, schema in SPEC["components"]["schemas"].items():
        for index, example in enumerate(schema.get("examples", [])):
            found.append((f"schema {name}[{index}]", ["components", "schemas", name], example))
    return found


EXAMPLES = _examples()


@pytest.mark.parametrize("where,schema_at,example", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_conforms_to_its_schema(where, schema_at, example):
    errors = errors_of(validator_at(*schema_at), example)
    assert not errors, f"{where}: {errors}"


def test_there_are_examples():
    assert len(EXAMPLES) >= 30


# ---------------------------------------------------------------------------- the live service


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Live:
    def __init__(self, base_url: str, keys: dict[str, str], webhook_secret: str | None = None):
        self.base_url = base_url
        self.keys = keys
        self.webhook_secret = webhook_secret

    def signed(self, body: bytes, webhook_id: str) -> dict[str, str]:
        """Standard Webhooks headers for `body`, signed with the contract's source secret."""
        import base64, hashlib, hmac
        timestamp = str(int(time.time()))
        key = base64.b64decode(self.webhook_secret.removeprefix("whsec_"))
        mac = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        return {"webhook-id": webhook_id, "webhook-timestamp": timestamp,
                "webhook-signature": "v1," + base64.b64encode(mac).decode(), "Content-Type": "application/json"}

    def request(self, method: str, path: str, key: str | None = "sysadmin", headers=None, **kwargs) -> requests.Response:
        sent = dict(headers or {})
        if key is not None:
            sent.setdefault("Authorization", f"Bearer {self.keys[key]}")
        return requests.request(method, self.base_url + path, headers=sent, timeout=REQUEST_TIMEOUT, **kwargs)


def _binary() -> pathlib.Path:
    binary = pathlib.Path(os.environ.get("CALLGATE_BIN", ROOT / ".build" / "debug" / "callgate"))
    if not binary.exists():
        pytest.fail(f"callgate binary not found at {binary}; build it (swift build) or set CALLGATE_BIN")
    return binary


@contextlib.contextmanager
def _process(args: list[str], ready_url: str, log_path: pathlib.Path):
    """Runs a process until the block ends (SIGTERM, then SIGKILL after 10 s); waits for `ready_url` to answer."""
    log = open(log_path, "w+")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"{' '.join(args[:2])} exited with {process.returncode}:\n{log.read()}")
            try:
                requests.get(ready_url, timeout=2)
                break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{' '.join(args[:2])} did not answer {ready_url} within 60 s")
            time.sleep(0.1)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _create_keys(binary: pathlib.Path, keys_file: pathlib.Path) -> dict[str, str]:
    keys = {}
    for name, args in {
        "sysadmin": ["--role", "Sysadmin"],
        "manager": ["--role", "Manager"],
        "agent": ["--role", "Agent", "--agent-login-id", "agent007"],
        "limited": ["--role", "Manager", "--services", "50123"],
    }.items():
        created = subprocess.run([str(binary), "keys", "create", "--name", f"contract-{name}", *args, "--file", str(keys_file)],
                                 capture_output=True, text=True, timeout=60, check=True)
        keys[name] = created.stdout.strip()
        assert keys[name].startswith("cgk_"), created
    return keys


@pytest.fixture(scope="session")
def live():
    """`callgate serve` on its embedded simulator, on a free loopback port."""
    binary = _binary()
    with tempfile.TemporaryDirectory(prefix="callgate-contract-") as tmp:
        keys_file = pathlib.Path(tmp) / "keys.yaml"
        keys = _create_keys(binary, keys_file)
        sources_file = pathlib.Path(tmp) / "webhook-sources.yaml"
        secret = subprocess.run([str(binary), "webhooks", "add-source", "--name", "contract-crm", "--role", "Manager",
                                 "--file", str(sources_file)], capture_output=True, text=True, timeout=60, check=True).stdout.strip()
        assert secret.startswith("whsec_"), secret
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        with _process([str(binary), "serve", "--calling-profile", "off", "--host", "127.0.0.1", "--port", str(port), "--shutdown-drain-seconds", "0", "--keys-file", str(keys_file),
                       "--store", f"sqlite:{tmp}/audit.sqlite", "--audit-key-file", f"{tmp}/audit.key",
                       "--webhooks-sources-file", str(sources_file),
                       "--log-level", "warning"], base_url + "/healthz", pathlib.Path(tmp) / "serve.log"):
            yield Live(base_url, keys, secret)


@pytest.fixture(scope="session")
def fault_simulator(tmp_path_factory):
    """A separate `callgate simulate`, whose /_sim/faults the tests control, and a keys file."""
    binary = _binary()
    tmp = tmp_path_factory.mktemp("faults")
    keys = _create_keys(binary, tmp / "keys.yaml")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with _process([str(binary), "simulate", "--host", "127.0.0.1", "--port", str(port)], url + "/_sim/clock", tmp / "simulate.log"):
        yield url, tmp, keys


@pytest.fixture
def faulty(fault_simulator):
    """A fresh `callgate serve` (a closed circuit breaker) in front of the fault simulator, with no fault active."""
    simulator, tmp, keys = fault_simulator
    requests.delete(simulator + "/_sim/faults", timeout=REQUEST_TIMEOUT)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with _process([str(_binary()), "serve", "--calling-profile", "off", "--host", "127.0.0.1", "--port", str(port), "--shutdown-drain-seconds", "0", "--keys-file", str(tmp / "keys.yaml"),
                   "--upstream-url", simulator, "--upstream-access-token", "sim-access-token",
                   "--upstream-client-name", "SIM", "--upstream-user-name", "sim-user", "--upstream-password", "sim-password",
                   "--upstream-timeout-seconds", "3", "--log-level", "warning",
                   "--store", f"sqlite:{tmp}/audit-{port}.sqlite", "--audit-key-file", str(tmp / "audit.key")],
                  base_url + "/healthz", tmp / f"serve-{port}.log"):
        live = Live(base_url, keys)
        live.simulator = simulator
        yield live
    requests.delete(simulator + "/_sim/faults", timeout=REQUEST_TIMEOUT)


def test_live_serves_the_committed_document(live):
    response = live.request("GET", "/openapi.yaml", key=None)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/yaml"
    assert response.content == SPEC_PATH.read_bytes()
    check_against_spec("/openapi.yaml", "get", response)


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_live_health_and_readiness(live, path):
    response = live.request("GET", path, key=None)
    assert response.status_code == 200
    check_against_spec(path, "get", response)


def _request_examples():
    for path, method, operation in operations():
        if "requestBody" in operation:
            yield pytest.param(path, method, operation, id=f"{method.upper()} {path}")


@pytest.mark.parametrize("path,method,operation", list(_request_examples()))
def test_live_request_body_examples_are_accepted(live, path, method, operation):
    """The examples are copy-paste real: sent as they are, they are accepted with a documented 2xx."""
    example = operation["requestBody"]["content"]["application/json"]["example"]
    service = "112231" if "allback" in path else "21429"
    if path.startswith("/v1/webhooks/"):
        body = json.dumps(example).encode()
        response = live.request(method.upper(), path, key=None, headers=live.signed(body, f"msg_{path.rsplit('/', 1)[1]}"), data=body)
    else:
        response = live.request(method.upper(), path.replace("{serviceId}", service), json=example)
    assert response.status_code in (200, 202, 204), f"{response.status_code} {response.text}"
    check_against_spec(path, method, response)


def test_live_get_examples(live):
    body = json.dumps({"serviceId": 21429, "phone": "415 814 9720"}).encode()
    accepted = live.request("POST", "/v1/webhooks/callbacks", key=None, headers=live.signed(body, "msg_get_examples"), data=body)
    assert accepted.status_code == 202, accepted.text
    delivery_id = accepted.json()["deliveryId"]
    for path, method, operation in operations():
        if method != "get" or path in ("/healthz", "/readyz", "/openapi.yaml", "/metrics"):
            continue
        concrete = path.replace("{serviceId}", "21429").replace("{deliveryId}", delivery_id)
        query = {"serviceId": "21429"} if path.endswith("/queue") and "{" not in path else None
        if path == "/v1/calling-window":
            query = {"serviceId": "21429", "phone": "4152057483", "at": "2026-06-02T05:00:00Z"}
        response = live.request("GET", concrete, params=query)
        assert response.status_code == 200, f"GET {concrete}: {response.status_code} {response.text}"
        check_against_spec(path, method, response)
        head = live.request("HEAD", concrete, params=query)
        assert head.status_code == 200 and head.content == b"", f"HEAD {concrete}: {head.status_code}"
    filtered = live.request("GET", "/v1/services/21429/non-attempted-calls", params={"category": "dnc", "errorCode": "1000"})
    assert filtered.status_code == 200
    check_against_spec("/v1/services/{serviceId}/non-attempted-calls", "get", filtered)


# Problems provoked one by one: (name, method, path template, concrete path, key, headers, body, status, code)
PROBLEMS = [
    ("no key", "GET", "/v1/services/{serviceId}/queue", "/v1/services/21429/queue", None, {}, None, 401, "unauthenticated"),
    ("unknown key", "GET", "/callControl/supervisor/calls/queue/{serviceId}", "/callControl/supervisor/calls/queue/21429",
     None, {"X-API-Key": "cgk_" + "0" * 43}, None, 401, "unauthenticated"),
    ("LV-Access refused on /v1", "GET", "/v1/services/{serviceId}/queue", "/v1/services/21429/queue",
     None, {"LV-Access": "KEY:sysadmin"}, None, 401, "unauthenticated"),
    ("agent reads queue", "GET", "/v1/services/{serviceId}/queue", "/v1/services/21429/queue", "agent", {}, None, 403, "forbidden_role"),
    ("limited key, other service", "GET", "/callControl/supervisor/calls/{serviceId}/GetNonAttemptedManualCalls",
     "/callControl/supervisor/calls/21429/GetNonAttemptedManualCalls", "limited", {}, None, 403, "forbidden_service"),
    ("agent for another agent", "POST", "/v1/services/{serviceId}/callbacks", "/v1/services/112231/callbacks", "agent", {},
     {"phone": "415 814 9720", "agentLoginId": "agent008"}, 403, "forbidden_agent"),
    ("service id not a number", "GET", "/v1/services/{serviceId}/queue", "/v1/services/abc/queue", "sysadmin", {}, None, 400, "invalid_service_id"),
    ("service id zero", "POST", "/callControl/supervisor/calls/{serviceId}/LaunchManualCalls",
     "/callControl/supervisor/calls/0/LaunchManualCalls", "sysadmin", {}, {"callEntry": [{"phoneNumber": "4152057483"}]}, 400, "invalid_service_id"),
    ("queue without serviceId", "GET", "/callControl/supervisor/calls/queue", "/callControl/supervisor/calls/queue", "sysadmin", {}, None, 400, "invalid_query"),
    ("unknown category", "GET", "/v1/services/{serviceId}/non-attempted-calls", "/v1/services/50123/non-attempted-calls?category=late",
     "sysadmin", {}, None, 400, "invalid_query"),
    ("unknown filter", "GET", "/v1/services/{serviceId}/non-attempted-calls", "/v1/services/50123/non-attempted-calls?limit=5",
     "sysadmin", {}, None, 400, "invalid_query"),
    ("malformed JSON", "POST", "/v1/services/{serviceId}/manual-calls", "/v1/services/21429/manual-calls", "sysadmin",
     {"Content-Type": "application/json"}, b'{"calls": [{"phone": "4152057483",}]}', 400, "malformed_json"),
    ("text/plain body", "POST", "/callControl/supervisor/calls/{serviceId}/ScheduleCallback",
     "/callControl/supervisor/calls/112231/ScheduleCallback", "sysadmin", {"Content-Type": "text/plain"}, b"{}", 415, "unsupported_media_type"),
    ("body over 1 MiB", "POST", "/v1/services/{serviceId}/manual-calls", "/v1/services/21429/manual-calls", "sysadmin",
     {"Content-Type": "application/json"}, b'{"calls": [' + b" " * (1 << 20) + b"]}", 413, "body_too_large"),
    ("bad fields on /v1", "POST", "/v1/services/{serviceId}/manual-calls", "/v1/services/21429/manual-calls", "sysadmin", {},
     {"calls": [{"phone": "415 205", "dialingTimeoutSeconds": 0, "extra": 1}], "priority": "high"}, 422, "validation_failed"),
    ("empty batch", "POST", "/callControl/supervisor/calls/{serviceId}/LaunchManualCalls",
     "/callControl/supervisor/calls/21429/LaunchManualCalls", "sysadmin", {}, {"callEntry": []}, 422, "validation_failed"),
    ("reference's callback date is past", "POST", "/callControl/supervisor/calls/{serviceId}/ScheduleCallback",
     "/callControl/supervisor/calls/112231/ScheduleCallback", "sysadmin", {},
     {"phoneNumber": "4158149720", "account": "1234", "date": "1549398063000"}, 422, "validation_failed"),
    ("calling window without a phone", "GET", "/v1/calling-window", "/v1/calling-window?serviceId=21429", "sysadmin", {}, None,
     400, "invalid_query"),
    ("calling window, other service", "GET", "/v1/calling-window", "/v1/calling-window?serviceId=21429&phone=4152057483", "limited", {},
     None, 403, "forbidden_service"),
    ("unknown service on /v1", "GET", "/v1/services/{serviceId}/queue", "/v1/services/7/queue", "sysadmin", {}, None, 404, "upstream_refused"),
    ("non-automated queuer on /v1", "POST", "/v1/services/{serviceId}/manual-calls", "/v1/services/30000/manual-calls", "sysadmin", {},
     {"calls": [{"phone": "4152057483"}]}, 400, "upstream_refused"),
]


# Service defects found by these tests, expected to fail until fixed (strict: a fix makes them fail
# as XPASS, so the marker is removed with the fix).
@pytest.mark.parametrize("case", [
    pytest.param(p, id=p[0]) for p in PROBLEMS
])
def test_live_problem_responses(live, case):
    _, method, template, concrete, key, headers, body, status, code = case
    headers = {name: live.keys[value[4:]] if isinstance(value, str) and value.startswith("KEY:") else value
               for name, value in headers.items()}
    kwargs = {"data": body} if isinstance(body, bytes) else ({"json": body} if body is not None else {})
    response = live.request(method, concrete, key=key, headers={"X-Request-ID": "contract-1", **headers}, **kwargs)
    assert response.status_code == status, f"{response.status_code} {response.text[:500]}"
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code and problem["status"] == status and problem["type"] == f"urn:callgate:problem:{code}"
    assert problem["requestId"] == response.headers["X-Request-ID"] == "contract-1"
    assert problem["instance"] == concrete.split("?")[0]
    if status == 401:
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="CallGate"'
    check_against_spec(template, method.lower(), response)


def test_live_compatible_surface_passes_livevox_refusals_through(live):
    response = live.request("GET", "/callControl/supervisor/calls/7/GetNonAttemptedManualCalls")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    check_against_spec("/callControl/supervisor/calls/{serviceId}/GetNonAttemptedManualCalls", "get", response)
    response = live.request("POST", "/callControl/supervisor/calls/30000/LaunchManualCalls", json={"callEntry": [{"phoneNumber": "4152057483"}]})
    assert response.status_code == 400
    check_against_spec("/callControl/supervisor/calls/{serviceId}/LaunchManualCalls", "post", response)


def test_live_lv_access_and_x_api_key_authenticate_on_the_compatible_surface(live):
    for header in ("LV-Access", "X-API-Key"):
        response = live.request("GET", "/callControl/supervisor/calls/queue/21429", key=None, headers={header: live.keys["manager"]})
        assert response.status_code == 200, header
        check_against_spec("/callControl/supervisor/calls/queue/{serviceId}", "get", response)


@pytest.mark.parametrize("method,path,allow", [
    ("DELETE", "/v1/services/21429/queue", "GET, HEAD"),
    ("GET", "/v1/services/21429/manual-calls", "POST"),
    ("PUT", "/callControl/supervisor/calls/21429/ScheduleCallback", "POST"),
    ("POST", "/healthz", "GET, HEAD"),
])
def test_live_method_not_allowed(live, method, path, allow):
    response = live.request(method, path, key=None)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    problem = response.json()
    errors = errors_of(validator_at("components", "responses", "MethodNotAllowed", "content", "application/problem+json", "schema"), problem)
    assert not errors, errors


def test_live_not_found(live):
    response = live.request("GET", "/v2/services", key=None)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    errors = errors_of(validator_at("components", "responses", "NotFound", "content", "application/problem+json", "schema"), response.json())
    assert not errors, errors


def test_live_request_id_is_generated_when_unacceptable(live):
    response = live.request("GET", "/healthz", key=None, headers={"X-Request-ID": "not acceptable!"})
    assert response.headers["X-Request-ID"] != "not acceptable!"
    assert len(response.headers["X-Request-ID"]) == 32


# ---------------------------------------------------------------------------- LiveVox failing

FAULTS = [
    # (name, fault rule, method, template, concrete path, body, status, code)
    ("LiveVox 500", {"kind": "error", "status": 500}, "GET", "/v1/services/{serviceId}/queue", "/v1/services/21429/queue",
     None, 502, "upstream_error"),
    ("LiveVox 429 with Retry-After", {"kind": "rateLimit", "retryAfterSeconds": 1}, "GET",
     "/callControl/supervisor/calls/queue/{serviceId}", "/callControl/supervisor/calls/queue/21429", None, 503, "upstream_unavailable"),
    ("LiveVox 503", {"kind": "error", "status": 503}, "POST", "/callControl/supervisor/calls/{serviceId}/LaunchManualCalls",
     "/callControl/supervisor/calls/21429/LaunchManualCalls", {"callEntry": [{"phoneNumber": "4152057483"}]}, 503, "upstream_unavailable"),
    ("LiveVox too slow", {"kind": "latency", "latencyMilliseconds": 6000}, "POST", "/v1/services/{serviceId}/callbacks",
     "/v1/services/112231/callbacks", {"phone": "4158149720"}, 504, "upstream_timeout"),
    ("LiveVox drops the connection", {"kind": "drop"}, "GET", "/v1/services/{serviceId}/non-attempted-calls",
     "/v1/services/21429/non-attempted-calls", None, 502, "upstream_error"),
    ("LiveVox 200 with a broken body on /v1", {"kind": "malformed"}, "GET", "/v1/services/{serviceId}/queue",
     "/v1/services/21429/queue", None, 502, "upstream_error"),
    ("LiveVox 200 with a broken body on the compatible surface", {"kind": "malformed"}, "GET",
     "/callControl/supervisor/calls/queue/{serviceId}", "/callControl/supervisor/calls/queue/21429", None, 502, "upstream_error"),
]


@pytest.mark.parametrize("case", [
    pytest.param(f, id=f[0]) for f in FAULTS
])
def test_live_upstream_failures_are_documented_problems(faulty, case):
    _, rule, method, template, concrete, body, status, code = case
    requests.delete(faulty.simulator + "/_sim/faults", timeout=REQUEST_TIMEOUT)
    added = requests.post(faulty.simulator + "/_sim/faults", json={**rule, "pathPrefix": "/callControl"}, timeout=REQUEST_TIMEOUT)
    assert added.status_code == 201, added.text
    try:
        response = faulty.request(method, concrete, **({"json": body} if body is not None else {}))
    finally:
        requests.delete(faulty.simulator + "/_sim/faults", timeout=REQUEST_TIMEOUT)
    assert response.status_code == status, f"{response.status_code} {response.headers.get('Content-Type')} {response.text[:300]}"
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code and "upstream" in problem
    if rule["kind"] == "rateLimit":
        assert response.headers["Retry-After"] == str(problem["retryAfterSeconds"])
    check_against_spec(template, method.lower(), response)


def test_live_readiness_follows_the_circuit_breaker(faulty):
    requests.delete(faulty.simulator + "/_sim/faults", timeout=REQUEST_TIMEOUT)
    assert faulty.request("GET", "/readyz", key=None).status_code == 200
    requests.post(faulty.simulator + "/_sim/faults", json={"kind": "error", "status": 500, "pathPrefix": "/callControl"},
                  timeout=REQUEST_TIMEOUT)
    try:
        for _ in range(30):
            failed = faulty.request("GET", "/v1/services/21429/queue")
            check_against_spec("/v1/services/{serviceId}/queue", "get", failed)
            if failed.json()["upstream"]["attempts"] == 0:
                break
        else:
            pytest.fail("the circuit breaker did not open after 30 failures")
        assert failed.status_code == 503 and "Retry-After" in failed.headers
        ready = faulty.request("GET", "/readyz", key=None)
        assert ready.status_code == 503
        check_against_spec("/readyz", "get", ready)
    finally:
        requests.delete(faulty.simulator + "/_sim/faults", timeout=REQUEST_TIMEOUT)


# ---------------------------------------------------------------------------- generated requests

SCHEMA = schemathesis.openapi.from_path(str(SPEC_PATH))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
_started = [0.0]
_findings: list[str] = []
_seen: dict[str, dict[int, int]] = {}


@pytest.fixture(scope="session")
def generated_budget():
    _started[0] = time.monotonic()
    yield
    print(f"\nschemathesis: {sum(sum(s.values()) for s in _seen.values())} requests in {time.monotonic() - _started[0]:.1f} s; "
          f"statuses per operation:")
    for operation, statuses in sorted(_seen.items()):
        print(f"  {operation}: " + ", ".join(f"{status} x{count}" for status, count in sorted(statuses.items())))
    print(f"schemathesis: {len(_findings)} failing example(s)")
    for finding in _findings:
        print("  " + finding)


@SCHEMA.parametrize()
@hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(hypothesis.HealthCheck), print_blob=True)
def test_generated_requests_conform(case, live, generated_budget):
    if time.monotonic() - _started[0] > TIME_BUDGET_SECONDS:
        pytest.skip(f"time budget of {TIME_BUDGET_SECONDS:.0f} s for generated requests used up")
    headers = {"Authorization": f"Bearer {live.keys['sysadmin']}"}
    response = case.call(base_url=live.base_url, headers=headers, timeout=REQUEST_TIMEOUT)
    statuses = _seen.setdefault(f"{case.method} {case.path}", {})
    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except BaseException as error:
        text = str(error).strip()
        summary = " | ".join(line.strip() for line in text.splitlines() if line.strip().startswith("- "))
        _findings.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {summary or text[:200]}")
        raise
