/*
 * test_pci.c: PCI bus 0 (pci/pci.c) on an iobus, as a guest reaches it:
 * configuration mechanism #1 at 0xcf8/0xcfc (with the reset register at
 * 0xcf9 inside it), ECAM, the host bridge, BAR placement, dispatch inside
 * the windows, a guest moving a BAR (and the device told of it), and INTx
 * lines shared between devices.  No KVM needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/memmap.h"
#include "pci/pci.h"

#define ECAM  0xe0000000ULL
#define WIN32 0xc0000000ULL
#define WIN64 0x100000000ULL

struct tdev {
	struct pci_dev pci; /* first */
	unsigned int reads, writes, maps, cfgs;
	unsigned int bar;
	uint64_t off, val;
	unsigned int size;
	uint64_t map_addr[PCI_BARS];
};

static void t_bar_read(struct pci_dev *d, unsigned int bar, uint64_t off,
		       unsigned int size, uint64_t *val)
{
	struct tdev *t = (struct tdev *)d;

	t->reads++;
	t->bar = bar;
	t->off = off;
	t->size = size;
	*val = 0x1000 * bar + off;
}

static void t_bar_write(struct pci_dev *d, unsigned int bar, uint64_t off,
			unsigned int size, uint64_t val)
{
	struct tdev *t = (struct tdev *)d;

	t->writes++;
	t->bar = bar;
	t->off = off;
	t->size = size;
	t->val = val;
}

static void t_bar_map(struct pci_dev *d, unsigned int bar, uint64_t addr)
{
	struct tdev *t = (struct tdev *)d;

	t->maps++;
	t->map_addr[bar] = addr;
}

static void t_cfg_written(struct pci_dev *d, unsigned int off,
			  unsigned int size)
{
	(void)off, (void)size;
	((struct tdev *)d)->cfgs++;
}

static const struct pci_dev_ops t_ops = {
	.bar_read = t_bar_read,
	.bar_write = t_bar_write,
	.cfg_written = t_cfg_written,
	.bar_map = t_bar_map,
};

struct irq_rec {
	unsigned int calls;
	uint32_t gsi;
	bool level;
	bool line[24];
};

struct fx {
	struct iobus iob;
	struct pci_bus bus;
	struct reset_cf9 cf9;
	unsigned int resets;
	struct irq_rec irq;
	struct tdev dev[PCI_SLOTS];
};

static void fx_irq(void *ctx, uint32_t gsi, bool level)
{
	struct irq_rec *r = ctx;

	r->calls++;
	r->gsi = gsi;
	r->level = level;
	if (gsi < 24)
		r->line[gsi] = level;
}

static void fx_reset(void *ctx)
{
	((struct fx *)ctx)->resets++;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct pci_bus_config cfg = {
		.mmio32_base = WIN32,
		.mmio32_size = 0x20000000,
		.mmio64_base = WIN64,
		.mmio64_size = 1ULL << 36,
		.ecam_base = ECAM,
		.intx_gsi = { 16, 17, 18, 19 },
		.irq = fx_irq,
	};
	char err[128];

	if (!fx)
		return -1;
	cfg.irq_ctx = &fx->irq;
	reset_cf9_init(&fx->cf9, fx_reset, fx);
	cfg.cf9 = &fx->cf9;
	iobus_init(&fx->iob);
	pci_bus_init(&fx->bus, &cfg);
	if (pci_bus_attach(&fx->bus, &fx->iob, err, sizeof(err)))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	pci_bus_destroy(&fx->bus);
	free(fx);
	return 0;
}

/* A virtio-like device: a 64-bit BAR 0, a 32-bit BAR 2, pin INTA. */
static struct tdev *add_dev(struct fx *fx, unsigned int i)
{
	static const struct pci_cfg_id id = {
		.vendor = 0x1af4,
		.device = 0x1044,
		.class_code = 0xff0000,
		.irq_pin = 1,
	};
	struct tdev *t = &fx->dev[i];

	memset(t, 0, sizeof(*t));
	t->pci.name = "tdev";
	t->pci.ops = &t_ops;
	pci_cfg_init(&t->pci.cfg, &id);
	assert_int_equal(pci_cfg_add_bar(&t->pci.cfg, 0, 0x8000, PCI_BAR_MEM64),
			 0);
	assert_int_equal(pci_cfg_add_bar(&t->pci.cfg, 2, 0x100, 0), 0);
	assert_int_equal(pci_bus_add(&fx->bus, &t->pci), 0);
	return t;
}

