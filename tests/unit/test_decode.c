/*
 * test_decode.c: the x86 instruction decoder (arch/x86/decode.c): lengths
 * and fields of the instructions hyve completes and of a spread of other
 * encodings in 64-, 32- and 16-bit mode, truncation at every byte, the
 * 15-byte limit, and random bytes that must never crash it or read past
 * the buffer.  No KVM needed.
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

#include "arch/x86/decode.h"

#define M16  DECODE_MODE_16
#define M32  DECODE_MODE_32
#define M64  DECODE_MODE_64
#define NONE DECODE_REG_NONE

/* Decode exactly the given bytes; they must be one whole instruction. */
static struct decode_insn dec_bytes(enum decode_mode mode, const uint8_t *b,
				    size_t n)
{
	struct decode_insn d;
	int err = decode_insn(&d, b, n, mode);

	if (err)
		fail_msg("decode failed: %d (%zu bytes)", err, n);
	assert_int_equal(d.len, n);
	assert_int_equal(d.mode, mode);
	return d;
}

#define BYTES(...)     ((const uint8_t[]){ __VA_ARGS__ })
#define NBYTES(...)    sizeof((const uint8_t[]){ __VA_ARGS__ })
#define DEC(mode, ...) dec_bytes(mode, BYTES(__VA_ARGS__), NBYTES(__VA_ARGS__))

/* The decode error for bytes b[0..n). */
static int dec_err(enum decode_mode mode, const uint8_t *b, size_t n)
{
	struct decode_insn d;

	return decode_insn(&d, b, n, mode);
}

struct kind_case {
	const char *what;
	uint8_t bytes[16];
	size_t len;
	enum decode_kind kind;
};

/* The kinds in their usual encodings; all valid in 16-, 32- and 64-bit. */
static const struct kind_case kinds[] = {
	{ "int3", { 0xcc }, 1, DECODE_INT3 },
	{ "fwait", { 0x9b }, 1, DECODE_FWAIT },
	{ "fnclex", { 0xdb, 0xe2 }, 2, DECODE_FNCLEX },
	{ "emms", { 0x0f, 0x77 }, 2, DECODE_EMMS },
	{ "fild m16 [bx]/[rdi]", { 0xdf, 0x07 }, 2, DECODE_FILD16 },
	{ "fild m32 [disp8]", { 0xdb, 0x47, 0x08 }, 3, DECODE_FILD32 },
	{ "fild m64", { 0xdf, 0x6f, 0xf8 }, 3, DECODE_FILD64 },
	{ "clac", { 0x0f, 0x01, 0xca }, 3, DECODE_CLAC },
	{ "stac", { 0x0f, 0x01, 0xcb }, 3, DECODE_STAC },
	{ "popcnt", { 0xf3, 0x0f, 0xb8, 0xc1 }, 4, DECODE_POPCNT },
	{ "lar", { 0x0f, 0x02, 0xc1 }, 3, DECODE_LAR },
	{ "lsl", { 0x0f, 0x03, 0xc0 }, 3, DECODE_LSL },
	{ "verr", { 0x0f, 0x00, 0xe0 }, 3, DECODE_VERR },
	{ "verw", { 0x0f, 0x00, 0xe8 }, 3, DECODE_VERW },
	{ "verw m16", { 0x0f, 0x00, 0x2f }, 3, DECODE_VERW },
	{ "ldmxcsr", { 0x0f, 0xae, 0x17 }, 3, DECODE_LDMXCSR },
	{ "stmxcsr", { 0x0f, 0xae, 0x5f, 0x10 }, 4, DECODE_STMXCSR },
	{ "vmcall", { 0x0f, 0x01, 0xc1 }, 3, DECODE_VMCALL },
	{ "vmmcall", { 0x0f, 0x01, 0xd9 }, 3, DECODE_VMMCALL },
};

