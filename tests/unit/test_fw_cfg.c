/*
 * test_fw_cfg.c: unit tests for the fw_cfg device (src/hw/fw_cfg.c), the
 * traditional interface at ports 0x510/0x511 on an I/O bus: built-in
 * items, numbered items, files and FILE_DIR byte for byte, selector
 * switching, reads past the end, the e820 payload, and hostile accesses.
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

#include "hw/fw_cfg.h"
#include "vmm/iobus.h"

struct fixture {
	struct iobus bus;
	struct fw_cfg fc;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	iobus_init(&f->bus);
	if (fw_cfg_init(&f->fc)) {
		free(f);
		return -1;
	}
	if (iobus_register(&f->bus, IOBUS_PIO, FW_CFG_PORT_SEL, FW_CFG_PORTS,
			   &f->fc.dev)) {
		fw_cfg_destroy(&f->fc);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fw_cfg_destroy(&f->fc);
	free(f);
	return 0;
}

static void sel(struct fixture *f, uint16_t key)
{
	assert_true(iobus_write(&f->bus, IOBUS_PIO, FW_CFG_PORT_SEL, 2, key));
}

static uint8_t rd8(struct fixture *f)
{
	uint64_t v = 0;

	assert_true(iobus_read(&f->bus, IOBUS_PIO, FW_CFG_PORT_DATA, 1, &v));
	assert_true(v <= 0xff);
	return (uint8_t)v;
}

static void rd(struct fixture *f, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = rd8(f);
}

/* Select key and check that it reads exactly want[0..n), then zeros. */
static void expect_item(struct fixture *f, uint16_t key, const void *want,
			size_t n)
{
	uint8_t *buf = malloc(n + 8);

	assert_non_null(buf);
	sel(f, key);
	rd(f, buf, n + 8);
	assert_memory_equal(buf, want, n);
	for (size_t i = n; i < n + 8; i++)
		assert_int_equal(buf[i], 0);
	free(buf);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void test_signature_and_id(void **state)
{
	struct fixture *f = *state;
	static const uint8_t id[4] = { 0x01, 0, 0, 0 };
	uint8_t buf[4];

	/* Key 0 is selected from the start. */
	rd(f, buf, 4);
	assert_memory_equal(buf, "QEMU", 4);
	assert_int_equal(rd8(f), 0);
	expect_item(f, FW_CFG_SIGNATURE, "QEMU", 4);
	expect_item(f, FW_CFG_ID, id, 4);
	/* An empty FILE_DIR: a count of 0. */
	expect_item(f, FW_CFG_FILE_DIR, "\0\0\0\0", 4);
}

static void test_numbered_items(void **state)
{
	struct fixture *f = *state;
	static const uint8_t cpus[2] = { 4, 0 }, max[2] = { 0x10, 0x01 };
	static const uint8_t ram[8] = { 0, 0, 0, 0x40, 1, 0, 0, 0 };
	static const uint8_t clen[4] = { 14, 0, 0, 0 };

	assert_int_equal(fw_cfg_set_cpus(&f->fc, 4, 0x110), 0);
	assert_int_equal(fw_cfg_set_ram_size(&f->fc, 0x140000000ULL), 0);
	assert_int_equal(fw_cfg_set_cmdline(&f->fc, "console=ttyS0"), 0);
	expect_item(f, FW_CFG_NB_CPUS, cpus, 2);
	expect_item(f, FW_CFG_MAX_CPUS, max, 2);
	expect_item(f, FW_CFG_RAM_SIZE, ram, 8);
	expect_item(f, FW_CFG_CMDLINE_SIZE, clen, 4);
	expect_item(f, FW_CFG_CMDLINE_DATA, "console=ttyS0", 14);

	/* Replacing an item; integers are little-endian. */
	assert_int_equal(fw_cfg_add_u16(&f->fc, FW_CFG_NB_CPUS, 0x0102), 0);
	expect_item(f, FW_CFG_NB_CPUS, "\x02\x01", 2);
	assert_int_equal(fw_cfg_add_u32(&f->fc, 0x000d, 0x0a0b0c0d), 0);
	expect_item(f, 0x000d, "\x0d\x0c\x0b\x0a", 4);
	/* Arch-local keys are separate items. */
	assert_int_equal(fw_cfg_add_bytes(&f->fc, 0x8003, "abc", 3), 0);
	expect_item(f, 0x8003, "abc", 3);
	expect_item(f, 0x0003, ram, 8);
	/* An empty item reads 0 at once. */
	assert_int_equal(fw_cfg_add_bytes(&f->fc, 0x0004, NULL, 0), 0);
	expect_item(f, 0x0004, "", 0);
	/* An empty command line is one NUL. */
	assert_int_equal(fw_cfg_set_cmdline(&f->fc, ""), 0);
	expect_item(f, FW_CFG_CMDLINE_SIZE, "\x01\0\0\0", 4);
	expect_item(f, FW_CFG_CMDLINE_DATA, "", 1);
}

static void test_add_errors(void **state)
{
	struct fixture *f = *state;
	static const uint16_t bad[] = { FW_CFG_SIGNATURE, FW_CFG_ID,
					FW_CFG_FILE_DIR,  FW_CFG_FILE_FIRST,
					0x3fff,		  0x4005,
					0xc000,		  FW_CFG_INVALID };
	char name[FW_CFG_MAX_FILE_PATH + 1];

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fw_cfg_add_bytes(&f->fc, bad[i], "x", 1),
				 -EINVAL);
	assert_int_equal(fw_cfg_add_bytes(&f->fc, 0x10, NULL, 1), -EINVAL);
	assert_int_equal(fw_cfg_add_bytes(&f->fc, 0x10, "x",
					  (size_t)FW_CFG_MAX_ITEM_SIZE + 1),
			 -E2BIG);
	/* The built-in items are untouched. */
	expect_item(f, FW_CFG_SIGNATURE, "QEMU", 4);

	assert_int_equal(fw_cfg_add_file(&f->fc, "", "x", 1, NULL), -EINVAL);
	memset(name, 'a', sizeof(name));
	name[FW_CFG_MAX_FILE_PATH] = '\0'; /* 56 characters: too long */
	assert_int_equal(fw_cfg_add_file(&f->fc, name, "x", 1, NULL), -EINVAL);
	name[FW_CFG_MAX_FILE_PATH - 1] = '\0'; /* 55: fits with its NUL */
	assert_int_equal(fw_cfg_add_file(&f->fc, name, "x", 1, NULL), 0);
	assert_int_equal(fw_cfg_add_file(&f->fc, name, "y", 1, NULL), -EEXIST);
	assert_int_equal(fw_cfg_add_file(&f->fc, "a", NULL, 1, NULL), -EINVAL);
	expect_item(f, FW_CFG_FILE_FIRST, "x", 1);
}

