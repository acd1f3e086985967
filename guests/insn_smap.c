/*
 * insn_smap: CLAC and STAC (NP 0F 01 CA / CB, SDM Vol. 2A "CLAC" and Vol.
 * 2B "STAC"), which KVM's emulator on some hosts lacks and hyve completes.
 * Checks RFLAGS.AC (bit 18) after each, read back with PUSHFQ, from either
 * starting value and several times over, that the other flags (CF, ZF, SF,
 * OF, DF) are untouched, that execution goes on just past the three bytes,
 * and the same with CR4.SMAP set (when CPUID shows SMAP).  Returns 0x36
 * (hyve exits with 109) when every check passed, else 0x7e.
 */
#include "rt.h"

#define AC	 (1ULL << 18)
#define OTHERS	 0xcc5ULL /* CF PF ZF SF DF OF */
#define CR4_SMAP (1ULL << 21)

static unsigned int failures, checks;

static uint64_t clac_from(uint64_t start)
{
	uint64_t f;

	__asm__ volatile("push %1; popfq\n\t"
			 "clac\n\t"
			 "pushfq; popq %0\n\t"
			 "push $2; popfq"
			 : "=r"(f)
			 : "r"(start)
			 : "cc", "memory");
	return f;
}

static uint64_t stac_from(uint64_t start)
{
	uint64_t f;

	__asm__ volatile("push %1; popfq\n\t"
			 "stac\n\t"
			 "pushfq; popq %0\n\t"
			 "push $2; popfq"
			 : "=r"(f)
			 : "r"(start)
			 : "cc", "memory");
	return f;
}

static void expect(const char *what, uint64_t start, uint64_t got,
		   uint64_t want_ac)
{
	checks++;
	if ((got & AC) == want_ac && (got & OTHERS) == (start & OTHERS))
		return;
	rt_printf("FAIL: %s from rflags %#lx gave %#lx (AC should be %u, "
		  "the others kept)\n",
		  what, start, got, want_ac ? 1 : 0);
	failures++;
}

static void round_trip(const char *when)
{
	static const uint64_t starts[] = { 0x2, 0x2 | AC, 0x2 | OTHERS,
					   0x2 | OTHERS | AC };
	uint64_t f = 0;

	for (unsigned int i = 0; i < 4; i++) {
		expect("clac", starts[i], clac_from(starts[i]), 0);
		expect("stac", starts[i], stac_from(starts[i]), AC);
	}
	/* several in a row, ending on each */
	__asm__ volatile("push $2; popfq\n\t"
			 "stac; clac; stac; stac; clac; clac; stac\n\t"
			 "pushfq; popq %0; clac"
			 : "=r"(f)
			 :
			 : "cc");
	expect("stac;clac;...;stac", 0x2, f, AC);
	__asm__ volatile("push $2; popfq\n\t"
			 "clac; stac; clac\n\t"
			 "pushfq; popq %0"
			 : "=r"(f)
			 :
			 : "cc");
	expect("clac;stac;clac", 0x2, f, 0);
	rt_printf("smap %s: clac -> rflags %#lx, stac -> rflags %#lx\n", when,
		  clac_from(0x2 | AC), stac_from(0x2));
}

int main(const struct hyve_boot_info *bi)
{
	uint32_t r[4];
	uint64_t cr4, after = 0, at = 0;

	(void)bi;
	round_trip("with CR4.SMAP clear");

	/* RIP: the instruction after stac is the next one run. */
	__asm__ volatile("lea 1f(%%rip), %0\n\t"
			 "stac\n\t"
			 "1: lea (%%rip), %1\n\t"
			 "clac"
			 : "=r"(at), "=r"(after)
			 :
			 : "cc");
	checks++;
	if (after - at != 7) { /* the lea after it is 7 bytes long */
		rt_printf("FAIL: after stac, rip %#lx; expected %#lx\n", after,
			  at + 7);
		failures++;
	}

	cpuid(7, 0, r);
	if (r[1] & (1u << 20)) {
		__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
		__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_SMAP));
		round_trip("with CR4.SMAP set");
		__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	} else {
		rt_puts("smap: CPUID shows no SMAP; CR4.SMAP not tried\n");
	}

	rt_printf("smap: %u checks, %u failed\n", checks, failures);
	if (failures)
		return 0x7e;
	rt_puts("smap: all checks passed\n");
	return 0x36;
}
