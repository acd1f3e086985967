/*
 * pvhnote.S: the note that makes a test guest a PVH kernel (Xen's
 * docs/misc/pvh.pandoc, xen/include/public/elfnote.h): owner "Xen", type
 * XEN_ELFNOTE_PHYS32_ENTRY (18), a 4-byte descriptor holding the 32-bit
 * physical entry point, rt_entry32 (entry32.S).  boot32.ld keeps it in a
 * PT_NOTE segment, where loaders look for it.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .note.Xen, "a", @note
	.balign 4
	.long	2f - 1f			/* namesz */
	.long	4f - 3f			/* descsz */
	.long	XEN_ELFNOTE_PHYS32_ENTRY
1:	.asciz	"Xen"
2:	.balign 4
3:	.long	rt_entry32
4:	.balign 4

	.section .note.GNU-stack, "", @progbits