static void test_kinds_all_modes(void **state)
{
	(void)state;
	for (int m = M16; m <= M64; m++) {
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			const struct kind_case *k = &kinds[i];
			struct decode_insn d = dec_bytes(m, k->bytes, k->len);

			if (d.kind != k->kind)
				fail_msg("%s in mode %d: kind %d", k->what, m,
					 d.kind);
		}
	}
}

static void test_kinds_64(void **state)
{
	struct decode_insn d;

	(void)state;
	/* fild m64 [rsp] through a SIB; fild m32 [rbp-8]. */
	d = DEC(M64, 0xdf, 0x2c, 0x24);
	assert_int_equal(d.kind, DECODE_FILD64);
	assert_true(d.has_sib && d.mem);
	assert_int_equal(d.ea_base, 4);
	assert_int_equal(d.ea_index, NONE);
	assert_int_equal(d.ea_seg, DECODE_SEG_SS);
	d = DEC(M64, 0xdb, 0x45, 0xf8);
	assert_int_equal(d.kind, DECODE_FILD32);
	assert_int_equal(d.ea_base, 5);
	assert_int_equal(d.disp, -8);
	assert_int_equal(d.disp_size, 1);
	assert_int_equal(d.ea_seg, DECODE_SEG_SS);

	/* Linux's verw: RIP-relative memory operand. */
	d = DEC(M64, 0x0f, 0x00, 0x2d, 0x10, 0x20, 0x30, 0x00);
	assert_int_equal(d.kind, DECODE_VERW);
	assert_true(d.rip_rel && d.mem);
	assert_int_equal(d.ea_base, NONE);
	assert_int_equal(d.disp, 0x302010);
	assert_int_equal(d.disp_size, 4);

	/* popcnt with every width and REX extension. */
	d = DEC(M64, 0xf3, 0x0f, 0xb8, 0xc1);
	assert_int_equal(d.op_size, 4);
	assert_int_equal(d.reg, 0);
	assert_int_equal(d.rm, 1);
	d = DEC(M64, 0xf3, 0x48, 0x0f, 0xb8, 0xc1);
	assert_int_equal(d.kind, DECODE_POPCNT);
	assert_int_equal(d.op_size, 8);
	assert_true(d.rex_w);
	assert_int_equal(d.nprefixes, 2);
	d = DEC(M64, 0x66, 0xf3, 0x0f, 0xb8, 0xc1);
	assert_int_equal(d.kind, DECODE_POPCNT);
	assert_int_equal(d.op_size, 2);
	d = DEC(M64, 0xf3, 0x4d, 0x0f, 0xb8, 0xc1);
	assert_int_equal(d.rex, 0x4d);
	assert_true(d.rex_w && d.rex_r && !d.rex_x && d.rex_b);
	assert_int_equal(d.reg, 8);
	assert_int_equal(d.rm, 9);
	assert_int_equal(d.op_size, 8);

	/* lar/lsl widths. */
	d = DEC(M64, 0x48, 0x0f, 0x03, 0xc1);
	assert_int_equal(d.kind, DECODE_LSL);
	assert_int_equal(d.op_size, 8);
	d = DEC(M64, 0x66, 0x0f, 0x02, 0xc1);
	assert_int_equal(d.kind, DECODE_LAR);
	assert_int_equal(d.op_size, 2);
	assert_true(d.opsize);
	d = DEC(M64, 0x0f, 0x03, 0x44, 0x24, 0x08);
	assert_int_equal(d.kind, DECODE_LSL);
	assert_int_equal(d.ea_base, 4);
	assert_int_equal(d.disp, 8);

	/* ldmxcsr with disp32 and REX.B. */
	d = DEC(M64, 0x41, 0x0f, 0xae, 0x94, 0x24, 0x00, 0x01, 0x00, 0x00);
	assert_int_equal(d.kind, DECODE_LDMXCSR);
	assert_int_equal(d.ea_base, 12); /* r12 through the SIB */
	assert_int_equal(d.ea_seg, DECODE_SEG_DS);
	assert_int_equal(d.disp, 0x100);
	assert_int_equal(d.disp_size, 4);
}

