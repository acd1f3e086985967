/*
 * insn_vmcall: VMCALL (0F 01 C1) and VMMCALL (0F 01 D9), which hang on some
 * hosts and which hyve completes as KVM answers an unknown hypercall
 * (Documentation/virt/kvm/x86/hypercalls.rst): RAX = -KVM_ENOSYS (-1000)
 * at CPL 0, execution going on just past the three bytes, the argument
 * registers (RBX, RCX, RDX, RSI) and the others untouched.  Tried with
 * several hypercall numbers, in a loop, and once from compatibility mode
 * (hyve's 32-bit code segment 0x08 under IA-32e), where the result is the
 * 32-bit -1000 (0xfffffc18).  Returns 0x37 (hyve exits with 111) when every
 * check passed, else 0x7e.
 */
#include "rt.h"

#define KVM_ENOSYS 1000

static unsigned int failures, checks;

struct regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, r8, after;
};

/* The hypercall at a label, then the registers and where it went on. */
#define HYPERCALL(insn, nr, out)                                               \
	__asm__ volatile("mov $0x1111, %%rbx\n\t"                              \
			 "mov $0x2222, %%rcx\n\t"                              \
			 "mov $0x3333, %%rdx\n\t"                              \
			 "mov $0x4444, %%rsi\n\t"                              \
			 "mov $0x5555, %%rdi\n\t"                              \
			 "mov $0x6666, %%r8\n\t"                               \
			 "lea 1f(%%rip), %%r9\n\t" insn "\n\t"                 \
			 "1: lea (%%rip), %%r10\n\t"                           \
			 "sub $7, %%r10\n\t"                                   \
			 "sub %%r9, %%r10\n\t"                                 \
			 "mov %%rax, 0(%1)\n\t"                                \
			 "mov %%rbx, 8(%1)\n\t"                                \
			 "mov %%rcx, 16(%1)\n\t"                               \
			 "mov %%rdx, 24(%1)\n\t"                               \
			 "mov %%rsi, 32(%1)\n\t"                               \
			 "mov %%rdi, 40(%1)\n\t"                               \
			 "mov %%r8, 48(%1)\n\t"                                \
			 "mov %%r10, 56(%1)"                                   \
			 : "+a"(nr)                                            \
			 : "r"(out)                                            \
			 : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9",      \
			   "r10", "memory", "cc")

static void expect(const char *what, uint64_t nr, const struct regs *r)
{
	checks++;
	if (r->rax == (uint64_t)-KVM_ENOSYS && r->rbx == 0x1111 &&
	    r->rcx == 0x2222 && r->rdx == 0x3333 && r->rsi == 0x4444 &&
	    r->rdi == 0x5555 && r->r8 == 0x6666 && r->after == 0)
		return;
	rt_printf("FAIL: %s %#lx: rax=%#lx rbx=%#lx rcx=%#lx rdx=%#lx "
		  "rsi=%#lx rdi=%#lx r8=%#lx, resumed %ld bytes off\n",
		  what, nr, r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi,
		  r->r8, (int64_t)r->after);
	failures++;
}

/*
 * Far return to 0x08 (32-bit code), vmcall with EAX = nr there, far jump
 * back to 0x10; EAX as the 32-bit code saw it.
 */
static uint64_t compat_vmcall(uint32_t nr)
{
	uint64_t rax;

	__asm__ volatile("pushq $0x08\n\t"
			 "lea 1f(%%rip), %%rcx\n\t"
			 "pushq %%rcx\n\t"
			 "lretq\n\t"
			 ".code32\n"
			 "1: vmcall\n\t"
			 "ljmp $0x10, $2f\n\t"
			 ".code64\n"
			 "2:"
			 : "=a"(rax)
			 : "a"(nr)
			 : "rcx", "memory", "cc");
	return rax;
}

int main(const struct hyve_boot_info *bi)
{
	static const uint64_t numbers[] = { 0x7fff0000, 0, 99, 0xffffffff,
					    0x123456789 };
	struct regs r;
	uint64_t nr, v;

	(void)bi;
	for (unsigned int i = 0; i < sizeof(numbers) / sizeof(numbers[0]);
	     i++) {
		nr = numbers[i];
		HYPERCALL("vmcall", nr, &r);
		rt_printf("vmcall: nr %#lx -> rax %#lx (%ld)\n", numbers[i],
			  r.rax, (int64_t)r.rax);
		expect("vmcall", numbers[i], &r);
		nr = numbers[i];
		HYPERCALL("vmmcall", nr, &r);
		rt_printf("vmmcall: nr %#lx -> rax %#lx (%ld)\n", numbers[i],
			  r.rax, (int64_t)r.rax);
		expect("vmmcall", numbers[i], &r);
	}
	for (int i = 0; i < 5; i++) {
		nr = 0x7fff0000;
		HYPERCALL("vmcall", nr, &r);
		expect("vmcall in a loop", 0x7fff0000, &r);
	}
	/*
	 * KVM may rewrite a hypercall instruction that is not its host
	 * vendor's into the one that is (its "fix hypercall" quirk), in
	 * guest memory; say so when that happened to this one.
	 */
	nr = 0x7fff0000;
	__asm__ volatile("vmmcall_site: vmmcall" : "+a"(nr) : : "memory", "cc");
	{
		extern const uint8_t vmmcall_site[];
		const volatile uint8_t *b = vmmcall_site;

		rt_printf("vmmcall: rax %#lx; the instruction's bytes are now "
			  "%02x %02x %02x%s\n",
			  nr, b[0], b[1], b[2],
			  b[2] == 0xc1 ? " (rewritten to vmcall by KVM)" : "");
		checks++;
		if (nr != (uint64_t)-KVM_ENOSYS) {
			rt_printf("FAIL: vmmcall gave %#lx\n", nr);
			failures++;
		}
	}
	v = compat_vmcall(0x7fff0000);
	rt_printf("vmcall from compatibility mode: eax %#lx\n", v);
	checks++;
	if ((uint32_t)v != (uint32_t)-KVM_ENOSYS) {
		rt_printf("FAIL: vmcall in compatibility mode gave %#lx, "
			  "expected 0xfffffc18\n",
			  v);
		failures++;
	}

	rt_printf("vmcall: %u checks, %u failed\n", checks, failures);
	if (failures)
		return 0x7e;
	rt_puts("vmcall: all checks passed\n");
	return 0x37;
}
