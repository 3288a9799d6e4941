# The only commands a newcomer needs. See README.md.
CARGO ?= cargo

.PHONY: run run-split test bench lint fmt build

## run: serve on 127.0.0.1:50051 with the embedded SQLite default under ./data
run:
	$(CARGO) run --release --bin custodian -- serve

## run-split: the split deployment on this machine (five processes and their
## workers over SQLite under ./data-split; see docs/operations.md)
run-split:
	$(CARGO) build --release --bin custodian
	deploy/split/run-local.sh

## test: every test; storage tests also hit PostgreSQL when TEST_DATABASE_URL is set
test:
	$(CARGO) test --workspace --all-targets --no-fail-fast

## bench: run the benchmarks and write docs/benchmarks.md
bench:
	$(CARGO) run --release -p custodian-bench -- --out docs/benchmarks.md

## lint: clippy with warnings as errors, and the format check
lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all -- --check

## fmt: format the workspace
fmt:
	$(CARGO) fmt --all

build:
	$(CARGO) build --workspace --release
