"""What the Kubernetes schemas cannot see: the rules this project's manifests
keep. Reads one rendered overlay (kubectl kustomize output) and exits 1 naming
every broken rule.

Usage: check_manifests.py RENDERED.yaml
"""

import sys

import yaml

# Secrets the operator makes outside the manifests (credentials per
# environment); every other referenced Secret must be in the render.
OUT_OF_BAND = ("custodian-db", "custodian-peer-")


def pod_spec(obj):
    if obj["kind"] in ("Deployment", "Job"):
        tpl = obj["spec"]["template"]
        return tpl["spec"], tpl.get("metadata", {}).get("labels", {})
    return None, None


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


def env_value(container, name, config_maps):
    for e in container.get("env", []):
        if e["name"] == name and "value" in e:
            return e["value"]
    for ref in container.get("envFrom", []):
        cm = config_maps.get(ref.get("configMapRef", {}).get("name"), {})
        if name in cm:
            return cm[name]
    return None


def main(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    errors = []
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    config_maps = {c["metadata"]["name"]: c.get("data", {}) for c in by_kind.get("ConfigMap", [])}
    secrets = {s["metadata"]["name"] for s in by_kind.get("Secret", [])}
    pdbs = by_kind.get("PodDisruptionBudget", [])
    policies = by_kind.get("NetworkPolicy", [])
    pods = []

    for obj in docs:
        spec, labels = pod_spec(obj)
        if spec is None:
            continue
        name = f'{obj["kind"]}/{obj["metadata"]["name"]}'
        pods.append((obj, name, spec, labels))
        psc = spec.get("securityContext", {})
        if psc.get("runAsNonRoot") is not True or psc.get("runAsUser", 0) == 0:
            errors.append(f"{name}: the pod must run as a non-root user (runAsNonRoot, runAsUser)")
        mounts_master = any(
            v.get("secret", {}).get("secretName", "").startswith("custodian-master-key")
            for v in spec.get("volumes", [])
        )
        for c in spec["containers"]:
            cname = f"{name} container {c['name']}"
            if not c["image"].startswith("custodian:"):
                errors.append(f"{cname}: image {c['image']!r} is not the project's image")
            req = c.get("resources", {}).get("requests", {})
            if obj["kind"] == "Deployment" and not ("cpu" in req and "memory" in req):
                errors.append(f"{cname}: resources.requests needs cpu and memory")
            csc = c.get("securityContext", {})
            if obj["kind"] == "Deployment" and (
                csc.get("allowPrivilegeEscalation") is not False
                or csc.get("readOnlyRootFilesystem") is not True
            ):
                errors.append(f"{cname}: allowPrivilegeEscalation false and a read-only root filesystem")
            serves = c.get("args", [None])[0] == "serve"
            if serves:
                for probe in ("readinessProbe", "livenessProbe"):
                    grpc = c.get(probe, {}).get("grpc")
                    if not grpc or grpc.get("port") != 50051:
                        errors.append(f"{cname}: {probe} must be gRPC health on 50051")
            for e in c.get("env", []):
                for ref_kind in ("secretKeyRef", "configMapKeyRef"):
                    ref = e.get("valueFrom", {}).get(ref_kind)
                    if ref_kind == "secretKeyRef" and ref:
                        n = ref["name"]
                        if n not in secrets and not n.startswith(OUT_OF_BAND):
                            errors.append(f"{cname}: Secret {n} is neither rendered nor made by the operator")
            for ref in c.get("envFrom", []):
                n = ref.get("configMapRef", {}).get("name")
                if n and n not in config_maps:
                    errors.append(f"{cname}: ConfigMap {n} is not in the render")
            target = env_value(c, "CUSTODIAN_TARGET", config_maps) or "all"
            holds_vault = "all" in target.split(",") or "vault" in target.split(",")
            if mounts_master and not holds_vault and obj["kind"] == "Deployment":
                errors.append(f"{cname}: the master key is mounted but the process hosts no vault ({target})")
            if holds_vault and obj["kind"] == "Deployment" and c.get("args", [None])[0] in ("serve", "worker"):
                if not mounts_master:
                    errors.append(f"{cname}: hosts the vault but mounts no master key Secret")
                if env_value(c, "CUSTODIAN_SIGNING_KEY_FILE", config_maps) is None and not any(
                    e["name"] == "CUSTODIAN_SIGNING_KEY_FILE" for e in c.get("env", [])
                ):
                    errors.append(f"{cname}: hosts the vault without the shared signing key (CUSTODIAN_SIGNING_KEY_FILE)")
                if env_value(c, "CUSTODIAN_LEDGER_URL", config_maps) is None and not any(
                    e["name"] == "CUSTODIAN_LEDGER_URL" for e in c.get("env", [])
                ):
                    errors.append(f"{cname}: hosts the vault without the shared ledger (CUSTODIAN_LEDGER_URL)")
        for v in spec.get("volumes", []):
            n = v.get("secret", {}).get("secretName")
            if n and n not in secrets:
                errors.append(f"{name}: volume Secret {n} is not in the render")

    for obj, name, spec, labels in pods:
        if obj["kind"] != "Deployment":
            continue
        if obj["spec"].get("replicas", 1) >= 2 and not any(
            selects(p["spec"]["selector"]["matchLabels"], labels) for p in pdbs
        ):
            errors.append(f"{name}: {obj['spec']['replicas']} replicas and no PodDisruptionBudget")
        if not any(selects(p["spec"]["podSelector"].get("matchLabels", {}), labels) for p in policies):
            errors.append(f"{name}: no NetworkPolicy selects its pods")

    for svc in by_kind.get("Service", []):
        sel = svc["spec"].get("selector", {})
        targets = [(o, s, l) for o, _, s, l in pods if o["kind"] == "Deployment" and selects(sel, l)]
        if not targets:
            errors.append(f"Service/{svc['metadata']['name']}: selects no Deployment's pods")
        for port in svc["spec"]["ports"]:
            tp = port.get("targetPort")
            if isinstance(tp, str) and not all(
                any(p.get("name") == tp for c in s["containers"] for p in c.get("ports", []))
                for _, s, _ in targets
            ):
                errors.append(f"Service/{svc['metadata']['name']}: target port {tp} is not a named container port")

    for p in pdbs:
        if not any(selects(p["spec"]["selector"]["matchLabels"], l) for o, _, _, l in pods):
            errors.append(f"PodDisruptionBudget/{p['metadata']['name']}: selects no pods")

    if errors:
        for e in errors:
            print(f"manifests: {path}: {e}", file=sys.stderr)
        return 1
    kinds = ", ".join(f"{len(v)} {k}" for k, v in sorted(by_kind.items()))
    print(f"manifests: {path}: the project's rules hold ({kinds})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