/* In 32-bit and 16-bit mode 40-4F are INC/DEC, not REX. */
static void test_no_rex_outside_64(void **state)
{
	struct decode_insn d;

	(void)state;
	d = DEC(M32, 0x48);
	assert_int_equal(d.opcode, 0x48);
	assert_int_equal(d.rex, 0);
	assert_int_equal(d.kind, DECODE_UNKNOWN);
	d = DEC(M16, 0x41);
	assert_int_equal(d.opcode, 0x41);
	d = DEC(M32, 0xf3, 0x0f, 0xb8, 0xc1);
	assert_int_equal(d.op_size, 4);
	d = DEC(M16, 0xf3, 0x0f, 0xb8, 0xc1);
	assert_int_equal(d.op_size, 2);
	d = DEC(M16, 0x66, 0xf3, 0x0f, 0xb8, 0xc1);
	assert_int_equal(d.op_size, 4);
	d = DEC(M32, 0x66, 0x0f, 0x03, 0xc1);
	assert_int_equal(d.op_size, 2);
}

static void test_rip_relative(void **state)
{
	struct decode_insn d;

	(void)state;
	d = DEC(M64, 0xdb, 0x05, 0x78, 0x56, 0x34, 0x12);
	assert_int_equal(d.kind, DECODE_FILD32);
	assert_true(d.rip_rel);
	assert_int_equal(d.disp, 0x12345678);
	assert_int_equal(d.addr_size, 8);
	/* REX.B does not turn it into [r13]. */
	d = DEC(M64, 0x41, 0xdb, 0x05, 0xf0, 0xff, 0xff, 0xff);
	assert_true(d.rip_rel);
	assert_int_equal(d.disp, -16);
	/* 67: EIP-relative. */
	d = DEC(M64, 0x67, 0xdb, 0x05, 0x00, 0x01, 0x00, 0x00);
	assert_true(d.rip_rel);
	assert_int_equal(d.addr_size, 4);
	/* The same bytes in 32-bit mode: an absolute disp32. */
	d = DEC(M32, 0xdb, 0x05, 0x78, 0x56, 0x34, 0x12);
	assert_false(d.rip_rel);
	assert_int_equal(d.ea_base, NONE);
	assert_int_equal(d.ea_index, NONE);
	assert_int_equal(d.disp, 0x12345678);
	assert_int_equal(d.ea_seg, DECODE_SEG_DS);
}

