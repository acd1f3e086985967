/*
 * entry32.S: the 32-bit start of the PVH and Multiboot test guests.
 *
 * Both protocols enter the kernel in 32-bit protected mode with paging off
 * and flat 4 GiB segments, leaving the GDT, the IDT and the stack to it:
 *   PVH (Xen's docs/misc/pvh.pandoc): EBX = struct hvm_start_info;
 *   Multiboot 1 (specification 0.6.96, 3.2): EAX = 0x2badb002 and
 *   EBX = the information structure; ESP undefined.
 * rt_entry32 saves what the loader handed over (EAX, EBX, ESP, CR0,
 * EFLAGS, the segment selectors, the GDTR and TR) for the C code to check, then builds its own page
 * tables (the low 4 GiB identity-mapped with 2 MiB pages) and its own GDT,
 * enters long mode (Intel SDM Vol. 3A, 10.8.5 "Initializing IA-32e Mode")
 * and calls rt_main(NULL) on the runtime's stack.  Nothing here relies on
 * what hyve itself puts at 0x1000 or 0x10000.
 */
#define CR0_PG	 (1 << 31)
#define CR4_PAE	 (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define SEL_CODE64 0x08
#define SEL_DATA   0x10

	.section .text.entry, "ax"
	.code32
	.globl rt_entry32
rt_entry32:
	cli
	mov	%eax, rt_boot_eax
	mov	%ebx, rt_boot_ebx
	mov	%esp, rt_boot_esp
	mov	%cr0, %eax
	mov	%eax, rt_boot_cr0
	movw	%cs, rt_boot_cs
	movw	%ds, rt_boot_ds
	movw	%ss, rt_boot_ss
	sgdtl	rt_boot_gdtr
	str	rt_boot_tr
	mov	$__stack_top, %esp
	pushfl
	popl	rt_boot_eflags

	/* PD entries: 2048 2 MiB pages, 0 to 4 GiB, present and writable. */
	mov	$rt_pt_pd, %edi
	mov	$0x83, %eax
	mov	$2048, %ecx
1:	mov	%eax, (%edi)
	movl	$0, 4(%edi)
	add	$0x200000, %eax
	add	$8, %edi
	dec	%ecx
	jnz	1b
	/* Four PDPT entries, one per GiB, and the PML4's first. */
	mov	$rt_pt_pdpt, %edi
	mov	$rt_pt_pd + 3, %eax
	mov	$4, %ecx
2:	mov	%eax, (%edi)
	movl	$0, 4(%edi)
	add	$4096, %eax
	add	$8, %edi
	dec	%ecx
	jnz	2b
	movl	$rt_pt_pdpt + 3, rt_pt_pml4
	movl	$0, rt_pt_pml4 + 4

	lgdt	gdt_ptr
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$rt_pt_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0
	ljmp	$SEL_CODE64, $3f

	.code64
3:	mov	$SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	mov	$__stack_top, %esp
	xor	%edi, %edi
	call	rt_main
4:	cli
	hlt
	jmp	4b

	.data
	.balign 8
gdt:	.quad	0
	.quad	0x00af9a000000ffff	/* SEL_CODE64: 64-bit code, DPL 0 */
	.quad	0x00cf92000000ffff	/* SEL_DATA: flat read/write data */
gdt_ptr:
	.word	gdt_ptr - gdt - 1
	.long	gdt

	.balign 4
	.globl rt_boot_eax, rt_boot_ebx, rt_boot_esp, rt_boot_cr0
	.globl rt_boot_eflags, rt_boot_cs, rt_boot_ds, rt_boot_ss
	.globl rt_boot_tr, rt_boot_gdtr
rt_boot_eax:	.long 0
rt_boot_ebx:	.long 0
rt_boot_esp:	.long 0
rt_boot_cr0:	.long 0
rt_boot_eflags:	.long 0
rt_boot_cs:	.word 0
rt_boot_ds:	.word 0
rt_boot_ss:	.word 0
rt_boot_tr:	.word 0
rt_boot_gdtr:	.word 0		/* limit, then the 32-bit base */
		.long 0

	.bss
	.balign 4096
rt_pt_pml4:	.skip 4096
rt_pt_pdpt:	.skip 4096
rt_pt_pd:	.skip 4 * 4096

	.section .note.GNU-stack, "", @progbits
