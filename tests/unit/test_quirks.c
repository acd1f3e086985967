/*
 * test_quirks.c: what hyve does about the host (machine/quirks.c), decided
 * from crafted probe results (vmm/probe.h): a host where everything runs,
 * this project's host (KVM's instruction emulator: vmcall hangs, the xsave
 * family, CLAC and cmpxchg16b fail, SMAP and XSAVE stuck in CPUID), each
 * rule alone, --no-host-quirks, and the --verbose line.  No KVM needed.
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

#include "machine/quirks.h"

#define PV_DROPS 0x12880u /* pv-unhalt, pv-send-ipi, pv-sched-yield, ... */

/* A host where every instruction runs and every CPUID bit follows. */
static void host_good(struct probe_result *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < PROBE_NINSN; i++)
		p->insn[i] = PROBE_RUNS;
	for (int i = 0; i < PROBE_NCPUID; i++)
		p->cpuid[i] = PROBE_BIT_FOLLOWS;
	p->micros = 1234;
}

/*
 * This project's host, as `hyve --probe` finds it: KVM runs guest kernel
 * code in its emulator, where vmcall never returns, the xsave family,
 * CLAC/STAC, cmpxchg16b and a few x87/SSE forms fail, CX16 follows
 * KVM_SET_CPUID2, and XSAVE and SMAP show whatever hyve says.
 */
static void host_pvm(struct probe_result *p)
{
	host_good(p);
	p->insn[PROBE_VMCALL] = PROBE_HANGS;
	p->insn[PROBE_XSAVE] = PROBE_EMUL_FAIL;
	p->insn[PROBE_XGETBV] = PROBE_EMUL_FAIL;
	p->insn[PROBE_CLAC] = PROBE_EMUL_FAIL;
	p->insn[PROBE_STAC] = PROBE_EMUL_FAIL;
	p->insn[PROBE_CMPXCHG16B] = PROBE_EMUL_FAIL;
	p->insn[PROBE_FWAIT] = PROBE_EMUL_FAIL;
	p->insn[PROBE_LDMXCSR] = PROBE_EMUL_FAIL;
	p->cpuid[PROBE_CPUID_CX16] = PROBE_BIT_FOLLOWS;
	p->cpuid[PROBE_CPUID_XSAVE] = PROBE_BIT_STUCK;
	p->cpuid[PROBE_CPUID_SMAP] = PROBE_BIT_STUCK;
	p->cpuid[PROBE_CPUID_AVX] = PROBE_BIT_STUCK;
	p->cpuid[PROBE_CPUID_RDTSCP] = PROBE_BIT_STUCK;
}

static void decide(const struct probe_result *p, bool linux_guest, bool enabled,
		   struct quirks *q)
{
	memset(q, 0xa5, sizeof(*q)); /* everything must be set */
	quirks_decide(p, linux_guest, enabled, q);
}

static void assert_drop(const struct quirks *q, unsigned int i,
			const char *name)
{
	assert_true(i < q->ncpuid_drops);
	assert_ptr_equal(q->cpuid_drops[i].feature, cpuid_feature_find(name));
	assert_string_equal(q->cpuid_drops[i].feature->name, name);
	assert_false(q->cpuid_drops[i].set);
}

static void assert_nothing(const struct quirks *q)
{
	assert_false(q->vmcall_watchdog);
	assert_false(q->syscall_repair);
	assert_int_equal(q->kvm_features_drop, 0);
	assert_int_equal(q->ncpuid_drops, 0);
	assert_string_equal(q->cmdline, "");
}

/* Describe into buf, telling quirks_describe it has len of its size. */
static void describe_in(const struct quirks *q, char *buf, size_t size,
			size_t len)
{
	memset(buf, 0x5a, size);
	quirks_describe(q, buf, len);
}

#define describe(q, buf, len) describe_in(q, buf, sizeof(buf), len)

/* Whole hosts -------------------------------------------------------- */

static void test_good_host(void **state)
{
	struct probe_result p;
	struct quirks q;
	char buf[256];

	(void)state;
	host_good(&p);
	for (int lx = 0; lx < 2; lx++)
		for (int en = 0; en < 2; en++) {
			decide(&p, lx, en, &q);
			assert_nothing(&q);
		}
	describe(&q, buf, sizeof(buf));
	assert_string_equal(buf, "none needed");

	/* A host with no CPUID bits to speak of is as good. */
	memset(&p, 0, sizeof(p));
	decide(&p, true, true, &q);
	assert_nothing(&q);
}

