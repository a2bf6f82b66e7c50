# tenantops: `make demo` and `make test` work on a fresh machine; both install
# what they need (Azurite from npm into ./node_modules, vsftpd and Chromium from Debian).

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/tenantops/tenantops/internal/version.Version=$(VERSION)
GOOS    ?= $(shell $(GO) env GOOS)
GOARCH  ?= $(shell $(GO) env GOARCH)
EXE     := $(if $(filter windows,$(GOOS)),handler.exe,handler)
DIST    := dist

.PHONY: all build test test-fresh demo bench package run lint clean deps docs

all: build

## build: dist/ = host.json + one folder per function + the handler binary
## (a dist/local.settings.json is kept: `make run` reads it)
build:
	mkdir -p $(DIST)
	find $(DIST) -mindepth 1 -maxdepth 1 ! -name local.settings.json -exec rm -rf {} +
	CGO_ENABLED=0 GOOS=$(GOOS) GOARCH=$(GOARCH) $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST)/$(EXE) ./handler
	$(GO) run ./handler manifest $(DIST)
	sed 's/"defaultExecutablePath": "handler"/"defaultExecutablePath": "$(EXE)"/' host.json > $(DIST)/host.json

## deps: what the tests and the demo need, installed when missing
deps: node_modules/.bin/azurite
	@command -v vsftpd >/dev/null 2>&1 || test -x /usr/sbin/vsftpd || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y vsftpd)
	@command -v curl >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y curl)
	@command -v chromium >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
node_modules/.bin/azurite: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## test: every test, with the servers they start; -timeout 30m because a cold first run
## compiles the handler inside a few tests (go test's own default is 10m)
test: deps
	$(GO) test -count=1 -timeout 30m ./...
	@command -v bicep >/dev/null 2>&1 || echo "make test: no Bicep CLI here, so infra/ was checked by bicepcheck (syntax and Azure's resource types), not compiled by bicep build"

## test-fresh: the newcomer's run on purpose: a clone of HEAD with empty Go and npm
## caches, then make test and make demo there (.ci/fresh)
test-fresh:
	bash .ci/fresh

## demo: the main jobs end to end on local stand-ins and Azurite
demo: deps build
	$(GO) run ./cmd/demo -dist $(DIST)

## bench: speed and memory figures, ending with a table of every figure beside its goal
bench: deps build
	$(GO) build -o $(DIST)/.benchtable ./cmd/benchtable
	( $(GO) test -run '^$$' -bench . -benchmem -benchtime 1x -timeout 60m ./... && \
	  cd bench/winrmcp && $(GO) test -run '^$$' -bench . -benchmem -benchtime 1x ./... ) 2>&1 | $(DIST)/.benchtable

## package: tenantops.zip for zip deploy / Flex one-deploy: dist/ built for Linux amd64,
## zipped by a Go tool (no zip program needed) with the handler's exec bit set
package: GOOS = linux
package: GOARCH = amd64
package: EXE = handler
package: build
	$(GO) run ./infra/zipdist -dir $(DIST) -out tenantops.zip
	@echo "deploy: az functionapp deployment source config-zip -g <group> -n <app> --src tenantops.zip"

## run: the real Functions host, when Azure Functions Core Tools are installed; its
## settings are dist/local.settings.json (copied from ./local.settings.json when dist/ has none)
run: build
	@test -f $(DIST)/local.settings.json || ! test -f local.settings.json || cp local.settings.json $(DIST)/
	@if command -v func >/dev/null 2>&1; then cd $(DIST) && func start; \
	else echo "Azure Functions Core Tools (func) are not installed; 'make demo' runs everything on local stand-ins."; fi

## docs: what follows from the function declarations and the settings catalog: the README's
## settings and function tables, local.settings.json.example, the generated regions of
## infra/main.bicep, main.bicepparam and modules/keyvault.bicep, and the alert queries of
## docs/operations.md
docs:
	$(GO) run ./handler settings --format markdown --update README.md
	$(GO) run ./handler settings --format json --update local.settings.json.example
	$(GO) run ./infra/gendocs

## lint: go vet + staticcheck + infra/ against Azure's resource type definitions
BICEPCHECK ?= ../shared/tools/bicepcheck/bicepcheck.py
lint:
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	python3 $(BICEPCHECK) infra

clean:
	rm -rf $(DIST) tenantops.zip
