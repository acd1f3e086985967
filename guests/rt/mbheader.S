/*
 * mbheader.S: the Multiboot 1 header of the Multiboot test guests
 * (Multiboot Specification 0.6.96, 3.1.1-3.1.3).  boot32.ld puts it first
 * in .text, well inside the file's first 8 KiB, 4-byte aligned.
 *
 * Flags: bit 0, modules page-aligned; bit 1, memory information wanted.
 * Built with -DMB_AOUT it also sets bit 16 and gives the address fields
 * (the "a.out kludge"), so that a flat binary of the guest is a Multiboot
 * kernel: the image from load_addr to load_end_addr (_edata), zeroed up to
 * bss_end_addr (_end), entered at entry_addr.  rt_mb_header_flags lets the
 * C code know which header it has.
 */
#define MB_MAGIC       0x1badb002
#define MB_PAGE_ALIGN  (1 << 0)
#define MB_MEMORY_INFO (1 << 1)
#define MB_AOUT_KLUDGE (1 << 16)

#ifdef MB_AOUT
#define MB_FLAGS (MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_AOUT_KLUDGE)
#else
#define MB_FLAGS (MB_PAGE_ALIGN | MB_MEMORY_INFO)
#endif

	.section .text.head, "a"
	.balign 4
mb_header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)
#ifdef MB_AOUT
	.long	mb_header		/* header_addr */
	.long	__image_start		/* load_addr */
	.long	_edata			/* load_end_addr */
	.long	_end			/* bss_end_addr */
	.long	rt_entry32		/* entry_addr */
#endif

	.section .rodata
	.balign 4
	.globl rt_mb_header_flags
rt_mb_header_flags:
	.long	MB_FLAGS

	.section .note.GNU-stack, "", @progbits