static void test_sib(void **state)
{
	struct decode_insn d;

	(void)state;
	/* mod 00, base 101: no base, disp32; index 100: none. */
	d = DEC(M64, 0xdf, 0x2c, 0x25, 0x00, 0x10, 0x00, 0x00);
	assert_int_equal(d.kind, DECODE_FILD64);
	assert_false(d.rip_rel);
	assert_int_equal(d.ea_base, NONE);
	assert_int_equal(d.ea_index, NONE);
	assert_int_equal(d.disp, 0x1000);
	assert_int_equal(d.sib, 0x25);
	assert_int_equal(d.sib_base, 5);
	assert_int_equal(d.sib_index, 4);
	/* [rcx*4 + disp32]. */
	d = DEC(M64, 0x0f, 0xae, 0x14, 0x8d, 0x00, 0x20, 0x00, 0x00);
	assert_int_equal(d.ea_base, NONE);
	assert_int_equal(d.ea_index, 1);
	assert_int_equal(d.ea_scale, 4);
	assert_int_equal(d.sib_scale, 2);
	/* REX.X: index 100 is r12, a real index. */
	d = DEC(M64, 0x42, 0xdf, 0x2c, 0x25, 0x00, 0x10, 0x00, 0x00);
	assert_int_equal(d.ea_index, 12);
	/* REX.B with base 101 and mod 00: still no base. */
	d = DEC(M64, 0x41, 0xdf, 0x2c, 0x25, 0x00, 0x10, 0x00, 0x00);
	assert_int_equal(d.ea_base, NONE);
	assert_int_equal(d.sib_base, 13);
	/* [r13 + disp8] defaults to DS, [rbp + disp8] to SS. */
	d = DEC(M64, 0x41, 0xdb, 0x45, 0x08);
	assert_int_equal(d.ea_base, 13);
	assert_int_equal(d.ea_seg, DECODE_SEG_DS);
	/* [rax + rbx*8 + disp8] with an FS override. */
	d = DEC(M64, 0x64, 0xdb, 0x44, 0xd8, 0x80);
	assert_int_equal(d.ea_base, 0);
	assert_int_equal(d.ea_index, 3);
	assert_int_equal(d.ea_scale, 8);
	assert_int_equal(d.disp, -128);
	assert_int_equal(d.seg, DECODE_SEG_FS);
	assert_int_equal(d.ea_seg, DECODE_SEG_FS);
	/* 32-bit mode SIB with disp32. */
	d = DEC(M32, 0x0f, 0x03, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00);
	assert_int_equal(d.ea_base, 4);
	assert_int_equal(d.disp, 0x100);
	assert_int_equal(d.ea_seg, DECODE_SEG_SS);
}

static void test_addr16(void **state)
{
	struct decode_insn d;

	(void)state;
	d = DEC(M16, 0xdf, 0x07); /* [bx] */
	assert_int_equal(d.addr_size, 2);
	assert_int_equal(d.ea_base, 3);
	assert_int_equal(d.ea_index, NONE);
	assert_false(d.has_sib);
	d = DEC(M16, 0xdb, 0x06, 0x34, 0x12); /* [disp16] */
	assert_int_equal(d.ea_base, NONE);
	assert_int_equal(d.disp, 0x1234);
	assert_int_equal(d.disp_size, 2);
	assert_int_equal(d.ea_seg, DECODE_SEG_DS);
	d = DEC(M16, 0xdf, 0x42, 0xfe); /* [bp+si-2] */
	assert_int_equal(d.ea_base, 5);
	assert_int_equal(d.ea_index, 6);
	assert_int_equal(d.disp, -2);
	assert_int_equal(d.ea_seg, DECODE_SEG_SS);
	d = DEC(M16, 0xdb, 0x87, 0x00, 0x80); /* [bx + disp16] */
	assert_int_equal(d.disp, -32768);
	d = DEC(M16, 0xdb, 0x46, 0x00); /* [bp+0] */
	assert_int_equal(d.ea_base, 5);
	assert_int_equal(d.ea_seg, DECODE_SEG_SS);
	/* 67 in 32-bit mode selects 16-bit addressing... */
	d = DEC(M32, 0x67, 0xdb, 0x06, 0x34, 0x12);
	assert_int_equal(d.addr_size, 2);
	assert_int_equal(d.ea_base, NONE);
	/* ...and in 16-bit mode 32-bit addressing with a SIB. */
	d = DEC(M16, 0x67, 0xdb, 0x04, 0x24);
	assert_int_equal(d.addr_size, 4);
	assert_true(d.has_sib);
	assert_int_equal(d.ea_base, 4);
	d = DEC(M16, 0x67, 0x66, 0x0f, 0x03, 0x05, 1, 2, 3, 4);
	assert_int_equal(d.kind, DECODE_LSL);
	assert_int_equal(d.op_size, 4);
	assert_int_equal(d.disp, 0x04030201);
}

