/*
 * decode.h: decode one x86 instruction from its bytes, as far as hyve needs
 * to finish the instructions KVM's emulator lacks (complete.h).
 *
 * Handled (Intel SDM Vol. 2A, chapter 2 "Instruction Format" and
 * appendix A "Opcode Map"):
 *   - the three code-segment modes: 64-bit, 32-bit (CS.D=1) and 16-bit
 *     (CS.D=0, real and virtual-8086 mode included);
 *   - legacy prefixes (66, 67, F2, F3, F0, 2E 36 3E 26 64 65), repeated or
 *     in any order (the last of a group wins), and REX in 64-bit mode (only
 *     when it is the last prefix: a REX followed by a legacy prefix is
 *     ignored, SDM 2.2.1);
 *   - the one-byte and two-byte (0F) opcode maps, with the length of every
 *     ModRM, SIB, displacement and immediate form; the 0F 38 and 0F 3A maps
 *     for length only (every opcode there has a ModRM, 0F 3A an imm8);
 *   - 16-bit addressing (BX+SI ... with disp16 at mod 00 rm 110) and
 *     32/64-bit addressing (SIB, disp32 with no base, RIP-relative).
 *   - 0F 20..23 (MOV CR/DR; 24 and 26, MOV TR on the 386/486) take ModRM
 *     as a register form whatever the mod bits say, as the SDM describes.
 * Not handled: VEX (C4/C5), EVEX (62) and XOP (8F) encodings give
 * -EOPNOTSUPP, since their length is not worked out here.  Near branches in
 * 64-bit mode take a 32-bit displacement whatever 66 says (Intel; AMD
 * honours 66 there).  Opcodes that are #UD in a mode (PUSH ES in 64-bit
 * mode, say) decode as one opcode byte of kind DECODE_UNKNOWN.
 *
 * The bytes come from the guest and are treated as hostile: nothing past
 * len is read, and every field is range-limited.  Pure and stateless: any
 * thread may call it.
 */
#ifndef HYVE_ARCH_X86_DECODE_H
#define HYVE_ARCH_X86_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An instruction is at most 15 bytes (SDM 2.3.11); longer gives #GP. */
#define DECODE_MAX_LEN 15

/* The code segment's default operand and address size. */
enum decode_mode {
	DECODE_MODE_16, /* CS.D = 0: real, virtual-8086, 16-bit protected */
	DECODE_MODE_32, /* CS.D = 1, not 64-bit */
	DECODE_MODE_64, /* IA-32e mode with CS.L = 1 */
};

/* The instructions complete.c finishes; anything else is UNKNOWN. */
enum decode_kind {
	DECODE_UNKNOWN,
	DECODE_INT3,	/* CC */
	DECODE_FWAIT,	/* 9B */
	DECODE_FNCLEX,	/* DB E2 */
	DECODE_EMMS,	/* NP 0F 77 */
	DECODE_FILD16,	/* DF /0, memory */
	DECODE_FILD32,	/* DB /0, memory */
	DECODE_FILD64,	/* DF /5, memory */
	DECODE_CLAC,	/* NP 0F 01 CA */
	DECODE_STAC,	/* NP 0F 01 CB */
	DECODE_POPCNT,	/* F3 0F B8 /r */
	DECODE_LAR,	/* 0F 02 /r */
	DECODE_LSL,	/* 0F 03 /r */
	DECODE_VERR,	/* 0F 00 /4 */
	DECODE_VERW,	/* 0F 00 /5 */
	DECODE_LDMXCSR, /* NP 0F AE /2, memory */
	DECODE_STMXCSR, /* NP 0F AE /3, memory */
	DECODE_VMCALL,	/* NP 0F 01 C1 */
	DECODE_VMMCALL, /* 0F 01 D9 */
	DECODE_KIND_COUNT
};

enum decode_map {
	DECODE_MAP_1,	 /* one-byte opcodes */
	DECODE_MAP_0F,	 /* 0F xx */
	DECODE_MAP_0F38, /* 0F 38 xx */
	DECODE_MAP_0F3A, /* 0F 3A xx */
};

/* Segment override prefixes; the numbers follow the sreg encoding. */
enum decode_seg {
	DECODE_SEG_ES,
	DECODE_SEG_CS,
	DECODE_SEG_SS,
	DECODE_SEG_DS,
	DECODE_SEG_FS,
	DECODE_SEG_GS,
	DECODE_SEG_NONE,
};

/* Register numbers 0..15 in the ModRM/SIB order (RAX RCX RDX RBX RSP ...). */
#define DECODE_REG_NONE (-1)

struct decode_insn {
	enum decode_mode mode;
	uint8_t len; /* bytes, prefixes included */

	/* Prefixes. */
	uint8_t nprefixes;   /* legacy and REX bytes before the opcode */
	bool opsize;	     /* 66 */
	bool adsize;	     /* 67 */
	bool lock;	     /* F0 */
	bool rep;	     /* F3 */
	bool repne;	     /* F2 */
	enum decode_seg seg; /* override, or DECODE_SEG_NONE */
	uint8_t rex;	     /* the REX byte in effect, or 0 */
	bool rex_w, rex_r, rex_x, rex_b;

	/* Opcode. */
	enum decode_map map;
	uint8_t opcode;

	/* ModRM and SIB, with the REX bits applied to reg, rm, index, base. */
	bool has_modrm;
	uint8_t modrm, mod, reg, rm;
	bool has_sib;
	uint8_t sib, sib_scale, sib_index, sib_base; /* scale: 0..3 (log2) */

	/*
	 * The memory operand, when mem: linear = segment base +
	 * (ea_base + ea_index * ea_scale + disp, truncated to addr_size),
	 * with the address of the next instruction as the base when rip_rel.
	 */
	bool mem;
	bool rip_rel;
	int ea_base, ea_index;	/* 0..15 or DECODE_REG_NONE */
	uint8_t ea_scale;	/* 1, 2, 4, 8 */
	enum decode_seg ea_seg; /* override or the default (SS for BP/SP) */
	int64_t disp;		/* sign-extended */
	uint8_t disp_size;	/* 0, 1, 2, 4 */

	/* Immediates: imm is the first, imm2 the second (ENTER, EXTRQ). */
	uint64_t imm, imm2; /* zero-extended raw bytes */
	uint8_t imm_size, imm2_size;

	uint8_t op_size;   /* 2, 4 or 8 */
	uint8_t addr_size; /* 2, 4 or 8 */

	enum decode_kind kind;
};

/*
 * Decode the instruction at bytes[0..len) in mode.  0 and *d filled;
 * -ENODATA when the bytes end before the instruction does; -E2BIG when it
 * would be longer than 15 bytes (whichever the decoder meets first);
 * -EOPNOTSUPP for VEX/EVEX/XOP; -EINVAL for a bad mode.
 */
int decode_insn(struct decode_insn *d, const uint8_t *bytes, size_t len,
		enum decode_mode mode);

#endif
