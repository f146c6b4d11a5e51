# collector — see README.md. Every target works on a fresh machine with Go,
# a local PostgreSQL and a local RabbitMQ (.ci/run starts them if needed).

GO        ?= go
BIN       ?= bin/collector
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The same flags as the Dockerfile: a static, reproducible binary.
LDFLAGS   := -s -w -X main.version=$(VERSION)
export CGO_ENABLED ?= 0

.PHONY: all build test test-short lint proto demo bench chaos clean

all: build

build:
	$(GO) build -trimpath -buildvcs=false -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/collector

# The README's test command: vet, then every test (unit, integration against
# the local PostgreSQL and RabbitMQ, end-to-end with real child processes)
# under the race detector. Fuzz seed corpora run as ordinary tests. The
# reference oracle tests run when .ci/reference.sh finds the reference
# project and CPython 3.12, and skip saying so otherwise (docs/PARITY.md,
# "What CI checks"). Allocation budgets (tests named *Budget) are measured
# without the race detector, so they run in a second, plain pass.
test:
	$(GO) vet ./...
	@eval "$$(.ci/reference.sh)" && set -x && CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m ./...
	$(GO) test -count=1 -run 'Budget$$' ./...

# Unit tests only: no PostgreSQL, RabbitMQ or reference needed. Tests that
# need a service skip under -short (storetest.NewDatabase skips for them).
test-short:
	$(GO) test -short -count=1 ./...

# Strict: every deployment file is validated, and a missing tool fails the
# target (deploy/install-lint-tools.sh installs them; .ci/run does).
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt wants to change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd deploy/tools && $(GO) vet ./...
	bash deploy/lint.sh

# Regenerate the gRPC contract. Needs protoc (Debian: protobuf-compiler) and
# the two Go plugins at the versions pinned here.
PROTOC_GEN_GO      := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
proto:
	@command -v protoc >/dev/null || { echo "protoc missing: apt-get install -y protobuf-compiler"; exit 1; }
	GOBIN=$(CURDIR)/bin $(GO) install $(PROTOC_GEN_GO)
	GOBIN=$(CURDIR)/bin $(GO) install $(PROTOC_GEN_GO_GRPC)
	PATH=$(CURDIR)/bin:$$PATH protoc -I protocol \
		--go_out=protocol/collectorpb --go_opt=paths=source_relative \
		--go-grpc_out=protocol/collectorpb --go-grpc_opt=paths=source_relative \
		protocol/collector.proto

# The README's first command: generate matches, publish them, run the
# supervisor until the queue is drained, print what was written.
demo: build
	@bash -c ". .ci/services.sh && start_postgres && start_rabbitmq"
	$(GO) run ./cmd/demo -bin $(BIN)

bench: build
	./.ci/bench.sh $(BIN)

# The whole promise under fire (docs/RELIABILITY.md): three supervisors on
# one queue and one database, 210 matches each published 2-3 times, the
# bad-input matrix, children, connections, backends and supervisors killed
# while they work; prints the ledger of every table. make test runs the
# short plan of the same test.
CHAOS_SEED ?= 1
chaos:
	@bash -c ". .ci/services.sh && start_postgres && start_rabbitmq"
	$(GO) test -count=1 -timeout 30m -run '^TestChaos$$' -v ./supervisor/ -args -chaos=full -chaos.seed=$(CHAOS_SEED)

clean:
	rm -rf bin .demo .bench