static void test_immediates(void **state)
{
	struct decode_insn d;

	(void)state;
	d = DEC(M64, 0x81, 0xc1, 0x78, 0x56, 0x34, 0x12);
	assert_int_equal(d.imm, 0x12345678);
	assert_int_equal(d.imm_size, 4);
	d = DEC(M64, 0x66, 0x81, 0xc1, 0x34, 0x12);
	assert_int_equal(d.imm_size, 2);
	d = DEC(M64, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8);
	assert_int_equal(d.imm, 0x0807060504030201ULL);
	assert_int_equal(d.imm_size, 8);
	DEC(M32, 0xb8, 1, 2, 3, 4);
	DEC(M16, 0xb8, 1, 2);
	DEC(M16, 0x66, 0xb8, 1, 2, 3, 4);
	d = DEC(M64, 0xc8, 0x10, 0x00, 0x01); /* enter 16, 1 */
	assert_int_equal(d.imm, 0x10);
	assert_int_equal(d.imm2, 1);
	DEC(M64, 0x6a, 0x01);
	d = DEC(M64, 0x68, 1, 2, 3, 4);
	assert_int_equal(d.op_size, 8);
	DEC(M64, 0xe8, 0, 0, 0, 0);
	d = DEC(M64, 0x66, 0xe9, 0, 0, 0, 0); /* 66 ignored (Intel) */
	assert_int_equal(d.op_size, 8);
	DEC(M32, 0x66, 0xe9, 0, 0);
	DEC(M16, 0xe9, 0, 0);
	DEC(M64, 0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8); /* moffs64 */
	DEC(M64, 0x67, 0xa1, 1, 2, 3, 4);
	DEC(M32, 0xa1, 1, 2, 3, 4);
	DEC(M16, 0xa1, 1, 2);
	DEC(M64, 0xf6, 0xc1, 0x01);	  /* test cl, 1 */
	DEC(M64, 0xf6, 0xd1);		  /* not cl */
	DEC(M64, 0xf7, 0xc1, 1, 2, 3, 4); /* test ecx, imm32 */
	DEC(M64, 0xf7, 0xd9);		  /* neg ecx */
	DEC(M64, 0xc2, 0x08, 0x00);
	DEC(M32, 0x9a, 1, 2, 3, 4, 5, 6); /* call far ptr16:32 */
	DEC(M16, 0x9a, 1, 2, 3, 4);
	d = DEC(M64, 0x9a); /* #UD in 64-bit mode */
	assert_int_equal(d.kind, DECODE_UNKNOWN);
	DEC(M64, 0x0f, 0xba, 0xe0, 0x05);	   /* bt eax, 5 */
	DEC(M64, 0x0f, 0x84, 1, 2, 3, 4);	   /* jz rel32 */
	DEC(M16, 0x0f, 0x84, 1, 2);		   /* jz rel16 */
	DEC(M64, 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 8); /* palignr */
	DEC(M64, 0x66, 0x0f, 0x38, 0x00, 0xc1);	   /* pshufb */
	DEC(M64, 0x0f, 0x0f, 0xc1, 0xb4);	   /* 3DNow! pfmul */
	DEC(M64, 0x66, 0x0f, 0x78, 0xc1, 4, 8);	   /* extrq */
	DEC(M64, 0x0f, 0x78, 0xc1);		   /* vmread */
	DEC(M64, 0x66, 0x0f, 0x70, 0xc1, 0x1b);	   /* pshufd */
	/* MOV CR: ModRM always a register, even with mod 00 rm 101. */
	d = DEC(M64, 0x0f, 0x20, 0x05);
	assert_false(d.mem);
	assert_int_equal(d.disp_size, 0);
	DEC(M64, 0x0f, 0x05);			/* syscall */
	DEC(M64, 0x8f, 0xc0);			/* pop rax */
	DEC(M32, 0xc5, 0x06);			/* lds eax, [esi] */
	DEC(M64, 0x63, 0xc1);			/* movsxd */
	DEC(M64, 0xd9, 0xee);			/* fldz */
	DEC(M64, 0xdd, 0x85, 1, 2, 3, 4);	/* fld m64 [rbp+disp32] */
	DEC(M64, 0xff, 0x24, 0xc5, 1, 2, 3, 4); /* jmp [rax*8+disp32] */
}

