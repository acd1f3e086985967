/*
 * test_mem.c: guest RAM regions and the bounds-checked helpers (vmm/mem.c).
 * Layouts larger than the test can allocate use a fake host address that is
 * only ever compared, never dereferenced.  No KVM needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/memmap.h"
#include "vmm/mem.h"

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

/* A stand-in host address for layouts that are never touched. */
static uint8_t fake_host[1];

/* host + off, computed as an integer so no out-of-bounds pointer is made. */
static uintptr_t host_at(const void *host, uint64_t off)
{
	return (uintptr_t)host + (uintptr_t)off;
}

/* mem_add_region --------------------------------------------------------- */

static void test_add_region(void **state)
{
	struct guest_mem gm = { 0 };
	uint8_t a[16], b[16];

	(void)state;
	assert_int_equal(mem_add_region(&gm, 0x1000, 0x1000, a), 0);
	assert_int_equal(gm.count, 1);
	assert_int_equal(gm.ram_bytes, 0x1000);
	assert_int_equal(gm.region[0].gpa, 0x1000);
	assert_int_equal(gm.region[0].size, 0x1000);
	assert_ptr_equal(gm.region[0].host, a);

	/* Adjacent on both sides. */
	assert_int_equal(mem_add_region(&gm, 0x2000, 0x800, b), 0);
	assert_int_equal(mem_add_region(&gm, 0x0, 0x1000, fake_host), 0);
	assert_int_equal(gm.count, 3);
	assert_int_equal(gm.ram_bytes, 0x2800);
	assert_ptr_equal(gm.region[1].host, b);
	assert_int_equal(gm.region[2].gpa, 0);
}

static void test_add_region_refused(void **state)
{
	struct guest_mem gm = { 0 };

	(void)state;
	assert_int_equal(mem_add_region(&gm, 0x1000, 0, fake_host), -EINVAL);
	assert_int_equal(
		mem_add_region(&gm, UINT64_MAX - 0xfff, 0x2000, fake_host),
		-EINVAL);
	/* Ending exactly at 2^64 also wraps the end to 0. */
	assert_int_equal(
		mem_add_region(&gm, UINT64_MAX - 0xfff, 0x1000, fake_host),
		-EINVAL);
	assert_int_equal(mem_add_region(&gm, 1, UINT64_MAX, fake_host),
			 -EINVAL);
	assert_int_equal(gm.count, 0);
	assert_int_equal(gm.ram_bytes, 0);

	assert_int_equal(mem_add_region(&gm, 0x10000, 0x10000, fake_host), 0);
	/* identical, left, right, containing, contained */
	assert_int_equal(mem_add_region(&gm, 0x10000, 0x10000, fake_host),
			 -EINVAL);
	assert_int_equal(mem_add_region(&gm, 0xf000, 0x2000, fake_host),
			 -EINVAL);
	assert_int_equal(mem_add_region(&gm, 0x1ffff, 0x10, fake_host),
			 -EINVAL);
	assert_int_equal(mem_add_region(&gm, 0, 0x100000, fake_host), -EINVAL);
	assert_int_equal(mem_add_region(&gm, 0x18000, 1, fake_host), -EINVAL);
	assert_int_equal(gm.count, 1);
	assert_int_equal(gm.ram_bytes, 0x10000);

	/* The table holds MEM_MAX_REGIONS. */
	for (unsigned int i = 1; i < MEM_MAX_REGIONS; i++)
		assert_int_equal(
			mem_add_region(&gm, i * GIB, 0x1000, fake_host), 0);
	assert_int_equal(gm.count, MEM_MAX_REGIONS);
	assert_int_equal(mem_add_region(&gm, 64 * GIB, 0x1000, fake_host),
			 -EINVAL);
	assert_int_equal(gm.count, MEM_MAX_REGIONS);
	assert_int_equal(gm.ram_bytes, 0x10000 + 3 * 0x1000);
}

/* mem_layout_ram --------------------------------------------------------- */

