/*
 * user_syscall: drops to CPL 3 and comes back with SYSCALL, the way user
 * programs enter a 64-bit kernel, twice, checking what SYSCALL promises:
 * CPL 0 with CS and SS from MSR_STAR, RCX the return address, R11 the
 * user's RFLAGS, RFLAGS masked by MSR_FMASK, RSP untouched; then SYSRETQ
 * back to user mode.  The guest builds its own GDT (with user segments) and
 * TSS and makes only its user page (guest.ld's 2 MiB-aligned .user) accessible
 * at CPL 3, as an operating system does.
 */
#include "rt.h"
#include "x86.h"

#define MSR_EFER  0xc0000080
#define MSR_STAR  0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084

#define KCODE 0x10
#define KDATA 0x18
#define UDATA 0x23 /* STAR[63:48] = 0x18: SS = 0x20 | 3, CS = 0x28 | 3 */
#define UCODE 0x2b

static uint64_t gdt[8] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));
static uint8_t kstack[8192] __attribute__((aligned(16)));
static uint8_t ustack[4096] __attribute__((aligned(16), section(".user.data")));
static volatile uint64_t calls;

/* What the kernel entry saw, saved before it touches anything. */
struct entry_regs {
	uint64_t rcx, r11, rsp, rflags, rax;
	uint16_t cs, ss;
};
struct entry_regs seen[2];

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void user_done(void);

void syscall_entry(void);
void syscall_c(struct entry_regs *e);
void syscall_c(struct entry_regs *e)
{
	if (calls < 2)
		seen[calls] = *e;
	calls++;
	if (e->rax == 99) { /* the last call: report from CPL 0 and end */
		user_done();
		rt_exit(0x50);
	}
}

/*
 * SYSCALL lands here, at CPL 0, on the user stack: record the registers,
 * switch to kstack, call C, and return to user mode with SYSRETQ.
 */
__asm__(".globl syscall_entry\n"
	"syscall_entry:\n"
	"  mov %rsp, %r8\n"
	"  lea kstack+8192(%rip), %rsp\n"
	"  sub $48, %rsp\n"
	"  mov %rcx, 0(%rsp)\n"
	"  mov %r11, 8(%rsp)\n"
	"  mov %r8, 16(%rsp)\n"
	"  pushfq\n"
	"  pop %r9\n"
	"  mov %r9, 24(%rsp)\n"
	"  mov %rax, 32(%rsp)\n"
	"  mov %cs, 40(%rsp)\n"
	"  mov %ss, 42(%rsp)\n"
	"  push %rcx\n"
	"  push %r11\n"
	"  push %r8\n"
	"  lea 24(%rsp), %rdi\n"
	"  call syscall_c\n"
	"  pop %r8\n"
	"  pop %r11\n"
	"  pop %rcx\n"
	"  mov %r8, %rsp\n"
	"  sysretq\n");

/* User mode: two system calls, then a third that ends the test. */
__asm__(".section .user.text, \"ax\"\n"
	".globl user_code\n"
	"user_code:\n"
	"  mov $42, %eax\n"
	"  syscall\n"
	"  mov $43, %eax\n"
	"  syscall\n"
	"  mov $99, %eax\n"
	"  syscall\n"
	"1: jmp 1b\n"
	".previous\n");
void user_code(void);

static void user_done(void)
{
	const struct entry_regs *a = &seen[0], *b = &seen[1];

	rt_printf("user_syscall: %lu system calls\n", calls);
	rt_printf("user_syscall: cs=%#x ss=%#x rax=%lu rflags.if=%lu "
		  "r11.if=%lu rcx=%#lx\n",
		  a->cs, a->ss, a->rax, (a->rflags >> 9) & 1,
		  (a->r11 >> 9) & 1, a->rcx);
	rt_printf("user_syscall: second rax=%lu rcx-first=%lu same-rsp=%d\n",
		  b->rax, b->rcx - a->rcx, a->rsp == b->rsp);
}

int main(const struct hyve_boot_info *bi)
{
	uint64_t *pml4 = (uint64_t *)MEMMAP_PML4, *pdpt = (uint64_t *)MEMMAP_PDPT;
	uint64_t *pd = (uint64_t *)(pdpt[0] & ~0xfffULL);
	uint64_t tssa = (uintptr_t)tss;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uintptr_t)gdt };

	(void)bi;
	rt_idt_init();
	gdt[KCODE / 8] = 0x00af9b000000ffffULL;
	gdt[KDATA / 8] = 0x00cf93000000ffffULL;
	gdt[4] = 0x00cff3000000ffffULL; /* user data */
	gdt[5] = 0x00affb000000ffffULL; /* user code */
	gdt[6] = 103 | (tssa & 0xffffff) << 16 | 0x89ULL << 40 |
		 (tssa >> 24 & 0xff) << 56;
	gdt[7] = tssa >> 32;
	*(uint64_t *)(tss + 4) = (uintptr_t)kstack + sizeof(kstack); /* RSP0 */
	__asm__ volatile("lgdt %0\n"
			 "mov $0x30, %%ax\n"
			 "ltr %%ax\n"
			 : : "m"(gdtr) : "rax");
	/* Only the user page (guest.ld's .user) is accessible at CPL 3. */
	pml4[0] |= 4;
	pdpt[0] |= 4;
	pd[(uintptr_t)user_code >> 21] |= 4;
	__asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" : : : "rax");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1); /* SCE */
	wrmsr(MSR_STAR, (uint64_t)KDATA << 48 | (uint64_t)KCODE << 32);
	wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
	wrmsr(MSR_FMASK, 0x200); /* IF */
	rt_puts("user_syscall: entering user mode\n");
	__asm__ volatile("push %0\n"	 /* SS */
			 "push %1\n"	 /* RSP */
			 "push $0x202\n" /* RFLAGS: IF */
			 "push %2\n"	 /* CS */
			 "push %3\n"	 /* RIP */
			 "iretq\n"
			 :
			 : "i"(UDATA), "r"((uintptr_t)ustack + 4096),
			   "i"(UCODE), "r"((uintptr_t)user_code)
			 : "memory");
	return 0x51; /* not reached */
}
