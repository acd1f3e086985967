/*
 * test_pci_cfg.c: one function's configuration space (pci/pci_cfg.c):
 * identity and read-only fields, Command's write mask, Status's RW1C
 * bits, BAR sizing (32- and 64-bit, prefetchable), the capability list
 * and its walk, and accesses at the edge of the space.  No KVM needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pci/pci_cfg.h"

static const struct pci_cfg_id test_id = {
	.vendor = 0x1af4,
	.device = 0x1044,
	.subsys_vendor = 0x1af4,
	.subsys = 0x1100,
	.revision = 1,
	.class_code = 0xff0000,
	.irq_pin = 1,
};

static void test_identity_read_only(void **state)
{
	struct pci_cfg c;

	(void)state;
	pci_cfg_init(&c, &test_id);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_VENDOR_ID, 4), 0x10441af4);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_REVISION, 4), 0xff000001);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_SUBSYS_VENDOR, 4),
			 0x11001af4);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_HEADER_TYPE, 1), 0);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_INTERRUPT_PIN, 1), 1);
	/* The guest cannot change who the device is. */
	pci_cfg_write(&c, PCI_CFG_VENDOR_ID, 4, 0xdeadbeef);
	pci_cfg_write(&c, PCI_CFG_REVISION, 4, 0x12345678);
	pci_cfg_write(&c, PCI_CFG_INTERRUPT_PIN, 1, 3);
	pci_cfg_write(&c, PCI_CFG_HEADER_TYPE, 1, 0x80);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_VENDOR_ID, 4), 0x10441af4);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_REVISION, 4), 0xff000001);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_INTERRUPT_PIN, 1), 1);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_HEADER_TYPE, 1), 0);
	/* No expansion ROM, no capabilities yet. */
	pci_cfg_write(&c, PCI_CFG_ROM, 4, 0xffffffff);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_ROM, 4), 0);
	assert_int_equal(
		pci_cfg_read(&c, PCI_CFG_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	/* Writable: cache line, latency timer, interrupt line. */
	pci_cfg_write(&c, PCI_CFG_CACHE_LINE, 2, 0x4010);
	pci_cfg_write(&c, PCI_CFG_INTERRUPT_LINE, 1, 0x0b);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_CACHE_LINE, 2), 0x4010);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_INTERRUPT_LINE, 1), 0x0b);
}

static void test_command_and_status(void **state)
{
	struct pci_cfg c;

	(void)state;
	pci_cfg_init(&c, &test_id);
	/* No I/O BARs: the I/O enable bit stays 0; the others stick. */
	pci_cfg_write(&c, PCI_CFG_COMMAND, 2, 0xffff);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_COMMAND, 2),
			 PCI_CMD_MEMORY | PCI_CMD_MASTER | PCI_CMD_PARITY |
				 PCI_CMD_SERR | PCI_CMD_INTX_DISABLE);
	pci_cfg_write(&c, PCI_CFG_COMMAND, 2, 0);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_COMMAND, 2), 0);
	/* Without an interrupt pin, INTx-disable is not there. */
	{
		struct pci_cfg n;
		struct pci_cfg_id id = test_id;
		id.irq_pin = 0;
		pci_cfg_init(&n, &id);
		pci_cfg_write(&n, PCI_CFG_COMMAND, 2, 0xffff);
		assert_int_equal(pci_cfg_read(&n, PCI_CFG_COMMAND, 2) &
					 PCI_CMD_INTX_DISABLE,
				 0);
	}

	/* Status: the error bits are RW1C; the rest is read-only. */
	pci_cfg_put(&c, PCI_CFG_STATUS, 2, 0xf900 | PCI_STATUS_CAP_LIST);
	pci_cfg_write(&c, PCI_CFG_STATUS, 2, 0x0000);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_STATUS, 2),
			 0xf900 | PCI_STATUS_CAP_LIST);
	pci_cfg_write(&c, PCI_CFG_STATUS, 2, 0x2000 | PCI_STATUS_CAP_LIST);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_STATUS, 2),
			 0xd900 | PCI_STATUS_CAP_LIST);
	/* A dword write of Command leaves Status alone unless it says 1. */
	pci_cfg_write(&c, PCI_CFG_COMMAND, 4, PCI_CMD_MEMORY);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_STATUS, 2),
			 0xd900 | PCI_STATUS_CAP_LIST);
	pci_cfg_write(&c, PCI_CFG_COMMAND, 4, 0xffff0000u | PCI_CMD_MEMORY);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_STATUS, 2),
			 PCI_STATUS_CAP_LIST);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_COMMAND, 2), PCI_CMD_MEMORY);
}