static uint32_t inl(struct fx *fx, uint16_t port)
{
	uint64_t v;

	iobus_read(&fx->iob, IOBUS_PIO, port, 4, &v);
	return (uint32_t)v;
}

static uint64_t in(struct fx *fx, uint16_t port, unsigned int size)
{
	uint64_t v;

	iobus_read(&fx->iob, IOBUS_PIO, port, size, &v);
	return v;
}

static void out(struct fx *fx, uint16_t port, unsigned int size, uint64_t v)
{
	iobus_write(&fx->iob, IOBUS_PIO, port, size, v);
}

/* Mechanism #1: select, then read CONFIG_DATA. */
static uint32_t cf8_read(struct fx *fx, unsigned int bus, unsigned int devfn,
			 unsigned int reg, unsigned int size)
{
	out(fx, 0xcf8, 4, 0x80000000u | bus << 16 | devfn << 8 | (reg & 0xfc));
	return (uint32_t)in(fx, 0xcfc + (reg & 3), size);
}

static void cf8_write(struct fx *fx, unsigned int devfn, unsigned int reg,
		      unsigned int size, uint32_t v)
{
	out(fx, 0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
	out(fx, 0xcfc + (reg & 3), size, v);
}

static uint64_t mmio_read(struct fx *fx, uint64_t addr, unsigned int size)
{
	uint64_t v;

	iobus_read(&fx->iob, IOBUS_MMIO, addr, size, &v);
	return v;
}

static void test_config_address(void **state)
{
	struct fx *fx = *state;

	/* Linux's type 1 probe: outb 0xcfb, then CONFIG_ADDRESS reads back. */
	out(fx, 0xcfb, 1, 0x01);
	out(fx, 0xcf8, 4, 0x80000000);
	assert_int_equal(inl(fx, 0xcf8), 0x80000000);
	/* Reserved bits read 0. */
	out(fx, 0xcf8, 4, 0xffffffff);
	assert_int_equal(inl(fx, 0xcf8), 0x80fffffc);
	/* Narrow accesses do not change it. */
	out(fx, 0xcf8, 2, 0);
	out(fx, 0xcfa, 1, 0);
	assert_int_equal(inl(fx, 0xcf8), 0x80fffffc);
	/* 0xcf9 as a byte is the reset control register. */
	out(fx, 0xcf9, 1, 0x02);
	assert_int_equal(in(fx, 0xcf9, 1), 0x02);
	assert_int_equal(fx->resets, 0);
	out(fx, 0xcf9, 1, 0x06);
	assert_int_equal(fx->resets, 1);
	assert_int_equal(inl(fx, 0xcf8), 0x80fffffc);
}

static void test_host_bridge(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(cf8_read(fx, 0, 0, 0, 4), 0x00081b36);
	assert_int_equal(cf8_read(fx, 0, 0, 0x08, 4) >> 8, 0x060000);
	assert_int_equal(cf8_read(fx, 0, 0, 0x0e, 1), 0);
	assert_int_equal(cf8_read(fx, 0, 0, 0x02, 2), 0x0008);
	assert_int_equal(cf8_read(fx, 0, 0, 0x03, 1), 0x00);
	assert_int_equal(cf8_read(fx, 0, 0, 0x01, 1), 0x1b);
	/* No BARs: sizing finds nothing. */
	cf8_write(fx, 0, 0x10, 4, 0xffffffff);
	assert_int_equal(cf8_read(fx, 0, 0, 0x10, 4), 0);
	/* Nothing else: empty slots, other functions, other buses. */
	assert_int_equal(cf8_read(fx, 0, 1 << 3, 0, 4), 0xffffffff);
	assert_int_equal(cf8_read(fx, 0, 1, 0, 4), 0xffffffff);
	assert_int_equal(cf8_read(fx, 0, 0, 0, 2), 0x1b36);
	assert_int_equal(cf8_read(fx, 0, 31 << 3, 0, 2), 0xffff);
	assert_int_equal(cf8_read(fx, 1, 0, 0, 4), 0xffffffff);
	/* Without the enable bit CONFIG_DATA reads all ones. */
	out(fx, 0xcf8, 4, 0);
	assert_int_equal(in(fx, 0xcfc, 4), 0xffffffff);
}

static void test_ecam(void **state)
{
	struct fx *fx = *state;

	add_dev(fx, 1);
	assert_int_equal(mmio_read(fx, ECAM, 4), 0x00081b36);
	assert_int_equal(mmio_read(fx, ECAM + (1 << 15), 4), 0x10441af4);
	assert_int_equal(mmio_read(fx, ECAM + (1 << 15) + 2, 2), 0x1044);
	assert_int_equal(
		mmio_read(fx, ECAM + (1 << 15), 8),
		mmio_read(fx, ECAM + (1 << 15), 4) |
			(uint64_t)mmio_read(fx, ECAM + (1 << 15) + 4, 4) << 32);
	/* Function 1, an empty slot: nothing there. */
	assert_int_equal(mmio_read(fx, ECAM + (1 << 15) + (1 << 12), 4),
			 0xffffffff);
	assert_int_equal(mmio_read(fx, ECAM + (2 << 15), 2), 0xffff);
	/* Extended space of a present function reads 0. */
	assert_int_equal(mmio_read(fx, ECAM + (1 << 15) + 0x100, 4), 0);
	assert_int_equal(mmio_read(fx, ECAM + (1 << 15) + 0xffc, 4), 0);
	/* Writes through ECAM land as through 0xcfc. */
	iobus_write(&fx->iob, IOBUS_MMIO, ECAM + (1 << 15) + 0x3c, 1, 0x0a);
	assert_int_equal(cf8_read(fx, 0, 1 << 3, 0x3c, 1), 0x0a);
}

static void test_bar_placement(void **state)
{
	struct fx *fx = *state;
	struct tdev *a = add_dev(fx, 1), *b = add_dev(fx, 2);

	assert_int_equal(a->pci.slot, 1);
	assert_int_equal(b->pci.slot, 2);
	/* 64-bit BARs above 4 GiB, 32-bit ones in the low window. */
	assert_int_equal(pci_cfg_bar_addr(&a->pci.cfg, 0), WIN64);
	assert_int_equal(pci_cfg_bar_addr(&b->pci.cfg, 0), WIN64 + 0x8000);
	assert_int_equal(pci_cfg_bar_addr(&a->pci.cfg, 2), WIN32);
	assert_int_equal(pci_cfg_bar_addr(&b->pci.cfg, 2), WIN32 + 0x1000);
	assert_int_equal(cf8_read(fx, 0, 1 << 3, 0x10, 4), 0x00000004);
	assert_int_equal(cf8_read(fx, 0, 1 << 3, 0x14, 4), 0x00000001);
	/* Decoding is on, and the device was told where. */
	assert_int_equal(cf8_read(fx, 0, 1 << 3, 0x04, 2) & PCI_CMD_MEMORY,
			 PCI_CMD_MEMORY);
	assert_int_equal(a->maps, 2);
	assert_int_equal(a->map_addr[0], WIN64);
	assert_int_equal(a->map_addr[2], WIN32);
	/* INTA of slot 1 goes to the second line, slot 2 to the third. */
	assert_int_equal(a->pci.gsi, 17);
	assert_int_equal(b->pci.gsi, 18);
	assert_int_equal(cf8_read(fx, 0, 1 << 3, 0x3c, 2), 0x0111);
}

static void test_bar_dispatch(void **state)
{
	struct fx *fx = *state;
	struct tdev *a = add_dev(fx, 1), *b = add_dev(fx, 2);
	uint64_t v;

	assert_int_equal(mmio_read(fx, WIN64 + 0x10, 4), 0x10);
	assert_int_equal(a->reads, 1);
	assert_int_equal(a->bar, 0);
	assert_int_equal(mmio_read(fx, WIN64 + 0x8000 + 0x7ff8, 8), 0x7ff8);
	assert_int_equal(b->reads, 1);
	assert_int_equal(b->size, 8);
	assert_int_equal(mmio_read(fx, WIN32 + 0x1000 + 0x20, 2), 0x2020);
	assert_int_equal(b->bar, 2);
	iobus_write(&fx->iob, IOBUS_MMIO, WIN32 + 0x44, 4, 0xabcd);
	assert_int_equal(a->writes, 1);
	assert_int_equal(a->off, 0x44);
	assert_int_equal(a->val, 0xabcd);
	/* Between BARs, past a BAR's end, across its end: nobody. */
	assert_int_equal(mmio_read(fx, WIN32 + 0x100, 4), 0xffffffff);
	assert_int_equal(mmio_read(fx, WIN64 + 0x10000, 4), 0xffffffff);
	assert_int_equal(mmio_read(fx, WIN32 + 0xfe, 4), 0xffffffff);
	v = 0;
	assert_false(iobus_read(&fx->iob, IOBUS_MMIO, WIN32 - 4, 4, &v));
	assert_int_equal(a->reads + b->reads, 3);
}

static void test_guest_moves_bar(void **state)
{
	struct fx *fx = *state;
	struct tdev *a = add_dev(fx, 1);
	unsigned int devfn = 1 << 3;
	uint32_t lo;

	/* Linux's sizing: decoding off, all ones, read, restore, on. */
	cf8_write(fx, devfn, 0x04, 2, 0);
	assert_int_equal(a->maps, 4); /* both BARs told: off */
	assert_int_equal(a->map_addr[0], 0);
	assert_int_equal(mmio_read(fx, WIN64, 4), 0xffffffff);
	assert_int_equal(a->reads, 0);
	lo = cf8_read(fx, 0, devfn, 0x10, 4);
	cf8_write(fx, devfn, 0x10, 4, 0xffffffff);
	cf8_write(fx, devfn, 0x14, 4, 0xffffffff);
	assert_int_equal(cf8_read(fx, 0, devfn, 0x10, 4), 0xffff8004);
	assert_int_equal(cf8_read(fx, 0, devfn, 0x14, 4), 0xffffffff);
	assert_int_equal(a->maps, 4); /* nothing decodes while off */
	/* The guest moves BAR 0 into the 32-bit window, then turns on. */
	cf8_write(fx, devfn, 0x10, 4, (uint32_t)(WIN32 + 0x100000) | lo);
	cf8_write(fx, devfn, 0x14, 4, 0);
	cf8_write(fx, devfn, 0x04, 2, PCI_CMD_MEMORY);
	assert_int_equal(a->map_addr[0], WIN32 + 0x100000);
	assert_int_equal(a->map_addr[2], WIN32);
	assert_int_equal(mmio_read(fx, WIN32 + 0x100000 + 8, 4), 8);
	assert_int_equal(a->bar, 0);
	assert_int_equal(mmio_read(fx, WIN64, 4), 0xffffffff);
	/* Moved while decoding (one half at a time): followed each step. */
	cf8_write(fx, devfn, 0x14, 4, 0x2);
	assert_int_equal(a->map_addr[0], 0x2c0100000ULL);
	assert_int_equal(mmio_read(fx, 0x2c0100000ULL + 0x10, 4), 0x10);
	/* Outside both windows: not decoded at all. */
	cf8_write(fx, devfn, 0x14, 4, 0x100);
	assert_int_equal(a->map_addr[0], 0);
	cf8_write(fx, devfn, 0x14, 4, 0);
	cf8_write(fx, devfn, 0x10, 4, 0xfee00000);
	assert_int_equal(a->map_addr[0], 0);
	/* Every write got to the device's own hook. */
	assert_true(a->cfgs >= 10);
}

static void test_intx_shared(void **state)
{
	struct fx *fx = *state;
	struct tdev *d[PCI_SLOTS];

	for (unsigned int i = 1; i <= 5; i++)
		d[i] = add_dev(fx, i);
	/* Slots 1 and 5 share GSI 17. */
	assert_int_equal(d[1]->pci.gsi, 17);
	assert_int_equal(d[5]->pci.gsi, 17);
	pci_dev_set_intx(&d[1]->pci, true);
	assert_true(fx->irq.line[17]);
	assert_int_equal(fx->irq.calls, 1);
	assert_int_equal(cf8_read(fx, 0, 1 << 3, 0x06, 2) & PCI_STATUS_INTX,
			 PCI_STATUS_INTX);
	assert_int_equal(cf8_read(fx, 0, 5 << 3, 0x06, 2) & PCI_STATUS_INTX, 0);
	pci_dev_set_intx(&d[5]->pci, true);
	pci_dev_set_intx(&d[1]->pci, true); /* again: no change */
	assert_int_equal(fx->irq.calls, 1);
	pci_dev_set_intx(&d[1]->pci, false);
	assert_true(fx->irq.line[17]); /* slot 5 still holds it */
	pci_dev_set_intx(&d[5]->pci, false);
	assert_false(fx->irq.line[17]);
	assert_int_equal(fx->irq.calls, 2);
	/* INTx-disable drops the line; status still shows the pin. */
	pci_dev_set_intx(&d[2]->pci, true);
	assert_true(fx->irq.line[18]);
	cf8_write(fx, 2 << 3, 0x04, 2, PCI_CMD_MEMORY | PCI_CMD_INTX_DISABLE);
	assert_false(fx->irq.line[18]);
	assert_int_equal(cf8_read(fx, 0, 2 << 3, 0x06, 2) & PCI_STATUS_INTX,
			 PCI_STATUS_INTX);
	cf8_write(fx, 2 << 3, 0x04, 2, PCI_CMD_MEMORY);
	assert_true(fx->irq.line[18]);
	pci_dev_set_intx(&d[2]->pci, false);
	assert_false(fx->irq.line[18]);
	/* The status bit cannot be written. */
	cf8_write(fx, 2 << 3, 0x06, 2, 0xffff);
	assert_int_equal(cf8_read(fx, 0, 2 << 3, 0x06, 2) & PCI_STATUS_INTX, 0);
}

static void test_bus_full(void **state)
{
	struct fx *fx = *state;
	static const struct pci_cfg_id id = { .vendor = 0x1af4 };
	struct pci_dev extra = { .name = "extra" };

	for (unsigned int i = 1; i < PCI_SLOTS; i++)
		add_dev(fx, i);
	pci_cfg_init(&extra.cfg, &id);
	assert_int_equal(pci_bus_add(&fx->bus, &extra), -ENOSPC);
	assert_int_equal(cf8_read(fx, 0, 31 << 3, 0, 2), 0x1af4);
}

static void test_window_full(void **state)
{
	struct fx *fx = *state;
	static const struct pci_cfg_id id = { .vendor = 0x1af4 };
	struct pci_dev big = { .name = "big" }, more = { .name = "more" };

	pci_cfg_init(&big.cfg, &id);
	assert_int_equal(pci_cfg_add_bar(&big.cfg, 0, 1u << 29, 0), 0);
	assert_int_equal(pci_bus_add(&fx->bus, &big), 0);
	pci_cfg_init(&more.cfg, &id);
	assert_int_equal(pci_cfg_add_bar(&more.cfg, 0, 0x1000, 0), 0);
	assert_int_equal(pci_bus_add(&fx->bus, &more), -ENOSPC);
}

static void test_attach_clash(void **state)
{
	struct fx *fx = *state;
	struct iobus iob;
	struct iobus_dev other = { .name = "other" };
	char err[128] = "";

	(void)fx;
	iobus_init(&iob);
	assert_int_equal(iobus_register(&iob, IOBUS_PIO, 0xcf9, 1, &other), 0);
	assert_int_equal(pci_bus_attach(&fx->bus, &iob, err, sizeof(err)),
			 -EEXIST);
	assert_non_null(strstr(err, "pci-config at 0xcf8"));
}

/* The 64-bit window starts above RAM, on a 1 GiB boundary, at 4 GiB or up. */
static void test_mmio64_window_above_ram(void **state)
{
	(void)state;
	assert_int_equal(memmap_pci_mmio64_base(256ULL << 20), 4ULL << 30);
	assert_int_equal(memmap_pci_mmio64_base(3ULL << 30), 4ULL << 30);
	assert_int_equal(memmap_pci_mmio64_base(4ULL << 30), 4ULL << 30);
	assert_int_equal(memmap_pci_mmio64_base((4ULL << 30) + 4096),
			 5ULL << 30);
	/* 64 GiB of RAM ends at 65 GiB (3 below the hole, 61 above). */
	assert_int_equal(memmap_pci_mmio64_base(65ULL << 30), 65ULL << 30);
	/* The 32-bit window, the ECAM and the hole's other tenants apart. */
	assert_true(MEMMAP_PCI_MMIO32 >= MEMMAP_HOLE_START);
	assert_true(MEMMAP_PCI_MMIO32 + MEMMAP_PCI_MMIO32_SIZE <=
		    MEMMAP_PCI_ECAM);
	assert_true(MEMMAP_PCI_ECAM + MEMMAP_PCI_ECAM_SIZE <= MEMMAP_TRAP_GPA);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_config_address),
		T(test_host_bridge),
		T(test_ecam),
		T(test_bar_placement),
		T(test_bar_dispatch),
		T(test_guest_moves_bar),
		T(test_intx_shared),
		T(test_bus_full),
		T(test_window_full),
		T(test_attach_clash),
		cmocka_unit_test(test_mmio64_window_above_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
