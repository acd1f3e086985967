/*
 * qemu_exit: QEMU's twin of guests/bench_exit.c (benchmark a), entered in
 * long mode by pvh_entry.S.  It writes 0 to QEMU's isa-debug-exit port at
 * once, so QEMU ends with status (0 << 1) | 1 = 1.
 */
#define DEBUG_EXIT_PORT 0x501

	.text
	.code64
	.globl guest_main
guest_main:
	xorl	%eax, %eax
	movw	$DEBUG_EXIT_PORT, %dx
	outb	%al, %dx
	/* Not reached: debug-exit ends QEMU. */
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