/* Size a BAR as a driver does: save, write all ones, read, restore. */
static uint32_t size_probe(struct pci_cfg *c, unsigned int off)
{
	uint32_t saved = pci_cfg_read(c, off, 4), got;

	pci_cfg_write(c, off, 4, 0xffffffff);
	got = pci_cfg_read(c, off, 4);
	pci_cfg_write(c, off, 4, saved);
	assert_int_equal(pci_cfg_read(c, off, 4), saved);
	return got;
}

static void test_bar_sizing(void **state)
{
	struct pci_cfg c;

	(void)state;
	pci_cfg_init(&c, &test_id);
	assert_int_equal(pci_cfg_add_bar(&c, 0, 0x1000, 0), 0);
	assert_int_equal(pci_cfg_add_bar(&c, 1, 0x100, PCI_BAR_PREFETCH), 0);
	assert_int_equal(pci_cfg_add_bar(&c, 2, 0x8000, PCI_BAR_MEM64), 0);
	assert_int_equal(pci_cfg_add_bar(&c, 4, 8ULL << 30,
					 PCI_BAR_MEM64 | PCI_BAR_PREFETCH),
			 0);
	pci_cfg_set_bar_addr(&c, 0, 0xc0001000);
	pci_cfg_set_bar_addr(&c, 1, 0xc0002000);
	pci_cfg_set_bar_addr(&c, 2, 0x1000008000ULL);
	pci_cfg_set_bar_addr(&c, 4, 0x1200000000ULL);
	assert_int_equal(pci_cfg_read(&c, 0x10, 4), 0xc0001000);
	assert_int_equal(pci_cfg_read(&c, 0x14, 4), 0xc0002008);
	assert_int_equal(pci_cfg_read(&c, 0x18, 4), 0x00008004);
	assert_int_equal(pci_cfg_read(&c, 0x1c, 4), 0x10);
	assert_int_equal(pci_cfg_bar_addr(&c, 2), 0x1000008000ULL);
	assert_int_equal(pci_cfg_bar_addr(&c, 4), 0x1200000000ULL);

	assert_int_equal(size_probe(&c, 0x10), 0xfffff000);
	assert_int_equal(size_probe(&c, 0x14), 0xffffff08);
	assert_int_equal(size_probe(&c, 0x18), 0xffff8004);
	assert_int_equal(size_probe(&c, 0x1c), 0xffffffff);
	assert_int_equal(size_probe(&c, 0x20), 0x0000000c);
	assert_int_equal(size_probe(&c, 0x24), 0xfffffffe);

	/* A write keeps only the bits the size allows. */
	pci_cfg_write(&c, 0x10, 4, 0xd0000fff);
	assert_int_equal(pci_cfg_read(&c, 0x10, 4), 0xd0000000);
	assert_int_equal(pci_cfg_bar_addr(&c, 0), 0xd0000000);
	pci_cfg_write(&c, 0x1c, 4, 0x20);
	assert_int_equal(pci_cfg_bar_addr(&c, 2), 0x2000008000ULL);
	/* An unused BAR reads 0 and ignores writes. */
	{
		struct pci_cfg e;
		pci_cfg_init(&e, &test_id);
		assert_int_equal(size_probe(&e, 0x14), 0);
		assert_int_equal(pci_cfg_bar_addr(&e, 1), 0);
		assert_int_equal(pci_cfg_bar_addr(&e, 9), 0);
	}
}

static void test_bar_refused(void **state)
{
	struct pci_cfg c;

	(void)state;
	pci_cfg_init(&c, &test_id);
	assert_int_equal(pci_cfg_add_bar(&c, 0, 0x1800, 0), -EINVAL);
	assert_int_equal(pci_cfg_add_bar(&c, 0, 8, 0), -EINVAL);
	assert_int_equal(pci_cfg_add_bar(&c, 0, 1ULL << 32, 0), -EINVAL);
	assert_int_equal(pci_cfg_add_bar(&c, 5, 0x1000, PCI_BAR_MEM64),
			 -EINVAL);
	assert_int_equal(pci_cfg_add_bar(&c, 6, 0x1000, 0), -EINVAL);
	assert_int_equal(pci_cfg_add_bar(&c, 0, 0x1000, 0x1), -EINVAL);
	assert_int_equal(pci_cfg_add_bar(&c, 0, 0x1000, PCI_BAR_MEM64), 0);
	/* Its upper half and itself are taken. */
	assert_int_equal(pci_cfg_add_bar(&c, 1, 0x1000, 0), -EINVAL);
	assert_int_equal(pci_cfg_add_bar(&c, 0, 0x1000, 0), -EINVAL);
	assert_int_equal(pci_cfg_bar_addr(&c, 1), 0);
	assert_int_equal(pci_cfg_add_bar(&c, 2, 0x1000, 0), 0);
}

