# dnsxld -- top-level build. One plain Makefile; see docs/building.md.
#
#   make            build build/dnsxld and build/dnsxl
#   make run        build, then serve conf/dnsxld.conf on 127.0.0.1/::1 port 5300
#   make test       build, then run unit, fuzz-corpus and system tests, the
#                   same under ASan+UBSan (build-asan), and a short fuzz run
#                   (60 s per target when CI=true)
#   make asan       unit, fuzz-corpus and system tests under ASan+UBSan
#   make fuzz       FUZZ_SECONDS=N: each libFuzzer harness for N seconds (clang)
#   make bench      benchmarks against rbldnsd and a floor responder
#   make install    PREFIX=/usr/local DESTDIR= : binaries, man pages, config
#   make clean

PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
CC       ?= cc
PYTHON   ?= /usr/bin/python3

# Debian packages, each for a stated reason (docs/design.md, "Dependencies").
BUILD_DEPS = gcc make pkg-config libldns-dev libevent-dev libyaml-dev \
             zlib1g-dev libcmocka-dev libjansson-dev
TEST_DEPS  = python3-pytest python3-dnspython rbldnsd bind9-dnsutils \
             ldnsutils knot-dnsutils clang libclang-rt-14-dev \
             spamassassin rspamd postfix unbound iproute2 nsd knot
BENCH_DEPS = dnsperf rbldnsd nsd

WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wwrite-strings -Wformat=2 -Wno-unused-parameter
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -D_GNU_SOURCE -Isrc -MMD -MP
LIBS     = -lldns -levent_core -levent_pthreads -levent_extra -lyaml -ljansson -lz -lpthread -lm

