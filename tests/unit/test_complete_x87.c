/*
 * test_complete_x87.c: completing the x87 and SSE-control instructions in
 * userspace (arch/x86/complete_x87.c): FILD's exact 80-bit results, the
 * register stack (TOP, tags, overflow with IM set and clear), FIP/FDP/FOP,
 * FILD's addressing in every mode, FNCLEX, EMMS, FWAIT, LDMXCSR/STMXCSR and
 * their faults, with the fake memory of complete_fixture.h.  No KVM needed.
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

#include "complete_fixture.h"

/* The x87 -------------------------------------------------------------- */

#define FSW_TOP(t) ((uint16_t)((t) << 11))

/* The 80-bit pattern: significand and sign|exponent. */
static void assert_ext80(const uint8_t *r, uint64_t sig, uint16_t se)
{
	uint64_t got_sig = 0;

	for (int i = 0; i < 8; i++)
		got_sig |= (uint64_t)r[i] << (8 * i);
	if (got_sig != sig || (r[8] | r[9] << 8) != se)
		fail_msg("got %04x:%016llx, want %04x:%016llx",
			 r[8] | r[9] << 8, (unsigned long long)got_sig, se,
			 (unsigned long long)sig);
	for (int i = 10; i < 16; i++)
		assert_int_equal(r[i], 0);
}

/* FILD of value through the size-byte form at [0x8000]: 64-bit mode. */
static void fild_one(struct complete_cpu *c, unsigned int size, int64_t v)
{
	put(DATA, (uint64_t)v, size);
	if (size == 2)
		RUN(c, DECODE_FILD16, 0xdf, 0x04, 0x25, 0x00, 0x80, 0, 0);
	else if (size == 4)
		RUN(c, DECODE_FILD32, 0xdb, 0x04, 0x25, 0x00, 0x80, 0, 0);
	else
		RUN(c, DECODE_FILD64, 0xdf, 0x2c, 0x25, 0x00, 0x80, 0, 0);
	assert_no_fault(c);
}

static void test_fild_values(void **state)
{
	static const struct {
		unsigned int size;
		int64_t v;
		uint64_t sig;
		uint16_t se;
	} cases[] = {
		{ 2, 0, 0, 0 },
		{ 4, 0, 0, 0 },
		{ 8, 0, 0, 0 },
		{ 2, 1, 0x8000000000000000ULL, 0x3fff },
		{ 4, -1, 0x8000000000000000ULL, 0xbfff },
		{ 8, -1, 0x8000000000000000ULL, 0xbfff },
		{ 2, INT16_MIN, 0x8000000000000000ULL, 0xc00e },
		{ 2, INT16_MAX, 0xfffe000000000000ULL, 0x400d },
		{ 4, INT32_MAX, 0xfffffffe00000000ULL, 0x401d },
		{ 4, INT32_MIN, 0x8000000000000000ULL, 0xc01e },
		{ 8, INT64_MIN, 0x8000000000000000ULL, 0xc03e },
		{ 8, INT64_MAX, 0xfffffffffffffffeULL, 0x403d },
		{ 8, 3, 0xc000000000000000ULL, 0x4000 },
		{ 8, -10, 0xa000000000000000ULL, 0xc002 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct complete_cpu c;

		cpu64(&c);
		fild_one(&c, cases[i].size, cases[i].v);
		assert_ext80(c.fpu.fpr[0], cases[i].sig, cases[i].se);
		assert_int_equal(c.fpu.fsw, FSW_TOP(7));
		assert_int_equal(c.fpu.ftwx, 0x80);
		assert_true(c.fpu_changed);
	}
}

/* The host's long double is the same format: compare random values. */
static void test_fild_matches_host(void **state)
{
	uint64_t s = 88172645463325252ULL;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		struct complete_cpu c;
		long double ld;
		uint8_t want[16] = { 0 };
		int64_t v;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		v = (int64_t)(s >> (s & 63));
		if (i & 1)
			v = -v;
		cpu64(&c);
		fild_one(&c, 8, v);
		ld = (long double)v;
		memcpy(want, &ld, 10);
		assert_memory_equal(c.fpu.fpr[0], want, 16);
	}
}

