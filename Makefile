SHELL := /bin/bash
# POE for Go. `make test` is what CI runs (with `make lint` and
# `make conformance`); see .ci/run for the packages the peers need.
GO      ?= go
PKGS    := ./...
FUZZTIME ?= 10s

.PHONY: run test lint fuzz conformance bench perl-peers

## run: the flagship example, the SOCKS 4/4a proxy of the seed's SYNOPSIS (ADDR=host:port)
ADDR ?= 127.0.0.1:1080
run:
	$(GO) run ./examples/socks-proxy -addr $(ADDR)

## test: vet, the whole suite under the race detector, the same suite again
## on Parallel kernels (POE_KERNEL=parallel; the kernel package's own tests
## check POE's order and run both modes where it applies) that also check
## that no handler keeps its *Event (POE_EVENT_CHECK=1), then the
## conformance programs on their own (their timers are tens of milliseconds
## apart, so they do not share the cores with the rest of the suite)
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 9m $$($(GO) list $(PKGS) | grep -v /conformance)
	POE_KERNEL=parallel POE_EVENT_CHECK=1 $(GO) test -race -count=1 -timeout 9m $$($(GO) list $(PKGS) | grep -v '/conformance\|/kernel$$')
	$(GO) test -count=1 -timeout 5m ./conformance/

## lint: gofmt, vet and staticcheck (a pinned version, fetched by go run)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt -l:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

## fuzz: every fuzz target for FUZZTIME each
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run XXX -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## perl-peers: install Perl POE (the conformance oracle) when missing
perl-peers:
	@perl -MPOE -e1 2>/dev/null || { apt-get update && apt-get install -y libpoe-perl; }

## conformance: Perl POE programs and their Go ports, outputs compared
conformance: perl-peers
	POE_REQUIRE_PEERS=1 $(GO) test -count=1 -run 'TestConformance' ./conformance/
	@echo "== the same programs with kernel.Parallel() (those whose output does not depend on interleaving)"
	POE_REQUIRE_PEERS=1 POE_CONFORMANCE_PARALLEL=1 $(GO) test -count=1 -run 'TestConformance' ./conformance/

## bench: Go next to Perl POE and plain Go, ratios printed
bench:
	bash bench/run.sh