MAINS    = src/dnsxld.c src/dnsxl.c
LIB_SRC  = $(filter-out $(MAINS),$(sort $(wildcard src/*.c)))
LIB_OBJ  = $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
DEPS_OK  = $(BUILD)/.deps-ok

.PHONY: all run test unit system bench install clean deps test-deps bench-deps fuzz \
        asan fuzz-replay fuzz-bins fuzz-ci

all: $(BUILD)/dnsxld $(BUILD)/dnsxl

# --- dependencies: install when missing (root on Debian), else say how -----
define need_pkgs
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null; \
	    norc=""; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && norc=1; fi; \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing >/dev/null 2>&1 || \
	     { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	       DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; }); \
	    rc=$$?; [ -n "$$norc" ] && rm -f /usr/sbin/policy-rc.d; [ $$rc = 0 ] || exit 1; \
	  else \
	    echo "missing packages; run as root:"; \
	    echo "  apt-get install -y --no-install-recommends$$missing"; exit 1; \
	  fi; \
	fi
endef

$(DEPS_OK):
	$(call need_pkgs,$(BUILD_DEPS))
	@mkdir -p $(BUILD) && touch $@

deps: $(DEPS_OK)
test-deps: $(DEPS_OK)
	$(call need_pkgs,$(TEST_DEPS))
bench-deps: $(DEPS_OK)
	$(call need_pkgs,$(BENCH_DEPS))

# --- build -----------------------------------------------------------------
$(BUILD)/obj/%.o: src/%.c $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libdnsxl.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/dnsxld: $(BUILD)/obj/dnsxld.o $(BUILD)/libdnsxl.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/dnsxl: $(BUILD)/obj/dnsxl.o $(BUILD)/libdnsxl.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libdnsxl.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libdnsxl.a $(LIBS) -lcmocka

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/*.d $(BUILD)/fuzz/*.d)

# --- run -------------------------------------------------------------------
run: all
	@echo "dnsxld: serving conf/dnsxld.conf on 127.0.0.1 and ::1 port 5300 (Ctrl-C stops)"
	@echo "  try:  dig @127.0.0.1 -p 5300 5.242.78.40.wl.example.org A +short"
	@echo "        dig @127.0.0.1 -p 5300 5.242.78.40.wl.example.org TXT +short"
	@echo "        dig @::1 -p 5300 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.4.f.1.1.1.0.1.0.a.2.wl.example.org A +short"
	@echo "        $(BUILD)/dnsxl lookup --config conf/dnsxld.conf 40.78.242.5 2a01:111:f403::1"
	exec $(BUILD)/dnsxld -n --config conf/dnsxld.conf

# --- tests -----------------------------------------------------------------
unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do \
	  echo "== $$t"; $$t || { echo "FAILED: $$t"; fail=1; }; \
	done; exit $$fail

system: all
	$(PYTHON) -m pytest -q tests/system

test: test-deps all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz-replay
	@$(MAKE) --no-print-directory system
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory fuzz-ci

# --- robustness: sanitizers and fuzzing (fuzz/, docs/robustness.md) -------
# build-asan: everything under ASan+UBSan; a finding aborts the process and
# leaves a report in build-asan/san/, which fails the target even when the
# crashed process was a server a system test did not watch.
SAN          = -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
ASAN_BUILD   = build-asan
FUZZ_BUILD   = build-fuzz
FUZZ_CC      = clang
FUZZ_TARGETS = udp tcp data config control
FUZZ_SECONDS ?= 30
FUZZ_CI_SECONDS = $(if $(filter true,$(CI)),60,5)
SAN_ENV      = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:log_path=$(abspath $(ASAN_BUILD))/san/asan \
               UBSAN_OPTIONS=print_stacktrace=1:log_path=$(abspath $(ASAN_BUILD))/san/ubsan

$(BUILD)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay_main.c fuzz/fuzz_common.h $(BUILD)/libdnsxl.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ifuzz -o $@ fuzz/fuzz_$*.c fuzz/replay_main.c $(BUILD)/libdnsxl.a $(LIBS)

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.h $(BUILD)/libdnsxl.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -Ifuzz -o $@ fuzz/fuzz_$*.c $(BUILD)/libdnsxl.a $(LIBS)

# Every committed corpus through its harness, without libFuzzer (any CC).
fuzz-replay: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  $(BUILD)/fuzz/replay_$$t fuzz/corpus/$$t || { echo "FAILED: replay $$t"; fail=1; }; \
	done; exit $$fail

asan: $(DEPS_OK)
	@rm -rf $(ASAN_BUILD)/san && mkdir -p $(ASAN_BUILD)/san
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CFLAGS="-O1 -g $(SAN)" all $(UNIT_SRC:tests/unit/%.c=$(ASAN_BUILD)/tests/%) $(FUZZ_TARGETS:%=$(ASAN_BUILD)/fuzz/replay_%)
	@fail=0; \
	$(SAN_ENV) $(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CFLAGS="-O1 -g $(SAN)" unit fuzz-replay || fail=1; \
	$(SAN_ENV) DNSXL_BUILD=$(abspath $(ASAN_BUILD)) $(PYTHON) -m pytest -q tests/system || fail=1; \
	if ls $(ASAN_BUILD)/san/* >/dev/null 2>&1; then \
	  echo "FAILED: sanitizer reports:"; head -n 60 $(ASAN_BUILD)/san/*; fail=1; \
	fi; exit $$fail

fuzz-bins:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(SAN)" $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/fuzz_%)

# Each harness for FUZZ_SECONDS; new inputs go to build-fuzz/work (the
# committed corpus is only read), crashes to build-fuzz/artifacts.
fuzz: $(DEPS_OK) fuzz-bins
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/work/$$t $(FUZZ_BUILD)/artifacts; \
	  echo "== fuzz $$t: $(FUZZ_SECONDS) s"; \
	  if $(FUZZ_BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	      -rss_limit_mb=2048 -print_final_stats=1 \
	      -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t- \
	      $(FUZZ_BUILD)/work/$$t fuzz/corpus/$$t > $(FUZZ_BUILD)/fuzz-$$t.log 2>&1; then \
	    grep -E '^stat::(number_of_executed_units|peak_rss_mb)|DONE' $(FUZZ_BUILD)/fuzz-$$t.log | tr '\n' ' '; echo; \
	  else \
	    echo "FAILED: fuzz $$t (log $(FUZZ_BUILD)/fuzz-$$t.log)"; tail -n 60 $(FUZZ_BUILD)/fuzz-$$t.log; fail=1; \
	  fi; \
	done; exit $$fail

# make test: 60 s per target in CI (CI=true), a smoke run otherwise.
fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_CI_SECONDS)

bench: bench-deps all
	$(MAKE) -C bench BUILD=$(abspath $(BUILD))

# --- install ---------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/etc/dnsxld
	install -m 755 $(BUILD)/dnsxld $(DESTDIR)$(PREFIX)/sbin/dnsxld
	install -m 755 $(BUILD)/dnsxl $(DESTDIR)$(PREFIX)/bin/dnsxl
	for m in docs/*.8; do [ -f "$$m" ] && install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man8/; done; true
	for m in docs/*.1; do [ -f "$$m" ] && install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/; done; true
	for m in docs/*.5; do [ -f "$$m" ] && install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man5/; done; true
	install -d $(DESTDIR)$(PREFIX)/share/dnsxld
	cp -R zones $(DESTDIR)$(PREFIX)/share/dnsxld/
	chmod -R u=rwX,go=rX $(DESTDIR)$(PREFIX)/share/dnsxld/zones
	sed 's|^\(  *data-dir:\).*|\1 $(PREFIX)/share/dnsxld/zones|' conf/dnsxld.conf \
	  > $(DESTDIR)$(PREFIX)/etc/dnsxld/dnsxld.conf
	chmod 644 $(DESTDIR)$(PREFIX)/etc/dnsxld/dnsxld.conf

clean:
	rm -rf $(BUILD) build-*