static void test_prefixes(void **state)
{
	struct decode_insn d;

	(void)state;
	/* A REX followed by a legacy prefix is ignored. */
	d = DEC(M64, 0x48, 0x66, 0x0f, 0x02, 0xc1);
	assert_int_equal(d.rex, 0);
	assert_false(d.rex_w);
	assert_int_equal(d.op_size, 2);
	/* Several REX: the last one counts. */
	d = DEC(M64, 0x41, 0x48, 0x0f, 0x03, 0xc1);
	assert_int_equal(d.rex, 0x48);
	assert_int_equal(d.rm, 1);
	/* The last segment override wins. */
	d = DEC(M64, 0x64, 0x65, 0xdb, 0x00);
	assert_int_equal(d.seg, DECODE_SEG_GS);
	assert_int_equal(d.ea_seg, DECODE_SEG_GS);
	d = DEC(M32, 0x2e, 0x36, 0x26, 0xdb, 0x00);
	assert_int_equal(d.ea_seg, DECODE_SEG_ES);
	d = DEC(M32, 0x3e, 0xdb, 0x45, 0x00); /* DS over [ebp]'s SS */
	assert_int_equal(d.ea_seg, DECODE_SEG_DS);
	/* LOCK is reported; complete.c turns it into #UD. */
	d = DEC(M64, 0xf0, 0x0f, 0x01, 0xca);
	assert_true(d.lock);
	assert_int_equal(d.kind, DECODE_CLAC);
	/* Mandatory and forbidden prefixes select other instructions. */
	assert_int_equal(DEC(M64, 0x66, 0x0f, 0x01, 0xca).kind, DECODE_UNKNOWN);
	assert_int_equal(DEC(M64, 0xf3, 0x0f, 0x01, 0xc1).kind, DECODE_UNKNOWN);
	assert_int_equal(DEC(M64, 0xf3, 0x0f, 0xae, 0x10).kind, DECODE_UNKNOWN);
	assert_int_equal(DEC(M64, 0x66, 0x0f, 0x77).kind, DECODE_UNKNOWN);
	assert_int_equal(DEC(M64, 0x0f, 0xb8, 0xc1).kind, DECODE_UNKNOWN);
	assert_int_equal(DEC(M64, 0xf2, 0xf3, 0x0f, 0xb8, 0xc1).kind,
			 DECODE_POPCNT);
	assert_int_equal(DEC(M64, 0xf3, 0xf2, 0x0f, 0xb8, 0xc1).kind,
			 DECODE_UNKNOWN);
	/* Register forms that are other instructions. */
	assert_int_equal(DEC(M64, 0x0f, 0xae, 0xd0).kind, DECODE_UNKNOWN);
	assert_int_equal(DEC(M64, 0x0f, 0xae, 0xd8).kind, DECODE_UNKNOWN);
	assert_int_equal(DEC(M64, 0xdb, 0xc0).kind,
			 DECODE_UNKNOWN); /* fcmovnb */
	assert_int_equal(DEC(M64, 0xdf, 0xc0).kind,
			 DECODE_UNKNOWN); /* ffreep */
	assert_int_equal(DEC(M64, 0xdf, 0xe8).kind,
			 DECODE_UNKNOWN); /* fucomip */
	assert_int_equal(DEC(M64, 0xdb, 0xe3).kind,
			 DECODE_UNKNOWN); /* fninit */
	assert_int_equal(DEC(M64, 0x0f, 0x01, 0xc2).kind, DECODE_UNKNOWN);
	assert_int_equal(DEC(M64, 0x0f, 0x00, 0xd8).kind, DECODE_UNKNOWN);
	/* REX.R does not change the group's /digit. */
	assert_int_equal(DEC(M64, 0x44, 0x0f, 0x00, 0xe8).kind, DECODE_VERW);
	/* Segment and REX prefixes on int3 are just counted. */
	d = DEC(M64, 0x2e, 0x41, 0xcc);
	assert_int_equal(d.kind, DECODE_INT3);
	assert_int_equal(d.nprefixes, 2);
}