static void test_fild_stack(void **state)
{
	struct complete_cpu c, before;

	(void)state;
	cpu64(&c);
	/* Eight pushes fill the stack: TOP 0 -> 7 (wrap) ... -> 0. */
	for (int i = 1; i <= 8; i++) {
		fild_one(&c, 2, i);
		assert_int_equal(c.fpu.fsw, FSW_TOP((8 - i) & 7));
		assert_int_equal(c.fpu.ftwx, (uint8_t)(0xff00 >> i));
	}
	for (int i = 0; i < 8; i++) /* ST(i) holds 8 - i */
		assert_int_equal(c.fpu.fpr[i][8] | c.fpu.fpr[i][9] << 8,
				 0x3fff + (8 - i >= 2) + (8 - i >= 4) +
					 (8 - i >= 8));
	assert_int_equal(c.fpu.last_ip, RIP0 + 7 * 7);
	assert_int_equal(c.fpu.last_dp, DATA);
	assert_int_equal(c.fpu.last_opcode, 0x704); /* DF 04 */

	/* A ninth with IM masked: IE SF C1, the indefinite pushed. */
	before = c;
	fild_one(&c, 8, 12345);
	assert_int_equal(c.fpu.fsw, FSW_TOP(7) | 0x241);
	assert_int_equal(c.fpu.ftwx, 0xff);
	assert_ext80(c.fpu.fpr[0], 0xc000000000000000ULL, 0xffff);
	assert_memory_equal(c.fpu.fpr[1], before.fpu.fpr[0], 16);
	assert_int_equal(c.fpu.last_opcode, 0x72c); /* DF 2C */
	assert_int_equal(c.regs.rip, before.regs.rip + 7);

	/* Unmasked: the stack stays, ES and B pend #MF, the insn ends. */
	c.fpu.fcw = 0x37e;
	c.fpu.fsw = FSW_TOP(7);
	before = c;
	fild_one(&c, 4, -5);
	assert_int_equal(c.fpu.fsw, FSW_TOP(7) | 0x8000 | 0x241 | 0x80);
	assert_memory_equal(c.fpu.fpr, before.fpu.fpr, sizeof(c.fpu.fpr));
	assert_int_equal(c.fpu.ftwx, 0xff);
	assert_int_equal(c.regs.rip, before.regs.rip + 7);
	assert_int_equal(c.fpu.last_opcode, 0x304); /* DB 04 */

	/* The next waiting x87 insn takes #MF, RIP on it. */
	before = c;
	RUN(&c, DECODE_FILD16, 0xdf, 0x04, 0x25, 0x00, 0x80, 0, 0);
	assert_fault_only(&c, &before, X86_EXC_MF, false);
	RUN(&c, DECODE_FWAIT, 0x9b);
	assert_fault_only(&c, &before, X86_EXC_MF, false);
	RUN(&c, DECODE_EMMS, 0x0f, 0x77);
	assert_fault_only(&c, &before, X86_EXC_MF, false);
	/* FNCLEX does not wait, and clears the pending error. */
	RUN(&c, DECODE_FNCLEX, 0xdb, 0xe2);
	assert_no_fault(&c);
	assert_int_equal(c.fpu.fsw, FSW_TOP(7) | 0x200);
	RUN(&c, DECODE_FWAIT, 0x9b);
	assert_no_fault(&c);

	/* C1 is cleared by a push without overflow; TOP 3, tag 2 free. */
	cpu64(&c);
	c.fpu.fsw = FSW_TOP(3) | 0x200;
	c.fpu.ftwx = 0x08;
	fild_one(&c, 2, -2);
	assert_int_equal(c.fpu.fsw, FSW_TOP(2));
	assert_int_equal(c.fpu.ftwx, 0x0c);
}

