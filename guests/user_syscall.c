/*
 * user_syscall: drops to CPL 3 and comes back by SYSCALL and by INT 0x80,
 * the two ways user code enters a kernel.  The guest builds its own GDT
 * (with user segments) and TSS, marks the identity map user-accessible,
 * and enters user mode with IRETQ.
 */
#include "rt.h"
#include "x86.h"

#define MSR_EFER  0xc0000080
#define MSR_STAR  0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084

static uint64_t gdt[8] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));
static uint8_t kstack[8192] __attribute__((aligned(16)));
static uint8_t ustack[8192] __attribute__((aligned(16)));
static volatile int step;

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

void syscall_entry(void);
void syscall_c(uint64_t nr);
void syscall_c(uint64_t nr)
{
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	rt_printf("user_syscall: SYSCALL %lu reached the kernel, cs=%#x\n", nr,
		  cs);
	step = 2;
	rt_exit(0x50);
}

/* SYSCALL lands here on the user stack: switch to kstack, call C. */
__asm__(".globl syscall_entry\n"
	"syscall_entry:\n"
	"  lea kstack+8192(%rip), %rsp\n"
	"  mov %rax, %rdi\n"
	"  call syscall_c\n"
	"1: hlt\n"
	"  jmp 1b\n");

static void int80(uint64_t v, uint64_t e, struct rt_frame *f)
{
	(void)v, (void)e;
	rt_printf("user_syscall: INT 0x80 from cs=%#lx reached the kernel\n",
		  f->cs);
	step = 1;
	/* Back to user mode, past the int: user code then does SYSCALL. */
}

__attribute__((noreturn)) static void user_code(void)
{
	//__asm__ volatile("int $0x80");
	__asm__ volatile("syscall" : : "a"(42) : "rcx", "r11", "memory");
	for (;;)
		;
}

int main(const struct hyve_boot_info *bi)
{
	uint64_t *pml4 = (uint64_t *)MEMMAP_PML4, *pdpt = (uint64_t *)MEMMAP_PDPT;
	uint64_t tssa = (uintptr_t)tss;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uintptr_t)gdt };

	(void)bi;
	rt_idt_init();
	rt_set_handler(0x80, int80);
	/* Let CPL 3 use vector 0x80 (DPL 3). */
	{
		struct {
			uint16_t limit;
			uint64_t base;
		} __attribute__((packed)) idtr;
		__asm__ volatile("sidt %0" : "=m"(idtr));
		((uint8_t *)idtr.base)[0x80 * 16 + 5] = 0xee;
	}
	/* 0x08 unused, 0x10 kernel code, 0x18 kernel data, 0x20 user data
	 * (STAR[63:48] + 8), 0x28 user code (+16), 0x30 TSS. */
	gdt[2] = 0x00af9b000000ffffULL;
	gdt[3] = 0x00cf93000000ffffULL;
	gdt[4] = 0x00cff3000000ffffULL;
	gdt[5] = 0x00affb000000ffffULL;
	gdt[6] = 103 | (tssa & 0xffffff) << 16 | 0x89ULL << 40 |
		 (tssa >> 24 & 0xff) << 56;
	gdt[7] = tssa >> 32;
	*(uint64_t *)(tss + 4) = (uintptr_t)kstack + sizeof(kstack); /* RSP0 */
	__asm__ volatile("lgdt %0\n"
			 "mov $0x30, %%ax\n"
			 "ltr %%ax\n"
			 : : "m"(gdtr) : "rax");
	/* Make the identity map user-accessible at every level. */
	pml4[0] |= 4;
	for (int i = 0; i < 4; i++) {
		uint64_t *pd = (uint64_t *)(pdpt[i] & ~0xfffULL);
		pdpt[i] |= 4;
		for (int j = 0; j < 512; j++)
			pd[j] |= 4;
	}
	__asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" : : : "rax");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1); /* SCE */
	wrmsr(MSR_STAR, (0x18ULL | 3) << 48 | 0x10ULL << 32);
	wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
	wrmsr(MSR_FMASK, 0x200);
	rt_puts("user_syscall: entering user mode\n");
	__asm__ volatile("push $0x23\n"	  /* SS: user data | 3 */
			 "push %0\n"	  /* RSP */
			 "push $0x2\n"	  /* RFLAGS */
			 "push $0x2b\n"	  /* CS: user code | 3 */
			 "push %1\n"	  /* RIP */
			 "iretq\n"
			 :
			 : "r"((uintptr_t)ustack + sizeof(ustack)),
			   "r"((uintptr_t)user_code));
	return 0x51;
}
