/*
 * entry64linux.S: the start of the bzImage test guest, entered as the
 * Linux boot protocol's 64-bit entry (Documentation/arch/x86/boot.rst,
 * "64-bit Boot Protocol"): at the protected-mode code's load address plus
 * 0x200, in long mode with paging on, RSI = the zero page (struct
 * boot_params), CS = __BOOT_CS (0x10), DS = ES = SS = __BOOT_DS (0x18),
 * interrupts off, and no stack promised.  _start saves RSI, RDI, RSP,
 * RFLAGS and the selectors for the C code to check, takes the runtime's
 * stack and calls rt_main(NULL).
 */
	.section .text.entry, "ax"
	.globl _start
_start:
	mov	%rsi, rt_boot_rsi(%rip)
	mov	%rdi, rt_boot_rdi(%rip)
	mov	%rsp, rt_boot_rsp(%rip)
	movw	%cs, rt_boot_cs(%rip)
	movw	%ds, rt_boot_ds(%rip)
	movw	%es, rt_boot_es(%rip)
	movw	%ss, rt_boot_ss(%rip)
	lea	__stack_top(%rip), %rsp
	pushfq
	popq	rt_boot_rflags(%rip)
	xor	%edi, %edi
	call	rt_main
1:	cli
	hlt
	jmp	1b

	.data
	.balign 8
	.globl rt_boot_rsi, rt_boot_rdi, rt_boot_rsp, rt_boot_rflags
	.globl rt_boot_cs, rt_boot_ds, rt_boot_es, rt_boot_ss
rt_boot_rsi:	.quad 0
rt_boot_rdi:	.quad 0
rt_boot_rsp:	.quad 0
rt_boot_rflags:	.quad 0
rt_boot_cs:	.word 0
rt_boot_ds:	.word 0
rt_boot_es:	.word 0
rt_boot_ss:	.word 0

	.section .note.GNU-stack, "", @progbits
