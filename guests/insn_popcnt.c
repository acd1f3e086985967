/*
 * insn_popcnt: POPCNT (F3 0F B8 /r, SDM Vol. 2B), which KVM's emulator on
 * some hosts lacks and hyve completes.  For 16-, 32- and 64-bit operands,
 * from a register (legacy and REX ones) and from memory (rip-relative,
 * base + index * scale + displacement), checks the count against a
 * reference, the destination's upper bits (a 16-bit result keeps bits
 * 63:16, a 32-bit one clears bits 63:32), and the flags: ZF set only for a
 * zero source, CF OF SF AF PF cleared, the other RFLAGS bits untouched
 * (DF is set around the instruction).  Also: a 32-bit address (67 prefix)
 * whose register has junk above bit 31; POPCNT in compatibility mode
 * (hyve's 32-bit code segment 0x08 under IA-32e: 32-bit operands and
 * addresses by default, 16-bit with 66); and LOCK POPCNT, which is #UD
 * with RIP on the instruction.  Returns 0x33 (hyve exits with 103) when
 * every check passed, else 0x7e.
 */
#include "rt.h"
#include "x86.h"

#define ARITH (0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x800) /* CF PF AF ZF SF OF */
#define ZF    0x40
#define DF    0x400

static unsigned int failures, tests;

static unsigned int ref_popcount(uint64_t v)
{
	unsigned int n = 0;

	for (; v; v >>= 1)
		n += v & 1;
	return n;
}

/* Run "popcnt" with all arithmetic flags and DF set; flags after in *f. */
#define POPCNT(insn, dst, src, f)                                              \
	__asm__ volatile("pushfq\n\t"                                          \
			 "orq $0xcd5, (%%rsp)\n\t"                             \
			 "popfq\n\t" insn "\n\t"                               \
			 "pushfq\n\t"                                          \
			 "popq %1\n\t"                                         \
			 "cld"                                                 \
			 : "+r"(dst), "=r"(f)                                  \
			 : src                                                 \
			 : "cc", "memory")

static void verdict(const char *form, uint64_t src, uint64_t got, uint64_t want,
		    uint64_t flags)
{
	uint64_t want_flags = src ? 0 : ZF;

	tests++;
	if (got == want && (flags & ARITH) == want_flags && (flags & DF))
		return;
	rt_printf("FAIL: popcnt %s of %#lx: result %#lx (want %#lx), flags "
		  "%#lx (want %#lx in %#x, DF kept)\n",
		  form, src, got, want, flags, want_flags, ARITH);
	failures++;
}

static const uint64_t values[] = {
	0,
	1,
	0x8000,
	0xffff,
	0x12345678,
	0x80000000,
	0xffffffff,
	0x5555555555555555,
	0x8000000000000000,
	0xffffffffffffffff,
	0x0123456789abcdef,
	0xffff0000ffff0000,
};
static volatile uint64_t mem_src;
static volatile uint64_t table[4];
static volatile uint64_t ud_count, ud_rip, ud_resume;

static void on_ud(uint64_t v, uint64_t e, struct rt_frame *f)
{
	(void)v;
	(void)e;
	ud_count++;
	ud_rip = f->rip;
	f->rip = ud_resume;
}

/*
 * In compatibility mode: popcnt ebx -> eax, bx -> dx (66), [esi] -> ecx;
 * the results in r[0..2].
 */
static void compat_popcnt(uint32_t v, const uint32_t *m, uint64_t r[3])
{
	uint64_t a, d, c;

	__asm__ volatile("pushq $0x08\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "mov $0xffffffff, %%edx\n\t"
			 "lretq\n\t"
			 ".code32\n"
			 "1: popcnt %%ebx, %%eax\n\t"
			 "popcnt %%bx, %%dx\n\t"
			 "popcnt (%%esi), %%ecx\n\t"
			 "ljmp $0x10, $2f\n\t"
			 ".code64\n"
			 "2:"
			 : "=&a"(a), "=&d"(d), "=&c"(c)
			 : "b"(v), "S"(m)
			 : "memory", "cc");
	r[0] = a;
	r[1] = d;
	r[2] = c;
}

int main(const struct hyve_boot_info *bi)
{
	const uint64_t junk = 0xdeadbeefcafef00dULL;

	(void)bi;
	for (unsigned int i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint64_t v = values[i], d, f;
		unsigned int n64 = ref_popcount(v);
		unsigned int n32 = ref_popcount((uint32_t)v);
		unsigned int n16 = ref_popcount((uint16_t)v);

		d = junk;
		POPCNT("popcnt %2, %0", d, "r"(v), f);
		verdict("r64, r64", v, d, n64, f);

		d = junk;
		POPCNT("popcnt %k2, %k0", d, "r"(v), f);
		verdict("r32, r32", (uint32_t)v, d, n32, f);

		d = junk;
		POPCNT("popcnt %w2, %w0", d, "r"(v), f);
		verdict("r16, r16", (uint16_t)v, d, (junk & ~0xffffULL) | n16,
			f);

		/* REX.R and REX.B registers */
		d = junk;
		__asm__ volatile("mov %2, %%r9\n\t"
				 "pushfq; orq $0xcd5, (%%rsp); popfq\n\t"
				 "popcnt %%r9, %%r14\n\t"
				 "pushfq; popq %1; cld\n\t"
				 "mov %%r14, %0"
				 : "+r"(d), "=r"(f)
				 : "r"(v)
				 : "r9", "r14", "cc");
		verdict("r14, r9", v, d, n64, f);

		/* memory: rip-relative */
		mem_src = v;
		d = junk;
		POPCNT("popcnt %2, %0", d, "m"(mem_src), f);
		verdict("r64, m64", v, d, n64, f);
		d = junk;
		POPCNT("popcntl %2, %k0", d, "m"(mem_src), f);
		verdict("r32, m32", (uint32_t)v, d, n32, f);
		d = junk;
		POPCNT("popcntw %2, %w0", d, "m"(mem_src), f);
		verdict("r16, m16", (uint16_t)v, d, (junk & ~0xffffULL) | n16,
			f);

		/* memory: base + index * 8 + displacement */
		table[2] = v;
		d = junk;
		__asm__ volatile("pushfq; orq $0xcd5, (%%rsp); popfq\n\t"
				 "popcnt 8(%2,%3,8), %0\n\t"
				 "pushfq; popq %1; cld"
				 : "+r"(d), "=r"(f)
				 : "r"(table), "r"(1L)
				 : "cc", "memory");
		verdict("r64, [base+index*8+8]", v, d, n64, f);
	}
	rt_printf("popcnt: %u forms and values checked, %u failed\n", tests,
		  failures);

	/* A 32-bit address: the junk above bit 31 of RBX is not used. */
	{
		uint64_t d = junk, f;

		mem_src = 0xf0f0;
		__asm__ volatile("popcnt (%%ebx), %0\n\t"
				 "pushfq; popq %1"
				 : "+r"(d), "=r"(f)
				 : "b"((uintptr_t)&mem_src | 0xdead00000000ULL)
				 : "cc", "memory");
		rt_printf("popcnt: addr32 operand -> %lu\n", d);
		verdict("r64, m64 addr32", 0xf0f0, d, 8, f | DF);
	}

	/* Compatibility mode. */
	{
		static uint32_t m32 = 0x80000001;
		uint64_t r[3];

		compat_popcnt(0x0001ffff, &m32, r);
		rt_printf("popcnt: compatibility mode: %lu %#lx %lu\n", r[0],
			  r[1], r[2]);
		tests++;
		if ((uint32_t)r[0] != 17 || (uint32_t)r[1] != 0xffff0010 ||
		    (uint32_t)r[2] != 2) {
			rt_puts("FAIL: popcnt in compatibility mode: expected "
				"17 0xffff0010 2\n");
			failures++;
		}
	}

	/* LOCK POPCNT: #UD, RIP on the instruction. */
	{
		uint64_t at;

		rt_idt_init();
		rt_set_handler(6, on_ud);
		__asm__ volatile(
			"lea 1f(%%rip), %%rax\n\t"
			"mov %%rax, %1\n\t"
			"lea 2f(%%rip), %0\n\t"
			"2: .byte 0xf0, 0xf3, 0x48, 0x0f, 0xb8, 0xc0\n\t"
			"1:"
			: "=&r"(at), "=m"(ud_resume)
			:
			: "rax", "memory", "cc");
		rt_printf("popcnt: lock popcnt: #UD %lu time(s) at %#lx "
			  "(insn at %#lx)\n",
			  ud_count, ud_rip, at);
		tests++;
		if (ud_count != 1 || ud_rip != at) {
			rt_puts("FAIL: lock popcnt did not raise #UD on "
				"itself\n");
			failures++;
		}
	}
	if (failures)
		return 0x7e;
	rt_puts("popcnt: all checks passed\n");
	return 0x33;
}
