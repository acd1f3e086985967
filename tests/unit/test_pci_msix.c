/*
 * test_pci_msix.c: the MSI-X model (pci/pci_msix.c) against a fake
 * interrupt sink: the capability's registers, the table at every access
 * width, the per-vector and function masks with their pending bits,
 * routing once per message change, and MSI-X off.  No KVM needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pci/pci_msix.h"

#define NVEC	  5
#define TABLE_OFF 0x4000
#define PBA_OFF	  0x5000

struct sink {
	unsigned int routes, signals;
	unsigned int last_vec;
	uint64_t addr;
	uint32_t data;
	int fail_route; /* route returns this */
	unsigned int sent[NVEC];
};

static int sink_route(void *ctx, unsigned int vec, uint64_t addr, uint32_t data)
{
	struct sink *s = ctx;

	s->routes++;
	s->last_vec = vec;
	s->addr = addr;
	s->data = data;
	return s->fail_route;
}

static void sink_signal(void *ctx, unsigned int vec)
{
	struct sink *s = ctx;

	s->signals++;
	s->last_vec = vec;
	if (vec < NVEC)
		s->sent[vec]++;
}

static const struct pci_msix_ops sink_ops = {
	.route = sink_route,
	.signal = sink_signal,
};

struct fx {
	struct pci_cfg cfg;
	struct pci_msix m;
	struct sink s;
	unsigned int cap;
};

static int setup(void **state)
{
	static const struct pci_cfg_id id = { .vendor = 0x1af4,
					      .device = 0x1044 };
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	pci_cfg_init(&fx->cfg, &id);
	if (pci_msix_init(&fx->m, &fx->cfg, NVEC, 0, TABLE_OFF, PBA_OFF,
			  &sink_ops, &fx->s))
		return -1;
	fx->cap = pci_cfg_find_cap(&fx->cfg, PCI_CAP_ID_MSIX);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	pci_msix_destroy(&fx->m);
	free(fx);
	return 0;
}

/* The guest writes Message Control; the bus then tells the model. */
static void set_ctrl(struct fx *fx, uint16_t v)
{
	pci_cfg_write(&fx->cfg, fx->cap + 2, 2, v);
	pci_msix_cfg_written(&fx->m, &fx->cfg);
}

static uint64_t tread(struct fx *fx, uint64_t off, unsigned int size)
{
	uint64_t v = 0xdeadbeef;

	pci_msix_table_read(&fx->m, off, size, &v);
	return v;
}

static uint64_t pba(struct fx *fx)
{
	uint64_t v = 0xdeadbeef;

	pci_msix_pba_read(&fx->m, 0, 8, &v);
	return v;
}

/* Program vector i's message with dword writes, as Linux does. */
static void program(struct fx *fx, unsigned int i, uint64_t addr, uint32_t data)
{
	uint64_t e = (uint64_t)i * PCI_MSIX_ENTRY_SIZE;

	pci_msix_table_write(&fx->m, e, 4, (uint32_t)addr);
	pci_msix_table_write(&fx->m, e + 4, 4, addr >> 32);
	pci_msix_table_write(&fx->m, e + 8, 4, data);
}

static void unmask(struct fx *fx, unsigned int i)
{
	pci_msix_table_write(&fx->m, (uint64_t)i * 16 + 12, 4, 0);
}

static void test_capability(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(fx->cap, 0x40);
	assert_int_equal(pci_cfg_read(&fx->cfg, fx->cap, 1), PCI_CAP_ID_MSIX);
	assert_int_equal(pci_cfg_read(&fx->cfg, fx->cap + 2, 2), NVEC - 1);
	assert_int_equal(pci_cfg_read(&fx->cfg, fx->cap + 4, 4), TABLE_OFF);
	assert_int_equal(pci_cfg_read(&fx->cfg, fx->cap + 8, 4), PBA_OFF);
	/* Only enable and function mask are writable. */
	pci_cfg_write(&fx->cfg, fx->cap + 2, 2, 0xffff);
	assert_int_equal(pci_cfg_read(&fx->cfg, fx->cap + 2, 2),
			 0xc000 | (NVEC - 1));
	pci_cfg_write(&fx->cfg, fx->cap + 4, 4, 0);
	assert_int_equal(pci_cfg_read(&fx->cfg, fx->cap + 4, 4), TABLE_OFF);
	assert_int_equal(pci_msix_table_len(NVEC), 80);
	assert_int_equal(pci_msix_pba_len(NVEC), 8);
	assert_int_equal(pci_msix_pba_len(65), 16);
	/* Every vector starts masked, its message zero. */
	for (unsigned int i = 0; i < NVEC; i++) {
		assert_int_equal(tread(fx, i * 16, 8), 0);
		assert_int_equal(tread(fx, i * 16 + 8, 8),
				 (uint64_t)PCI_MSIX_ENTRY_MASKED << 32);
	}
	assert_int_equal(pba(fx), 0);
}

