# The only commands a newcomer needs. See README.md.
CARGO ?= cargo

.PHONY: run run-split test verifier-deps browser-deps oidc-deps bench lint fmt build proto-check deploy-check image image-check

## run: serve on 127.0.0.1:50051 with the embedded SQLite default under ./data
run:
	$(CARGO) run --release --bin custodian -- serve

## run-split: the split deployment on this machine (five processes and their
## workers over SQLite under ./data-split; see docs/operations.md)
run-split:
	$(CARGO) build --release --bin custodian
	deploy/split/run-local.sh

## test: every test; storage tests also hit PostgreSQL when TEST_DATABASE_URL is set
test: verifier-deps browser-deps oidc-deps
	$(CARGO) test --workspace --all-targets --no-fail-fast

## browser-deps: Debian's Chromium and ChromeDriver for the console's browser
## tests (tests/console), installed with apt-get when missing
browser-deps:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi; \
	  echo "browser-deps: installing chromium and chromium-driver (apt-get)"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	  { echo "browser-deps: FAILED: install Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver); the console's browser tests need them" >&2; exit 1; }

## oidc-deps: the OpenID Provider the sign-in tests start (tests/oidc: the
## npm package oidc-provider, pinned in its package.json and lock file)
OIDC_PROVIDER_VERSION := $(shell sed -n 's/.*"oidc-provider": "\([^"]*\)".*/\1/p' tests/oidc/package.json)
oidc-deps:
	@node -e 'process.exit(require("./tests/oidc/node_modules/oidc-provider/package.json").version === "$(OIDC_PROVIDER_VERSION)" ? 0 : 1)' 2>/dev/null || \
	  npm ci --silent --no-audit --no-fund --prefix tests/oidc || \
	  { echo "oidc-deps: FAILED: cannot install oidc-provider@$(OIDC_PROVIDER_VERSION) in tests/oidc with npm (Node.js 18 to 22 and the npm registry are needed)" >&2; exit 1; }

## verifier-deps: the independent verifiers' Python in a venv from PyPI,
## pinned here: `cryptography` for the evidence verifier (tests/evidence/
## verify.py), `icalendar` for reading the calendar feed (tests/calendar/parse.py),
## `aiosmtpd` for the SMTP server the e-mail tests send to (tests/mail/smtp_sink.py)
CRYPTOGRAPHY_VERSION ?= 48.0.0
ICALENDAR_VERSION ?= 7.3.2
AIOSMTPD_VERSION ?= 1.4.6
PYVERIFY := .ci/tools/pyverify
verifier-deps:
	@$(PYVERIFY)/bin/python -c 'import cryptography, icalendar, aiosmtpd, sys; sys.exit(cryptography.__version__ != "$(CRYPTOGRAPHY_VERSION)" or icalendar.__version__ != "$(ICALENDAR_VERSION)" or aiosmtpd.__version__ != "$(AIOSMTPD_VERSION)")' 2>/dev/null || \
	  { python3 -m venv $(PYVERIFY) && $(PYVERIFY)/bin/pip install -q --disable-pip-version-check cryptography==$(CRYPTOGRAPHY_VERSION) icalendar==$(ICALENDAR_VERSION) aiosmtpd==$(AIOSMTPD_VERSION); } || \
	  { echo "verifier-deps: FAILED: cannot create $(PYVERIFY) with cryptography==$(CRYPTOGRAPHY_VERSION), icalendar==$(ICALENDAR_VERSION) and aiosmtpd==$(AIOSMTPD_VERSION) (needs python3 with venv, and PyPI)" >&2; exit 1; }

## bench: run the benchmarks and write docs/benchmarks.md (the mail
## benchmark sends to the aiosmtpd of verifier-deps)
bench: verifier-deps
	$(CARGO) run --release -p custodian-bench -- --out docs/benchmarks.md

## lint: clippy with warnings as errors, and the format check
lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all -- --check

## proto-check: buf lint, and buf breaking against BUF_AGAINST (default: the
## previous commit); buf comes from the npm package @bufbuild/buf, pinned here
BUF_VERSION ?= 1.75.0
BUF_AGAINST ?= HEAD~1
BUF := .ci/tools/node_modules/.bin/buf
proto-check:
	@test -x $(BUF) && $(BUF) --version | grep -qx '$(BUF_VERSION)' || \
	  npm install --silent --no-audit --no-fund --prefix .ci/tools @bufbuild/buf@$(BUF_VERSION) || \
	  { echo "proto-check: FAILED: cannot install @bufbuild/buf@$(BUF_VERSION) with npm (Node.js and the npm registry are needed)" >&2; exit 1; }
	$(BUF) lint
	@if git rev-parse -q --verify '$(BUF_AGAINST)^{commit}' >/dev/null; then \
	  echo "buf breaking --against $(BUF_AGAINST)"; \
	  $(BUF) breaking --against '.git#ref=$(BUF_AGAINST),subdir=proto'; \
	else echo "proto-check: no commit $(BUF_AGAINST) to compare with (a first commit): breaking check not applicable"; fi

## fmt: format the workspace
fmt:
	$(CARGO) fmt --all

build:
	$(CARGO) build --workspace --release

## deploy-check: render the Kubernetes overlays (monolith, split) and validate
## them offline against the Kubernetes schemas and the project's own rules
deploy-check:
	deploy/k8s/check.sh

## image: the container image FROM scratch with buildah (localhost/custodian:latest)
image:
	deploy/image/build.sh

## image-check: build the image, start the server in it, probe its gRPC health
image-check:
	deploy/image/check.sh