static void test_capabilities(void **state)
{
	struct pci_cfg c;
	int a, b, n;

	(void)state;
	pci_cfg_init(&c, &test_id);
	assert_int_equal(pci_cfg_find_cap(&c, PCI_CAP_ID_VENDOR), 0);
	a = pci_cfg_add_cap(&c, PCI_CAP_ID_VENDOR, 16);
	b = pci_cfg_add_cap(&c, PCI_CAP_ID_MSIX, 12);
	n = pci_cfg_add_cap(&c, PCI_CAP_ID_VENDOR, 5);
	assert_int_equal(a, 0x40);
	assert_int_equal(b, 0x50);
	assert_int_equal(n, 0x5c);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_STATUS, 2) &
				 PCI_STATUS_CAP_LIST,
			 PCI_STATUS_CAP_LIST);
	/* The list as a driver walks it. */
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_CAP_PTR, 1), 0x40);
	assert_int_equal(pci_cfg_read(&c, 0x40, 2), 0x5009);
	assert_int_equal(pci_cfg_read(&c, 0x50, 2), 0x5c11);
	assert_int_equal(pci_cfg_read(&c, 0x5c, 2), 0x0009);
	assert_int_equal(pci_cfg_find_cap(&c, PCI_CAP_ID_MSIX), 0x50);
	assert_int_equal(pci_cfg_find_cap(&c, PCI_CAP_ID_VENDOR), 0x40);
	assert_int_equal(pci_cfg_find_cap(&c, 0x05), 0);
	/* The links and IDs are read-only; bodies until opened. */
	pci_cfg_write(&c, 0x40, 4, 0xffffffff);
	assert_int_equal(pci_cfg_read(&c, 0x40, 4), 0x00005009);
	pci_cfg_write(&c, PCI_CFG_CAP_PTR, 1, 0x80);
	assert_int_equal(pci_cfg_read(&c, PCI_CFG_CAP_PTR, 1), 0x40);
	pci_cfg_set_wmask(&c, 0x44, 2, 0xff00);
	pci_cfg_write(&c, 0x44, 4, 0xffffffff);
	assert_int_equal(pci_cfg_read(&c, 0x44, 4), 0xff00);

	/* Fill the space: the last one that fits, then none. */
	while ((n = pci_cfg_add_cap(&c, PCI_CAP_ID_VENDOR, 16)) > 0)
		assert_true(n + 16 <= PCI_CFG_SIZE);
	assert_int_equal(n, -ENOSPC);
	assert_int_equal(pci_cfg_add_cap(&c, PCI_CAP_ID_VENDOR, 1), -ENOSPC);
}

/* A list that loops (as a hostile image might hold) ends the walk. */
static void test_cap_walk_bounded(void **state)
{
	struct pci_cfg c;

	(void)state;
	pci_cfg_init(&c, &test_id);
	assert_int_equal(pci_cfg_add_cap(&c, PCI_CAP_ID_VENDOR, 8), 0x40);
	c.data[0x41] = 0x40; /* points at itself */
	assert_int_equal(pci_cfg_find_cap(&c, PCI_CAP_ID_MSIX), 0);
	c.data[0x41] = 0x02; /* into the header */
	assert_int_equal(pci_cfg_find_cap(&c, PCI_CAP_ID_MSIX), 0);
	c.data[0x41] = 0xff; /* last byte: masked to 0xfc, read in range */
	c.data[0xfc] = PCI_CAP_ID_MSIX;
	assert_int_equal(pci_cfg_find_cap(&c, PCI_CAP_ID_MSIX), 0xfc);
}

static void test_edges(void **state)
{
	struct pci_cfg c;

	(void)state;
	pci_cfg_init(&c, &test_id);
	pci_cfg_set_wmask(&c, 0xfc, 4, 0xffffffff);
	pci_cfg_write(&c, 0xfe, 4, 0x44332211);
	assert_int_equal(pci_cfg_read(&c, 0xfc, 4), 0x22110000);
	assert_int_equal(pci_cfg_read(&c, 0xfe, 4), 0x2211);
	assert_int_equal(pci_cfg_read(&c, 0x100, 4), 0);
	assert_int_equal(pci_cfg_read(&c, 0xfff, 1), 0);
	pci_cfg_write(&c, 0x100, 4, 0xffffffff); /* ignored, no overflow */
	/* Unaligned reads see the bytes in order. */
	assert_int_equal(pci_cfg_read(&c, 0x01, 2), 0x441a);
	assert_int_equal(pci_cfg_read(&c, 0x03, 1), 0x10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_read_only),
		cmocka_unit_test(test_command_and_status),
		cmocka_unit_test(test_bar_sizing),
		cmocka_unit_test(test_bar_refused),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_cap_walk_bounded),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