static void test_pvm_host_linux(void **state)
{
	struct probe_result p;
	struct quirks q;
	char buf[512];

	(void)state;
	host_pvm(&p);
	decide(&p, true, true, &q);
	assert_true(q.vmcall_watchdog);
	assert_false(q.syscall_repair);
	assert_int_equal(q.kvm_features_drop, PV_DROPS);
	assert_int_equal(q.kvm_features_drop, KVM_PV_HYPERCALL_USERS);
	assert_int_equal(q.ncpuid_drops, 1);
	assert_drop(&q, 0, "cx16");
	assert_string_equal(q.cmdline, " noxsave clearcpuid=smap");

	describe(&q, buf, sizeof(buf));
	assert_string_equal(buf, "vmcall hangs here: no PV hypercall "
				 "features, vmcall watchdog on; CPUID -cx16; "
				 "kernel parameters added: noxsave "
				 "clearcpuid=smap");

	/* And SYSCALL from user mode landing at CPL 3. */
	p.insn[PROBE_USER_SYSCALL] = PROBE_WRONG_CPL;
	decide(&p, true, true, &q);
	assert_true(q.syscall_repair);
	describe(&q, buf, sizeof(buf));
	assert_string_equal(buf, "vmcall hangs here: no PV hypercall "
				 "features, vmcall watchdog on; user SYSCALL "
				 "lands at CPL 3 here: SYSCALL repair on; "
				 "CPUID -cx16; kernel parameters added: "
				 "noxsave clearcpuid=smap");
}

/* The kernel parameters are Linux's: another guest gets none. */
static void test_pvm_host_other_guest(void **state)
{
	struct probe_result p;
	struct quirks q;
	char buf[512];

	(void)state;
	host_pvm(&p);
	decide(&p, false, true, &q);
	assert_true(q.vmcall_watchdog);
	assert_int_equal(q.kvm_features_drop, PV_DROPS);
	assert_int_equal(q.ncpuid_drops, 1);
	assert_drop(&q, 0, "cx16");
	assert_string_equal(q.cmdline, "");
	describe(&q, buf, sizeof(buf));
	assert_string_equal(buf, "vmcall hangs here: no PV hypercall "
				 "features, vmcall watchdog on; CPUID -cx16");
}

/* --no-host-quirks: only the watchdog, the PV drops and the repair stay. */
static void test_pvm_host_disabled(void **state)
{
	struct probe_result p;
	struct quirks q;
	char buf[512];

	(void)state;
	host_pvm(&p);
	p.insn[PROBE_USER_SYSCALL] = PROBE_WRONG_CPL;
	for (int lx = 0; lx < 2; lx++) {
		decide(&p, lx, false, &q);
		assert_true(q.vmcall_watchdog);
		assert_true(q.syscall_repair);
		assert_int_equal(q.kvm_features_drop, PV_DROPS);
		assert_int_equal(q.ncpuid_drops, 0);
		assert_string_equal(q.cmdline, "");
	}
	describe(&q, buf, sizeof(buf));
	assert_string_equal(buf, "vmcall hangs here: no PV hypercall "
				 "features, vmcall watchdog on; user SYSCALL "
				 "lands at CPL 3 here: SYSCALL repair on");
}

/* One rule at a time -------------------------------------------------- */

/* vmcall: only a hang counts, not a failure or a fault. */
static void test_vmcall(void **state)
{
	static const uint8_t others[] = { PROBE_RUNS,	   PROBE_EMUL_FAIL,
					  PROBE_FAULTS,	   PROBE_ODD,
					  PROBE_NOT_TRIED, PROBE_WRONG_CPL };
	struct probe_result p;
	struct quirks q;

	(void)state;
	for (size_t i = 0; i < sizeof(others); i++) {
		host_good(&p);
		p.insn[PROBE_VMCALL] = others[i];
		decide(&p, true, true, &q);
		assert_false(q.vmcall_watchdog);
		assert_int_equal(q.kvm_features_drop, 0);
	}
	host_good(&p);
	p.insn[PROBE_VMCALL] = PROBE_HANGS;
	decide(&p, true, true, &q);
	assert_true(q.vmcall_watchdog);
	assert_int_equal(q.kvm_features_drop, PV_DROPS);
	assert_int_equal(q.ncpuid_drops, 0);
	assert_string_equal(q.cmdline, "");
}

static void test_syscall_repair(void **state)
{
	struct probe_result p;
	struct quirks q;
	char buf[256];

	(void)state;
	host_good(&p);
	p.insn[PROBE_USER_SYSCALL] = PROBE_WRONG_CPL;
	decide(&p, false, false, &q);
	assert_true(q.syscall_repair);
	assert_false(q.vmcall_watchdog);
	describe(&q, buf, sizeof(buf));
	assert_string_equal(buf, "user SYSCALL lands at CPL 3 here: SYSCALL "
				 "repair on");
	p.insn[PROBE_USER_SYSCALL] = PROBE_EMUL_FAIL;
	decide(&p, true, true, &q);
	assert_false(q.syscall_repair);
}

