/*
 * decode.c: one x86 instruction's length and fields.  See decode.h.
 *
 * The decoder walks the bytes in the order of SDM Vol. 2A, 2.1 "Instruction
 * Format for Protected Mode, Real-Address Mode, and Virtual-8086 Mode":
 * prefixes, opcode (1, 2 or 3 bytes), ModRM, SIB, displacement, immediate.
 * Which opcodes take a ModRM and which immediate they take follows the
 * opcode maps of SDM Vol. 2D, appendix A ("Opcode Map"), tables;
 * 16-bit addressing follows table 2-1, 32-bit table 2-2 and 2-3, 64-bit
 * 2.2.1 "REX Prefixes" and 2.2.1.6 "RIP-Relative Addressing".
 *
 * Every byte is fetched through next(), which refuses to go past the
 * caller's length or the 15-byte limit.
 */
#include "arch/x86/decode.h"

#include <errno.h>
#include <string.h>

struct cursor {
	const uint8_t *bytes;
	size_t len;
	size_t pos;
};

/* The 15-byte limit comes first: a longer instruction is #GP anyway. */
static int peek(const struct cursor *c, uint8_t *b)
{
	if (c->pos >= DECODE_MAX_LEN)
		return -E2BIG;
	if (c->pos >= c->len)
		return -ENODATA;
	*b = c->bytes[c->pos];
	return 0;
}

static int next(struct cursor *c, uint8_t *b)
{
	int err = peek(c, b);

	if (!err)
		c->pos++;
	return err;
}

/* n little-endian bytes (n <= 8), zero-extended. */
static int next_n(struct cursor *c, unsigned int n, uint64_t *v)
{
	*v = 0;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t b;
		int err = next(c, &b);

		if (err)
			return err;
		*v |= (uint64_t)b << (8 * i);
	}
	return 0;
}

/* Legacy prefixes and REX (SDM 2.1.1, 2.2.1). */
static int decode_prefixes(struct cursor *c, struct decode_insn *d)
{
	for (;;) {
		uint8_t b;
		int err = peek(c, &b);

		if (err)
			return err;
		if (d->mode == DECODE_MODE_64 && (b & 0xf0) == 0x40) {
			d->rex = b;
			c->pos++;
			continue;
		}
		switch (b) {
		case 0x66:
			d->opsize = true;
			break;
		case 0x67:
			d->adsize = true;
			break;
		case 0xf0:
			d->lock = true;
			break;
		case 0xf2:
			d->repne = true;
			d->rep = false;
			break;
		case 0xf3:
			d->rep = true;
			d->repne = false;
			break;
		case 0x26:
			d->seg = DECODE_SEG_ES;
			break;
		case 0x2e:
			d->seg = DECODE_SEG_CS;
			break;
		case 0x36:
			d->seg = DECODE_SEG_SS;
			break;
		case 0x3e:
			d->seg = DECODE_SEG_DS;
			break;
		case 0x64:
			d->seg = DECODE_SEG_FS;
			break;
		case 0x65:
			d->seg = DECODE_SEG_GS;
			break;
		default:
			d->nprefixes = (uint8_t)c->pos;
			d->rex_w = d->rex & 8;
			d->rex_r = d->rex & 4;
			d->rex_x = d->rex & 2;
			d->rex_b = d->rex & 1;
			return 0;
		}
		/* A REX followed by a legacy prefix is ignored (2.2.1). */
		d->rex = 0;
		c->pos++;
	}
}

/* One-byte opcodes with a ModRM (table A-2). */
static bool map1_has_modrm(uint8_t op)
{
	if (op < 0x40)
		return (op & 7) < 4;
	if (op >= 0x80 && op <= 0x8f)
		return true;
	switch (op) {
	case 0x62:
	case 0x63:
	case 0x69:
	case 0x6b:
	case 0xc0:
	case 0xc1:
	case 0xc4:
	case 0xc5:
	case 0xc6:
	case 0xc7:
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3:
	case 0xf6:
	case 0xf7:
	case 0xfe:
	case 0xff:
		return true;
	}
	return op >= 0xd8 && op <= 0xdf;
}