static void test_init_refused(void **state)
{
	struct pci_cfg c;
	struct pci_msix m;
	struct sink s = { 0 };
	static const struct pci_cfg_id id = { .vendor = 1 };

	(void)state;
	pci_cfg_init(&c, &id);
	assert_int_equal(pci_msix_init(&m, &c, 0, 0, 0, 0x800, &sink_ops, &s),
			 -EINVAL);
	assert_int_equal(
		pci_msix_init(&m, &c, 2049, 0, 0, 0x8000, &sink_ops, &s),
		-EINVAL);
	assert_int_equal(pci_msix_init(&m, &c, 4, 0, 4, 0x800, &sink_ops, &s),
			 -EINVAL);
	assert_int_equal(pci_msix_init(&m, &c, 4, 6, 0, 0x800, &sink_ops, &s),
			 -EINVAL);
	assert_int_equal(pci_cfg_find_cap(&c, PCI_CAP_ID_MSIX), 0);
	assert_int_equal(
		pci_msix_init(&m, &c, 2048, 2, 0, 0x8000, &sink_ops, &s), 0);
	assert_int_equal(pci_cfg_read(&c, 0x42, 2), 0x7ff);
	assert_int_equal(pci_cfg_read(&c, 0x44, 4), 2);
	pci_msix_destroy(&m);
}

static void test_off_means_intx(void **state)
{
	struct fx *fx = *state;

	program(fx, 0, 0xfee00000, 0x41);
	unmask(fx, 0);
	assert_int_equal(pci_msix_notify(&fx->m, 0), PCI_MSIX_OFF);
	assert_false(pci_msix_enabled(&fx->m));
	assert_int_equal(fx->s.signals, 0);
	assert_int_equal(fx->s.routes, 0); /* nothing routes while off */
	assert_int_equal(pba(fx), 0);
	set_ctrl(fx, PCI_MSIX_CTRL_ENABLE);
	assert_true(pci_msix_enabled(&fx->m));
	assert_int_equal(fx->s.routes, 1);
	assert_int_equal(fx->s.addr, 0xfee00000);
	assert_int_equal(fx->s.data, 0x41);
	assert_int_equal(pci_msix_notify(&fx->m, 0), PCI_MSIX_SENT);
	assert_int_equal(fx->s.sent[0], 1);
	/* Out of range (virtio's NO_VECTOR): nothing at all. */
	assert_int_equal(pci_msix_notify(&fx->m, NVEC), PCI_MSIX_NONE);
	assert_int_equal(pci_msix_notify(&fx->m, 0xffff), PCI_MSIX_NONE);
	assert_int_equal(fx->s.signals, 1);
	assert_int_equal(pba(fx), 0);
}

static void test_vector_mask_pending(void **state)
{
	struct fx *fx = *state;

	set_ctrl(fx, PCI_MSIX_CTRL_ENABLE);
	program(fx, 3, 0x00000000fee01000ULL, 0x4023);
	assert_int_equal(fx->s.routes, 0); /* masked: not yet */
	assert_int_equal(pci_msix_notify(&fx->m, 3), PCI_MSIX_PENDING);
	assert_int_equal(pci_msix_notify(&fx->m, 3), PCI_MSIX_PENDING);
	assert_int_equal(pba(fx), 1u << 3);
	assert_int_equal(fx->s.signals, 0);
	/* Unmasking routes the message and delivers once. */
	unmask(fx, 3);
	assert_int_equal(fx->s.routes, 1);
	assert_int_equal(fx->s.last_vec, 3);
	assert_int_equal(fx->s.addr, 0xfee01000);
	assert_int_equal(fx->s.data, 0x4023);
	assert_int_equal(fx->s.sent[3], 1);
	assert_int_equal(pba(fx), 0);
	/* Unmasked: straight through, routed once per change. */
	assert_int_equal(pci_msix_notify(&fx->m, 3), PCI_MSIX_SENT);
	assert_int_equal(pci_msix_notify(&fx->m, 3), PCI_MSIX_SENT);
	assert_int_equal(fx->s.sent[3], 3);
	assert_int_equal(fx->s.routes, 1);
	/* Masked again: pending, not sent; the others untouched. */
	pci_msix_table_write(&fx->m, 3 * 16 + 12, 4, 1);
	assert_int_equal(pci_msix_notify(&fx->m, 3), PCI_MSIX_PENDING);
	assert_int_equal(fx->s.sent[3], 3);
	assert_int_equal(pba(fx), 1u << 3);
	/* A new message while masked is routed on unmask, not before. */
	program(fx, 3, 0xfee02000, 0x4024);
	assert_int_equal(fx->s.routes, 1);
	unmask(fx, 3);
	assert_int_equal(fx->s.routes, 2);
	assert_int_equal(fx->s.addr, 0xfee02000);
	assert_int_equal(fx->s.sent[3], 4);
	/* Rewriting the same message routes nothing. */
	program(fx, 3, 0xfee02000, 0x4024);
	assert_int_equal(fx->s.routes, 2);
	/* Changed while unmasked (software should mask first): at once. */
	pci_msix_table_write(&fx->m, 3 * 16 + 8, 4, 0x4025);
	assert_int_equal(fx->s.routes, 3);
	assert_int_equal(fx->s.data, 0x4025);
}

