# voipfw build. `make` builds build/voipfw; `make check` runs every test
# (needs root for the BPF and namespace tests); `make demo` runs the demo.

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
DESTDIR  ?=
BUILD    := build
VERSION  := 0.1.0

ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

# BPF objects: UAPI headers only, no vmlinux.h. The multiarch include dir
# provides <asm/types.h> for the host's word size.
BPF_CFLAGS := -g -O2 -target bpf -Wall -Werror -D__TARGET_ARCH_$(ARCH) \
	-Iinclude $(if $(MULTIARCH),-I/usr/include/$(MULTIARCH)) $(BPF_EXTRA)

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -std=gnu11 -D_GNU_SOURCE -DVOIPFW_VERSION='"$(VERSION)"' \
	-Iinclude -Iuser -Iuser/lib -I$(BUILD)
LIBS     := -lbpf -lelf -lz
LIB_LIBS := -linih           # what user/lib itself links against
APP_LIBS := -lpcap -lsystemd -lnetfilter_conntrack -lnftables -ljansson

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS    := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

# user/lib: pure logic (no BPF, no I/O) -- unit-tested and fuzzed directly.
LIB_SRCS := $(wildcard user/lib/*.c)
LIB_OBJS := $(patsubst user/lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
# user: the CLI, loader and daemon.
APP_SRCS := $(wildcard user/*.c)
APP_OBJS := $(patsubst user/%.c,$(BUILD)/app/%.o,$(APP_SRCS))

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
BPFT_SRCS  := $(wildcard tests/bpf/test_*.c)
BPFT_BINS  := $(patsubst tests/bpf/%.c,$(BUILD)/tests/%,$(BPFT_SRCS))
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 60

.PHONY: all clean check check-unit check-bpf check-net check-replay check-kernels \
	verifier-report fuzz deps install demo bench FORCE
.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(SKELS)

all: $(BUILD)/voipfw

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/voipfw.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/lib/%.o: user/lib/%.c $(wildcard user/lib/*.h) include/voipfw.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# -fvisibility=hidden: the program exports nothing, so its own json_string()
# (user/json.c) does not interpose jansson's inside libnftables (doctor).
$(BUILD)/app/%.o: user/%.c $(wildcard user/*.h user/lib/*.h) include/voipfw.h $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fvisibility=hidden -c $< -o $@

$(BUILD)/libvoipfw.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/voipfw: $(APP_OBJS) $(BUILD)/libvoipfw.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS) $(LIB_LIBS) $(APP_LIBS)

# Tests only: voipfw built with a TC egress program every verifier refuses,
# for the load-failure report and --xdp-only (tests/net/test_refused_load.sh).
$(BUILD)/refused/voipfw: FORCE
	$(MAKE) BUILD=$(BUILD)/refused BPF_EXTRA=-DVFW_TEST_REFUSE_TC $@

FORCE:

$(BUILD):
	@mkdir -p $@

# Unit tests (cmocka) link only against the pure library.
$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libvoipfw.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libvoipfw.a $(LIB_LIBS) -lcmocka

# BPF tests load the real objects through their skeletons.
$(BUILD)/tests/test_%: tests/bpf/test_%.c $(SKELS) $(BUILD)/libvoipfw.a $(wildcard tests/bpf/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/bpf -o $@ $< $(BUILD)/libvoipfw.a $(LIBS) $(LIB_LIBS) -lcmocka

# The kernel matrix's verifier report loads the same skeleton.
$(BUILD)/tests/verifier_stats: tests/kernels/verifier_stats.c $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LIBS)

# libFuzzer harnesses over the pure library, with ASan and UBSan.
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS)
	@mkdir -p $(@D)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Iinclude -Iuser/lib -D_GNU_SOURCE -o $@ $< $(LIB_SRCS) $(LIB_LIBS)

deps:
	@scripts/install-deps.sh

check: deps
	$(MAKE) all $(UNIT_BINS) $(BPFT_BINS) $(FUZZ_BINS) $(BUILD)/tests/verifier_stats \
		$(BUILD)/refused/voipfw
	scripts/run-tests.sh

check-unit: $(UNIT_BINS)
	scripts/run-tests.sh unit

check-bpf: all $(BPFT_BINS)
	scripts/run-tests.sh bpf

check-net: all $(BUILD)/refused/voipfw
	scripts/run-tests.sh net

check-replay: all
	scripts/run-tests.sh replay

# The kernel matrix: Debian 12's kernel under qemu and the running one.
check-kernels: deps
	$(MAKE) all $(BPFT_BINS) $(BUILD)/tests/verifier_stats $(BUILD)/refused/voipfw
	scripts/run-tests.sh kernels

# Rewrites the README's verifier table from the last check-kernels.
verifier-report:
	scripts/verifier-report.py

fuzz: $(FUZZ_BINS)
	scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

demo: deps
	$(MAKE) all
	scripts/demo.sh

bench:
	@scripts/install-deps.sh bench
	$(MAKE) all
	bench/run.sh

SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
MANDIR     ?= $(PREFIX)/share/man

# The unit starts $(SBINDIR)/voipfw; with PREFIX=/usr that is the shipped path.
install: $(BUILD)/voipfw
	install -D -m 0755 $(BUILD)/voipfw $(DESTDIR)$(SBINDIR)/voipfw
	install -D -m 0644 docs/voipfw.8 $(DESTDIR)$(MANDIR)/man8/voipfw.8
	sed 's|/usr/sbin/voipfw|$(SBINDIR)/voipfw|' deploy/voipfw.service > $(BUILD)/voipfw.service
	install -D -m 0644 $(BUILD)/voipfw.service $(DESTDIR)$(UNITDIR)/voipfw.service
	install -D -m 0644 deploy/voipfw.conf $(DESTDIR)$(SYSCONFDIR)/voipfw/voipfw.conf.example
	test -e $(DESTDIR)$(SYSCONFDIR)/voipfw/voipfw.conf || \
		install -m 0600 deploy/voipfw.conf $(DESTDIR)$(SYSCONFDIR)/voipfw/voipfw.conf
	install -D -m 0644 deploy/nftables-voipfw.nft $(DESTDIR)$(SYSCONFDIR)/voipfw/nftables-voipfw.nft.example

clean:
	rm -rf $(BUILD)