/*
 * A broken instruction whose CPUID bit follows hyve: drop the bit (any
 * guest).  Stuck: a kernel parameter (Linux only).  Absent: nothing.
 */
static void check_rule(enum probe_insn insn, enum probe_cpuid bit,
		       const char *feature, const char *param)
{
	static const uint8_t broken[] = { PROBE_EMUL_FAIL, PROBE_HANGS,
					  PROBE_WRONG_CPL };
	static const uint8_t fine[] = { PROBE_RUNS, PROBE_FAULTS, PROBE_ODD,
					PROBE_NOT_TRIED };
	struct probe_result p;
	struct quirks q;
	char want[64];

	for (size_t i = 0; i < sizeof(broken); i++) {
		host_good(&p);
		p.insn[insn] = broken[i];
		p.cpuid[bit] = PROBE_BIT_FOLLOWS;
		decide(&p, true, true, &q);
		assert_int_equal(q.ncpuid_drops, 1);
		assert_drop(&q, 0, feature);
		assert_string_equal(q.cmdline, "");
		decide(&p, false, true, &q);
		assert_int_equal(q.ncpuid_drops, 1);
		decide(&p, true, false, &q);
		assert_int_equal(q.ncpuid_drops, 0);

		p.cpuid[bit] = PROBE_BIT_STUCK;
		decide(&p, true, true, &q);
		assert_int_equal(q.ncpuid_drops, 0);
		snprintf(want, sizeof(want), " %s", param);
		assert_string_equal(q.cmdline, want);
		decide(&p, false, true, &q);
		assert_string_equal(q.cmdline, "");
		decide(&p, true, false, &q);
		assert_string_equal(q.cmdline, "");

		p.cpuid[bit] = PROBE_BIT_ABSENT;
		decide(&p, true, true, &q);
		assert_nothing(&q);
	}
	for (size_t i = 0; i < sizeof(fine); i++) {
		host_good(&p);
		p.insn[insn] = fine[i];
		p.cpuid[bit] = PROBE_BIT_FOLLOWS;
		decide(&p, true, true, &q);
		assert_nothing(&q);
		p.cpuid[bit] = PROBE_BIT_STUCK;
		decide(&p, true, true, &q);
		assert_nothing(&q);
	}
}

static void test_rule_cx16(void **state)
{
	(void)state;
	check_rule(PROBE_CMPXCHG16B, PROBE_CPUID_CX16, "cx16",
		   "clearcpuid=cx16");
}

static void test_rule_xsave(void **state)
{
	(void)state;
	check_rule(PROBE_XSAVE, PROBE_CPUID_XSAVE, "xsave", "noxsave");
	check_rule(PROBE_XGETBV, PROBE_CPUID_XSAVE, "xsave", "noxsave");
}

static void test_rule_smap(void **state)
{
	struct probe_result p;
	struct quirks q;

	(void)state;
	check_rule(PROBE_CLAC, PROBE_CPUID_SMAP, "smap", "clearcpuid=smap");
	/* STAC alone decides nothing: CLAC is what the probe checks. */
	host_good(&p);
	p.insn[PROBE_STAC] = PROBE_EMUL_FAIL;
	p.cpuid[PROBE_CPUID_SMAP] = PROBE_BIT_STUCK;
	decide(&p, true, true, &q);
	assert_nothing(&q);
}

/*
 * A broken pshufb clears Linux's SSSE3-and-later features by parameter
 * only (user code runs natively and keeps them), for Linux guests only,
 * and joins the other features in the one clearcpuid= Linux reads.
 */
static void test_rule_pshufb(void **state)
{
	static const char list[] = "ssse3,sse4_1,sse4_2,aes,pclmulqdq,sha_ni";
	struct probe_result p;
	struct quirks q;
	char want[160];

	(void)state;
	host_good(&p);
	p.insn[PROBE_PSHUFB] = PROBE_EMUL_FAIL;
	decide(&p, true, true, &q);
	assert_int_equal(q.ncpuid_drops, 0);
	snprintf(want, sizeof(want), " clearcpuid=%s", list);
	assert_string_equal(q.cmdline, want);
	decide(&p, false, true, &q);
	assert_nothing(&q);
	decide(&p, true, false, &q);
	assert_nothing(&q);

	p.insn[PROBE_CLAC] = PROBE_EMUL_FAIL;
	p.insn[PROBE_CMPXCHG16B] = PROBE_EMUL_FAIL;
	p.cpuid[PROBE_CPUID_SMAP] = PROBE_BIT_STUCK;
	p.cpuid[PROBE_CPUID_CX16] = PROBE_BIT_STUCK;
	decide(&p, true, true, &q);
	snprintf(want, sizeof(want), " clearcpuid=smap,cx16,%s", list);
	assert_string_equal(q.cmdline, want);
	assert_null(strstr(q.cmdline + 1, " clearcpuid"));
}

