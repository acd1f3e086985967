# hyve's build.  `make` builds build/hyve; `make test` runs the three test
# tiers; `make demo` installs what is missing, builds and boots the built-in
# demo guest; `make bench` runs the side-by-side benchmarks.
#
#   make CC=clang        build with clang (the guests always use gcc)
#   make test ASAN=1     the same suite under AddressSanitizer and UBSan
#   make test TIERS=unit TEST_FILTER=serial   some tiers, some tests
#   make V=1             show the commands
#   make B=build/clang CC=clang   build into another directory

CC ?= cc
GUEST_CC ?= gcc
OBJCOPY ?= objcopy
VERSION := 0.1.0

ifeq ($(ASAN),1)
B ?= build/asan
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
B ?= build
SAN :=
endif
G := build/guests

ifneq ($(V),1)
Q := @
endif

# CFLAGS is the user's (optimisation, debugging); the project's own flags
# are in HYVE_CFLAGS, which no command line can replace, so the build is
# checked the same way whatever CFLAGS says (make CFLAGS=-O0 works).
CFLAGS ?= -O2 -g
override HYVE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc \
	-MMD -MP -DHYVE_VERSION='"$(VERSION)"' $(SAN)
override HYVE_LDFLAGS := $(SAN)
# Debian's decompressors, for kernels and initramfs images (boot/decompress.c),
# liburing for the block backend (backend/disk_uring.c), and libslirp for the
# user-mode network (backend/slirp.c).  Debian's slirp.pc names glib-2.0,
# whose -dev package libslirp-dev does not pull in, and hyve uses no glib:
# without it, -lslirp is all pkg-config would have said.
SLIRP_LIBS := $(shell pkg-config --libs slirp 2>/dev/null || echo -lslirp)
override HYVE_LDLIBS := -lpthread -lz -llzma -llz4 -lzstd -lbz2 -llzo2 -luring \
	$(SLIRP_LIBS)