static void test_errors(void **state)
{
	uint8_t buf[32];
	struct decode_insn d;

	(void)state;
	assert_int_equal(dec_err(M64, BYTES(0x90), 0), -ENODATA);
	assert_int_equal(decode_insn(&d, NULL, 4, M64), -ENODATA);
	assert_int_equal(decode_insn(&d, BYTES(0x90), 1, (enum decode_mode)7),
			 -EINVAL);
	/* VEX, EVEX and XOP. */
	assert_int_equal(dec_err(M64, BYTES(0xc5, 0xf8, 0x77), 3), -EOPNOTSUPP);
	assert_int_equal(dec_err(M32, BYTES(0xc5, 0xf8, 0x77), 3), -EOPNOTSUPP);
	assert_int_equal(dec_err(M64, BYTES(0xc4, 0xe2, 0x79, 0x00, 0xc1), 5),
			 -EOPNOTSUPP);
	assert_int_equal(
		dec_err(M64, BYTES(0x62, 0xf1, 0x7c, 0x48, 0x28, 0xc1), 6),
		-EOPNOTSUPP);
	assert_int_equal(
		dec_err(M64, BYTES(0x8f, 0xe8, 0x78, 0xc0, 0xc1, 1), 6),
		-EOPNOTSUPP);
	assert_int_equal(dec_err(M32, BYTES(0xc4), 1), -ENODATA);

	/* 15 bytes is the most; a 16th is #GP even if the bytes are there. */
	memset(buf, 0x66, sizeof(buf));
	buf[14] = 0x90;
	assert_int_equal(decode_insn(&d, buf, sizeof(buf), M64), 0);
	assert_int_equal(d.len, 15);
	buf[14] = 0x66;
	buf[15] = 0x90;
	assert_int_equal(decode_insn(&d, buf, sizeof(buf), M64), -E2BIG);
	assert_int_equal(decode_insn(&d, buf, 15, M64), -E2BIG);
	assert_int_equal(decode_insn(&d, buf, 14, M64), -ENODATA);
	/* A long but legal instruction crossing 15 with its immediate. */
	memset(buf, 0x2e, sizeof(buf));
	memcpy(buf + 8, BYTES(0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8), 10);
	assert_int_equal(decode_insn(&d, buf, sizeof(buf), M64), -E2BIG);
	memcpy(buf + 3, BYTES(0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8), 10);
	assert_int_equal(decode_insn(&d, buf + 1, sizeof(buf) - 1, M64), 0);
	assert_int_equal(d.len, 12);
}

/* Every prefix of every instruction must be reported as truncated. */
static void check_truncation(enum decode_mode mode, const uint8_t *b, size_t n)
{
	struct decode_insn d;

	assert_int_equal(decode_insn(&d, b, n, mode), 0);
	assert_int_equal(d.len, n);
	for (size_t cut = 0; cut < n; cut++) {
		/* A heap copy of exactly cut bytes, so ASan sees over-reads. */
		uint8_t *copy = malloc(cut ? cut : 1);

		assert_non_null(copy);
		memcpy(copy, b, cut);
		if (decode_insn(&d, copy, cut, mode) != -ENODATA)
			fail_msg("mode %d: %zu of %zu bytes not -ENODATA", mode,
				 cut, n);
		free(copy);
	}
}

#define TRUNC(mode, ...)                                                       \
	check_truncation(mode, BYTES(__VA_ARGS__), NBYTES(__VA_ARGS__))

