/*
 * entry.S: where every test guest starts.  hyve (or bench/rawkvm) enters the
 * first byte in 64-bit long mode at CPL 0 with interrupts off; RDI holds the
 * address of struct hyve_boot_info (0 under rawkvm).  RAM arrives zeroed, so
 * .bss needs no clearing.  The stack lives in .bss (see guest.ld).
 */
	.section .text.entry, "ax"
	.globl _start
_start:
	lea	__stack_top(%rip), %rsp
	call	rt_main
	/* rt_main does not return; stop here if it somehow does. */
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
