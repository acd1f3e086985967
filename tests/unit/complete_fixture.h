/*
 * complete_fixture.h: what test_complete.c and test_complete_x87.c share: a
 * fake guest memory (a byte array addressed by linear address) behind the
 * complete_mem callbacks, CPU states for 64-bit, 32-bit and real mode, and
 * assertions on the outcome of complete_insn().  Each test binary has its
 * own copy of the memory; a test's setup clears it.
 */
#ifndef HYVE_TESTS_COMPLETE_FIXTURE_H
#define HYVE_TESTS_COMPLETE_FIXTURE_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/complete.h"
#include "arch/x86/x86.h"

/* Fake memory -------------------------------------------------------- */

#define MEM_SIZE 0x20000 /* linear [0, 128 KiB) is "mapped" */
#define GDT_BASE 0x1000
#define LDT_BASE 0x6000
#define DATA	 0x8000 /* where memory operands go */
#define RIP0	 0x4000

static struct {
	uint8_t m[MEM_SIZE];
	unsigned int reads, writes;
	uint64_t last_lin;
} fm;

static inline int fake_read(void *ctx, uint64_t lin, void *buf, size_t len)
{
	(void)ctx;
	fm.reads++;
	fm.last_lin = lin;
	if (lin >= MEM_SIZE || len > MEM_SIZE - lin)
		return -EFAULT;
	memcpy(buf, fm.m + lin, len);
	return 0;
}

static inline int fake_write(void *ctx, uint64_t lin, const void *buf,
			     size_t len)
{
	(void)ctx;
	fm.writes++;
	fm.last_lin = lin;
	if (lin >= MEM_SIZE || len > MEM_SIZE - lin)
		return -EFAULT;
	memcpy(fm.m + lin, buf, len);
	return 0;
}

static const struct complete_mem mem = {
	.read = fake_read,
	.write = fake_write,
};

static inline void put(uint64_t lin, uint64_t v, size_t size)
{
	for (size_t i = 0; i < size; i++)
		fm.m[lin + i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t get(uint64_t lin, size_t size)
{
	uint64_t v = 0;

	for (size_t i = 0; i < size; i++)
		v |= (uint64_t)fm.m[lin + i] << (8 * i);
	return v;
}

/* CPU states --------------------------------------------------------- */

static inline struct kvm_segment flat(uint16_t sel, uint8_t type, uint8_t dpl)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = dpl,
		.db = 1,
		.s = 1,
		.g = 1,
	};
}

/* 32-bit protected mode, flat segments, CPL 0, FPU as after FNINIT. */
static inline void cpu32(struct complete_cpu *c)
{
	memset(c, 0, sizeof(*c));
	c->sregs.cs = flat(0x08, 11, 0);
	c->sregs.ss = flat(0x10, 3, 0);
	c->sregs.ds = c->sregs.es = c->sregs.fs = c->sregs.gs = c->sregs.ss;
	c->sregs.ldt = (struct kvm_segment){ .unusable = 1, .type = 2 };
	c->sregs.gdt.base = GDT_BASE;
	c->sregs.gdt.limit = 17 * 8 - 1;
	c->sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE;
	c->sregs.cr4 = X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	c->regs.rip = RIP0;
	c->regs.rflags = X86_RFLAGS_FIXED;
	c->fpu.fcw = 0x37f;
	c->fpu.mxcsr = 0x1f80;
}

/* 64-bit mode, paging on. */
static inline void cpu64(struct complete_cpu *c)
{
	cpu32(c);
	c->sregs.cs.l = 1;
	c->sregs.cs.db = 0;
	c->sregs.cr0 |= X86_CR0_PG;
	c->sregs.cr4 |= X86_CR4_PAE;
	c->sregs.efer = X86_EFER_LME | X86_EFER_LMA;
}

/* Real mode: 16-bit segments at selector * 16, limit 64 KiB. */
static inline void cpu_real(struct complete_cpu *c)
{
	struct kvm_segment s = {
		.limit = 0xffff,
		.type = 3,
		.present = 1,
		.s = 1,
	};

	cpu32(c);
	c->sregs.cr0 = X86_CR0_ET | X86_CR0_NE;
	c->sregs.ds = c->sregs.es = c->sregs.fs = c->sregs.gs = s;
	c->sregs.ss = s;
	s.type = 11;
	c->sregs.cs = s;
}

static inline void set_cpl(struct complete_cpu *c, unsigned int cpl)
{
	c->sregs.cs.dpl = (uint8_t)cpl;
	c->sregs.ss.dpl = (uint8_t)cpl;
	c->sregs.cs.selector = (uint16_t)((c->sregs.cs.selector & ~3) | cpl);
}

/* Run bytes; the result must be expect, the kind kind. */
static inline void run_kind(struct complete_cpu *c, enum complete_result expect,
			    enum decode_kind kind, const uint8_t *b, size_t n)
{
	enum decode_kind got = (enum decode_kind) - 1;
	enum complete_result r = complete_insn(c, b, n, &mem, &got);

	if (r != expect || got != kind)
		fail_msg("result %d kind %s, want %d kind %s", r,
			 complete_kind_name(got), expect,
			 complete_kind_name(kind));
}

#define BYTES(...)  ((const uint8_t[]){ __VA_ARGS__ })
#define NBYTES(...) sizeof((const uint8_t[]){ __VA_ARGS__ })
#define RUN(c, kind, ...)                                                      \
	run_kind(c, COMPLETE_DONE, kind, BYTES(__VA_ARGS__),                   \
		 NBYTES(__VA_ARGS__))
#define RUN_UNSUP(c, kind, ...)                                                \
	run_kind(c, COMPLETE_UNSUPPORTED, kind, BYTES(__VA_ARGS__),            \
		 NBYTES(__VA_ARGS__))

static inline void assert_no_fault(const struct complete_cpu *c)
{
	if (c->inject)
		fail_msg("unexpected exception %u", c->vector);
}

static inline void assert_fault(const struct complete_cpu *c, uint8_t vector,
				bool has_err)
{
	assert_true(c->inject);
	assert_int_equal(c->vector, vector);
	assert_int_equal(c->has_error_code, has_err);
	if (has_err)
		assert_int_equal(c->error_code, 0);
}

/* A fault: exception set, nothing else changed. */
static inline void assert_fault_only(const struct complete_cpu *c,
				     const struct complete_cpu *before,
				     uint8_t vector, bool has_err)
{
	assert_fault(c, vector, has_err);
	assert_memory_equal(&c->regs, &before->regs, sizeof(c->regs));
	assert_memory_equal(&c->fpu, &before->fpu, sizeof(c->fpu));
}

static inline void setup_mem(void)
{
	memset(&fm, 0, sizeof(fm));
}

static inline int reset(void **state)
{
	(void)state;
	setup_mem();
	return 0;
}

#endif