SRCS := $(sort $(wildcard src/*/*.c src/*/*/*.c))
MAIN_SRC := src/cli/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)

# Test guests: each guests/NAME.c becomes an ELF and a flat binary.
GUEST_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib \
	-mgeneral-regs-only -mno-red-zone -fno-pic -fno-pie -no-pie -static \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-Iguests/rt -Isrc
GUEST_RT := $(G)/rt/entry.o $(G)/rt/rt.o $(G)/rt/isr.o $(G)/rt/x86.o
GUEST_NAMES := $(basename $(notdir $(wildcard guests/*.c)))
GUEST_ELFS := $(GUEST_NAMES:%=$(G)/%.elf)
GUEST_BINS := $(GUEST_NAMES:%=$(G)/%.bin)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

.PHONY: all guests test unit demo bench deps clean format format-check analyze
all: $(B)/hyve guests

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(HYVE_CFLAGS) $(CFLAGS) -c $< -o $@

$(B)/libhyve.a: $(LIB_OBJS)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(B)/demo_blob.o: src/cli/demo_blob.S $(G)/demo.bin
	@mkdir -p $(dir $@)
	$(Q)$(CC) -c -DDEMO_BIN='"$(G)/demo.bin"' $< -o $@

$(B)/hyve: $(B)/src/cli/main.o $(B)/demo_blob.o $(B)/libhyve.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(HYVE_LDFLAGS) $(LDFLAGS) $^ -o $@ $(HYVE_LDLIBS) $(LDLIBS)

# Guests ---------------------------------------------------------------
guests: $(GUEST_ELFS) $(GUEST_BINS)

$(G)/rt/%.o: guests/rt/%.S
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@
$(G)/rt/%.o: guests/rt/%.c guests/rt/rt.h guests/rt/x86.h
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@
$(G)/%.o: guests/%.c guests/rt/rt.h guests/rt/x86.h
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@
$(G)/%.elf: $(G)/%.o $(GUEST_RT) guests/rt/guest.ld
	@$(if $(Q),echo "  GUEST   $@")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -Wl,--build-id=none,--no-warn-rwx-segments -T guests/rt/guest.ld \
		$(GUEST_RT) $< -o $@
$(G)/%.bin: $(G)/%.elf
	$(Q)$(OBJCOPY) -O binary $< $@

# Guests that are not plain 64-bit ELF guests (PVH, Multiboot, bzImage
# images) have their rules in guests/guests.mk.
-include guests/guests.mk

# Tests ----------------------------------------------------------------
$(B)/tests/%: tests/unit/%.c $(B)/libhyve.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(HYVE_CFLAGS) $(CFLAGS) -MF $(B)/tests/.$(notdir $@).d \
		$(HYVE_LDFLAGS) $(LDFLAGS) $< $(B)/libhyve.a -o $@ -lcmocka \
		$(HYVE_LDLIBS) $(LDLIBS)

unit: $(UNIT_BINS)

test: deps-test
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)HYVE=$(B)/hyve UNIT_DIR=$(B)/tests GUEST_DIR=$(G) ASAN=$(ASAN) \
		TIERS='$(TIERS)' TEST_FILTER='$(TEST_FILTER)' tests/run

demo: deps-build
	$(Q)$(MAKE) --no-print-directory all
	$(B)/hyve

# bench/build.mk defines BENCH_BINS (what bench/run needs built).
include bench/build.mk
bench: deps-bench
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	bench/run

# virtio-blk and virtio-net, hyve against QEMU, measured by the driver
# guest (bench/virtio; a few minutes).
bench-virtio: deps-bench
	$(Q)$(MAKE) --no-print-directory all
	bench/virtio

# Linux boot times, hyve against QEMU (bench/linux; tens of minutes here).
bench-linux: deps-bench
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	bench/linux

# The long Linux test: Debian's stock cloud kernel to /init and through
# the device tests, with its virtio modules (a quarter of an hour a boot
# where guest kernel code is emulated; not in make test).
test-linux-stock: deps-test
	$(Q)$(MAKE) --no-print-directory all
	$(Q)HYVE=$(B)/hyve tests/linux/stock

.PHONY: deps-build deps-test deps-bench deps-fuzz test-linux-stock bench-linux \
	bench-virtio
deps-build:
	$(Q)scripts/deps build
deps-test:
	$(Q)scripts/deps test
deps-bench:
	$(Q)scripts/deps bench
deps-fuzz:
	$(Q)scripts/deps fuzz

# Fuzzing: each fuzz/fuzz_NAME.c is a libFuzzer target (adding one is
# adding the file).  `make fuzz` builds them with clang, ASan and UBSan into
# build/fuzz/ against a libhyve built the same way, and runs each for
# FUZZ_SECONDS from its seeds in fuzz/corpus/NAME/ (read only; new inputs go
# to build/fuzz/corpus/NAME/, crashes to build/fuzz/NAME-crash-*).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_FLAGS ?= # more libFuzzer options, e.g. -jobs=2 or -max_len=8192
FUZZ_B := build/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_TARGETS := $(basename $(notdir $(wildcard fuzz/fuzz_*.c)))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_B)/%)
FUZZ_OBJS := $(LIB_SRCS:%.c=$(FUZZ_B)/obj/%.o)

$(FUZZ_B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(HYVE_CFLAGS) -O1 -g -fsanitize=fuzzer-no-link \
		$(FUZZ_SAN) -c $< -o $@
$(FUZZ_B)/libhyve.a: $(FUZZ_OBJS)
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(FUZZ_B)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_B)/libhyve.a
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(HYVE_CFLAGS) -O1 -g -fsanitize=fuzzer $(FUZZ_SAN) \
		-MF $(FUZZ_B)/.$(notdir $@).d $< $(FUZZ_B)/libhyve.a -o $@ \
		$(HYVE_LDLIBS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)
fuzz: deps-fuzz
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_B)/corpus/$$t fuzz/corpus/$$t && \
		echo "  RUN     $$t ($(FUZZ_SECONDS) s)" && \
		$(FUZZ_B)/$$t -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_B)/$$t- \
			$(FUZZ_FLAGS) \
			$(FUZZ_B)/corpus/$$t fuzz/corpus/$$t || exit 1; \
	done

# The clang static analyzer over every source file; any finding fails.
analyze:
	$(Q)for f in $(SRCS); do \
		clang --analyze -Xanalyzer -analyzer-werror \
			-Xanalyzer -analyzer-output=text -std=gnu11 \
			-D_GNU_SOURCE -Isrc -DHYVE_VERSION='"$(VERSION)"' \
			"$$f" -o /dev/null || exit 1; \
	done

FORMAT_SRCS = $(SRCS) $(wildcard src/*/*.h src/*/*/*.h) $(UNIT_SRCS) \
	$(wildcard fuzz/*.c)
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	clang-format --dry-run -Werror $(FORMAT_SRCS)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
.SECONDARY:
