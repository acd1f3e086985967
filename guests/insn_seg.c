/*
 * insn_seg: LAR, LSL, VERR and VERW (SDM Vol. 2A "LAR", Vol. 2B "LSL" and
 * "VERR/VERW"), which KVM's emulator on some hosts lacks and hyve
 * completes.  The guest copies hyve's GDT (0x08 code32, 0x10 code64,
 * 0x18 data, 0x20 the busy 64-bit TSS and its upper half) into a larger
 * one of its own with more descriptors (read-only data, execute-only and
 * conforming code, DPL 3 data with byte granularity and a base, an LDT, a
 * 64-bit call gate, an interrupt gate, an available TSS, a reserved system
 * type), and checks each instruction's result and ZF on each selector,
 * with RPL 0 and 3: the IA-32e tables of valid system types, the DPL/RPL
 * visibility rule and its conforming-code exception, null selectors,
 * selectors past the GDT limit (also one whose descriptor straddles it),
 * LDT selectors with no LDT and then with one loaded (LLDT).  Also: the
 * 16-, 32- and 64-bit operand sizes (what the destination keeps), memory
 * operands, selector bits above 15 ignored, the destination untouched and
 * the other flags kept when ZF = 0.  LAR's bits 19:16 are undefined (the
 * SDM's "00FxFF00H"), so they are masked out before comparing.  Returns
 * 0x34 (hyve exits with 105) when every check passed, else 0x7e.
 */
#include "rt.h"

#define JUNK   0x5a5a5a5a5a5a5a5aULL
#define AR_MSK 0xfff0ffffu /* LAR bits 19:16 are undefined */
#define NGDT   21
#define CF     0x1ULL
#define ZF     0x40ULL

static uint64_t gdt[NGDT + 1] __attribute__((aligned(16)));
static uint64_t ldt[3] __attribute__((aligned(16)));
static uint8_t tss2[104] __attribute__((aligned(16)));
static unsigned int failures, checks;

