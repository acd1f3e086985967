/*
 * test_complete.c: completing the integer and system instructions in
 * userspace (arch/x86/complete.c): INT3, VMCALL/VMMCALL, CLAC/STAC, LOCK,
 * POPCNT, and LAR/LSL/VERR/VERW on crafted GDTs and LDTs, on crafted CPU
 * states with the fake memory of complete_fixture.h.  Every test checks
 * the architectural result: registers, flags, the exception to inject and
 * where RIP is left.  The x87/SSE ones are in test_complete_x87.c.  No KVM
 * needed.
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

/* INT3, hypercalls, CLAC/STAC, LOCK ---------------------------------- */

static void test_int3(void **state)
{
	struct complete_cpu c;

	(void)state;
	cpu64(&c);
	c.regs.rflags |= 1ULL << 16; /* RF: cleared by a completed insn */
	RUN(&c, DECODE_INT3, 0xcc);
	assert_fault(&c, X86_EXC_BP, false);
	assert_int_equal(c.regs.rip, RIP0 + 1);
	assert_int_equal(c.regs.rflags, X86_RFLAGS_FIXED);
	assert_true(c.regs_changed);
	assert_false(c.fpu_changed);

	/* IP wraps at 64 KiB in 16-bit code, EIP at 4 GiB in 32-bit. */
	cpu_real(&c);
	c.regs.rip = 0xffff;
	RUN(&c, DECODE_INT3, 0xcc);
	assert_int_equal(c.regs.rip, 0);
	assert_fault(&c, X86_EXC_BP, false);
	cpu32(&c);
	c.regs.rip = 0xffffffff;
	RUN(&c, DECODE_INT3, 0xcc);
	assert_int_equal(c.regs.rip, 0);
	cpu64(&c);
	c.regs.rip = 0xffffffff;
	RUN(&c, DECODE_INT3, 0xcc);
	assert_int_equal(c.regs.rip, 0x100000000ULL);
}

static void test_hypercalls(void **state)
{
	struct complete_cpu c;

	(void)state;
	cpu64(&c);
	c.regs.rax = 9; /* KVM_HC_CLOCK_PAIRING */
	RUN(&c, DECODE_VMCALL, 0x0f, 0x01, 0xc1);
	assert_no_fault(&c);
	assert_int_equal(c.regs.rax, (uint64_t)-1000);
	assert_int_equal(c.regs.rip, RIP0 + 3);
	assert_true(c.regs_changed);
	cpu64(&c);
	RUN(&c, DECODE_VMMCALL, 0x0f, 0x01, 0xd9);
	assert_int_equal(c.regs.rax, (uint64_t)-1000);
	assert_int_equal(c.regs.rip, RIP0 + 3);
	/* 32-bit mode: EAX only; above CPL 0: -KVM_EPERM, as KVM does. */
	cpu32(&c);
	c.regs.rax = 0x1234567800000005ULL;
	RUN(&c, DECODE_VMCALL, 0x0f, 0x01, 0xc1);
	assert_int_equal(c.regs.rax, 0xfffffc18ULL);
	cpu64(&c);
	set_cpl(&c, 3);
	RUN(&c, DECODE_VMCALL, 0x0f, 0x01, 0xc1);
	assert_int_equal(c.regs.rax, (uint64_t)-1);
}

static void test_clac_stac(void **state)
{
	struct complete_cpu c, before;

	(void)state;
	cpu64(&c);
	RUN(&c, DECODE_STAC, 0x0f, 0x01, 0xcb);
	assert_no_fault(&c);
	assert_int_equal(c.regs.rflags, X86_RFLAGS_FIXED | X86_RFLAGS_AC);
	assert_int_equal(c.regs.rip, RIP0 + 3);
	RUN(&c, DECODE_CLAC, 0x0f, 0x01, 0xca);
	assert_int_equal(c.regs.rflags, X86_RFLAGS_FIXED);
	assert_int_equal(c.regs.rip, RIP0 + 6);

	/* #UD above CPL 0 and in virtual-8086 mode; RIP stays. */
	cpu64(&c);
	set_cpl(&c, 3);
	c.regs.rflags |= X86_RFLAGS_AC;
	before = c;
	RUN(&c, DECODE_CLAC, 0x0f, 0x01, 0xca);
	assert_fault_only(&c, &before, X86_EXC_UD, false);
	cpu32(&c);
	c.regs.rflags |= X86_RFLAGS_VM;
	before = c;
	RUN(&c, DECODE_STAC, 0x0f, 0x01, 0xcb);
	assert_fault_only(&c, &before, X86_EXC_UD, false);
	/* Real mode is CPL 0. */
	cpu_real(&c);
	RUN(&c, DECODE_STAC, 0x0f, 0x01, 0xcb);
	assert_no_fault(&c);
	assert_true(c.regs.rflags & X86_RFLAGS_AC);
}

