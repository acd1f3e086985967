/*
 * insn_mxcsr: LDMXCSR and STMXCSR (SDM Vol. 2A/2B; MXCSR in Vol. 1,
 * 10.2.3 and 11.6.6), which KVM's emulator on some hosts lacks and hyve
 * completes.  With CR4.OSFXSR set, checks that STMXCSR gives the reset
 * value FXSAVE64 shows (0x1f80), that LDMXCSR of various values reads back
 * the same through STMXCSR and FXSAVE64, through rip-relative, register
 * and base + displacement operands; that each of the 32 MXCSR bits loads
 * when FXSAVE's MXCSR_MASK allows it and raises #GP(0) otherwise, with RIP
 * on the LDMXCSR and MXCSR unchanged; and the faults the SDM lists: #UD
 * without CR4.OSFXSR or with CR0.EM, #NM with CR0.TS.  Returns 0x35 (hyve
 * exits with 107) when every check passed, else 0x7e.
 */
#include "rt.h"
#include "x86.h"

#define CR0_EM	     (1ULL << 2)
#define CR0_TS	     (1ULL << 3)
#define CR4_OSFXSR   (1ULL << 9)
#define CR4_XMMEXCPT (1ULL << 10)
#define NO_FAULT     0xff

static unsigned int failures;
static struct rt_fxsave fx;
static volatile uint64_t resume, fault_rip, fault_err;
static volatile uint8_t fault_vec = NO_FAULT;
static uint32_t mem32;

static void check(bool ok, const char *what)
{
	if (!ok) {
		rt_printf("FAIL: %s\n", what);
		failures++;
	}
}