/* rdtscp can be hidden but has no kernel parameter. */
static void test_rule_rdtscp(void **state)
{
	struct probe_result p;
	struct quirks q;

	(void)state;
	host_good(&p);
	p.insn[PROBE_RDTSCP] = PROBE_EMUL_FAIL;
	decide(&p, true, true, &q);
	assert_int_equal(q.ncpuid_drops, 1);
	assert_drop(&q, 0, "rdtscp");
	p.cpuid[PROBE_CPUID_RDTSCP] = PROBE_BIT_STUCK;
	decide(&p, true, true, &q);
	assert_nothing(&q);
}

/* Everything at once: drops in a fixed order, parameters too. */
static void test_all_rules(void **state)
{
	struct probe_result p;
	struct quirks q;
	char buf[512];

	(void)state;
	host_good(&p);
	p.insn[PROBE_CMPXCHG16B] = PROBE_EMUL_FAIL;
	p.insn[PROBE_RDTSCP] = PROBE_EMUL_FAIL;
	p.insn[PROBE_XSAVE] = PROBE_EMUL_FAIL;
	p.insn[PROBE_CLAC] = PROBE_EMUL_FAIL;
	decide(&p, true, true, &q);
	assert_int_equal(q.ncpuid_drops, 4);
	assert_drop(&q, 0, "cx16");
	assert_drop(&q, 1, "rdtscp");
	assert_drop(&q, 2, "xsave");
	assert_drop(&q, 3, "smap");
	assert_string_equal(q.cmdline, "");
	describe(&q, buf, sizeof(buf));
	assert_string_equal(buf, "CPUID -cx16; CPUID -rdtscp; CPUID -xsave; "
				 "CPUID -smap");

	p.cpuid[PROBE_CPUID_CX16] = PROBE_BIT_STUCK;
	p.cpuid[PROBE_CPUID_XSAVE] = PROBE_BIT_STUCK;
	p.cpuid[PROBE_CPUID_SMAP] = PROBE_BIT_STUCK;
	decide(&p, true, true, &q);
	assert_int_equal(q.ncpuid_drops, 1);
	assert_drop(&q, 0, "rdtscp");
	assert_string_equal(q.cmdline, " noxsave clearcpuid=smap,cx16");
	assert_true(strlen(q.cmdline) < QUIRKS_CMDLINE_MAX);
	describe(&q, buf, sizeof(buf));
	assert_string_equal(buf, "CPUID -rdtscp; kernel parameters added: "
				 "noxsave clearcpuid=smap,cx16");
}

/* quirks_describe --------------------------------------------------------- */

/* A short buffer gets what fits, always terminated, never overrun. */
static void test_describe_short(void **state)
{
	struct probe_result p;
	struct quirks q;
	char buf[96];

	(void)state;
	host_pvm(&p);
	decide(&p, true, true, &q);
	describe(&q, buf, 10);
	assert_string_equal(buf, "vmcall ha");
	assert_int_equal(buf[10], 0x5a);
	describe(&q, buf, 1);
	assert_string_equal(buf, "");
	assert_int_equal(buf[1], 0x5a);

	/* Cut in the middle of a later part. */
	describe(&q, buf, 80);
	assert_string_equal(buf, "vmcall hangs here: no PV hypercall features, "
				 "vmcall watchdog on; CPUID -cx16; k");
	assert_int_equal(buf[80], 0x5a);

	/* Exactly room for the text and its "; " that is taken off. */
	host_good(&p);
	p.insn[PROBE_RDTSCP] = PROBE_EMUL_FAIL;
	decide(&p, true, true, &q);
	describe(&q, buf, sizeof("CPUID -rdtscp; "));
	assert_string_equal(buf, "CPUID -rdtscp");
	describe(&q, buf, sizeof("CPUID -rdtscp; ") - 1);
	assert_string_equal(buf, "CPUID -rdtscp;");

	/* "none needed" is cut like the rest. */
	host_good(&p);
	decide(&p, true, true, &q);
	describe(&q, buf, 4);
	assert_string_equal(buf, "non");
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_good_host),
		T(test_pvm_host_linux),
		T(test_pvm_host_other_guest),
		T(test_pvm_host_disabled),
		T(test_vmcall),
		T(test_syscall_repair),
		T(test_rule_cx16),
		T(test_rule_xsave),
		T(test_rule_smap),
		T(test_rule_pshufb),
		T(test_rule_rdtscp),
		T(test_all_rules),
		T(test_describe_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