static void test_lock_and_unknown(void **state)
{
	struct complete_cpu c, before;

	(void)state;
	cpu64(&c);
	before = c;
	RUN(&c, DECODE_CLAC, 0xf0, 0x0f, 0x01, 0xca);
	assert_fault_only(&c, &before, X86_EXC_UD, false);
	RUN(&c, DECODE_INT3, 0xf0, 0xcc);
	assert_fault_only(&c, &before, X86_EXC_UD, false);
	RUN(&c, DECODE_LSL, 0xf0, 0x0f, 0x03, 0xc1);
	assert_fault_only(&c, &before, X86_EXC_UD, false);

	/* Anything else: unsupported, outputs reset, state untouched. */
	c.inject = c.regs_changed = true;
	RUN_UNSUP(&c, DECODE_UNKNOWN, 0x90);
	assert_false(c.inject || c.regs_changed || c.fpu_changed);
	assert_memory_equal(&c.regs, &before.regs, sizeof(c.regs));
	RUN_UNSUP(&c, DECODE_UNKNOWN, 0x0f, 0xae, 0xd0); /* no reg form */
	RUN_UNSUP(&c, DECODE_UNKNOWN, 0xdb, 0xc0);	 /* fcmovnb */
	RUN_UNSUP(&c, DECODE_UNKNOWN, 0x0f);		 /* truncated */
	RUN_UNSUP(&c, DECODE_UNKNOWN, 0xc5, 0xf8, 0x77); /* VEX */
	assert_int_equal(complete_insn(&c, NULL, 0, &mem, NULL),
			 COMPLETE_UNSUPPORTED);
	assert_memory_equal(&c.regs, &before.regs, sizeof(c.regs));
}

static void test_kind_names(void **state)
{
	(void)state;
	for (int i = 0; i < DECODE_KIND_COUNT; i++) {
		const char *n = complete_kind_name((enum decode_kind)i);

		assert_non_null(n);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(
				n, complete_kind_name((enum decode_kind)j));
	}
	assert_string_equal(complete_kind_name(DECODE_INT3), "int3");
	assert_string_equal(complete_kind_name(DECODE_LSL), "lsl");
	assert_string_equal(complete_kind_name(DECODE_UNKNOWN), "unknown");
	assert_string_equal(complete_kind_name(DECODE_KIND_COUNT), "unknown");
	assert_string_equal(complete_kind_name((enum decode_kind) - 1),
			    "unknown");
}

/* POPCNT -------------------------------------------------------------- */

#define ARITH_FLAGS                                                            \
	(X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF |       \
	 X86_RFLAGS_SF | X86_RFLAGS_OF)