static void test_function_mask(void **state)
{
	struct fx *fx = *state;

	for (unsigned int i = 0; i < NVEC; i++) {
		program(fx, i, 0xfee00000 + (i << 12), 0x40 + i);
		unmask(fx, i);
	}
	set_ctrl(fx, PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_MASKALL);
	assert_int_equal(fx->s.routes, 0);
	assert_int_equal(pci_msix_notify(&fx->m, 1), PCI_MSIX_PENDING);
	assert_int_equal(pci_msix_notify(&fx->m, 4), PCI_MSIX_PENDING);
	assert_int_equal(pba(fx), (1u << 1) | (1u << 4));
	/* Per-vector mask of 4 stays after the function mask clears. */
	pci_msix_table_write(&fx->m, 4 * 16 + 12, 4, 1);
	set_ctrl(fx, PCI_MSIX_CTRL_ENABLE);
	assert_int_equal(fx->s.routes, NVEC - 1);
	assert_int_equal(fx->s.sent[1], 1);
	assert_int_equal(fx->s.sent[4], 0);
	assert_int_equal(pba(fx), 1u << 4);
	unmask(fx, 4);
	assert_int_equal(fx->s.sent[4], 1);
	assert_int_equal(pba(fx), 0);
	/* Disabling MSI-X: the caller goes back to INTx. */
	set_ctrl(fx, 0);
	assert_int_equal(pci_msix_notify(&fx->m, 1), PCI_MSIX_OFF);
	assert_int_equal(fx->s.sent[1], 1);
}

static void test_widths(void **state)
{
	struct fx *fx = *state;

	/* A qword write of the address, byte writes of the data. */
	pci_msix_table_write(&fx->m, 16, 8, 0x00000001fee0300fULL);
	for (unsigned int b = 0; b < 4; b++)
		pci_msix_table_write(&fx->m, 16 + 8 + b, 1, 0x10 + b);
	/* Address bits 1:0 are reserved and read 0. */
	assert_int_equal(tread(fx, 16, 8), 0x00000001fee0300cULL);
	assert_int_equal(tread(fx, 16 + 8, 4), 0x13121110);
	assert_int_equal(tread(fx, 16 + 9, 2), 0x1211);
	assert_int_equal(tread(fx, 16 + 2, 4), 0x0001fee0);
	/* Vector control: only the mask bit is there. */
	pci_msix_table_write(&fx->m, 16 + 12, 4, 0xfffffffe);
	assert_int_equal(tread(fx, 16 + 12, 4), 0);
	pci_msix_table_write(&fx->m, 16 + 12, 4, 0xffffffff);
	assert_int_equal(tread(fx, 16 + 12, 4), 1);
	/* A write across two entries lands in both. */
	pci_msix_table_write(&fx->m, 16 + 12, 8, 0x0000abcd00000000ULL);
	assert_int_equal(tread(fx, 16 + 12, 4), 0);
	assert_int_equal(tread(fx, 32, 4), 0xabcc);
	/* Beyond the table: reads 0, writes go nowhere. */
	pci_msix_table_write(&fx->m, NVEC * 16, 8, ~0ULL);
	assert_int_equal(tread(fx, NVEC * 16, 8), 0);
	assert_int_equal(tread(fx, NVEC * 16 - 4, 8), 1); /* mask of last */
	assert_int_equal(tread(fx, 1ULL << 40, 4), 0);
	/* The PBA ignores writes; bytes beyond it read 0. */
	{
		uint64_t v = 1;
		pci_msix_pba_read(&fx->m, 8, 8, &v);
		assert_int_equal(v, 0);
	}
}

static void test_route_failure_retried(void **state)
{
	struct fx *fx = *state;

	set_ctrl(fx, PCI_MSIX_CTRL_ENABLE);
	program(fx, 2, 0xfee00000, 0x22);
	fx->s.fail_route = -ENOSPC;
	unmask(fx, 2);
	assert_int_equal(fx->s.routes, 1);
	fx->s.fail_route = 0;
	assert_int_equal(pci_msix_notify(&fx->m, 2), PCI_MSIX_SENT);
	assert_int_equal(fx->s.routes, 2); /* tried again */
	assert_int_equal(pci_msix_notify(&fx->m, 2), PCI_MSIX_SENT);
	assert_int_equal(fx->s.routes, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_capability, setup,
						teardown),
		cmocka_unit_test(test_init_refused),
		cmocka_unit_test_setup_teardown(test_off_means_intx, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vector_mask_pending, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_function_mask, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_widths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_failure_retried,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