static void test_fild_addressing(void **state)
{
	struct complete_cpu c;

	(void)state;
	/* RIP-relative: next RIP + disp. */
	cpu64(&c);
	put(DATA, 7, 4);
	RUN(&c, DECODE_FILD32, 0xdb, 0x05, 0xfa, 0x3f, 0x00, 0x00);
	assert_int_equal(fm.last_lin, RIP0 + 6 + 0x3ffa);
	assert_ext80(c.fpu.fpr[0], 0xe000000000000000ULL, 0x4001);
	assert_int_equal(c.fpu.last_dp, DATA);

	/* FS base applies in 64-bit mode, DS's does not; FDP is the offset. */
	cpu64(&c);
	c.sregs.fs.base = 0x7000;
	c.sregs.ds.base = 0x100;
	c.regs.rbx = 0x800;
	c.regs.rsi = 0x100;
	put(0x7000 + 0x800 + 0x100 * 8 + 0x10, 2, 8);
	RUN(&c, DECODE_FILD64, 0x64, 0xdf, 0x6c, 0xf3, 0x10);
	assert_int_equal(fm.last_lin, 0x8010);
	assert_int_equal(c.fpu.last_dp, 0x1010);
	assert_ext80(c.fpu.fpr[0], 0x8000000000000000ULL, 0x4000);
	cpu64(&c);
	c.sregs.ds.base = 0x100;
	RUN(&c, DECODE_FILD64, 0x3e, 0xdf, 0x2c, 0x25, 0x00, 0x80, 0, 0);
	assert_int_equal(fm.last_lin, DATA);

	/* 32-bit mode: segment base added, wraps at 4 GiB. */
	cpu32(&c);
	c.sregs.ds.base = 0xfffff000;
	c.regs.rbx = 0x9000;
	put(0x8000, 0xffff, 2);
	RUN(&c, DECODE_FILD16, 0xdf, 0x03); /* [ebx] */
	assert_int_equal(fm.last_lin, 0x8000);
	assert_ext80(c.fpu.fpr[0], 0x8000000000000000ULL, 0xbfff);

	/* 16-bit addressing in real mode: the offset wraps at 64 KiB. */
	cpu_real(&c);
	c.sregs.ds.base = 0x1230;
	c.regs.rbx = 0xffff;
	c.regs.rsi = 2;
	c.regs.rip = 0x100;
	put(0x1231, 0x1234, 2);
	RUN(&c, DECODE_FILD16, 0xdf, 0x00); /* [bx+si] */
	assert_int_equal(fm.last_lin, 0x1231);
	assert_int_equal(c.fpu.last_dp, 1);
	assert_int_equal(c.fpu.last_ip, 0x100);
	assert_int_equal(c.regs.rip, 0x102);
	/* [bp+di] uses SS. */
	cpu_real(&c);
	c.sregs.ss.base = 0x2000;
	c.regs.rbp = 0x10;
	RUN(&c, DECODE_FILD16, 0xdf, 0x03);
	assert_int_equal(fm.last_lin, 0x2010);
}

static void test_x87_faults(void **state)
{
	struct complete_cpu c, before;

	(void)state;
	/* CR0.TS or EM: #NM for FILD and FNCLEX, RIP on the insn. */
	for (int em = 0; em < 2; em++) {
		cpu64(&c);
		c.sregs.cr0 |= em ? X86_CR0_EM : X86_CR0_TS;
		c.fpu.fsw = 0x80ff;
		before = c;
		RUN(&c, DECODE_FILD32, 0xdb, 0x04, 0x25, 0x00, 0x80, 0, 0);
		assert_fault_only(&c, &before, X86_EXC_NM, false);
		assert_false(c.fpu_changed);
		RUN(&c, DECODE_FNCLEX, 0xdb, 0xe2);
		assert_fault_only(&c, &before, X86_EXC_NM, false);
	}
	/* FILD from unmapped memory: unsupported, nothing changed. */
	cpu64(&c);
	before = c;
	RUN_UNSUP(&c, DECODE_FILD64, 0xdf, 0x2c, 0x25, 0x00, 0x00, 0x10, 0);
	assert_memory_equal(&c.fpu, &before.fpu, sizeof(c.fpu));
	assert_memory_equal(&c.regs, &before.regs, sizeof(c.regs));
	assert_false(c.inject || c.fpu_changed || c.regs_changed);
	/* Non-canonical: #GP(0); through RSP: #SS(0). */
	c.regs.rax = 0x0000800000000000ULL;
	before = c;
	RUN(&c, DECODE_FILD32, 0xdb, 0x00);
	assert_fault_only(&c, &before, X86_EXC_GP, true);
	c.regs.rsp = 0x00007ffffffffffcULL;
	before = c;
	RUN(&c, DECODE_FILD64, 0xdf, 0x2c, 0x24);
	assert_fault_only(&c, &before, 12, true);
	/* ... canonical with LA57. */
	c.sregs.cr4 |= X86_CR4_LA57;
	RUN_UNSUP(&c, DECODE_FILD32, 0xdb, 0x00);

	/* 32-bit limit checks: DS limit 0xfff, 4 bytes at 0xffe. */
	cpu32(&c);
	c.sregs.ds.limit = 0xfff;
	c.regs.rbx = 0xffe;
	before = c;
	RUN(&c, DECODE_FILD32, 0xdb, 0x03);
	assert_fault_only(&c, &before, X86_EXC_GP, true);
	RUN(&c, DECODE_FILD16, 0xdf, 0x03); /* 2 bytes fit */
	assert_no_fault(&c);
	/* SS-based: #SS(0). */
	cpu32(&c);
	c.sregs.ss.limit = 0xfff;
	c.regs.rbp = 0x1000;
	before = c;
	RUN(&c, DECODE_FILD16, 0xdf, 0x45, 0x00);
	assert_fault_only(&c, &before, 12, true);
	/* Expand-down: offsets above the limit are the valid ones. */
	cpu32(&c);
	c.sregs.ds.type = 7;
	c.sregs.ds.limit = 0x7fff;
	c.regs.rbx = 0x7ffe;
	before = c;
	RUN(&c, DECODE_FILD32, 0xdb, 0x03);
	assert_fault_only(&c, &before, X86_EXC_GP, true);
	c.regs.rbx = 0x8000;
	RUN(&c, DECODE_FILD32, 0xdb, 0x03);
	assert_no_fault(&c);
	/* Unusable segment, execute-only code segment. */
	cpu32(&c);
	c.sregs.es.unusable = 1;
	before = c;
	RUN(&c, DECODE_FILD32, 0x26, 0xdb, 0x03);
	assert_fault_only(&c, &before, X86_EXC_GP, true);
	c.sregs.cs.type = 9;
	RUN(&c, DECODE_FILD32, 0x2e, 0xdb, 0x03);
	assert_fault_only(&c, &before, X86_EXC_GP, true);
	/* Real mode: past 64 KiB is #GP. */
	cpu_real(&c);
	c.regs.rbx = 0xfffe;
	before = c;
	RUN(&c, DECODE_FILD32, 0xdb, 0x07);
	assert_fault_only(&c, &before, X86_EXC_GP, true);
}