static void test_popcnt(void **state)
{
	struct complete_cpu c;

	(void)state;
	/* popcnt eax, ecx: 32-bit write zero-extends; flags cleared. */
	cpu64(&c);
	c.regs.rax = 0xdeadbeefdeadbeefULL;
	c.regs.rcx = 0xffffffff0000f0f0ULL;
	c.regs.rflags |= ARITH_FLAGS | X86_RFLAGS_DF;
	RUN(&c, DECODE_POPCNT, 0xf3, 0x0f, 0xb8, 0xc1);
	assert_no_fault(&c);
	assert_int_equal(c.regs.rax, 8);
	assert_int_equal(c.regs.rflags, X86_RFLAGS_FIXED | X86_RFLAGS_DF);
	assert_int_equal(c.regs.rip, RIP0 + 4);

	/* Zero source: ZF set, result 0. */
	cpu64(&c);
	c.regs.rax = 5;
	c.regs.rcx = 0xffffffff00000000ULL;
	RUN(&c, DECODE_POPCNT, 0xf3, 0x0f, 0xb8, 0xc1);
	assert_int_equal(c.regs.rax, 0);
	assert_int_equal(c.regs.rflags, X86_RFLAGS_FIXED | X86_RFLAGS_ZF);

	/* 16-bit keeps the upper bits of the destination. */
	cpu64(&c);
	c.regs.rax = 0x1111222233334444ULL;
	c.regs.rcx = 0xffffffffffff0007ULL;
	RUN(&c, DECODE_POPCNT, 0x66, 0xf3, 0x0f, 0xb8, 0xc1);
	assert_int_equal(c.regs.rax, 0x1111222233330003ULL);

	/* 64-bit with REX.W, R and B: popcnt r9, r10. */
	cpu64(&c);
	c.regs.r10 = ~0ULL;
	RUN(&c, DECODE_POPCNT, 0xf3, 0x4d, 0x0f, 0xb8, 0xca);
	assert_int_equal(c.regs.r9, 64);
	assert_int_equal(c.regs.rip, RIP0 + 5);

	/* Memory source: popcnt edx, [0x8000]. */
	cpu64(&c);
	put(DATA, 0x80000001, 4);
	RUN(&c, DECODE_POPCNT, 0xf3, 0x0f, 0xb8, 0x14, 0x25, 0x00, 0x80, 0x00,
	    0x00);
	assert_int_equal(c.regs.rdx, 2);
	assert_int_equal(fm.last_lin, DATA);
	assert_int_equal(c.regs.rip, RIP0 + 9);

	/* 32-bit mode and an unmapped memory operand. */
	cpu32(&c);
	c.regs.rbx = 0x7ffff000;
	RUN_UNSUP(&c, DECODE_POPCNT, 0xf3, 0x0f, 0xb8, 0x03);
	assert_int_equal(c.regs.rip, RIP0);
	assert_false(c.regs_changed || c.inject);
}

/* LAR, LSL, VERR, VERW -------------------------------------------------- */

static void put_desc(uint64_t table, unsigned int index, uint32_t lo,
		     uint32_t hi)
{
	put(table + index * 8, lo, 4);
	put(table + index * 8 + 4, hi, 4);
}

/*
 * The GDT:
 *   0x08 64-bit code DPL0     0x10 data RW DPL0      0x18 data RW DPL3
 *   0x20 conforming code DPL0 0x28 data RO DPL0      0x30 TSS32/64 avail
 *   0x40 LDT                  0x50 call gate 32/64   0x58 call gate 16
 *   0x60 interrupt gate 32    0x68 TSS16 avail       0x70 data G=0 DPL0
 *   0x78 exec-only code DPL0  0x80 data not present
 * and an LDT of two entries: data RW DPL3, code DPL0.
 */
static void build_gdt(void)
{
	put_desc(GDT_BASE, 1, 0x0000ffff, 0x00af9b00);
	put_desc(GDT_BASE, 2, 0x0000ffff, 0x00cf9300);
	put_desc(GDT_BASE, 3, 0x0000ffff, 0x00cff300);
	put_desc(GDT_BASE, 4, 0x0000ffff, 0x00cf9f00);
	put_desc(GDT_BASE, 5, 0x0000ffff, 0x00cf9100);
	put_desc(GDT_BASE, 6, 0x50000067, 0x00008900);
	put_desc(GDT_BASE, 8, 0x6000000f, 0x00008200);
	put_desc(GDT_BASE, 10, 0x00081000, 0x0000ec00);
	put_desc(GDT_BASE, 11, 0x00081000, 0x0000e400);
	put_desc(GDT_BASE, 12, 0x00081000, 0x00008e00);
	put_desc(GDT_BASE, 13, 0x5000002b, 0x00008100);
	put_desc(GDT_BASE, 14, 0x0000abcd, 0x00059300);
	put_desc(GDT_BASE, 15, 0x0000ffff, 0x00cf9800);
	put_desc(GDT_BASE, 16, 0x0000ffff, 0x00cf1300);
	put_desc(LDT_BASE, 0, 0x0000ffff, 0x00cff300);
	put_desc(LDT_BASE, 1, 0x0000ffff, 0x00cf9b00);
}

