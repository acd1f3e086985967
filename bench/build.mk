# Benchmark programs, included by the top-level Makefile.  Everything that
# bench/run needs is in BENCH_BINS:
#   rawkvm    the smallest KVM runner of the flat guests (the baseline)
#   measure   runs a command N times; wall time, peak RSS, exit status check
#   stamp     runs a command once; when its output first shows each marker
#   qemu_*.elf  the benchmark guests again, as PVH ELF images for QEMU
#             (bench/pvh_entry.S, then bench/qemu_NAME.S)
BENCH_QEMU_GUESTS := build/bench/qemu_exit.elf build/bench/qemu_pio.elf
BENCH_BINS := build/bench/rawkvm build/bench/measure build/bench/stamp \
	$(BENCH_QEMU_GUESTS)

build/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE $< -o $@

# Linked at 1 MiB: the headers, the PVH note and the code in one segment,
# then the page tables.
build/bench/qemu_%.elf: bench/pvh_entry.S bench/qemu_%.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $^")
	$(Q)$(GUEST_CC) -nostdlib -static -no-pie -Wl,--build-id=none \
		-Wl,-Ttext-segment=0x100000 -Wl,-z,noseparate-code $^ -o $@