static void test_fnclex_emms_fwait(void **state)
{
	struct complete_cpu c, before;

	(void)state;
	cpu64(&c);
	c.fpu.fsw = 0xffff;
	RUN(&c, DECODE_FNCLEX, 0xdb, 0xe2);
	assert_no_fault(&c);
	assert_int_equal(c.fpu.fsw, 0x7f00);
	assert_true(c.fpu_changed);
	assert_int_equal(c.regs.rip, RIP0 + 2);

	/* EMMS: all tags empty; #UD with EM, #NM with TS. */
	cpu64(&c);
	c.fpu.ftwx = 0xff;
	c.fpu.fsw = FSW_TOP(5);
	RUN(&c, DECODE_EMMS, 0x0f, 0x77);
	assert_no_fault(&c);
	assert_int_equal(c.fpu.ftwx, 0);
	assert_int_equal(c.fpu.fsw, FSW_TOP(5));
	cpu64(&c);
	c.sregs.cr0 |= X86_CR0_EM | X86_CR0_TS;
	before = c;
	RUN(&c, DECODE_EMMS, 0x0f, 0x77);
	assert_fault_only(&c, &before, X86_EXC_UD, false);
	c.sregs.cr0 &= ~X86_CR0_EM;
	RUN(&c, DECODE_EMMS, 0x0f, 0x77);
	assert_fault_only(&c, &before, X86_EXC_NM, false);

	/* FWAIT: #NM only with MP and TS; EM does not matter. */
	cpu64(&c);
	c.sregs.cr0 |= X86_CR0_EM;
	RUN(&c, DECODE_FWAIT, 0x9b);
	assert_no_fault(&c);
	assert_int_equal(c.regs.rip, RIP0 + 1);
	assert_false(c.fpu_changed);
	cpu64(&c);
	c.sregs.cr0 |= X86_CR0_TS;
	before = c;
	RUN(&c, DECODE_FWAIT, 0x9b);
	assert_fault_only(&c, &before, X86_EXC_NM, false);
	c.sregs.cr0 &= ~X86_CR0_MP;
	RUN(&c, DECODE_FWAIT, 0x9b);
	assert_no_fault(&c);
	assert_int_equal(c.regs.rip, RIP0 + 1);
	/* Pending ES: #MF with CR0.NE, ignored without it. */
	cpu64(&c);
	c.fpu.fsw = 0x8081;
	before = c;
	RUN(&c, DECODE_FWAIT, 0x9b);
	assert_fault_only(&c, &before, X86_EXC_MF, false);
	c.sregs.cr0 &= ~X86_CR0_NE;
	RUN(&c, DECODE_FWAIT, 0x9b);
	assert_no_fault(&c);
	assert_int_equal(c.regs.rip, RIP0 + 1);
	assert_int_equal(c.fpu.fsw, 0x8081);
}

