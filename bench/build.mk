# Benchmark programs, included by the top-level Makefile.
BENCH_BINS := build/bench/rawkvm

build/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE $< -o $@
