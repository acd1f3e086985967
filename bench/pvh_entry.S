/*
 * pvh_entry.S: the start of bench/qemu_*.elf, the benchmark guests as QEMU
 * boots them.
 *
 * QEMU's -kernel cannot enter a flat binary in 64-bit long mode, as hyve and
 * bench/rawkvm do.  It boots an ELF that carries a PVH entry note instead
 * (XEN_ELFNOTE_PHYS32_ENTRY; Xen's docs/misc/pvh.pandoc): the firmware enters
 * that address in 32-bit protected mode, paging off, with flat segments and
 * interrupts off.  This file then switches to long mode with paging, as
 * rawkvm sets it up (Intel SDM vol. 3, 10.8.5 "Initializing IA-32e Mode"), and
 * jumps to guest_main, the benchmark's 64-bit code.  The switch matters:
 * where guest kernel code is emulated by KVM, a loop costs differently with
 * and without paging, so the loops must run in the same mode to compare.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define CR4_PAE (1 << 5)
#define CR0_PG (1 << 31)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define CODE64 0x08 /* the selector of gdt's 64-bit code segment */

	/* The note is 64-bit ELF's: an 8-byte entry address. */
	.section .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f			/* namesz */
	.long 4f - 3f			/* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY	/* type */
1:	.asciz "Xen"
2:	.balign 4
3:	.quad _start
4:	.balign 4

	/* The first 2 MiB identity-mapped with one 2 MiB page. */
	.data
	.balign 4096
pml4:	.quad pdpt + 3			/* present, writable */
	.fill 511, 8, 0
pdpt:	.quad pd + 3
	.fill 511, 8, 0
pd:	.quad 0x83			/* present, writable, 2 MiB page at 0 */
	.fill 511, 8, 0

gdt:	.quad 0
	.quad 0x00af9a000000ffff	/* CODE64: 64-bit code, DPL 0 */
gdt_ptr:
	.word gdt_ptr - gdt - 1
	.long gdt

	.text
	.code32
	.globl _start
_start:
	lgdt	gdt_ptr
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$CR0_PG, %eax
	movl	%eax, %cr0
	ljmp	$CODE64, $guest_main

	.section .note.GNU-stack, "", @progbits