static uint64_t read_cr(int n)
{
	uint64_t v;
	if (n == 0)
		__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	else
		__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr(int n, uint64_t v)
{
	if (n == 0)
		__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
	else
		__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static void on_fault(uint64_t vector, uint64_t error, struct rt_frame *f)
{
	fault_vec = (uint8_t)vector;
	fault_err = error;
	fault_rip = f->rip;
	f->rip = resume;
}

/*
 * LDMXCSR from memory at [reg]; the vector it raised (NO_FAULT if none)
 * and *at, the instruction's address.
 */
static uint8_t ldmxcsr(uint32_t v, uint64_t *at)
{
	mem32 = v;
	fault_vec = NO_FAULT;
	__asm__ volatile("lea 1f(%%rip), %%rax\n\t"
			 "mov %%rax, %1\n\t"
			 "lea 2f(%%rip), %%rax\n\t"
			 "mov %%rax, %0\n\t"
			 "2: ldmxcsr (%2)\n\t"
			 "1:"
			 : "=m"(*at), "=m"(resume)
			 : "r"(&mem32)
			 : "rax", "memory");
	return fault_vec;
}

static uint8_t stmxcsr(uint32_t *v)
{
	uint64_t at;

	fault_vec = NO_FAULT;
	__asm__ volatile("lea 1f(%%rip), %%rax\n\t"
			 "mov %%rax, %1\n\t"
			 "lea 2f(%%rip), %%rax\n\t"
			 "mov %%rax, %0\n\t"
			 "2: stmxcsr 4(%2)\n\t"
			 "1:"
			 : "=m"(at), "=m"(resume)
			 : "r"((uintptr_t)v - 4)
			 : "rax", "memory");
	return fault_vec;
}

static uint32_t current(void)
{
	uint32_t v = 0xdeadbeef;

	check(stmxcsr(&v) == NO_FAULT, "stmxcsr faulted");
	return v;
}

static void bits(uint32_t mask)
{
	uint32_t base = 0x1f80, got;
	unsigned int loaded = 0, refused = 0;
	uint64_t at;

	for (unsigned int b = 0; b < 32; b++) {
		uint32_t v = base | 1u << b;
		uint8_t vec = ldmxcsr(v, &at);

		if (mask & (1u << b)) {
			got = current();
			if (vec != NO_FAULT || got != v) {
				rt_printf("FAIL: ldmxcsr %#x (bit %u in the "
					  "mask): vector %u, mxcsr %#x\n",
					  v, b, vec, got);
				failures++;
			}
			loaded++;
		} else {
			got = current();
			if (vec != 13 || fault_err != 0 || fault_rip != at ||
			    got != base) {
				rt_printf("FAIL: ldmxcsr %#x (reserved bit "
					  "%u): vector %u error %#lx rip %#lx "
					  "(insn at %#lx), mxcsr %#x\n",
					  v, b, vec, fault_err, fault_rip, at,
					  got);
				failures++;
			}
			refused++;
		}
		ldmxcsr(base, &at);
	}
	rt_printf("mxcsr: %u bits load, %u raise #GP(0)\n", loaded, refused);
}

int main(const struct hyve_boot_info *bi)
{
	static const uint32_t values[] = { 0x1f80, 0x7f80, 0x1f80 | 0x3f,
					   0x0000, 0x9f80, 0xffbf };
	uint64_t cr0 = read_cr(0), cr4 = read_cr(4), at;
	uint32_t mask, v;

	(void)bi;
	rt_idt_init();
	rt_set_handler(6, on_fault);
	rt_set_handler(7, on_fault);
	rt_set_handler(13, on_fault);

	/* Without CR4.OSFXSR: #UD. */
	write_cr(4, cr4 & ~(CR4_OSFXSR | CR4_XMMEXCPT));
	check(ldmxcsr(0x1f80, &at) == 6 && fault_rip == at,
	      "ldmxcsr without CR4.OSFXSR: #UD");
	check(stmxcsr(&v) == 6, "stmxcsr without CR4.OSFXSR: #UD");

	write_cr(4, cr4 | CR4_OSFXSR | CR4_XMMEXCPT);
	rt_fxsave(&fx);
	mask = fx.mxcsr_mask ? fx.mxcsr_mask : 0xffbf;
	v = current();
	rt_printf("mxcsr: cr0=%#lx cr4=%#lx; fxsave: mxcsr=%#x mxcsr_mask=%#x; "
		  "stmxcsr: %#x\n",
		  read_cr(0), read_cr(4), fx.mxcsr, fx.mxcsr_mask, v);
	check(v == fx.mxcsr, "stmxcsr != fxsave's mxcsr");
	check(v == 0x1f80, "mxcsr is not the reset value 0x1f80");

	for (unsigned int i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint32_t want = values[i] & mask;
		uint32_t got = 0;

		check(ldmxcsr(want, &at) == NO_FAULT, "ldmxcsr faulted");
		got = current();
		rt_fxsave(&fx);
		rt_printf("mxcsr: loaded %#x, stmxcsr %#x, fxsave %#x\n", want,
			  got, fx.mxcsr);
		check(got == want && fx.mxcsr == want,
		      "ldmxcsr/stmxcsr/fxsave disagree");
	}
	/* rip-relative operands */
	{
		static uint32_t in = 0x3f80, out;
		__asm__ volatile("ldmxcsr %1; stmxcsr %0"
				 : "=m"(out)
				 : "m"(in)
				 : "memory");
		rt_printf("mxcsr: rip-relative %#x -> %#x\n", in, out);
		check(out == in, "rip-relative ldmxcsr/stmxcsr");
	}
	bits(mask);

	/* CR0.TS: #NM; CR0.EM: #UD. */
	write_cr(0, cr0 | CR0_TS);
	check(ldmxcsr(0x1f80, &at) == 7 && fault_rip == at,
	      "ldmxcsr with CR0.TS: #NM");
	check(stmxcsr(&v) == 7, "stmxcsr with CR0.TS: #NM");
	write_cr(0, cr0 | CR0_EM);
	check(ldmxcsr(0x1f80, &at) == 6, "ldmxcsr with CR0.EM: #UD");
	check(stmxcsr(&v) == 6, "stmxcsr with CR0.EM: #UD");
	write_cr(0, cr0);
	check(current() == 0x1f80, "mxcsr changed by the faulting loads");

	if (failures) {
		rt_printf("mxcsr: %u checks failed\n", failures);
		return 0x7e;
	}
	rt_puts("mxcsr: all checks passed\n");
	return 0x35;
}