static void test_layout_small(void **state)
{
	struct guest_mem gm;

	(void)state;
	memset(&gm, 0xa5, sizeof(gm)); /* the layout starts from scratch */
	assert_int_equal(mem_layout_ram(&gm, fake_host, 4 * MIB), 0);
	assert_int_equal(gm.count, 1);
	assert_int_equal(gm.ram_bytes, 4 * MIB);
	assert_int_equal(gm.region[0].gpa, 0);
	assert_int_equal(gm.region[0].size, 4 * MIB);
	assert_ptr_equal(gm.region[0].host, fake_host);
	assert_int_equal(gm.region[1].gpa, 0);
	assert_int_equal(gm.region[1].size, 0);
	assert_null(gm.region[1].host);

	/* Exactly 3 GiB still fits below the hole. */
	assert_int_equal(mem_layout_ram(&gm, fake_host, 3 * GIB), 0);
	assert_int_equal(gm.count, 1);
	assert_int_equal(gm.region[0].size, MEMMAP_HOLE_START);
	assert_int_equal(gm.ram_bytes, 3 * GIB);

	assert_int_equal(mem_layout_ram(&gm, fake_host, 0), -EINVAL);
	assert_int_equal(gm.count, 0);
}

static void test_layout_above_hole(void **state)
{
	struct guest_mem gm;

	(void)state;
	assert_int_equal(mem_layout_ram(&gm, fake_host, 3 * GIB + 4096), 0);
	assert_int_equal(gm.count, 2);
	assert_int_equal(gm.ram_bytes, 3 * GIB + 4096);
	assert_int_equal(gm.region[0].gpa, 0);
	assert_int_equal(gm.region[0].size, 3 * GIB);
	assert_ptr_equal(gm.region[0].host, fake_host);
	assert_int_equal(gm.region[1].gpa, 4 * GIB);
	assert_int_equal(gm.region[1].gpa, MEMMAP_HOLE_END);
	assert_int_equal(gm.region[1].size, 4096);
	assert_int_equal((uintptr_t)gm.region[1].host,
			 host_at(fake_host, 3 * GIB));

	assert_int_equal(mem_layout_ram(&gm, fake_host, 64 * GIB), 0);
	assert_int_equal(gm.count, 2);
	assert_int_equal(gm.ram_bytes, 64 * GIB);
	assert_int_equal(gm.region[0].size, 3 * GIB);
	assert_int_equal(gm.region[1].gpa, 4 * GIB);
	assert_int_equal(gm.region[1].size, 61 * GIB);
	assert_int_equal((uintptr_t)gm.region[1].host,
			 host_at(fake_host, 3 * GIB));

	/* Checks over that layout: the hole is not RAM. */
	assert_true(mem_range_ok(&gm, 3 * GIB - 1, 1));
	assert_false(mem_range_ok(&gm, 3 * GIB - 1, 2));
	assert_false(mem_range_ok(&gm, 3 * GIB, 1));
	assert_false(mem_range_ok(&gm, 0xfee00000, 4));
	assert_false(mem_range_ok(&gm, 4 * GIB - 1, 1));
	assert_true(mem_range_ok(&gm, 4 * GIB, 1));
	assert_true(mem_range_ok(&gm, 65 * GIB - 8, 8));
	assert_false(mem_range_ok(&gm, 65 * GIB - 8, 9));
	assert_false(mem_range_ok(&gm, 65 * GIB, 1));
	/* Pointer arithmetic only; nothing is dereferenced. */
	assert_int_equal((uintptr_t)mem_ptr(&gm, 4 * GIB + 0x123, 1),
			 host_at(fake_host, 3 * GIB + 0x123));
	assert_int_equal((uintptr_t)mem_ptr(&gm, 0x456, 1),
			 host_at(fake_host, 0x456));
	assert_null(mem_ptr(&gm, 3 * GIB, 1));
}

/* mem_ptr and mem_range_ok ----------------------------------------------- */

struct fx {
	uint8_t lo[0x1000], hi[0x1000];
	struct guest_mem gm;
};