static void test_truncated(void **state)
{
	(void)state;
	for (int m = M16; m <= M64; m++)
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			check_truncation(m, kinds[i].bytes, kinds[i].len);
	TRUNC(M64, 0x0f, 0x00, 0x2d, 0x10, 0x20, 0x30, 0x00);
	TRUNC(M64, 0x66, 0xf3, 0x48, 0x0f, 0xb8, 0x84, 0xc8, 1, 2, 3, 4);
	TRUNC(M64, 0x64, 0xdf, 0x2c, 0x25, 0x00, 0x10, 0x00, 0x00);
	TRUNC(M64, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8);
	TRUNC(M64, 0xc8, 0x10, 0x00, 0x01);
	TRUNC(M64, 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 8);
	TRUNC(M32, 0x9a, 1, 2, 3, 4, 5, 6);
	TRUNC(M32, 0x67, 0xdb, 0x87, 0x00, 0x80);
	TRUNC(M16, 0xdb, 0x06, 0x34, 0x12);
	TRUNC(M16, 0x67, 0x66, 0x0f, 0x03, 0x84, 0x24, 1, 2, 3, 4);
}

/* xorshift64*: reproducible bytes for the garbage test. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void check_fields(const struct decode_insn *d, size_t n)
{
	assert_true(d->len >= 1 && d->len <= DECODE_MAX_LEN && d->len <= n);
	assert_true(d->nprefixes < d->len);
	assert_true(d->reg < 16 && d->rm < 16);
	assert_true(d->op_size == 2 || d->op_size == 4 || d->op_size == 8);
	assert_true(d->addr_size == 2 || d->addr_size == 4 ||
		    d->addr_size == 8);
	assert_true(d->disp_size <= 4 && d->imm_size <= 8);
	assert_true(d->ea_base >= NONE && d->ea_base < 16);
	assert_true(d->ea_index >= NONE && d->ea_index < 16);
	assert_true(d->kind >= DECODE_UNKNOWN && d->kind < DECODE_KIND_COUNT);
	assert_true(d->seg <= DECODE_SEG_NONE && d->ea_seg <= DECODE_SEG_NONE);
	if (d->mem)
		assert_true(d->ea_seg != DECODE_SEG_NONE);
}

static void test_garbage(void **state)
{
	uint64_t seed = 0x5eed1234abcdULL;
	unsigned int ok = 0;

	(void)state;
	for (int i = 0; i < 300000; i++) {
		enum decode_mode mode = (enum decode_mode)(rnd(&seed) % 3);
		size_t n = rnd(&seed) % 18;
		uint8_t *b = malloc(n ? n : 1);
		struct decode_insn d, again;
		int err;

		assert_non_null(b);
		for (size_t j = 0; j < n; j++) {
			uint64_t r = rnd(&seed);

			/* Lean towards prefixes, 0F and ModRM-heavy bytes. */
			b[j] = (uint8_t)(r >> 8);
			if ((r & 7) == 0)
				b[j] = BYTES(0x66, 0x67, 0xf3, 0x0f, 0x48, 0x64,
					     0xf0, 0xdb)[(r >> 3) & 7];
		}
		err = decode_insn(&d, b, n, mode);
		if (err) {
			assert_true(err == -ENODATA || err == -E2BIG ||
				    err == -EOPNOTSUPP);
		} else {
			ok++;
			check_fields(&d, n);
			/* len bytes decode the same; one less does not. */
			assert_int_equal(decode_insn(&again, b, d.len, mode),
					 0);
			assert_memory_equal(&again, &d, sizeof(d));
			assert_int_equal(
				decode_insn(&again, b, d.len - 1u, mode),
				-ENODATA);
		}
		free(b);
	}
	assert_true(ok > 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds_all_modes),
		cmocka_unit_test(test_kinds_64),
		cmocka_unit_test(test_no_rex_outside_64),
		cmocka_unit_test(test_rip_relative),
		cmocka_unit_test(test_sib),
		cmocka_unit_test(test_addr16),
		cmocka_unit_test(test_immediates),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
