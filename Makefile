# Zhijia (职工之家) — build, run, test, bench, install.
#
#   make run    install what is missing, build, serve on http://127.0.0.1:$(PORT)
#   make test   install what is missing, build, run every test
#
# Missing Debian packages are installed by the deps rule when run as root.

PREFIX   ?= /usr/local
DESTDIR  ?=
PORT     ?= 8080
CC       ?= cc
SANCC    ?= clang
BUILD    := build
DATADIR  ?= $(CURDIR)

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wformat=2 -Wno-format-nonliteral -D_GNU_SOURCE \
            -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDLIBS   += -lfcgi -lsqlite3 -lscrypt -lqrencode

DEB_PKGS := build-essential pkg-config libfcgi-dev libsqlite3-dev \
            libscrypt-dev libqrencode-dev nginx-light python3 curl clang wrk sqlite3 \
            valgrind chromium default-jre-headless fonts-wqy-microhei

SRCS     := $(wildcard cgi-bin/*.c)
LIBSRCS  := $(filter-out cgi-bin/main.c,$(SRCS))
OBJS     := $(SRCS:cgi-bin/%.c=$(BUILD)/obj/%.o)
LIBOBJS  := $(LIBSRCS:cgi-bin/%.c=$(BUILD)/obj/%.o)
ASANOBJS := $(LIBSRCS:cgi-bin/%.c=$(BUILD)/asan/%.o)
UNITSRCS := $(wildcard tests/unit/t_*.c)
UNITS    := $(UNITSRCS:tests/unit/%.c=$(BUILD)/tests/%)
ASANUNITS:= $(UNITSRCS:tests/unit/%.c=$(BUILD)/asan/tests/%)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all

.PHONY: all deps run test unit bench fuzz install clean browser
all: $(BUILD)/zhijia

# ---- dependencies (Debian 12) ----
# A stamp keeps the check off the hot path of every make; delete it (or
# make clean) to check again.
$(BUILD)/.deps: Makefile
	@mkdir -p $(BUILD)
	@missing=""; for p in $(DEB_PKGS); do \
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
deps: $(BUILD)/.deps

$(BUILD)/obj/%.o: cgi-bin/%.c $(wildcard cgi-bin/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DZJ_DATADIR='"$(DATADIR)"' -c -o $@ $<

$(BUILD)/zhijia: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ---- unit tests, plain and under ASan+UBSan ----
$(BUILD)/tests/%: tests/unit/%.c $(LIBOBJS) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icgi-bin -o $@ $< $(LIBOBJS) $(LDLIBS)

$(BUILD)/asan/%.o: cgi-bin/%.c $(wildcard cgi-bin/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(SANCC) -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -O1 -g $(SANFLAGS) \
	  -DZJ_DATADIR='"$(DATADIR)"' -c -o $@ $<

$(BUILD)/asan/tests/%: tests/unit/%.c $(ASANOBJS) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(SANCC) -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -O1 -g $(SANFLAGS) \
	  -Icgi-bin -o $@ $< $(ASANOBJS) $(LDLIBS)

# Sanitizer objects are kept between runs (make would delete them as
# intermediate files and build them again every time).
.SECONDARY: $(ASANOBJS)

unit: $(UNITS) $(ASANUNITS)

$(BUILD)/bench/floor: tests/bench/floor.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< -lfcgi

$(BUILD)/bench/commit: tests/bench/commit.c $(LIBOBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icgi-bin -o $@ $< $(LIBOBJS) $(LDLIBS)

# ---- browser tests: npm packages exactly as package-lock.json says ----
# --ignore-scripts: vnu-jar's postinstall would download a Java runtime;
# the machine's Java (default-jre-headless) runs vnu.jar instead.
node_modules/.installed: package.json package-lock.json | $(BUILD)/.deps
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

browser: $(BUILD)/zhijia node_modules/.installed
	node tests/browser/run.mjs

# ---- the two commands ----
run: $(BUILD)/zhijia
	ZHIJIA_SAMPLES=1 deploy/local.sh $(PORT) $(BUILD)/run db/zhijia.db

test: $(BUILD)/zhijia $(UNITS) $(ASANUNITS) $(BUILD)/bench/floor $(BUILD)/bench/commit \
      node_modules/.installed
	tests/run.sh

$(BUILD)/bench/gen: tests/bench/gen.c $(LIBOBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icgi-bin -o $@ $< $(LIBOBJS) $(LDLIBS)

$(BUILD)/bench/pages: tests/bench/pages.c $(LIBOBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icgi-bin -o $@ $< $(LIBOBJS) $(LDLIBS)

bench: $(BUILD)/zhijia $(BUILD)/bench/floor $(BUILD)/bench/commit $(BUILD)/bench/pages $(BUILD)/bench/gen
	tests/bench/run.sh

# ---- fuzzing (clang's libFuzzer), bounded; not part of make test ----
FUZZSECS ?= 60
FUZZERS  := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIBSRCS) $(wildcard cgi-bin/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(SANCC) -std=c17 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
	  -Icgi-bin -o $@ $< $(LIBSRCS) $(LDLIBS)
fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do \
	  mkdir -p $(BUILD)/fuzz/corpus-$$(basename $$f); \
	  echo "fuzz: $$f for $(FUZZSECS)s"; \
	  $$f -max_total_time=$(FUZZSECS) -max_len=65536 $(BUILD)/fuzz/corpus-$$(basename $$f) \
	    tests/fuzz/seeds/$$(basename $$f) 2>&1 | tail -n 3 || exit 1; \
	done

# ---- install (PREFIX, DESTDIR) ----
install:
	$(MAKE) clean-obj
	$(MAKE) DATADIR=$(PREFIX)/share/zhijia $(BUILD)/zhijia
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/zhijia
	install -m 0755 $(BUILD)/zhijia $(DESTDIR)$(PREFIX)/bin/zhijia
	install -d $(DESTDIR)$(PREFIX)/share/zhijia/db
	cp -R templates static $(DESTDIR)$(PREFIX)/share/zhijia/
	cp -R db/migrations $(DESTDIR)$(PREFIX)/share/zhijia/db/
	install -d $(DESTDIR)$(PREFIX)/share/doc/zhijia
	cp -R deploy README.md $(DESTDIR)$(PREFIX)/share/doc/zhijia/
	$(MAKE) clean-obj

clean-obj:
	rm -rf $(BUILD)/obj $(BUILD)/zhijia

clean:
	rm -rf $(BUILD)