/* Two-byte opcodes (0F xx) with a ModRM (table A-3). */
static bool map0f_has_modrm(uint8_t op)
{
	switch (op >> 4) {
	case 0x0:
		return op <= 0x03 || op == 0x0d || op == 0x0f;
	case 0x1:
		return true;
	case 0x2: /* 24 and 26: MOV to/from TR on the 386 and 486 */
		return op != 0x25 && op != 0x27;
	case 0x3:
		return false;
	case 0x7:
		return op != 0x77 && op != 0x7a && op != 0x7b;
	case 0x8:
		return false;
	case 0xa:
		return (op >= 0xa3 && op <= 0xa5) || op >= 0xab;
	case 0xc:
		return op <= 0xc7;
	default: /* 4x 5x 6x 9x Bx Dx Ex Fx */
		return true;
	}
}

/* One-byte opcodes that are #UD in 64-bit mode and take nothing more. */
static bool map1_invalid64(uint8_t op)
{
	switch (op) {
	case 0x06:
	case 0x07:
	case 0x0e:
	case 0x16:
	case 0x17:
	case 0x1e:
	case 0x1f:
	case 0x27:
	case 0x2f:
	case 0x37:
	case 0x3f:
	case 0x60:
	case 0x61:
	case 0x82:
	case 0x9a:
	case 0xce:
	case 0xd4:
	case 0xd5:
	case 0xd6:
	case 0xea:
		return true;
	}
	return false;
}

/*
 * Operand size (SDM 2.2.1.2 and table A-1's d64/f64 marks): near branches
 * are always 64-bit in 64-bit mode, stack operations default to 64.
 */
static uint8_t operand_size(const struct decode_insn *d)
{
	uint8_t op = d->opcode;
	bool f64 = false, d64 = false;

	if (d->mode != DECODE_MODE_64) {
		bool wide = (d->mode == DECODE_MODE_32) != d->opsize;

		return wide ? 4 : 2;
	}
	if (d->map == DECODE_MAP_1) {
		f64 = (op >= 0x70 && op <= 0x7f) || op == 0xc2 || op == 0xc3 ||
		      (op >= 0xe0 && op <= 0xe3) || op == 0xe8 || op == 0xe9 ||
		      op == 0xeb ||
		      (op == 0xff && d->has_modrm &&
		       (((d->modrm >> 3) & 7) == 2 ||
			((d->modrm >> 3) & 7) == 4));
		d64 = (op >= 0x50 && op <= 0x5f) || op == 0x68 || op == 0x6a ||
		      op == 0x8f || op == 0x9c || op == 0x9d || op == 0xc8 ||
		      op == 0xc9 || (op == 0xff && ((d->modrm >> 3) & 7) == 6);
	} else if (d->map == DECODE_MAP_0F) {
		f64 = op >= 0x80 && op <= 0x8f;
		d64 = op == 0xa0 || op == 0xa1 || op == 0xa8 || op == 0xa9;
	}
	if (f64 || d->rex_w)
		return 8;
	if (d->opsize)
		return 2;
	return d64 ? 8 : 4;
}