static void check_dir_entry(const uint8_t *e, uint32_t size, uint16_t key,
			    const char *name)
{
	char padded[FW_CFG_MAX_FILE_PATH] = { 0 };

	memcpy(padded, name, strlen(name));
	assert_int_equal(be32(e), size);
	assert_int_equal(e[4], key >> 8);
	assert_int_equal(e[5], key & 0xff);
	assert_int_equal(e[6], 0);
	assert_int_equal(e[7], 0);
	assert_memory_equal(e + 8, padded, FW_CFG_MAX_FILE_PATH);
}

static void test_files_and_dir(void **state)
{
	struct fixture *f = *state;
	uint8_t dir[4 + 3 * 64 + 8];
	uint8_t big[300];
	uint16_t key = 0;

	for (unsigned int i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	assert_int_equal(
		fw_cfg_add_file(&f->fc, "etc/e820", "0123456789", 10, &key), 0);
	assert_int_equal(key, 0x20);
	assert_int_equal(
		fw_cfg_add_file(&f->fc, "bootorder", "/pci@i0cf8\n", 11, &key),
		0);
	assert_int_equal(key, 0x21);
	assert_int_equal(fw_cfg_add_file(&f->fc, "etc/acpi/tables", big,
					 sizeof(big), &key),
			 0);
	assert_int_equal(key, 0x22);

	sel(f, FW_CFG_FILE_DIR);
	rd(f, dir, sizeof(dir));
	assert_int_equal(be32(dir), 3);
	/* Sorted by name, not by selector. */
	check_dir_entry(dir + 4, 11, 0x21, "bootorder");
	check_dir_entry(dir + 4 + 64, sizeof(big), 0x22, "etc/acpi/tables");
	check_dir_entry(dir + 4 + 128, 10, 0x20, "etc/e820");
	for (unsigned int i = 4 + 3 * 64; i < sizeof(dir); i++)
		assert_int_equal(dir[i], 0);

	expect_item(f, 0x20, "0123456789", 10);
	expect_item(f, 0x21, "/pci@i0cf8\n", 11);
	expect_item(f, 0x22, big, sizeof(big));
	/* The model kept a copy. */
	memset(big, 0, sizeof(big));
	sel(f, 0x22);
	assert_int_equal(rd8(f), 0);
	assert_int_equal(rd8(f), 7);
	/* Selectors past the last file read nothing. */
	expect_item(f, 0x23, "", 0);
}

static void test_dir_full(void **state)
{
	struct fixture *f = *state;
	char name[32];
	uint8_t e[64];

	/* Added in reverse name order; the directory comes out sorted. */
	for (int i = FW_CFG_MAX_FILES - 1; i >= 0; i--) {
		snprintf(name, sizeof(name), "f%03d", i);
		assert_int_equal(fw_cfg_add_file(&f->fc, name, &i, 1, NULL), 0);
	}
	assert_int_equal(fw_cfg_add_file(&f->fc, "one-more", "x", 1, NULL),
			 -ENOSPC);
	sel(f, FW_CFG_FILE_DIR);
	rd(f, e, 4);
	assert_int_equal(be32(e), FW_CFG_MAX_FILES);
	for (int i = 0; i < FW_CFG_MAX_FILES; i++) {
		rd(f, e, sizeof(e));
		snprintf(name, sizeof(name), "f%03d", i);
		check_dir_entry(e, 1,
				(uint16_t)(FW_CFG_FILE_FIRST +
					   FW_CFG_MAX_FILES - 1 - i),
				name);
	}
	assert_int_equal(rd8(f), 0);
}

static void test_past_end_and_switching(void **state)
{
	struct fixture *f = *state;

	/* Past the end: zeros, however long the guest goes on. */
	sel(f, FW_CFG_SIGNATURE);
	for (unsigned int i = 0; i < 4; i++)
		rd8(f);
	for (unsigned int i = 0; i < 1000; i++)
		assert_int_equal(rd8(f), 0);
	/* Reselecting rewinds. */
	sel(f, FW_CFG_SIGNATURE);
	assert_int_equal(rd8(f), 'Q');
	assert_int_equal(rd8(f), 'E');
	/* Switching mid-item starts the new item at its first byte. */
	sel(f, FW_CFG_ID);
	assert_int_equal(rd8(f), 1);
	sel(f, FW_CFG_SIGNATURE);
	assert_int_equal(rd8(f), 'Q');
	assert_int_equal(rd8(f), 'E');
	assert_int_equal(rd8(f), 'M');
	/* Even reselecting the same item rewinds it. */
	sel(f, FW_CFG_SIGNATURE);
	assert_int_equal(rd8(f), 'Q');
}

static void test_selector_widths(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	assert_int_equal(fw_cfg_set_cpus(&f->fc, 3, 8), 0);
	/* An 8-bit write selects 0x00XX. */
	sel(f, 0x1234);
	iobus_write(&f->bus, IOBUS_PIO, FW_CFG_PORT_SEL, 1, FW_CFG_ID);
	assert_int_equal(rd8(f), 1);
	/* 32 and 64 bits: the bus clips to the selector's 16 bits. */
	iobus_write(&f->bus, IOBUS_PIO, FW_CFG_PORT_SEL, 4, 0xdead0005);
	assert_int_equal(rd8(f), 3);
	iobus_write(&f->bus, IOBUS_PIO, FW_CFG_PORT_SEL, 8,
		    0xffffffffffff000fULL);
	assert_int_equal(rd8(f), 8);
	/* A word ending on 0x510 writes its high byte as an 8-bit select. */
	iobus_write(&f->bus, IOBUS_PIO, FW_CFG_PORT_SEL - 1, 2, 0x0500);
	assert_int_equal(rd8(f), 3);
	/* The write-channel bit is ignored: 0x4000 reads the signature. */
	sel(f, FW_CFG_WRITE_CHANNEL | FW_CFG_SIGNATURE);
	assert_int_equal(rd8(f), 'Q');
	/* Reading the selector reads 0 and consumes no data. */
	for (unsigned int n = 1; n <= 8; n *= 2) {
		iobus_read(&f->bus, IOBUS_PIO, FW_CFG_PORT_SEL, n, &v);
		assert_int_equal(
			v, n == 1 ? 0 : (~0ULL >> (64 - 8 * n)) & ~0xffffULL);
	}
	assert_int_equal(rd8(f), 'E');
	/* Wider data reads: the bus gives 0x511 one byte, the rest is 0xff. */
	iobus_read(&f->bus, IOBUS_PIO, FW_CFG_PORT_DATA, 4, &v);
	assert_int_equal(v, 0xffffff00 | 'M');
	iobus_read(&f->bus, IOBUS_PIO, FW_CFG_PORT_DATA, 2, &v);
	assert_int_equal(v, 0xff00 | 'U');
	iobus_read(&f->bus, IOBUS_PIO, FW_CFG_PORT_DATA, 8, &v);
	assert_int_equal(v, 0xffffffffffffff00ULL);
}

static void test_unknown_and_writes(void **state)
{
	struct fixture *f = *state;

	expect_item(f, 0x1234, "", 0);
	expect_item(f, FW_CFG_INVALID, "", 0);
	expect_item(f, 0x8000, "", 0);
	expect_item(f, 0x0002, "", 0);

	/* Data writes are ignored and do not move the offset. */
	sel(f, FW_CFG_SIGNATURE);
	for (unsigned int v = 0; v < 256; v++)
		iobus_write(&f->bus, IOBUS_PIO, FW_CFG_PORT_DATA, 1, v);
	assert_int_equal(rd8(f), 'Q');
	sel(f, FW_CFG_WRITE_CHANNEL | FW_CFG_ID);
	iobus_write(&f->bus, IOBUS_PIO, FW_CFG_PORT_DATA, 1, 0x55);
	expect_item(f, FW_CFG_ID, "\x01\0\0\0", 4);
	expect_item(f, FW_CFG_SIGNATURE, "QEMU", 4);
}

static void test_e820(void **state)
{
	struct fixture *f = *state;
	static const struct fw_cfg_e820_entry map[3] = {
		{ 0x0, 0x9fc00, FW_CFG_E820_RAM },
		{ 0x100000, 0xbff00000, FW_CFG_E820_RAM },
		{ 0x100000000ULL, 0x40000000, FW_CFG_E820_RESERVED },
	};
	static const uint8_t want[60] = {
		/* 0x0, 0x9fc00, 1 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* addr */
		0x00, 0xfc, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, /* len */
		0x01, 0x00, 0x00, 0x00,				/* type */
		/* 0x100000, 0xbff00000, 1 */
		0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, /* */
		0x00, 0x00, 0xf0, 0xbf, 0x00, 0x00, 0x00, 0x00, /* */
		0x01, 0x00, 0x00, 0x00,				/* */
		/* 4 GiB, 1 GiB, 2 */
		0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* */
		0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, /* */
		0x02, 0x00, 0x00, 0x00,				/* */
	};
	uint8_t buf[60 + 1];
	uint8_t e[64];

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(fw_cfg_e820_encode(map, 3, buf), 60);
	assert_memory_equal(buf, want, 60);
	assert_int_equal(buf[60], 0xee); /* nothing written past the end */
	assert_int_equal(fw_cfg_e820_encode(map, 0, buf), 0);

	assert_int_equal(fw_cfg_add_e820(&f->fc, map, 3), 0);
	sel(f, FW_CFG_FILE_DIR);
	rd(f, e, 4);
	assert_int_equal(be32(e), 1);
	rd(f, e, 64);
	check_dir_entry(e, 60, FW_CFG_FILE_FIRST, "etc/e820");
	expect_item(f, FW_CFG_FILE_FIRST, want, 60);
	/* A second table under the same name is refused. */
	assert_int_equal(fw_cfg_add_e820(&f->fc, map, 1), -EEXIST);
}

/* Any offset, size and value straight into the device: no crash. */
static void test_hostile(void **state)
{
	struct fixture *f = *state;
	struct iobus_dev *dev = &f->fc.dev;
	uint64_t v;

	assert_int_equal(fw_cfg_add_file(&f->fc, "x", "abc", 3, NULL), 0);
	for (uint64_t off = 0; off < 8; off++) {
		for (unsigned int size = 0; size <= 9; size++) {
			for (unsigned int i = 0; i < 64; i++) {
				uint64_t val = 0x9e3779b97f4a7c15ULL * (i + 1);

				dev->ops->write(dev, off, size, val);
				dev->ops->read(dev, off, size, &v);
				assert_true(v <= 0xff);
			}
		}
	}
	dev->ops->write(dev, ~0ULL, 8, 0);
	dev->ops->read(dev, ~0ULL, 8, &v);
	for (uint64_t port = 0x508; port < 0x518; port++) {
		for (unsigned int size = 1; size <= 8; size++) {
			iobus_write(&f->bus, IOBUS_PIO, port, size, ~0ULL);
			iobus_read(&f->bus, IOBUS_PIO, port, size, &v);
		}
	}
	/* Still intact. */
	expect_item(f, FW_CFG_SIGNATURE, "QEMU", 4);
	expect_item(f, FW_CFG_FILE_FIRST, "abc", 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signature_and_id, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_numbered_items, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_add_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_files_and_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dir_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_past_end_and_switching,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_selector_widths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_writes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_e820, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