#define RAX0 0xdeadbeefcafef00dULL

/* lar/lsl eax, ecx (or with 66/REX.W prefix p) for selector sel. */
static void lxx(struct complete_cpu *c, bool lsl, uint8_t p, uint16_t sel)
{
	c->regs.rax = RAX0;
	c->regs.rcx = 0xffff0000 | sel;
	c->regs.rip = RIP0;
	c->regs.rflags = X86_RFLAGS_FIXED | X86_RFLAGS_CF;
	if (p) {
		const uint8_t b[] = { p, 0x0f, lsl ? 0x03 : 0x02, 0xc1 };

		run_kind(c, COMPLETE_DONE, lsl ? DECODE_LSL : DECODE_LAR, b, 4);
		assert_int_equal(c->regs.rip, RIP0 + 4);
	} else {
		const uint8_t b[] = { 0x0f, lsl ? 0x03 : 0x02, 0xc1 };

		run_kind(c, COMPLETE_DONE, lsl ? DECODE_LSL : DECODE_LAR, b, 3);
		assert_int_equal(c->regs.rip, RIP0 + 3);
	}
	assert_no_fault(c);
	assert_true(c->regs.rflags & X86_RFLAGS_CF); /* only ZF changes */
}

static bool zf(const struct complete_cpu *c)
{
	return c->regs.rflags & X86_RFLAGS_ZF;
}

/* The selector fails: ZF clear, RAX unchanged. */
static void lxx_fails(struct complete_cpu *c, bool lsl, uint16_t sel)
{
	lxx(c, lsl, 0, sel);
	if (zf(c) || c->regs.rax != RAX0)
		fail_msg("%s %#x succeeded", lsl ? "lsl" : "lar", sel);
}

static void lxx_gives(struct complete_cpu *c, bool lsl, uint8_t p, uint16_t sel,
		      uint64_t want)
{
	lxx(c, lsl, p, sel);
	if (!zf(c) || c->regs.rax != want)
		fail_msg("%s %#x: zf %d rax %#llx, want %#llx",
			 lsl ? "lsl" : "lar", sel, zf(c),
			 (unsigned long long)c->regs.rax,
			 (unsigned long long)want);
}

