/*
 * mkbzimage.h: what guests/tools/mkbzimage writes into the setup header of
 * the test bzImages, so that bz_guest can check the copy it finds in the
 * zero page (Documentation/arch/x86/boot.rst, "The Real-Mode Kernel
 * Header").  Plain numbers: included by the host tool and by the guest.
 */
#ifndef HYVE_GUEST_TOOLS_MKBZIMAGE_H
#define HYVE_GUEST_TOOLS_MKBZIMAGE_H

#define MKBZ_SETUP_SECTS     1 /* one 512-byte sector after the boot sector */
#define MKBZ_VERSION	     0x020f /* boot protocol 2.15 */
#define MKBZ_HDR_END	     0x26c  /* after kernel_info_offset (2.15) */
#define MKBZ_LOADFLAGS	     0x01   /* LOADED_HIGH */
#define MKBZ_CODE32_START    0x100000
#define MKBZ_INITRD_ADDR_MAX 0x07ffffffu /* the initrd ends below 128 MiB */
#define MKBZ_KERNEL_ALIGN    0x200000
#define MKBZ_MIN_ALIGNMENT   21
#define MKBZ_XLOADFLAGS	     0x0001 /* XLF_KERNEL_64 */
#define MKBZ_CMDLINE_SIZE    255
#define MKBZ_PREF_ADDRESS    0x1000000ULL
#define MKBZ_INIT_SIZE	     0x400000u
#define MKBZ_FILL	     0xa5 /* boot sector bytes and bytes past the header */
#define MKBZ_ENTRY64	     0x200 /* the 64-bit entry past the load address */

#endif
