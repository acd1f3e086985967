/* demo_blob.S: the demo guest (build/guests/demo.bin), built into hyve. */
	.section .rodata
	.balign 16
	.globl hyve_demo_start, hyve_demo_end
hyve_demo_start:
	.incbin DEMO_BIN
hyve_demo_end:
	.section .note.GNU-stack, "", @progbits