static void test_lar_lsl_64(void **state)
{
	struct complete_cpu c;

	(void)state;
	build_gdt();
	cpu64(&c);
	/* Data and code: LSL scales by G; LAR masks with 00F0FF00. */
	lxx_gives(&c, true, 0, 0x10, 0xffffffff);
	lxx_gives(&c, false, 0, 0x10, 0x00c09300);
	lxx_gives(&c, false, 0, 0x08, 0x00a09b00);
	lxx_gives(&c, false, 0x48, 0x10, 0x00c09300);
	lxx_gives(&c, false, 0x66, 0x10, (RAX0 & ~0xffffULL) | 0x9300);
	lxx_gives(&c, true, 0x66, 0x10, (RAX0 & ~0xffffULL) | 0xffff);
	lxx_gives(&c, true, 0, 0x70, 0x5abcd); /* G = 0 */
	lxx_gives(&c, true, 0x66, 0x70, (RAX0 & ~0xffffULL) | 0xabcd);
	lxx_gives(&c, true, 0, 0x78, 0xffffffff);
	lxx_gives(&c, false, 0, 0x80, 0x00c01300); /* P = 0 is fine */
	/* Null selector, beyond the limit. */
	lxx_fails(&c, true, 0);
	lxx_fails(&c, false, 3);
	lxx_fails(&c, true, 0x88);
	lxx_gives(&c, true, 0, 0x80, 0xffffffff); /* the last entry */
	c.sregs.gdt.limit = 0x86;
	lxx_fails(&c, true, 0x80);
	c.sregs.gdt.limit = 17 * 8 - 1;
	/* Privilege: RPL 3 on DPL 0; conforming code is exempt. */
	lxx_fails(&c, true, 0x13);
	lxx_gives(&c, true, 0, 0x1b, 0xffffffff);
	lxx_gives(&c, false, 0, 0x23, 0x00c09f00);
	/* System descriptors in IA-32e mode. */
	lxx_gives(&c, true, 0, 0x30, 0x67);
	lxx_gives(&c, false, 0, 0x30, 0x8900);
	lxx_gives(&c, true, 0, 0x40, 0x0f);
	lxx_fails(&c, false, 0x40);	 /* LAR takes no LDT in IA-32e mode */
	lxx_gives(&c, true, 0, 0x38, 0); /* the TSS's upper half: type 0 */
	lxx_fails(&c, false, 0x38);
	lxx_gives(&c, false, 0, 0x50, 0xec00); /* 64-bit call gate */
	lxx_fails(&c, true, 0x50);
	lxx_fails(&c, false, 0x58); /* no 16-bit gates */
	lxx_fails(&c, true, 0x58);
	lxx_fails(&c, false, 0x60); /* never interrupt gates */
	lxx_fails(&c, false, 0x68); /* no 16-bit TSS */
	lxx_fails(&c, true, 0x68);

	/* At CPL 3: DPL 0 is invisible, except conforming code. */
	set_cpl(&c, 3);
	lxx_fails(&c, true, 0x10);
	lxx_fails(&c, false, 0x30);
	lxx_gives(&c, true, 0, 0x1b, 0xffffffff);
	lxx_gives(&c, true, 0, 0x23, 0xffffffff);
	lxx_gives(&c, false, 0, 0x53, 0xec00);
}

static void test_lar_lsl_32(void **state)
{
	struct complete_cpu c;

	(void)state;
	build_gdt();
	cpu32(&c);
	lxx_gives(&c, true, 0, 0x10, 0xffffffff);
	lxx_gives(&c, false, 0, 0x10, 0x00c09300);
	lxx_gives(&c, true, 0, 0x30, 0x67);
	lxx_gives(&c, true, 0, 0x40, 0x0f);
	lxx_gives(&c, false, 0, 0x40, 0x8200); /* LDT */
	lxx_fails(&c, true, 0x38);	       /* type 0 */
	lxx_gives(&c, true, 0, 0x68, 0x2b);    /* 16-bit TSS */
	lxx_gives(&c, false, 0, 0x68, 0x8100);
	lxx_gives(&c, false, 0, 0x58, 0xe400); /* 16-bit call gate */
	lxx_gives(&c, false, 0, 0x50, 0xec00);
	lxx_fails(&c, true, 0x50);
	lxx_fails(&c, true, 0x58);
	lxx_fails(&c, false, 0x60);
	/* 16-bit operand size in 32-bit mode. */
	lxx_gives(&c, false, 0x66, 0x10, (RAX0 & ~0xffffULL) | 0x9300);

	/* The LDT: usable, limit 0xf (two entries). */
	lxx_fails(&c, true, 0x07);
	c.sregs.ldt = (struct kvm_segment){
		.base = LDT_BASE,
		.limit = 0xf,
		.selector = 0x40,
		.type = 2,
		.present = 1,
	};
	lxx_gives(&c, true, 0, 0x07, 0xffffffff);
	lxx_gives(&c, false, 0, 0x0c, 0x00c09b00);
	lxx_fails(&c, true, 0x14);
	c.sregs.ldt.unusable = 1;
	lxx_fails(&c, true, 0x07);
	c.sregs.ldt.unusable = 0;

	/* A memory operand: lsl eax, [esp+8]. */
	c.regs.rsp = DATA;
	put(DATA + 8, 0x70, 2);
	RUN(&c, DECODE_LSL, 0x0f, 0x03, 0x44, 0x24, 0x08);
	assert_true(zf(&c));
	assert_int_equal(c.regs.rax, 0x5abcd);

	/* A GDT that cannot be read: unsupported, nothing changed. */
	c.sregs.gdt.base = 0x7fff0000;
	c.sregs.gdt.limit = 0xffff;
	c.regs.rcx = 0x10;
	RUN_UNSUP(&c, DECODE_LSL, 0x0f, 0x03, 0xc1);
	assert_int_equal(c.regs.rax, 0x5abcd);

	/* #UD in real and virtual-8086 mode. */
	cpu_real(&c);
	RUN(&c, DECODE_LSL, 0x0f, 0x03, 0xc1);
	assert_fault(&c, X86_EXC_UD, false);
	assert_int_equal(c.regs.rip, RIP0);
	cpu32(&c);
	c.regs.rflags |= X86_RFLAGS_VM;
	RUN(&c, DECODE_VERW, 0x0f, 0x00, 0xe8);
	assert_fault(&c, X86_EXC_UD, false);
}

