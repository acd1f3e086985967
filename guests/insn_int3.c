/*
 * insn_int3: INT3 (CC), which KVM's emulator on some hosts cannot run at
 * CPL 0 and hyve completes (SDM Vol. 2A "INT n/INTO/INT3/INT1": a trap
 * through IDT vector 3, #BP, with the saved RIP after the instruction).
 * Checks that the #BP handler runs once per INT3, that the frame it gets
 * has RIP just past the INT3, the kernel CS and the RFLAGS of the code that
 * trapped, that execution goes on after it with the general registers
 * intact, for one INT3, for several in a row and in a loop.
 * Returns 0x31 (hyve exits with 99) when every check passed, else 0x7e.
 */
#include "rt.h"
#include "x86.h"

static volatile uint64_t bp_count, bp_rip, bp_cs, bp_rflags;
static unsigned int failures;

static void check(bool ok, const char *what)
{
	if (!ok) {
		rt_printf("FAIL: %s\n", what);
		failures++;
	}
}

static void on_bp(uint64_t vector, uint64_t error, struct rt_frame *f)
{
	(void)vector;
	(void)error;
	bp_count++;
	bp_rip = f->rip;
	bp_cs = f->cs;
	bp_rflags = f->rflags;
}

/* One INT3; *after gets the address just past it. */
static void one_int3(uint64_t *after)
{
	__asm__ volatile("int3\n\t"
			 "1: lea 1b(%%rip), %0"
			 : "=r"(*after)
			 :
			 : "memory");
}

int main(const struct hyve_boot_info *bi)
{
	uint64_t after = 0, flags, r[6];

	(void)bi;
	rt_idt_init();
	rt_set_handler(3, on_bp);

	one_int3(&after);
	rt_printf("int3: handler ran %lu time(s), saved rip %#lx, after int3 "
		  "%#lx, cs %#lx\n",
		  bp_count, bp_rip, after, bp_cs);
	check(bp_count == 1, "the #BP handler did not run once");
	check(bp_rip == after, "the saved RIP is not just past the int3");
	check(bp_cs == 0x10, "the saved CS is not the kernel's 0x10");

	/* Flags and registers survive: CF and DF set around the int3. */
	__asm__ volatile("pushfq; orq $0x401, (%%rsp); popfq\n\t"
			 "int3\n\t"
			 "pushfq; popq %0; cld; clc"
			 : "=r"(flags)
			 :
			 : "memory", "cc");
	rt_printf("int3: rflags before %#lx, in the frame %#lx\n", flags,
		  bp_rflags);
	check(bp_count == 2, "the second int3 was not delivered");
	check((bp_rflags & 0x401) == 0x401, "CF/DF lost in the #BP frame");
	check((flags & 0x401) == 0x401, "CF/DF lost after the int3");

	__asm__ volatile("mov $0x1111, %%rbx\n\t"
			 "mov $0x2222, %%rsi\n\t"
			 "mov $0x3333, %%rdi\n\t"
			 "mov $0x4444, %%r8\n\t"
			 "mov $0x5555, %%r12\n\t"
			 "mov $0x6666, %%r15\n\t"
			 "int3\n\t"
			 "int3\n\t"
			 "int3\n\t"
			 "mov %%rbx, 0(%0)\n\t"
			 "mov %%rsi, 8(%0)\n\t"
			 "mov %%rdi, 16(%0)\n\t"
			 "mov %%r8, 24(%0)\n\t"
			 "mov %%r12, 32(%0)\n\t"
			 "mov %%r15, 40(%0)"
			 :
			 : "r"(r)
			 : "rbx", "rsi", "rdi", "r8", "r12", "r15", "memory");
	rt_printf("int3: three in a row: count %lu, registers %#lx %#lx %#lx "
		  "%#lx %#lx %#lx\n",
		  bp_count, r[0], r[1], r[2], r[3], r[4], r[5]);
	check(bp_count == 5, "three int3s in a row did not trap three times");
	check(r[0] == 0x1111 && r[1] == 0x2222 && r[2] == 0x3333 &&
		      r[3] == 0x4444 && r[4] == 0x5555 && r[5] == 0x6666,
	      "registers changed across int3");

	for (int i = 0; i < 20; i++)
		__asm__ volatile("int3" ::: "memory");
	rt_printf("int3: %lu traps in all\n", bp_count);
	check(bp_count == 25, "a loop of 20 int3s did not trap 20 times");

	if (failures) {
		rt_printf("int3: %u checks failed\n", failures);
		return 0x7e;
	}
	rt_puts("int3: all checks passed\n");
	return 0x31;
}
