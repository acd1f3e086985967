/*
 * bz_guest: the protected-mode code of a test bzImage (see
 * tools/mkbzimage.c), entered through the Linux 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst and zero-page.rst).  rt/entry64linux.S
 * saves the entry state; main checks what the protocol promises:
 *   - 64-bit mode with paging (EFER.LMA, CR0.PG, CR4.PAE), interrupts off,
 *     CS = __BOOT_CS (0x10) and DS = ES = SS = __BOOT_DS (0x18), with flat
 *     execute/read and read/write descriptors behind them in the GDT;
 *   - entry at the load address (1 MiB, not relocatable) plus 0x200 (the
 *     guest is linked there; mkbzimage puts code at the load address itself
 *     that exits with 0x7d, status 251, should a loader jump there);
 *   - RSI = the zero page: the setup header copied from the image up to
 *     its end (the jump's offset byte) and nothing after it, the boot
 *     sector's bytes not copied, the sentinel at 0x1ef zero;
 *     type_of_loader 0xff, LOADED_HIGH, code32_start; cmd_line_ptr and the
 *     string (check=WORD), no longer than cmdline_size; ramdisk_image and
 *     ramdisk_size (mods=, mod0=), below initrd_addr_max; the E820 table
 *     (e820_entries at 0x1e8, 20-byte entries at 0x2d0; ram_mib=);
 *     acpi_rsdp_addr (0x070, protocol 2.14 and later).
 * Returns 0x23 (hyve exits with 71) when every check passed, else 0x7e.
 */
#include "bootproto.h"
#include "tools/mkbzimage.h"
#include "x86.h"

#define BOOT_CS 0x10
#define BOOT_DS 0x18

#define MSR_EFER  0xc0000080
#define EFER_LMA  (1u << 10)
#define CR0_PG	  (1ULL << 31)
#define CR4_PAE	  (1ULL << 5)
#define RFLAGS_IF (1ULL << 9)

static uint8_t zp8(const uint8_t *zp, unsigned int off)
{
	return zp[off];
}

static uint16_t zp16(const uint8_t *zp, unsigned int off)
{
	return (uint16_t)(zp[off] | zp[off + 1] << 8);
}

static uint32_t zp32(const uint8_t *zp, unsigned int off)
{
	return (uint32_t)zp16(zp, off) | (uint32_t)zp16(zp, off + 2) << 16;
}

static uint64_t zp64(const uint8_t *zp, unsigned int off)
{
	return (uint64_t)zp32(zp, off) | (uint64_t)zp32(zp, off + 4) << 32;
}

static void check_cpu(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr;
	struct bp_desc cs, ds;
	uint64_t cr0, cr4;
	uint32_t lo, hi;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_EFER));
	rt_printf("bz: rsi=%#lx rdi=%#lx rsp=%#lx rflags=%#lx\n", rt_boot_rsi,
		  rt_boot_rdi, rt_boot_rsp, rt_boot_rflags);
	rt_printf("bz: cs=%#x ds=%#x es=%#x ss=%#x efer=%#x cr0=%#lx "
		  "cr4=%#lx\n",
		  rt_boot_cs, rt_boot_ds, rt_boot_es, rt_boot_ss, lo, cr0, cr4);
	bp_check(lo & EFER_LMA, "not in long mode (EFER %#x)", lo);
	bp_check((cr0 & CR0_PG) && (cr4 & CR4_PAE), "paging is off");
	bp_check(!(rt_boot_rflags & RFLAGS_IF), "interrupts on at entry");
	bp_check(rt_boot_cs == BOOT_CS, "CS %#x, not __BOOT_CS", rt_boot_cs);
	bp_check(rt_boot_ds == BOOT_DS && rt_boot_es == BOOT_DS &&
			 rt_boot_ss == BOOT_DS,
		 "DS/ES/SS %#x/%#x/%#x, not __BOOT_DS", rt_boot_ds, rt_boot_es,
		 rt_boot_ss);
	if (bp_gdt_desc(gdtr.base, gdtr.limit, BOOT_CS, &cs)) {
		bp_print_desc("bz: gdt", BOOT_CS, &cs);
		bp_check(cs.p && cs.s && (cs.type & 0xa) == 0xa && cs.l &&
				 cs.base == 0 && cs.limit == 0xffffffff,
			 "__BOOT_CS is not flat 64-bit execute/read code");
	} else {
		bp_check(false, "the GDT has no __BOOT_CS");
	}
	if (bp_gdt_desc(gdtr.base, gdtr.limit, BOOT_DS, &ds)) {
		bp_print_desc("bz: gdt", BOOT_DS, &ds);
		bp_check(ds.p && ds.s && (ds.type & 0xa) == 0x2 &&
				 ds.base == 0 && ds.limit == 0xffffffff,
			 "__BOOT_DS is not flat read/write data");
	} else {
		bp_check(false, "the GDT has no __BOOT_DS");
	}
}

