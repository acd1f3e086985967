/*
 * x86.h: the x86 architectural constants hyve uses, in one place: control
 * register, EFER and RFLAGS bits, page-table entry bits, and exception
 * vectors (Intel SDM Vol. 3A, 2.5 "Control Registers", 2.2.1 "Extended
 * Feature Enable Register", 4.5 "4-Level Paging", 6.3 "Sources of
 * Interrupts").  Constants only; any layer may include it.
 */
#ifndef HYVE_ARCH_X86_X86_H
#define HYVE_ARCH_X86_X86_H

#define X86_CR0_PE (1ULL << 0)	/* protection enable */
#define X86_CR0_MP (1ULL << 1)	/* monitor coprocessor */
#define X86_CR0_EM (1ULL << 2)	/* x87 emulation */
#define X86_CR0_TS (1ULL << 3)	/* task switched */
#define X86_CR0_ET (1ULL << 4)	/* extension type */
#define X86_CR0_NE (1ULL << 5)	/* numeric error */
#define X86_CR0_WP (1ULL << 16) /* write protect */
#define X86_CR0_AM (1ULL << 18) /* alignment mask */
#define X86_CR0_PG (1ULL << 31) /* paging */

#define X86_CR4_PSE	   (1ULL << 4)
#define X86_CR4_PAE	   (1ULL << 5)
#define X86_CR4_OSFXSR	   (1ULL << 9)
#define X86_CR4_OSXMMEXCPT (1ULL << 10)
#define X86_CR4_LA57	   (1ULL << 12)
#define X86_CR4_FSGSBASE   (1ULL << 16)
#define X86_CR4_OSXSAVE	   (1ULL << 18)
#define X86_CR4_SMEP	   (1ULL << 20)
#define X86_CR4_SMAP	   (1ULL << 21)

#define X86_EFER_SCE (1ULL << 0)  /* syscall enable */
#define X86_EFER_LME (1ULL << 8)  /* long mode enable */
#define X86_EFER_LMA (1ULL << 10) /* long mode active */
#define X86_EFER_NXE (1ULL << 11) /* no-execute enable */

#define X86_RFLAGS_CF	 (1ULL << 0)
#define X86_RFLAGS_FIXED (1ULL << 1) /* always 1 */
#define X86_RFLAGS_PF	 (1ULL << 2)
#define X86_RFLAGS_AF	 (1ULL << 4)
#define X86_RFLAGS_ZF	 (1ULL << 6)
#define X86_RFLAGS_SF	 (1ULL << 7)
#define X86_RFLAGS_TF	 (1ULL << 8)
#define X86_RFLAGS_IF	 (1ULL << 9)
#define X86_RFLAGS_DF	 (1ULL << 10)
#define X86_RFLAGS_OF	 (1ULL << 11)
#define X86_RFLAGS_AC	 (1ULL << 18)
#define X86_RFLAGS_VM	 (1ULL << 17)

/* Page-table entry bits (the same at every level of 4-level paging). */
#define X86_PTE_P    (1ULL << 0)	   /* present */
#define X86_PTE_RW   (1ULL << 1)	   /* writable */
#define X86_PTE_US   (1ULL << 2)	   /* user */
#define X86_PTE_PS   (1ULL << 7)	   /* large page, in a PDE or PDPTE */
#define X86_PTE_ADDR 0x000ffffffffff000ULL /* bits 51:12 */

/* MSRs. */
#define MSR_EFER  0xc0000080
#define MSR_STAR  0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084

/* Exception vectors. */
#define X86_EXC_DE 0  /* divide error */
#define X86_EXC_DB 1  /* debug */
#define X86_EXC_BP 3  /* breakpoint (int3) */
#define X86_EXC_UD 6  /* invalid opcode */
#define X86_EXC_NM 7  /* device not available */
#define X86_EXC_GP 13 /* general protection */
#define X86_EXC_PF 14 /* page fault */
#define X86_EXC_MF 16 /* x87 floating-point error */

#endif