struct gdtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t seg(uint32_t base, uint32_t limit, uint8_t access,
		    uint8_t flags)
{
	return (uint64_t)(limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(flags & 0xf) << 52 | (uint64_t)(base >> 24) << 56;
}

/* A 16-byte system descriptor: two GDT slots. */
static void sys16(unsigned int i, uint64_t base, uint32_t limit, uint8_t access)
{
	gdt[i] = seg((uint32_t)base, limit, access, 0);
	gdt[i + 1] = base >> 32;
}

/* A 64-bit gate to selector:offset: two GDT slots. */
static void gate16(unsigned int i, uint16_t sel, uint64_t off, uint8_t access)
{
	gdt[i] = (off & 0xffff) | (uint64_t)sel << 16 | (uint64_t)access << 40 |
		 ((off >> 16) & 0xffff) << 48;
	gdt[i + 1] = off >> 32;
}

struct result {
	bool zf;
	uint64_t v, flags;
};

/* Each op with CF set before, on a JUNK destination. */
#define OP(insn, sel, r)                                                       \
	do {                                                                   \
		uint64_t d_ = JUNK, f_;                                        \
		__asm__ volatile("stc\n\t" insn "\n\t"                         \
				 "pushfq\n\t"                                  \
				 "popq %1"                                     \
				 : "+r"(d_), "=r"(f_)                          \
				 : "r"((uint64_t)(sel))                        \
				 : "cc");                                      \
		(r).v = d_;                                                    \
		(r).flags = f_;                                                \
		(r).zf = f_ & ZF;                                              \
	} while (0)

static void expect(const char *what, uint64_t sel, const struct result *r,
		   bool zf, uint64_t v, uint64_t mask)
{
	bool ok = r->zf == zf && (r->flags & CF);

	checks++;
	if (zf && ok)
		ok = (r->v & mask) == (v & mask);
	if (!zf && ok)
		ok = r->v == JUNK; /* ZF = 0: the destination is untouched */
	if (ok)
		return;
	rt_printf("FAIL: %s %#lx: zf=%u value=%#lx flags=%#lx; expected "
		  "zf=%u value=%#lx (mask %#lx), CF kept\n",
		  what, sel, r->zf, r->v, r->flags, zf, v, mask);
	failures++;
}

struct want {
	uint16_t sel;
	bool lar_ok;
	uint32_t lar;
	bool lsl_ok;
	uint32_t lsl;
	bool verr, verw;
};

/* clang-format off */
static const struct want wants[] = {
	/* hyve's GDT */
	{ 0x00, false, 0, false, 0, false, false },	/* null */
	{ 0x03, false, 0, false, 0, false, false },	/* null, RPL 3 */
	{ 0x08, true, 0x00cf9b00, true, 0xffffffff, true, false },
	{ 0x10, true, 0x00af9b00, true, 0xffffffff, true, false },
	{ 0x18, true, 0x00cf9300, true, 0xffffffff, true, true },
	{ 0x1b, false, 0, false, 0, false, false },	/* DPL 0 < RPL 3 */
	{ 0x20, true, 0x00008b00, true, 0x67, false, false }, /* busy TSS */
	{ 0x28, false, 0, true, 0, false, false },	/* its upper half */
	/* the guest's additions */
	{ 0x30, true, 0x00cf9100, true, 0xffffffff, true, false }, /* RO */
	{ 0x38, true, 0x00af9c00, true, 0xffffffff, false, false }, /* CX */
	{ 0x3b, true, 0x00af9c00, true, 0xffffffff, false, false }, /* conf */
	{ 0x43, true, 0x0041f300, true, 0x12345, true, true }, /* DPL 3 */
	{ 0x48, true, 0x00af9800, true, 0xffffffff, false, false }, /* X */
	{ 0x53, true, 0x00affe00, true, 0xffffffff, true, false }, /* CR3 */
	{ 0x58, false, 0, true, 0x17, false, false },	/* LDT */
	{ 0x68, true, 0x00128c00, false, 0, false, false }, /* call gate */
	{ 0x78, false, 0, false, 0, false, false },	/* interrupt gate */
	{ 0x88, true, 0x00008900, true, 0x67, false, false }, /* TSS */
	{ 0x98, false, 0, false, 0, false, false },	/* type 1: reserved */
	{ 0xa0, false, 0, true, 0, false, false },	/* zeros: type 0 */
	{ 0xa8, false, 0, false, 0, false, false },	/* straddles limit */
	{ 0xb0, false, 0, false, 0, false, false },	/* past the limit */
	{ 0x0c, false, 0, false, 0, false, false },	/* LDT: none yet */
};

/* After LLDT 0x58. */
static const struct want ldt_wants[] = {
	{ 0x04, true, 0x00cf9300, true, 0xffffffff, true, true },
	{ 0x0c, true, 0x00cf9b00, true, 0xffffffff, true, false },
	{ 0x17, true, 0x0040f100, true, 0xfff, true, false },
	{ 0x14, true, 0x0040f100, true, 0xfff, true, false },
	{ 0x1c, false, 0, false, 0, false, false },	/* past its limit */
};
/* clang-format on */

static void run(const struct want *w)
{
	struct result r;
	uint64_t s = w->sel;

	OP("lar %w2, %k0", s, r);
	expect("lar r32", s, &r, w->lar_ok, w->lar, AR_MSK);
	OP("lar %w2, %0", s, r);
	expect("lar r64", s, &r, w->lar_ok, w->lar, AR_MSK);
	OP("lar %w2, %w0", s, r);
	expect("lar r16", s, &r, w->lar_ok,
	       (JUNK & ~0xffffULL) | (w->lar & 0xff00), ~0ULL);
	if (w->lar_ok && (r.v >> 16) != (JUNK >> 16))
		expect("lar r16 keeps bits 63:16", s, &r, false, 0, 0);
	OP("lsl %w2, %k0", s, r);
	expect("lsl r32", s, &r, w->lsl_ok, w->lsl, ~0ULL);
	OP("lsl %w2, %0", s, r);
	expect("lsl r64", s, &r, w->lsl_ok, w->lsl, ~0ULL);
	OP("lsl %w2, %w0", s, r);
	expect("lsl r16", s, &r, w->lsl_ok,
	       (JUNK & ~0xffffULL) | (w->lsl & 0xffff), ~0ULL);
	OP("verr %w2", s, r);
	checks++;
	if (r.zf != w->verr || !(r.flags & CF)) {
		rt_printf("FAIL: verr %#lx: zf=%u, expected %u\n", s, r.zf,
			  w->verr);
		failures++;
	}
	OP("verw %w2", s, r);
	checks++;
	if (r.zf != w->verw || !(r.flags & CF)) {
		rt_printf("FAIL: verw %#lx: zf=%u, expected %u\n", s, r.zf,
			  w->verw);
		failures++;
	}
	OP("lar %w2, %k0", s, r);
	/* printed without the undefined bits 19:16 */
	rt_printf("seg %#04lx: lar %s %#010lx", s, r.zf ? "zf=1" : "zf=0",
		  r.zf ? r.v & AR_MSK : 0);
	OP("lsl %w2, %k0", s, r);
	rt_printf("  lsl %s %#010lx", r.zf ? "zf=1" : "zf=0", r.zf ? r.v : 0);
	OP("verr %w2", s, r);
	rt_printf("  verr %u", r.zf);
	OP("verw %w2", s, r);
	rt_printf("  verw %u\n", r.zf);
}

static void build_gdt(void)
{
	struct gdtr cur, mine;
	const uint64_t *hyve;

	__asm__ volatile("sgdt %0" : "=m"(cur));
	hyve = (const uint64_t *)(uintptr_t)cur.base;
	rt_printf("seg: hyve's GDT at %#lx, limit %#x\n", cur.base, cur.limit);
	for (unsigned int i = 0; i < 6 && i * 8 + 7 <= cur.limit; i++)
		gdt[i] = hyve[i];
	gdt[6] = seg(0, 0xfffff, 0x91, 0xc); /* 0x30 read-only data */
	gdt[7] = seg(0, 0xfffff, 0x9c, 0xa); /* 0x38 conforming, exec-only */
	gdt[8] = seg(0x12abcdef, 0x12345, 0xf3, 0x4); /* 0x40 DPL 3 data */
	gdt[9] = seg(0, 0xfffff, 0x98, 0xa);  /* 0x48 execute-only code */
	gdt[10] = seg(0, 0xfffff, 0xfe, 0xa); /* 0x50 conforming, DPL 3 */
	sys16(11, (uintptr_t)ldt, sizeof(ldt) - 1, 0x82); /* 0x58 LDT */
	gate16(13, 0x10, 0x00123456, 0x8c); /* 0x68 64-bit call gate */
	gate16(15, 0x10, 0x00123456, 0x8e); /* 0x78 interrupt gate */
	sys16(17, (uintptr_t)tss2, sizeof(tss2) - 1, 0x89); /* 0x88 TSS */
	gdt[19] = seg(0, 0xffff, 0x81, 0);		    /* 0x98 type 1 */
	gdt[20] = 0;					    /* 0xa0 */
	gdt[21] = seg(0, 0xfffff, 0x93, 0xc); /* 0xa8, half past limit */
	ldt[0] = seg(0, 0xfffff, 0x93, 0xc);
	ldt[1] = seg(0, 0xfffff, 0x9b, 0xc);
	ldt[2] = seg(0, 0xfff, 0xf1, 0x4);
	mine.base = (uintptr_t)gdt;
	mine.limit = NGDT * 8 + 3; /* 0xab: 0xa8's descriptor straddles it */
	__asm__ volatile("lgdt %0" : : "m"(mine) : "memory");
}

int main(const struct hyve_boot_info *bi)
{
	struct result r;
	static uint16_t msel;

	(void)bi;
	build_gdt();
	for (unsigned int i = 0; i < sizeof(wants) / sizeof(wants[0]); i++)
		run(&wants[i]);

	/* Bits above 15 of the selector register are ignored. */
	OP("lar %w2, %k0", 0xffffffff00000018ULL, r);
	expect("lar with high bits", 0xffffffff00000018ULL, &r, true,
	       0x00cf9300, AR_MSK);
	OP("lsl %w2, %k0", 0x12340010ULL, r);
	expect("lsl with high bits", 0x12340010ULL, &r, true, 0xffffffff,
	       ~0ULL);

	/* Memory operands: a 16-bit selector in memory. */
	msel = 0x43;
	{
		uint64_t d = JUNK, f;
		__asm__ volatile("stc; lar %2, %k0; pushfq; popq %1"
				 : "+r"(d), "=r"(f)
				 : "m"(msel)
				 : "cc");
		r = (struct result){ (f & ZF) != 0, d, f };
		expect("lar r32, m16", msel, &r, true, 0x0041f300, AR_MSK);
		d = JUNK;
		__asm__ volatile("stc; lsl %2, %0; pushfq; popq %1"
				 : "+r"(d), "=r"(f)
				 : "m"(msel)
				 : "cc");
		r = (struct result){ (f & ZF) != 0, d, f };
		expect("lsl r64, m16", msel, &r, true, 0x12345, ~0ULL);
		__asm__ volatile("verr %1; pushfq; popq %0"
				 : "=r"(f)
				 : "m"(msel)
				 : "cc");
		checks++;
		if (!(f & ZF)) {
			rt_puts("FAIL: verr m16 0x43: zf=0\n");
			failures++;
		}
		msel = 0x30;
		__asm__ volatile("verw %1; pushfq; popq %0"
				 : "=r"(f)
				 : "m"(msel)
				 : "cc");
		checks++;
		if (f & ZF) {
			rt_puts("FAIL: verw m16 0x30 (read-only): zf=1\n");
			failures++;
		}
	}

	/* Load the LDT and try its selectors; then unload it. */
	__asm__ volatile("lldt %w0" : : "r"(0x58) : "memory");
	for (unsigned int i = 0; i < sizeof(ldt_wants) / sizeof(ldt_wants[0]);
	     i++)
		run(&ldt_wants[i]);
	__asm__ volatile("lldt %w0" : : "r"(0) : "memory");
	run(&wants[sizeof(wants) / sizeof(wants[0]) - 1]);

	rt_printf("seg: %u checks, %u failed\n", checks, failures);
	if (failures)
		return 0x7e;
	rt_puts("seg: all checks passed\n");
	return 0x34;
}