/* The setup header as mkbzimage wrote it, and nothing else copied. */
static void check_header(const uint8_t *zp)
{
	unsigned int stray = 0;

	rt_printf("bz: zero page at %p: HdrS=%c%c%c%c version=%#x "
		  "setup_sects=%u boot_flag=%#x\n",
		  zp, zp[0x202], zp[0x203], zp[0x204], zp[0x205],
		  zp16(zp, 0x206), zp8(zp, 0x1f1), zp16(zp, 0x1fe));
	bp_check(bp_memeq(zp + 0x202, "HdrS", 4), "no HdrS at 0x202");
	bp_check(zp16(zp, 0x206) == MKBZ_VERSION, "version %#x",
		 zp16(zp, 0x206));
	bp_check(zp8(zp, 0x1f1) == MKBZ_SETUP_SECTS, "setup_sects %u",
		 zp8(zp, 0x1f1));
	bp_check(zp16(zp, 0x1fe) == 0xaa55, "boot_flag %#x", zp16(zp, 0x1fe));
	bp_check(zp8(zp, 0x201) == MKBZ_HDR_END - 0x202, "jump byte %#x",
		 zp8(zp, 0x201));
	rt_printf("bz: type_of_loader=%#x loadflags=%#x code32_start=%#x "
		  "xloadflags=%#x\n",
		  zp8(zp, 0x210), zp8(zp, 0x211), zp32(zp, 0x214),
		  zp16(zp, 0x236));
	bp_check(zp8(zp, 0x210) == 0xff, "type_of_loader %#x", zp8(zp, 0x210));
	bp_check(zp8(zp, 0x211) & 0x01, "LOADED_HIGH clear");
	bp_check(zp32(zp, 0x214) == MKBZ_CODE32_START, "code32_start %#x",
		 zp32(zp, 0x214));
	bp_check(zp32(zp, 0x22c) == MKBZ_INITRD_ADDR_MAX, "initrd_addr_max %#x",
		 zp32(zp, 0x22c));
	bp_check(zp32(zp, 0x230) == MKBZ_KERNEL_ALIGN, "kernel_alignment %#x",
		 zp32(zp, 0x230));
	bp_check(zp8(zp, 0x234) == 0, "relocatable_kernel %u", zp8(zp, 0x234));
	bp_check(zp8(zp, 0x235) == MKBZ_MIN_ALIGNMENT, "min_alignment %u",
		 zp8(zp, 0x235));
	bp_check(zp16(zp, 0x236) == MKBZ_XLOADFLAGS, "xloadflags %#x",
		 zp16(zp, 0x236));
	bp_check(zp32(zp, 0x238) == MKBZ_CMDLINE_SIZE, "cmdline_size %u",
		 zp32(zp, 0x238));
	bp_check(zp64(zp, 0x258) == MKBZ_PREF_ADDRESS, "pref_address %#lx",
		 zp64(zp, 0x258));
	bp_check(zp32(zp, 0x260) == MKBZ_INIT_SIZE, "init_size %#x",
		 zp32(zp, 0x260));
	rt_printf("bz: payload_offset=%#x payload_length=%#x\n",
		  zp32(zp, 0x248), zp32(zp, 0x24c));
	bp_check(zp8(zp, 0x1ef) == 0, "the sentinel at 0x1ef is %#x",
		 zp8(zp, 0x1ef));
	/* The image's boot sector (MKBZ_FILL) must not leak in... */
	for (unsigned int i = 0; i < 0x1f1; i++)
		stray += zp[i] == MKBZ_FILL;
	/* ...nor the bytes after the header's end. */
	for (unsigned int i = MKBZ_HDR_END; i < 0x290; i++)
		stray += zp[i] == MKBZ_FILL;
	bp_check(stray == 0,
		 "%u bytes of the image outside the header were "
		 "copied into the zero page",
		 stray);
}

static void check_boot_data(const uint8_t *zp)
{
	uint64_t cmd = zp32(zp, 0x228) | (uint64_t)zp32(zp, 0x0c8) << 32;
	uint64_t rd = zp32(zp, 0x218) | (uint64_t)zp32(zp, 0x0c0) << 32;
	uint64_t rd_size = zp32(zp, 0x21c) | (uint64_t)zp32(zp, 0x0c4) << 32;
	const struct hyve_boot_info *args = bp_args(cmd);
	static struct bp_range m[128];
	unsigned int n = zp8(zp, 0x1e8);

	rt_printf("bz: cmd_line_ptr=%#lx\n", cmd);
	bp_check(cmd != 0, "no cmd_line_ptr");
	if (cmd) {
		bp_cmdline(args, "bz:");
		bp_check(rt_strlen((const char *)(uintptr_t)cmd) <=
				 MKBZ_CMDLINE_SIZE,
			 "the command line is longer than cmdline_size");
	}
	bp_rsdp(args, zp64(zp, 0x070));
	rt_printf("bz: e820_entries=%u\n", n);
	bp_check(n > 0 && n <= 128, "e820_entries %u", n);
	for (unsigned int i = 0; i < n && i < 128; i++) {
		const uint8_t *e = zp + 0x2d0 + 20 * i;
		m[i] = (struct bp_range){ zp64(e, 0), zp64(e, 8), zp32(e, 16) };
	}
	bp_memmap(args, m, n < 128 ? n : 128);
	rt_printf("bz: ramdisk_image=%#lx ramdisk_size=%#lx\n", rd, rd_size);
	if (bp_nmods(args)) {
		bp_check(rd && rd_size, "no ramdisk, expected one");
		if (rd && rd_size) {
			bp_module(args, 0, rd, rd_size);
			bp_check(rd + rd_size - 1 <= MKBZ_INITRD_ADDR_MAX,
				 "the ramdisk ends above initrd_addr_max");
			bp_check(rd >= MKBZ_PREF_ADDRESS + MKBZ_INIT_SIZE ||
					 rd + rd_size <= MKBZ_PREF_ADDRESS,
				 "the ramdisk is inside pref_address + "
				 "init_size");
		}
	} else {
		bp_check(!rd && !rd_size, "a ramdisk, expected none");
	}
}

int main(const struct hyve_boot_info *bi)
{
	const uint8_t *zp = (const uint8_t *)(uintptr_t)rt_boot_rsi;

	(void)bi;
	rt_puts("bz: hello from the Linux boot protocol\n");
	check_cpu();
	if (!zp) {
		bp_check(false, "RSI is 0");
		return bp_result("bz", 0x23);
	}
	check_header(zp);
	check_boot_data(zp);
	return bp_result("bz", 0x23);
}
