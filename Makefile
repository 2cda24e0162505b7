# Sandpit: the two commands a newcomer needs are `make up` and `make test`.
.PHONY: up test setup build bench

setup:
	bash scripts/setup.sh

build:
	cargo build --release

up: setup
	bash scripts/up.sh

test: setup
	bash scripts/test.sh

bench: build
	bash bench/sandbox_startup.sh
	RUNNER=target/release/sandpit-runner bash bench/runtime_startup.sh
	bash bench/job_path.sh