/* verr/verw ax for sel at CPL cpl: ZF. */
static bool verx(struct complete_cpu *c, bool write, uint16_t sel)
{
	c->regs.rax = sel;
	c->regs.rflags = X86_RFLAGS_FIXED | (write ? 0 : X86_RFLAGS_ZF);
	c->regs.rip = RIP0;
	if (write)
		RUN(c, DECODE_VERW, 0x0f, 0x00, 0xe8);
	else
		RUN(c, DECODE_VERR, 0x0f, 0x00, 0xe0);
	assert_no_fault(c);
	assert_int_equal(c->regs.rip, RIP0 + 3);
	assert_int_equal(c->regs.rax, sel);
	return zf(c);
}

static void test_verr_verw(void **state)
{
	struct complete_cpu c;

	(void)state;
	build_gdt();
	cpu64(&c);
	assert_true(verx(&c, true, 0x10));
	assert_true(verx(&c, false, 0x10));
	assert_false(verx(&c, true, 0x28)); /* read-only data */
	assert_true(verx(&c, false, 0x28));
	assert_true(verx(&c, false, 0x08)); /* readable code */
	assert_false(verx(&c, true, 0x08));
	assert_false(verx(&c, false, 0x78)); /* execute-only code */
	assert_false(verx(&c, false, 0x30)); /* system */
	assert_false(verx(&c, true, 0x30));
	assert_false(verx(&c, true, 0));
	assert_false(verx(&c, false, 0x88));
	assert_false(verx(&c, true, 0x13)); /* RPL 3 > DPL 0 */
	assert_true(verx(&c, true, 0x1b));
	set_cpl(&c, 3);
	assert_false(verx(&c, true, 0x10));
	assert_false(verx(&c, false, 0x10));
	assert_true(verx(&c, false, 0x23)); /* conforming */
	assert_true(verx(&c, true, 0x1b));

	/* Linux's form: verw [rip + disp32] holding __KERNEL_DS. */
	cpu64(&c);
	put(DATA, 0x10, 2);
	RUN(&c, DECODE_VERW, 0x0f, 0x00, 0x2d, 0xf9, 0x3f, 0x00, 0x00);
	assert_no_fault(&c);
	assert_true(zf(&c));
	assert_int_equal(c.regs.rip, RIP0 + 7);
	/* The selector comes from that word: a read-only one fails. */
	cpu64(&c);
	put(DATA, 0x28, 2);
	RUN(&c, DECODE_VERW, 0x0f, 0x00, 0x2d, 0xf9, 0x3f, 0x00, 0x00);
	assert_false(zf(&c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_int3, reset),
		cmocka_unit_test_setup(test_hypercalls, reset),
		cmocka_unit_test_setup(test_clac_stac, reset),
		cmocka_unit_test_setup(test_lock_and_unknown, reset),
		cmocka_unit_test_setup(test_kind_names, reset),
		cmocka_unit_test_setup(test_popcnt, reset),
		cmocka_unit_test_setup(test_lar_lsl_64, reset),
		cmocka_unit_test_setup(test_lar_lsl_32, reset),
		cmocka_unit_test_setup(test_verr_verw, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
