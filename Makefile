# odpkit — `make run` (the main job, on soft-RoCE in the testbed) and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

SWIFT ?= swift
BUILD := .build/debug
# The reports are measured with an optimized build: a debug build's Swift adds microseconds to every sample.
# Testing stays enabled in it, so that the allocation suite runs optimized too (one set of flags: no rebuilds).
RELEASE := .build/release
RELEASE_FLAGS := -c release -Xswiftc -enable-testing
TESTS := $(BUILD)/odpkitPackageTests.xctest --testing-library swift-testing
TESTBED := testbed/run
LOGS := .build/logs

.PHONY: all deps build release release-tests test test-host test-rxe test-sanitize run compare clean

all: build

# Debian packages for building (libibverbs-dev) and for the testbed (qemu, busybox, rdma-core's build deps).
deps:
	@testbed/install-host-packages

build: deps
	$(SWIFT) build --build-tests

release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product odpkit

release-tests: deps
	$(SWIFT) build $(RELEASE_FLAGS) --build-tests

# Host-side unit tests: no RDMA needed; the rxe suite skips here and runs in test-rxe.
test-host: build
	@mkdir -p $(LOGS)
	$(TESTS) 2>&1 | tee $(LOGS)/test-host.log
	@echo "make: host tests passed; the rxe integration suites skip on this host (no RDMA device) and run next, in the testbed"

# The whole test bundle again inside the testbed (kernel with rdma_rxe, rxe0 over veth), where a
# missing device fails the run; then, in the same boot, the allocation suites alone in the optimized
# bundle (ordo-one's malloc interposer counts every malloc). The first run leaves out the suites that run
# elsewhere (TESTBED_ELSEWHERE: on the host, needing no device; in the optimized bundle; over two hosts). Then a second
# boot in two-hosts mode (rxe0 here, rxe1 in netns peer, one veth wire between them) runs the suites that
# need a peer host (TWO_HOSTS_SUITES), over the wire, alone in their boot. In the testbed nothing may be skipped: a
# skipped test or suite (Swift Testing's "… skipped." or "… skipped: "reason"" line) in either log fails,
# and so does a run that did not report its tests passed.
TESTBED_ELSEWHERE := NoDeviceTests|BadInputTests|DataPathAllocationTests|PeerFaultIntegrationTests
TWO_HOSTS_SUITES := PeerFaultIntegrationTests
RXE_LOGS := $(LOGS)/test-rxe.log $(LOGS)/test-rxe-two-hosts.log
test-rxe: build release-tests
	@mkdir -p $(LOGS)
	$(TESTBED) -- sh -c 'env ODPKIT_REQUIRE_RDMA=1 ODPKIT_CHECK_LEAKS_AT_EXIT=1 $(TESTS) --skip "$(TESTBED_ELSEWHERE)"; status=$$?; \
		env ODPKIT_REQUIRE_RDMA=1 ODPKIT_COUNT_ALLOCATIONS=1 $(RELEASE)/odpkitPackageTests.xctest --testing-library swift-testing --filter DataPathAllocation || status=1; \
		exit $$status' 2>&1 | tee $(LOGS)/test-rxe.log
	$(TESTBED) --mode two-hosts -- env ODPKIT_REQUIRE_RDMA=1 ODPKIT_CHECK_LEAKS_AT_EXIT=1 $(TESTS) --filter "$(TWO_HOSTS_SUITES)" 2>&1 | tee $(LOGS)/test-rxe-two-hosts.log
	@if cat $(RXE_LOGS) | grep -aE '(Suite|Test) .* skipped(\.|: ".*")$$' >&2; then \
		echo "make: FAILED: inside the testbed every test must run; the tests and suites above were skipped (see $(RXE_LOGS))" >&2; exit 1; fi
	@passed=$$(cat $(RXE_LOGS) | grep -acE 'Test run with [1-9][0-9]* tests? in [1-9][0-9]* suites? passed' || true); \
	if [ "$$passed" != 3 ]; then \
		echo "make: FAILED: inside the testbed $$passed of the 3 test runs reported that their tests passed (see $(RXE_LOGS))" >&2; exit 1; fi
	@echo "make: every test ran and passed inside the testbed, none skipped: $$(cat $(RXE_LOGS) | grep -a 'Test run with' | paste -sd ';' -)"

test: test-host test-rxe

# The host test suites under ThreadSanitizer, then AddressSanitizer, each built in a directory of its own.
# A sanitizer's report fails the run (TSan exits 66 after reporting, ASan aborts at its first), and so
# does a run that does not finish within SANITIZE_TIMEOUT seconds. See docs/sanitizers.md.
SANITIZERS := thread address
SANITIZE_TIMEOUT := 900
test-sanitize: deps
	@mkdir -p $(LOGS)
	@for sanitizer in $(SANITIZERS); do \
		$(SWIFT) build --build-tests --sanitize=$$sanitizer --scratch-path .build/sanitize-$$sanitizer || exit 1; \
		status=0; LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Sanitizers/lsan.supp:print_suppressions=1 timeout $(SANITIZE_TIMEOUT) .build/sanitize-$$sanitizer/debug/odpkitPackageTests.xctest --testing-library swift-testing \
			> $(LOGS)/test-sanitize-$$sanitizer.log 2>&1 || status=$$?; \
		tail -n 3 $(LOGS)/test-sanitize-$$sanitizer.log; \
		if grep -aE 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|ERROR: LeakSanitizer' $(LOGS)/test-sanitize-$$sanitizer.log >&2; then \
			echo "make: FAILED: $$sanitizer sanitizer reports (see $(LOGS)/test-sanitize-$$sanitizer.log)" >&2; exit 1; fi; \
		if [ $$status -ne 0 ]; then \
			echo "make: FAILED: the host tests under the $$sanitizer sanitizer exited $$status$$( [ $$status = 124 ] && echo ': did not finish within $(SANITIZE_TIMEOUT) s') (see $(LOGS)/test-sanitize-$$sanitizer.log)" >&2; exit 1; fi; \
		echo "make: the host tests passed under the $$sanitizer sanitizer, with no report"; \
	done

# The main job: the latency report on soft-RoCE in the testbed with its default settings (registration
# up to 1 GiB, capped at a quarter of MemAvailable: 6 GiB of guest memory lets it reach 1 GiB), with
# perftest's figures from the same boot, measured just before. `odpkit doctor` prints first, in the same
# boot; only its status 2 (no RDMA device) stops the report.
REPORT := report
run: release
	@mkdir -p $(REPORT)
	$(TESTBED) --memory 6144 -- sh -c '$(RELEASE)/odpkit doctor; [ $$? -ne 2 ] || exit 2; \
		exec $(RELEASE)/odpkit report --out $(REPORT) --perftest testbed/perftest-latency'
	@echo "make: the report is in $(REPORT)/report.html (with report.json and samples.csv); open it in a browser"

# perftest beside odpkit alone, in 40 rounds of every measure (about 10 minutes): enough to decide the
# 10 % target at 64 KiB too, whose runs spread about ±15 % under TCG (make run's 12 rounds often leave
# it undecided).
COMPARISON := report-perftest
compare: release
	@mkdir -p $(COMPARISON)
	$(TESTBED) --memory 4096 -- $(RELEASE)/odpkit report --out $(COMPARISON) --parts overhead --perftest testbed/perftest-latency --perftest-rounds 40
	@echo "make: the comparison is in $(COMPARISON)/report.html (with report.json and samples.csv)"

clean:
	$(SWIFT) package clean
