/*
 * test_kvm.c: the KVM capability check (vmm/kvm.c) over a fake query
 * function, kvm_open's errors on paths that are not KVM, and the
 * debug-exit port (hw/debug_exit.c) through the I/O bus.  Never opens
 * /dev/kvm.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/debug_exit.h"
#include "vmm/iobus.h"
#include "vmm/kvm.h"
#include "vmm/mem.h"

static void assert_contains(const char *s, const char *sub)
{
	if (!strstr(s, sub))
		fail_msg("\"%s\" does not contain \"%s\"", s, sub);
}

/* kvm_check -------------------------------------------------------------- */

struct cap_answer {
	long cap;
	const char *name;
	int value;
};

/* A fake KVM: answers from a table, counts questions. */
struct fake_kvm {
	struct cap_answer caps[16];
	unsigned int ncaps;
	unsigned int calls;
	long asked[32];
};

#define N_CAPS 11

static void fake_init(struct fake_kvm *f)
{
	static const struct cap_answer all[N_CAPS] = {
		{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", 1 },
		{ KVM_CAP_NR_MEMSLOTS, "KVM_CAP_NR_MEMSLOTS", 509 },
		{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR", 1 },
		{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", 1 },
		{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", 1 },
		{ KVM_CAP_INTERNAL_ERROR_DATA, "KVM_CAP_INTERNAL_ERROR_DATA",
		  1 },
		{ KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS", 288 },
		{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", 1 },
		{ KVM_CAP_PIT2, "KVM_CAP_PIT2", 1 },
		{ KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS", 1 },
		{ KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ", 1 },
	};

	memset(f, 0, sizeof(*f));
	memcpy(f->caps, all, sizeof(all));
	f->ncaps = N_CAPS;
}

static struct cap_answer *fake_cap(struct fake_kvm *f, long cap)
{
	for (unsigned int i = 0; i < f->ncaps; i++)
		if (f->caps[i].cap == cap)
			return &f->caps[i];
	fail_msg("no answer for capability %ld", cap);
	return NULL;
}

static int fake_ext(void *ctx, long cap)
{
	struct fake_kvm *f = ctx;

	if (f->calls < 16)
		f->asked[f->calls] = cap;
	f->calls++;
	for (unsigned int i = 0; i < f->ncaps; i++)
		if (f->caps[i].cap == cap)
			return f->caps[i].value;
	return 0; /* unknown to this KVM */
}

struct check {
	struct kvm_host host;
	char err[256];
};

/* The optional capabilities: filled when there, never an error. */
static void test_check_optional(void **state)
{
	struct fake_kvm f;
	struct kvm_host h;

	(void)state;
	fake_init(&f);
	memset(&h, 0, sizeof(h));
	kvm_check_optional(fake_ext, &f, &h);
	assert_false(h.irqfd);
	assert_false(h.ioeventfd);
	assert_false(h.signal_msi);
	assert_int_equal(h.irq_routes, 0);
	f.caps[f.ncaps++] = (struct cap_answer){ KVM_CAP_IRQFD, "", 1 };
	f.caps[f.ncaps++] = (struct cap_answer){ KVM_CAP_IOEVENTFD, "", 1 };
	f.caps[f.ncaps++] =
		(struct cap_answer){ KVM_CAP_IRQ_ROUTING, "", 4096 };
	f.caps[f.ncaps++] = (struct cap_answer){ KVM_CAP_SIGNAL_MSI, "", 1 };
	kvm_check_optional(fake_ext, &f, &h);
	assert_true(h.irqfd);
	assert_true(h.ioeventfd);
	assert_true(h.signal_msi);
	assert_int_equal(h.irq_routes, 4096);
	/* A query error counts as absent. */
	f.caps[f.ncaps - 1].value = -EIO;
	kvm_check_optional(fake_ext, &f, &h);
	assert_false(h.signal_msi);
}

static int run_check(struct fake_kvm *f, int version, struct check *c)
{
	memset(&c->host, 0, sizeof(c->host));
	c->host.fd = -1;
	strcpy(c->err, "unset");
	return kvm_check(version, fake_ext, f, &c->host, c->err,
			 sizeof(c->err));
}

static void test_check_ok(void **state)
{
	struct fake_kvm f;
	struct check c;

	(void)state;
	fake_init(&f);
	assert_int_equal(run_check(&f, KVM_EXPECTED_API_VERSION, &c), 0);
	assert_int_equal(c.host.max_vcpus, 288);
	assert_int_equal(c.host.nr_memslots, 509);
	assert_int_equal(c.host.fd, -1); /* not its business */
	assert_string_equal(c.err, "unset");
	/* Every capability is asked about, once. */
	assert_int_equal(f.calls, N_CAPS);
	for (unsigned int i = 0; i < N_CAPS; i++) {
		unsigned int n = 0;
		for (unsigned int j = 0; j < N_CAPS; j++)
			n += f.asked[j] == f.caps[i].cap;
		assert_int_equal(n, 1);
	}

	/* Answers above 1 are fine for yes/no capabilities. */
	fake_cap(&f, KVM_CAP_USER_MEMORY)->value = 7;
	fake_cap(&f, KVM_CAP_MAX_VCPUS)->value = 1;
	fake_cap(&f, KVM_CAP_NR_MEMSLOTS)->value = MEM_MAX_REGIONS;
	assert_int_equal(run_check(&f, KVM_EXPECTED_API_VERSION, &c), 0);
	assert_int_equal(c.host.max_vcpus, 1);
	assert_int_equal(c.host.nr_memslots, MEM_MAX_REGIONS);
}

static void test_check_version(void **state)
{
	struct fake_kvm f;
	struct check c;

	(void)state;
	fake_init(&f);
	assert_int_equal(run_check(&f, 11, &c), -ENOTSUP);
	assert_string_equal(c.err, "/dev/kvm speaks API version 11; hyve "
				   "needs 12");
	assert_int_equal(f.calls, 0); /* nothing asked of a wrong KVM */
	assert_int_equal(c.host.max_vcpus, 0);

	assert_int_equal(run_check(&f, 13, &c), -ENOTSUP);
	assert_contains(c.err, "version 13; hyve needs 12");
	assert_int_equal(run_check(&f, -1, &c), -ENOTSUP);
	assert_contains(c.err, "version -1;");
}

static void test_check_missing(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < N_CAPS; i++) {
		struct fake_kvm f;
		struct check c;
		char want[128];

		fake_init(&f);
		f.caps[i].value = 0;
		assert_int_equal(run_check(&f, KVM_EXPECTED_API_VERSION, &c),
				 -ENOTSUP);
		snprintf(want, sizeof(want),
			 "/dev/kvm lacks %s (hyve needs it ", f.caps[i].name);
		assert_contains(c.err, want);
		/* Only that one is named. */
		for (unsigned int j = 0; j < N_CAPS; j++) {
			char other[64];
			if (j == i)
				continue;
			snprintf(other, sizeof(other), "%s ", f.caps[j].name);
			if (strstr(c.err, other))
				fail_msg("\"%s\" names %s", c.err,
					 f.caps[j].name);
		}
	}
}

static void test_check_memslots(void **state)
{
	struct fake_kvm f;
	struct check c;

	(void)state;
	fake_init(&f);
	fake_cap(&f, KVM_CAP_NR_MEMSLOTS)->value = MEM_MAX_REGIONS - 1;
	assert_int_equal(run_check(&f, KVM_EXPECTED_API_VERSION, &c), -ENOTSUP);
	assert_string_equal(c.err, "/dev/kvm offers 3 for KVM_CAP_NR_MEMSLOTS; "
				   "hyve needs at least 4 to place RAM on both "
				   "sides of the MMIO hole");

	fake_cap(&f, KVM_CAP_NR_MEMSLOTS)->value = 1;
	assert_int_equal(run_check(&f, KVM_EXPECTED_API_VERSION, &c), -ENOTSUP);
	assert_contains(c.err, "KVM_CAP_NR_MEMSLOTS");
}

static void test_check_query_error(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < N_CAPS; i++) {
		struct fake_kvm f;
		struct check c;
		char want[128];

		fake_init(&f);
		f.caps[i].value = -EIO;
		assert_int_equal(run_check(&f, KVM_EXPECTED_API_VERSION, &c),
				 -EIO);
		snprintf(want, sizeof(want), "/dev/kvm: asking for %s: %s",
			 f.caps[i].name, strerror(EIO));
		assert_string_equal(c.err, want);
	}
}

static void test_open_not_kvm(void **state)
{
	struct kvm_host host;
	char err[256];

	(void)state;
	assert_int_equal(kvm_open("/tmp/hyve-test-kvm-does-not-exist", &host,
				  err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "/tmp/hyve-test-kvm-does-not-exist: No such "
				 "file or directory (is the kvm module "
				 "loaded?)");
	assert_int_equal(host.fd, -1);

	/* A device that is not KVM. */
	assert_int_equal(kvm_open("/dev/null", &host, err, sizeof(err)),
			 -ENOTTY);
	assert_contains(err, "/dev/null: not a KVM device: ");
	assert_int_equal(host.fd, -1);
	kvm_close(&host); /* harmless on a closed host */
	assert_int_equal(host.fd, -1);
}

/* debug-exit ------------------------------------------------------------- */

struct exit_log {
	int calls;
	int status;
	void *ctx;
};

static void on_exit_cb(void *ctx, int status)
{
	struct exit_log *l = ctx;

	l->calls++;
	l->status = status;
	l->ctx = ctx;
}

static void test_debug_exit_status(void **state)
{
	(void)state;
	assert_int_equal(debug_exit_status(0), 1);
	assert_int_equal(debug_exit_status(1), 3);
	assert_int_equal(debug_exit_status(5), 11);
	assert_int_equal(debug_exit_status(0x7f), 0xff);
	assert_int_equal(debug_exit_status(0x80), 0x101);
	assert_int_equal(debug_exit_status(0xffff), 0x1ffff);
	/* Never negative, whatever the guest writes. */
	assert_int_equal(debug_exit_status(0xffffffff), 0x7fffffff);
	assert_int_equal(debug_exit_status(UINT64_MAX), 0x7fffffff);
}

static void test_debug_exit_bus(void **state)
{
	struct iobus *bus = calloc(1, sizeof(*bus));
	struct debug_exit de;
	struct exit_log log = { 0 };
	uint64_t v = 0;

	(void)state;
	assert_non_null(bus);
	iobus_init(bus);
	debug_exit_init(&de, on_exit_cb, &log);
	assert_string_equal(de.dev.name, "debug-exit");
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0x501, 2, &de.dev), 0);

	assert_true(iobus_write(bus, IOBUS_PIO, 0x501, 1, 5));
	assert_int_equal(log.calls, 1);
	assert_int_equal(log.status, 11);
	assert_ptr_equal(log.ctx, &log);

	assert_true(iobus_write(bus, IOBUS_PIO, 0x501, 2, 0x7f));
	assert_int_equal(log.calls, 2);
	assert_int_equal(log.status, 0xff);
	assert_true(iobus_write(bus, IOBUS_PIO, 0x502, 1, 0));
	assert_int_equal(log.calls, 3);
	assert_int_equal(log.status, 1);

	/* Reads are all ones and call nothing. */
	assert_true(iobus_read(bus, IOBUS_PIO, 0x501, 1, &v));
	assert_int_equal(v, 0xff);
	assert_true(iobus_read(bus, IOBUS_PIO, 0x501, 2, &v));
	assert_int_equal(v, 0xffff);
	assert_int_equal(log.calls, 3);

	/* Outside the two ports: not the device's. */
	assert_false(iobus_write(bus, IOBUS_PIO, 0x500, 1, 3));
	assert_false(iobus_write(bus, IOBUS_PIO, 0x503, 1, 3));
	assert_false(iobus_write(bus, IOBUS_MMIO, 0x501, 1, 3));
	assert_int_equal(log.calls, 3);

	/*
	 * Wider than the device: it sees the bytes inside its two ports, as
	 * QEMU's isa-debug-exit does.  An outl of 0x12345 ends with 0x2345.
	 */
	assert_false(iobus_write(bus, IOBUS_PIO, 0x501, 4, 0x12345));
	assert_int_equal(log.calls, 4);
	assert_int_equal(log.status, (0x2345 << 1) | 1);
	assert_false(iobus_write(bus, IOBUS_PIO, 0x502, 2, 0x103));
	assert_int_equal(log.calls, 5);
	assert_int_equal(log.status, 7);
	log.calls = 3;

	/* No callback: a write is absorbed. */
	debug_exit_init(&de, NULL, NULL);
	assert_true(iobus_write(bus, IOBUS_PIO, 0x501, 1, 9));
	assert_int_equal(log.calls, 3);
	free(bus);
}

/* iosize=4 at 0xf4, as test suites written for QEMU use: every width ends. */
static void test_debug_exit_iosize4(void **state)
{
	struct iobus *bus = calloc(1, sizeof(*bus));
	struct debug_exit de;
	struct exit_log log = { 0 };

	(void)state;
	assert_non_null(bus);
	iobus_init(bus);
	debug_exit_init(&de, on_exit_cb, &log);
	assert_int_equal(iobus_register(bus, IOBUS_PIO, 0xf4, 4, &de.dev), 0);
	assert_true(iobus_write(bus, IOBUS_PIO, 0xf4, 1, 0x10));
	assert_int_equal(log.status, 0x21);
	assert_true(iobus_write(bus, IOBUS_PIO, 0xf4, 2, 0x1234));
	assert_int_equal(log.status, 0x2469);
	assert_true(iobus_write(bus, IOBUS_PIO, 0xf4, 4, 0x123456));
	assert_int_equal(log.status, 0x2468ad);
	assert_int_equal(log.calls, 3);
	free(bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_ok),
		cmocka_unit_test(test_check_optional),
		cmocka_unit_test(test_check_version),
		cmocka_unit_test(test_check_missing),
		cmocka_unit_test(test_check_memslots),
		cmocka_unit_test(test_check_query_error),
		cmocka_unit_test(test_open_not_kvm),
		cmocka_unit_test(test_debug_exit_status),
		cmocka_unit_test(test_debug_exit_bus),
		cmocka_unit_test(test_debug_exit_iosize4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
