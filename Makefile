# keel's entry points. The real build is meson + ninja; this file makes the
# README's commands work on a fresh Debian bookworm machine.
#   make        build build/keel
#   make run    install what is missing, build, serve examples/hello on :8080
#               (its access log on stdout)
#   make test   build, then run every test (include-cycle check, unit,
#               the systemd unit, integration, ACME against pebble,
#               differential against nginx + php-fpm, sanitizer build,
#               fuzz smoke)

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
PYTHON     ?= /usr/bin/python3
PORT       ?= 8080

.PHONY: all deps run test structure unit units integration acme differential sanitize fuzz format bench clean

all: $(BUILD)/keel

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) --werror

$(BUILD)/keel: $(BUILD)/build.ninja FORCE
	ninja -C $(BUILD)

FORCE:

run: $(BUILD)/keel
	$(BUILD)/keel serve --root examples/hello --listen 127.0.0.1:$(PORT) --workers 4 --access-log -

# No two files, and no two folders, of src/ may include each other in a circle.
structure:
	$(PYTHON) scripts/check-include-cycles.py

unit: $(BUILD)/keel
	meson test -C $(BUILD) --print-errorlogs

# deploy/keel.service through systemd-analyze verify, as installed.
units: $(BUILD)/keel
	scripts/check-units.sh $(BUILD)/keel

integration: $(BUILD)/keel
	KEEL_BIN=$(abspath $(BUILD)/keel) $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

# The ACME client against Debian's pebble, through tests/acme/responder.c
# and through keel serve itself.
acme: $(BUILD)/keel
	KEEL_ACME_RESPONDER=$(abspath $(BUILD)/tests/acme/keel-acme-responder) KEEL_BIN=$(abspath $(BUILD)/keel) \
	  $(PYTHON) -m pytest -q -p no:cacheprovider tests/acme

# The same requests through keel and through nginx + php-fpm, compared.
differential: $(BUILD)/keel
	KEEL_BIN=$(abspath $(BUILD)/keel) $(PYTHON) -m pytest -q -p no:cacheprovider tests/differential

$(ASAN_BUILD)/build.ninja: | deps
	CC=clang meson setup $(ASAN_BUILD) --werror -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

# The sanitizer build runs the unit tests, the integration suite and the
# ACME tests (with LeakSanitizer on: the client frees all it holds).
sanitize: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(ASAN_BUILD) --print-errorlogs
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  KEEL_BIN=$(abspath $(ASAN_BUILD)/keel) KEEL_SANITIZED=1 $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  KEEL_ACME_RESPONDER=$(abspath $(ASAN_BUILD)/tests/acme/keel-acme-responder) KEEL_BIN=$(abspath $(ASAN_BUILD)/keel) \
	  KEEL_SANITIZED=1 \
	  $(PYTHON) -m pytest -q -p no:cacheprovider tests/acme

$(FUZZ_BUILD)/build.ninja: | deps
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Db_lundef=false -Dbuildtype=debug

# Each fuzz target runs for a bounded time on its seed corpus.
fuzz: $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)
	tests/fuzz/run.sh $(FUZZ_BUILD) $${FUZZ_SECONDS:-20}

test: all structure unit units integration acme differential sanitize fuzz

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

bench: $(BUILD)/keel
	bench/hello.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
