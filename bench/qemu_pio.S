/*
 * qemu_pio: QEMU's twin of guests/bench_pio.c (benchmark b), entered in long
 * mode by pvh_entry.S.  The loop is the one gcc makes of bench_pio.c:
 * 200,000 `outb %al, $0x80` (each one a VM exit to userspace and back), then
 * 0 to QEMU's isa-debug-exit port, so QEMU ends with status 1.
 */
#define BENCH_PIO_EXITS 200000
#define POST_PORT 0x80
#define DEBUG_EXIT_PORT 0x501

	.text
	.code64
	.globl guest_main
guest_main:
	xorl	%eax, %eax
1:	outb	%al, $POST_PORT
	addl	$1, %eax
	cmpl	$BENCH_PIO_EXITS, %eax
	jne	1b
	xorl	%eax, %eax
	movw	$DEBUG_EXIT_PORT, %dx
	outb	%al, %dx
	/* Not reached: debug-exit ends QEMU. */
2:	cli
	hlt
	jmp	2b

	.section .note.GNU-stack, "", @progbits
