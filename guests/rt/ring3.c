/* ring3.c: CPL 3 calls through IRETQ and back by #UD.  See ring3.h. */
#include "ring3.h"

#include "paging.h"
#include "x86.h"

#define VEC_UD 6

/*
 * GDT: kernel code and data, user data and 64-bit code in the order that
 * SYSRET would want (so a later SYSCALL user finds them there), the TSS.
 */
#define KCODE 0x08
#define KDATA 0x10
#define UDATA 0x23
#define UCODE 0x2b
#define TSS   0x30

static uint64_t gdt[8] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));
static uint8_t kstack[16384] __attribute__((aligned(16)));
uint8_t ring3_stack[65536] __attribute__((aligned(16)));
/* The kernel stack pointer while a ring3_call runs, and fn's result. */
uint64_t ring3_ksp, ring3_result;

/*
 * ring3_call(fn, arg): save the callee-saved registers and the stack,
 * IRETQ to ring3_tramp at CPL 3 with RAX = fn, RDI = arg, RFLAGS = IOPL 3
 * (which the host may not honour: see ring3.h), interrupts off.
 * ring3_tramp (CPL 3): call fn(arg), store its result, ud2.
 * ring3_resume (CPL 0, from the #UD handler): back on the saved stack,
 * restore, return the result.
 */
__asm__(".text\n"
	".globl ring3_call\n"
	"ring3_call:\n"
	"  push %rbx\n"
	"  push %rbp\n"
	"  push %r12\n"
	"  push %r13\n"
	"  push %r14\n"
	"  push %r15\n"
	"  mov %rsp, ring3_ksp(%rip)\n"
	"  mov %rdi, %rax\n"
	"  mov %rsi, %rdi\n"
	"  pushq $0x23\n" /* SS: UDATA */
	"  lea ring3_stack+65536(%rip), %rcx\n"
	"  pushq %rcx\n"
	"  pushq $0x3002\n" /* RFLAGS: IOPL 3, IF clear */
	"  pushq $0x2b\n"   /* CS: UCODE */
	"  lea ring3_tramp(%rip), %rcx\n"
	"  pushq %rcx\n"
	"  iretq\n"
	"ring3_tramp:\n"
	"  call *%rax\n"
	"  mov %rax, ring3_result(%rip)\n"
	".globl ring3_back\n"
	"ring3_back:\n"
	"  ud2\n"
	".globl ring3_resume\n"
	"ring3_resume:\n"
	"  mov ring3_ksp(%rip), %rsp\n"
	"  mov ring3_result(%rip), %rax\n"
	"  pop %r15\n"
	"  pop %r14\n"
	"  pop %r13\n"
	"  pop %r12\n"
	"  pop %rbp\n"
	"  pop %rbx\n"
	"  ret\n");
extern const char ring3_back[];
__attribute__((noreturn)) void ring3_resume(void);

/* #UD: the way back from ring3_tramp, or a real invalid opcode. */
static void on_ud(uint64_t v, uint64_t error, struct rt_frame *f)
{
	(void)v, (void)error;
	if (f->rip == (uintptr_t)ring3_back && (f->cs & 3) == 3)
		ring3_resume();
	rt_printf("rt: invalid opcode at %#lx (cs %#lx)\n", f->rip, f->cs);
	rt_exit(0x7f);
}

void ring3_init(void)
{
	uint64_t t = (uintptr_t)tss;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uintptr_t)gdt };

	gdt[KCODE / 8] = 0x00af9b000000ffffULL; /* 64-bit code, DPL 0 */
	gdt[KDATA / 8] = 0x00cf93000000ffffULL; /* data, DPL 0 */
	gdt[UDATA / 8] = 0x00cff3000000ffffULL; /* data, DPL 3 */
	gdt[UCODE / 8] = 0x00affb000000ffffULL; /* 64-bit code, DPL 3 */
	gdt[TSS / 8] = (sizeof(tss) - 1) | (t & 0xffffff) << 16 |
		       0x89ULL << 40 | (t >> 24 & 0xff) << 56;
	gdt[TSS / 8 + 1] = t >> 32;
	*(uint64_t *)(tss + 4) = (uintptr_t)kstack + sizeof(kstack); /* RSP0 */
	*(uint16_t *)(tss + 102) = sizeof(tss); /* no I/O bitmap */

	__asm__ volatile("lgdt %0\n"
			 "pushq %1\n"
			 "lea 1f(%%rip), %%rax\n"
			 "pushq %%rax\n"
			 "lretq\n"
			 "1: mov %2, %%eax\n"
			 "mov %%eax, %%ds\n"
			 "mov %%eax, %%es\n"
			 "mov %%eax, %%ss\n"
			 "mov %%eax, %%fs\n"
			 "mov %%eax, %%gs\n"
			 "mov %3, %%eax\n"
			 "ltr %%ax\n"
			 :
			 : "m"(gdtr), "i"(KCODE), "i"(KDATA), "i"(TSS)
			 : "rax", "memory");
	rt_idt_init();
	rt_set_handler(VEC_UD, on_ud);
	paging_allow_user();
}