/* 16-bit addressing: table 2-1. */
static int modrm16(struct cursor *c, struct decode_insn *d)
{
	static const int8_t base[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
	static const int8_t index[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
	uint64_t v;
	int err;

	d->ea_base = base[d->rm];
	d->ea_index = index[d->rm];
	if (d->mod == 0 && d->rm == 6) {
		d->ea_base = DECODE_REG_NONE;
		d->disp_size = 2;
	} else if (d->mod == 1) {
		d->disp_size = 1;
	} else if (d->mod == 2) {
		d->disp_size = 2;
	}
	if (d->disp_size) {
		err = next_n(c, d->disp_size, &v);
		if (err)
			return err;
		d->disp = d->disp_size == 1 ? (int8_t)v : (int16_t)v;
	}
	return 0;
}

/* 32- and 64-bit addressing: tables 2-2 and 2-3, REX and RIP-relative. */
static int modrm32(struct cursor *c, struct decode_insn *d)
{
	uint64_t v;
	int err;

	d->ea_base = d->rm;
	if ((d->rm & 7) == 4) {
		err = next(c, &d->sib);
		if (err)
			return err;
		d->has_sib = true;
		d->sib_scale = d->sib >> 6;
		d->sib_index = ((d->sib >> 3) & 7) | (d->rex_x ? 8 : 0);
		d->sib_base = (d->sib & 7) | (d->rex_b ? 8 : 0);
		d->ea_scale = (uint8_t)(1u << d->sib_scale);
		d->ea_index =
			d->sib_index == 4 ? DECODE_REG_NONE : d->sib_index;
		d->ea_base = d->sib_base;
		if ((d->sib_base & 7) == 5 && d->mod == 0) {
			d->ea_base = DECODE_REG_NONE;
			d->disp_size = 4;
		}
	} else if ((d->rm & 7) == 5 && d->mod == 0) {
		d->ea_base = DECODE_REG_NONE;
		d->rip_rel = d->mode == DECODE_MODE_64;
		d->disp_size = 4;
	}
	if (d->mod == 1)
		d->disp_size = 1;
	else if (d->mod == 2)
		d->disp_size = 4;
	if (d->disp_size) {
		err = next_n(c, d->disp_size, &v);
		if (err)
			return err;
		d->disp = d->disp_size == 1 ? (int8_t)v : (int32_t)v;
	}
	return 0;
}

/* ModRM and what hangs off it; force_reg for MOV CR/DR (mod ignored). */
static int decode_modrm(struct cursor *c, struct decode_insn *d, bool force_reg)
{
	int err = next(c, &d->modrm);

	if (err)
		return err;
	d->has_modrm = true;
	d->mod = d->modrm >> 6;
	d->reg = ((d->modrm >> 3) & 7) | (d->rex_r ? 8 : 0);
	d->rm = (d->modrm & 7) | (d->rex_b ? 8 : 0);
	if (d->mod == 3 || force_reg)
		return 0;
	d->mem = true;
	err = d->addr_size == 2 ? modrm16(c, d) : modrm32(c, d);
	if (err)
		return err;
	if (d->seg != DECODE_SEG_NONE)
		d->ea_seg = d->seg;
	else if (d->ea_base == 4 || d->ea_base == 5)
		d->ea_seg = DECODE_SEG_SS; /* SP or BP based */
	else
		d->ea_seg = DECODE_SEG_DS;
	return 0;
}

/* Immediate sizes: table A-1's b, w, z, v and the ptr/moffs forms. */
static void imm_sizes(struct decode_insn *d)
{
	uint8_t op = d->opcode, z = d->op_size == 2 ? 2 : 4;
	uint8_t ext = (d->modrm >> 3) & 7;

	if (d->map == DECODE_MAP_0F3A) {
		d->imm_size = 1;
		return;
	}
	if (d->map == DECODE_MAP_0F38)
		return;
	if (d->map == DECODE_MAP_0F) {
		if (op == 0x0f || (op >= 0x70 && op <= 0x73) || op == 0xa4 ||
		    op == 0xac || op == 0xba || op == 0xc2 ||
		    (op >= 0xc4 && op <= 0xc6))
			d->imm_size = 1;
		else if (op >= 0x80 && op <= 0x8f)
			d->imm_size = d->mode == DECODE_MODE_64 ? 4 : z;
		else if (op == 0x78 && (d->opsize || d->repne))
			d->imm_size = d->imm2_size = 1; /* EXTRQ, INSERTQ */
		return;
	}
	if (op < 0x40) {
		if ((op & 7) == 4)
			d->imm_size = 1;
		else if ((op & 7) == 5)
			d->imm_size = z;
		return;
	}
	switch (op) {
	case 0x6a:
	case 0x6b:
	case 0x80:
	case 0x82:
	case 0x83:
	case 0xa8:
	case 0xc0:
	case 0xc1:
	case 0xc6:
	case 0xcd:
	case 0xd4:
	case 0xd5:
	case 0xeb:
		d->imm_size = 1;
		break;
	case 0x68:
	case 0x69:
	case 0x81:
	case 0xa9:
	case 0xc7:
		d->imm_size = z;
		break;
	case 0xe8:
	case 0xe9:
		d->imm_size = d->mode == DECODE_MODE_64 ? 4 : z;
		break;
	case 0x9a:
	case 0xea:
		d->imm_size = z;
		d->imm2_size = 2; /* ptr16:16 or ptr16:32 */
		break;
	case 0xc2:
	case 0xca:
		d->imm_size = 2;
		break;
	case 0xc8:
		d->imm_size = 2;
		d->imm2_size = 1;
		break;
	case 0xf6:
	case 0xf7:
		if (ext < 2)
			d->imm_size = op == 0xf6 ? 1 : z;
		break;
	default:
		if ((op >= 0x70 && op <= 0x7f) || (op >= 0xb0 && op <= 0xb7) ||
		    (op >= 0xe0 && op <= 0xe7))
			d->imm_size = 1;
		else if (op >= 0xa0 && op <= 0xa3)
			d->imm_size = d->addr_size; /* moffs */
		else if (op >= 0xb8 && op <= 0xbf)
			d->imm_size = d->op_size;
		break;
	}
}

/* NP: none of 66, F2, F3 (they select another instruction). */
static bool no_simd_prefix(const struct decode_insn *d)
{
	return !d->opsize && !d->rep && !d->repne;
}

static enum decode_kind classify(const struct decode_insn *d)
{
	uint8_t ext = (d->modrm >> 3) & 7;

	if (d->map == DECODE_MAP_1) {
		switch (d->opcode) {
		case 0xcc:
			return DECODE_INT3;
		case 0x9b:
			return DECODE_FWAIT;
		case 0xdb:
			if (d->modrm == 0xe2)
				return DECODE_FNCLEX;
			if (d->mem && ext == 0)
				return DECODE_FILD32;
			break;
		case 0xdf:
			if (d->mem && ext == 0)
				return DECODE_FILD16;
			if (d->mem && ext == 5)
				return DECODE_FILD64;
			break;
		}
		return DECODE_UNKNOWN;
	}
	if (d->map != DECODE_MAP_0F)
		return DECODE_UNKNOWN;
	switch (d->opcode) {
	case 0x00:
		if (ext == 4)
			return DECODE_VERR;
		if (ext == 5)
			return DECODE_VERW;
		break;
	case 0x01:
		if (!no_simd_prefix(d))
			break;
		if (d->modrm == 0xca)
			return DECODE_CLAC;
		if (d->modrm == 0xcb)
			return DECODE_STAC;
		if (d->modrm == 0xc1)
			return DECODE_VMCALL;
		if (d->modrm == 0xd9)
			return DECODE_VMMCALL;
		break;
	case 0x02:
		return DECODE_LAR;
	case 0x03:
		return DECODE_LSL;
	case 0x77:
		if (no_simd_prefix(d))
			return DECODE_EMMS;
		break;
	case 0xae:
		if (!no_simd_prefix(d) || !d->mem)
			break;
		if (ext == 2)
			return DECODE_LDMXCSR;
		if (ext == 3)
			return DECODE_STMXCSR;
		break;
	case 0xb8:
		if (d->rep)
			return DECODE_POPCNT;
		break;
	}
	return DECODE_UNKNOWN;
}

/*
 * C4/C5 (VEX) and 62 (EVEX) are always prefixes in 64-bit mode; elsewhere
 * they are LES/LDS/BOUND unless the next byte has mod = 11 (SDM 2.3.5).
 * 8F is XOP unless the next byte's reg field is 0 (POP r/m).
 */
static int vex_check(const struct cursor *c, const struct decode_insn *d)
{
	struct cursor probe = *c;
	uint8_t b;
	int err;

	if (d->map != DECODE_MAP_1)
		return 0;
	if (d->opcode != 0xc4 && d->opcode != 0xc5 && d->opcode != 0x62 &&
	    d->opcode != 0x8f)
		return 0;
	if (d->mode == DECODE_MODE_64 && d->opcode != 0x8f)
		return -EOPNOTSUPP;
	err = peek(&probe, &b);
	if (err)
		return err;
	if (d->opcode == 0x8f) /* XOP unless POP r/m (8F /0) */
		return (b >> 3) & 7 ? -EOPNOTSUPP : 0;
	return (b >> 6) == 3 ? -EOPNOTSUPP : 0;
}

static int decode_opcode(struct cursor *c, struct decode_insn *d)
{
	uint8_t b;
	int err = next(c, &b);

	if (err)
		return err;
	d->map = DECODE_MAP_1;
	d->opcode = b;
	if (b == 0x0f) {
		err = next(c, &b);
		if (err)
			return err;
		d->map = DECODE_MAP_0F;
		d->opcode = b;
		if (b == 0x38 || b == 0x3a) {
			d->map = b == 0x38 ? DECODE_MAP_0F38 : DECODE_MAP_0F3A;
			err = next(c, &d->opcode);
		}
	}
	return err;
}

int decode_insn(struct decode_insn *d, const uint8_t *bytes, size_t len,
		enum decode_mode mode)
{
	struct cursor c = { .bytes = bytes, .len = bytes ? len : 0 };
	bool modrm;
	int err;

	memset(d, 0, sizeof(*d));
	d->seg = d->ea_seg = DECODE_SEG_NONE;
	d->ea_base = d->ea_index = DECODE_REG_NONE;
	d->ea_scale = 1;
	if (mode != DECODE_MODE_16 && mode != DECODE_MODE_32 &&
	    mode != DECODE_MODE_64)
		return -EINVAL;
	d->mode = mode;

	err = decode_prefixes(&c, d);
	if (err)
		return err;
	if (mode == DECODE_MODE_64)
		d->addr_size = d->adsize ? 4 : 8;
	else
		d->addr_size = (mode == DECODE_MODE_32) != d->adsize ? 4 : 2;

	err = decode_opcode(&c, d);
	if (err)
		return err;
	err = vex_check(&c, d);
	if (err)
		return err;
	if (d->map == DECODE_MAP_1 && mode == DECODE_MODE_64 &&
	    map1_invalid64(d->opcode)) {
		d->op_size = operand_size(d);
		d->len = (uint8_t)c.pos;
		return 0;
	}
	if (d->map == DECODE_MAP_1)
		modrm = map1_has_modrm(d->opcode);
	else if (d->map == DECODE_MAP_0F)
		modrm = map0f_has_modrm(d->opcode);
	else
		modrm = true;
	if (modrm) {
		bool force_reg = d->map == DECODE_MAP_0F && d->opcode >= 0x20 &&
				 d->opcode <= 0x26;

		err = decode_modrm(&c, d, force_reg);
		if (err)
			return err;
	}
	d->op_size = operand_size(d);
	imm_sizes(d);
	if (d->imm_size) {
		err = next_n(&c, d->imm_size, &d->imm);
		if (err)
			return err;
	}
	if (d->imm2_size) {
		err = next_n(&c, d->imm2_size, &d->imm2);
		if (err)
			return err;
	}
	d->len = (uint8_t)c.pos;
	d->kind = classify(d);
	return 0;
}