static void test_mxcsr(void **state)
{
	struct complete_cpu c, before;

	(void)state;
	cpu64(&c);
	c.mxcsr_mask = 0xffff; /* a CPU with DAZ */
	put(DATA, 0x9fc0, 4);  /* FTZ, DAZ, all masked */
	c.regs.rax = DATA;
	RUN(&c, DECODE_LDMXCSR, 0x0f, 0xae, 0x10);
	assert_no_fault(&c);
	assert_int_equal(c.fpu.mxcsr, 0x9fc0);
	assert_true(c.fpu_changed);
	assert_int_equal(c.regs.rip, RIP0 + 3);

	/* STMXCSR [rax+4]. */
	c.fpu.mxcsr = 0x1f81;
	RUN(&c, DECODE_STMXCSR, 0x0f, 0xae, 0x58, 0x04);
	assert_no_fault(&c);
	assert_int_equal(get(DATA + 4, 4), 0x1f81);
	assert_int_equal(fm.writes, 1);
	assert_false(c.fpu_changed);

	/* Reserved bits: #GP(0), MXCSR unchanged. */
	cpu64(&c);
	c.regs.rax = DATA;
	put(DATA, 0x11f80, 4);
	before = c;
	RUN(&c, DECODE_LDMXCSR, 0x0f, 0xae, 0x10);
	assert_fault_only(&c, &before, X86_EXC_GP, true);
	/* DAZ is reserved where MXCSR_MASK says so. */
	put(DATA, 0x1fc0, 4);
	c.mxcsr_mask = 0xffbf;
	RUN(&c, DECODE_LDMXCSR, 0x0f, 0xae, 0x10);
	assert_fault_only(&c, &before, X86_EXC_GP, true);
	/* A mask of 0 (a CPU from before MXCSR_MASK) means the same. */
	c.mxcsr_mask = 0;
	RUN(&c, DECODE_LDMXCSR, 0x0f, 0xae, 0x10);
	assert_fault_only(&c, &before, X86_EXC_GP, true);

	/* #UD without OSFXSR or with EM; #NM with TS. */
	cpu64(&c);
	c.sregs.cr4 &= ~X86_CR4_OSFXSR;
	before = c;
	RUN(&c, DECODE_STMXCSR, 0x0f, 0xae, 0x18);
	assert_fault_only(&c, &before, X86_EXC_UD, false);
	cpu64(&c);
	c.sregs.cr0 |= X86_CR0_EM | X86_CR0_TS;
	before = c;
	RUN(&c, DECODE_LDMXCSR, 0x0f, 0xae, 0x10);
	assert_fault_only(&c, &before, X86_EXC_UD, false);
	c.sregs.cr0 &= ~X86_CR0_EM;
	RUN(&c, DECODE_LDMXCSR, 0x0f, 0xae, 0x10);
	assert_fault_only(&c, &before, X86_EXC_NM, false);

	/* A write fault is unsupported; a read-only segment is #GP(0). */
	cpu64(&c);
	c.regs.rax = 0x100000;
	before = c;
	RUN_UNSUP(&c, DECODE_STMXCSR, 0x0f, 0xae, 0x18);
	assert_memory_equal(&c.regs, &before.regs, sizeof(c.regs));
	cpu32(&c);
	c.sregs.ds.type = 1;
	c.regs.rax = DATA;
	before = c;
	RUN(&c, DECODE_STMXCSR, 0x0f, 0xae, 0x18);
	assert_fault_only(&c, &before, X86_EXC_GP, true);
	put(DATA, 0x1f80, 4);
	RUN(&c, DECODE_LDMXCSR, 0x0f, 0xae, 0x10);
	assert_no_fault(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fild_values, reset),
		cmocka_unit_test_setup(test_fild_matches_host, reset),
		cmocka_unit_test_setup(test_fild_stack, reset),
		cmocka_unit_test_setup(test_fild_addressing, reset),
		cmocka_unit_test_setup(test_x87_faults, reset),
		cmocka_unit_test_setup(test_fnclex_emms_fwait, reset),
		cmocka_unit_test_setup(test_mxcsr, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