/* Adjacent regions [0x1000, 0x2000) and [0x2000, 0x3000), apart in the host. */
static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (mem_add_region(&fx->gm, 0x1000, 0x1000, fx->lo) ||
	    mem_add_region(&fx->gm, 0x2000, 0x1000, fx->hi)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void test_ptr_edges(void **state)
{
	struct fx *fx = *state;
	const struct guest_mem *gm = &fx->gm;

	assert_ptr_equal(mem_ptr(gm, 0x1000, 0x1000), fx->lo);
	assert_ptr_equal(mem_ptr(gm, 0x1000, 1), fx->lo);
	assert_ptr_equal(mem_ptr(gm, 0x1fff, 1), fx->lo + 0xfff);
	assert_ptr_equal(mem_ptr(gm, 0x1ff8, 8), fx->lo + 0xff8);
	assert_ptr_equal(mem_ptr(gm, 0x2000, 0x1000), fx->hi);
	assert_ptr_equal(mem_ptr(gm, 0x2fff, 1), fx->hi + 0xfff);
	assert_true(mem_range_ok(gm, 0x1000, 0x1000));
	assert_true(mem_range_ok(gm, 0x2fff, 1));

	/* One past either end, and one byte before the start. */
	assert_null(mem_ptr(gm, 0x3000, 1));
	assert_false(mem_range_ok(gm, 0x3000, 1));
	assert_null(mem_ptr(gm, 0x2fff, 2));
	assert_null(mem_ptr(gm, 0x2000, 0x1001));
	assert_null(mem_ptr(gm, 0xfff, 1));
	assert_null(mem_ptr(gm, 0xfff, 2));
	assert_false(mem_range_ok(gm, 0xfff, 0x1001));
	assert_null(mem_ptr(gm, 0, 1));
}

static void test_ptr_straddle(void **state)
{
	struct fx *fx = *state;
	const struct guest_mem *gm = &fx->gm;

	/* Guest-contiguous but two host mappings: refused. */
	assert_null(mem_ptr(gm, 0x1fff, 2));
	assert_false(mem_range_ok(gm, 0x1fff, 2));
	assert_null(mem_ptr(gm, 0x1000, 0x2000));
	assert_false(mem_range_ok(gm, 0x1800, 0x1000));
	assert_ptr_equal(mem_ptr(gm, 0x2000, 1), fx->hi);
}

static void test_ptr_len0(void **state)
{
	struct fx *fx = *state;
	const struct guest_mem *gm = &fx->gm;

	assert_ptr_equal(mem_ptr(gm, 0x1000, 0), fx->lo);
	assert_ptr_equal(mem_ptr(gm, 0x1800, 0), fx->lo + 0x800);
	assert_true(mem_range_ok(gm, 0x2800, 0));
	/* An empty range at a region's end is inside it (the first match). */
	assert_true(mem_range_ok(gm, 0x3000, 0));
	assert_ptr_equal(mem_ptr(gm, 0x3000, 0), fx->hi + 0x1000);
	assert_ptr_equal(mem_ptr(gm, 0x2000, 0), fx->lo + 0x1000);
	/* Not RAM at all. */
	assert_false(mem_range_ok(gm, 0x3001, 0));
	assert_false(mem_range_ok(gm, 0xfff, 0));
	assert_null(mem_ptr(gm, UINT64_MAX, 0));
}

static void test_ptr_overflow(void **state)
{
	struct fx *fx = *state;
	const struct guest_mem *gm = &fx->gm;

	assert_null(mem_ptr(gm, 0x1000, UINT64_MAX));
	assert_null(mem_ptr(gm, 0x1800, UINT64_MAX));
	assert_null(mem_ptr(gm, 0x1000, 1ULL << 63));
	/* gpa + len wraps round to 0x100, 0x1800 and 0xfff. */
	assert_null(mem_ptr(gm, 0x1800, (uint64_t)0 - 0x1700));
	assert_null(mem_ptr(gm, 0x2800, (uint64_t)0 - 0x1000));
	assert_false(mem_range_ok(gm, 0x1000, (uint64_t)0 - 1));
	assert_null(mem_ptr(gm, UINT64_MAX, 1));
	assert_null(mem_ptr(gm, UINT64_MAX, UINT64_MAX));
	assert_null(mem_ptr(gm, UINT64_MAX - 0xfff, 0x2000));
	assert_false(mem_range_ok(gm, UINT64_MAX, 2));
	assert_false(mem_range_ok(gm, 0x2fff, UINT64_MAX));
}

static void test_ptr_empty(void **state)
{
	struct guest_mem gm = { 0 };

	(void)state;
	assert_null(mem_ptr(&gm, 0, 0));
	assert_null(mem_ptr(&gm, 0, 1));
	assert_false(mem_range_ok(&gm, 0x1000, 1));
}

/* mem_read and mem_write ------------------------------------------------- */

static void test_read_write(void **state)
{
	struct fx *fx = *state;
	const struct guest_mem *gm = &fx->gm;
	uint8_t in[32], out[32];

	for (unsigned int i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(0x40 + i);
	assert_int_equal(mem_write(gm, 0x1fe0, in, sizeof(in)), 0);
	assert_memory_equal(fx->lo + 0xfe0, in, sizeof(in));
	assert_int_equal(fx->lo[0xfdf], 0);
	assert_int_equal(fx->hi[0], 0);

	memset(out, 0, sizeof(out));
	assert_int_equal(mem_read(gm, 0x1fe0, out, sizeof(out)), 0);
	assert_memory_equal(out, in, sizeof(in));

	assert_int_equal(mem_write(gm, 0x2ff0, in, 16), 0);
	assert_memory_equal(fx->hi + 0xff0, in, 16);
	memset(out, 0, sizeof(out));
	assert_int_equal(mem_read(gm, 0x2ff8, out, 8), 0);
	assert_memory_equal(out, in + 8, 8);

	/* Zero bytes: nothing copied, still a success inside RAM. */
	assert_int_equal(mem_write(gm, 0x1000, in, 0), 0);
	assert_int_equal(fx->lo[0], 0);
}

static void test_read_write_fault(void **state)
{
	struct fx *fx = *state;
	const struct guest_mem *gm = &fx->gm;
	uint8_t in[16], out[16], zero[0x1000] = { 0 };

	memset(in, 0x77, sizeof(in));
	memset(out, 0x33, sizeof(out));

	/* Straddling, past the end, before the start, wrapping, unmapped. */
	assert_int_equal(mem_write(gm, 0x1ff8, in, 16), -EFAULT);
	assert_int_equal(mem_write(gm, 0x2ff8, in, 9), -EFAULT);
	assert_int_equal(mem_write(gm, 0xff8, in, 16), -EFAULT);
	assert_int_equal(mem_write(gm, UINT64_MAX - 7, in, 16), -EFAULT);
	assert_int_equal(mem_write(gm, 0x100000, in, 1), -EFAULT);
	/* Nothing was written anywhere. */
	assert_memory_equal(fx->lo, zero, sizeof(zero));
	assert_memory_equal(fx->hi, zero, sizeof(zero));

	assert_int_equal(mem_read(gm, 0x1ff8, out, 16), -EFAULT);
	assert_int_equal(mem_read(gm, 0x3000, out, 1), -EFAULT);
	assert_int_equal(mem_read(gm, 0x2fff, out, UINT64_MAX), -EFAULT);
	assert_int_equal(mem_read(gm, 0, out, 1), -EFAULT);
	for (unsigned int i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0x33); /* untouched */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_region),
		cmocka_unit_test(test_add_region_refused),
		cmocka_unit_test(test_layout_small),
		cmocka_unit_test(test_layout_above_hole),
		T(test_ptr_edges),
		T(test_ptr_straddle),
		T(test_ptr_len0),
		T(test_ptr_overflow),
		cmocka_unit_test(test_ptr_empty),
		T(test_read_write),
		T(test_read_write_fault),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
