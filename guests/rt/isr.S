/*
 * isr.S: the guests' interrupt entry and the application processors'
 * start-up trampoline.
 *
 * rt_isr_stubs[v] is vector v's entry: it pushes a zero error code where
 * the CPU pushes none, then the vector, and joins rt_isr_common, which saves
 * the general registers and calls rt_isr_dispatch(vector, error, frame).
 *
 * The trampoline is copied to RT_TRAMPOLINE (0x8000) and entered by a SIPI
 * in real mode.  It loads hyve's GDT (at 0x1000: 0x08 32-bit code, 0x10
 * 64-bit code, 0x18 data), turns on protected mode, PAE, long mode and
 * paging with hyve's identity map (CR3 0x10000), takes the stack for its
 * local APIC ID from the trampoline's data, and calls its entry point with
 * the APIC ID in RDI.
 */
#define TRAMP 0x8000
#define T(x) (TRAMP + (x) - rt_trampoline_start)

	.section .text
	.globl rt_isr_common
rt_isr_common:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rbx
	push	%rbp
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	15*8(%rsp), %rdi	/* vector */
	mov	16*8(%rsp), %rsi	/* error code */
	lea	17*8(%rsp), %rdx	/* the CPU's frame: rip, cs, rflags... */
	cld
	call	rt_isr_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rbp
	pop	%rbx
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp
	iretq

/* Vectors 8, 10-14, 17, 21, 29 and 30 come with an error code. */
	.macro stub v
	.align 16
isr_\v:
	.if (\v == 8) || (\v >= 10 && \v <= 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	push	$0
	.endif
	push	$\v
	jmp	rt_isr_common
	.endm

	.align 16
	.globl rt_isr_stub_base
rt_isr_stub_base:
	.altmacro
	.set v, 0
	.rept 256
	stub %v
	.set v, v + 1
	.endr

/* ------------------------------------------------------------------- */
	.section .rodata
	.globl rt_trampoline_start, rt_trampoline_end
	.globl rt_tramp_entry, rt_tramp_stacks, rt_tramp_stack_size
	.code16
rt_trampoline_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	lgdtl	T(tramp_gdtr)
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$0x08, $T(tramp32)
	.code32
tramp32:
	mov	$0x18, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr4, %eax
	or	$0x20, %eax		/* PAE */
	mov	%eax, %cr4
	mov	$0x10000, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx	/* EFER */
	rdmsr
	or	$0x100, %eax		/* LME */
	wrmsr
	mov	%cr0, %eax
	or	$0x80000000, %eax	/* PG */
	mov	%eax, %cr0
	ljmpl	$0x10, $T(tramp64)
	.code64
tramp64:
	mov	$0xfee00020, %eax	/* the local APIC ID register */
	mov	(%rax), %edi
	shr	$24, %edi
	mov	T(rt_tramp_stack_size), %rax
	lea	1(%rdi), %rcx
	imul	%rcx, %rax
	add	T(rt_tramp_stacks), %rax
	mov	%rax, %rsp
	call	*T(rt_tramp_entry)
1:	cli
	hlt
	jmp	1b
	.align 8
tramp_gdtr:
	.word	0x2f
	.long	0x1000
	.align 8
rt_tramp_entry:
	.quad	0
rt_tramp_stacks:
	.quad	0
rt_tramp_stack_size:
	.quad	0
rt_trampoline_end:

	.section .note.GNU-stack, "", @progbits
