/*
 * fw_cfg: reads hyve's fw_cfg device through its traditional I/O ports
 * (QEMU docs/specs/fw_cfg.rst: selector 0x510, 16 bits; data 0x511, 8
 * bits), as firmware written for QEMU does, and checks its items against
 * the boot information block:
 * - SIGNATURE (0x0000) is "QEMU"; ID (0x0001) has bit 0 (traditional
 *   interface) set and bit 1 (DMA) clear;
 * - NB_CPUS (0x0005, u16) is the vCPU count, RAM_SIZE (0x0003, u64) the
 *   RAM, CMDLINE_SIZE (0x0014, u32, with the NUL) and CMDLINE_DATA
 *   (0x0015) the command line;
 * - FILE_DIR (0x0019): a big-endian u32 count, then per file a big-endian
 *   u32 size, a big-endian u16 selector, a u16 reserved and a char[56]
 *   name; every file is listed, and "etc/e820" is read and printed, one
 *   "fw_cfg: e820 ADDR LEN TYPE" line per 20-byte entry (u64 address, u64
 *   length, u32 type, little-endian);
 * - a key with no item reads 0.
 * Returns PASS (status 85) when every check holds.
 */
#include "rt.h"
#include "x86.h"

#define PASS 0x2a
#define FAIL 0x2b

#define SEL  0x510
#define DATA 0x511

static bool ok = true;

static void check(bool cond, const char *what)
{
	if (!cond) {
		rt_printf("fw_cfg: FAILED: %s\n", what);
		ok = false;
	}
}

static void select_key(uint16_t key)
{
	outw(SEL, key);
}

static void read_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n--)
		*p++ = inb(DATA);
}

/* n bytes, little-endian (the numbered items) or big-endian (FILE_DIR). */
static uint64_t read_le(size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)inb(DATA) << (8 * i);
	return v;
}

static uint64_t read_be(size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | inb(DATA);
	return v;
}

static uint64_t item_le(uint16_t key, size_t n)
{
	select_key(key);
	return read_le(n);
}

int main(const struct hyve_boot_info *bi)
{
	static char cmdline[4096];
	char sig[5] = { 0 };
	uint16_t e820_key = 0;
	uint32_t e820_size = 0, nfiles, id, cmdsize;
	uint64_t ram, cpus, max_cpus;
	const char *want_cmd = bi ? (const char *)(uintptr_t)bi->cmdline : "";

	select_key(0x0000);
	read_bytes(sig, 4);
	rt_printf("fw_cfg: signature \"%s\"\n", sig);
	check(!rt_strcmp(sig, "QEMU"), "the signature is QEMU");

	id = (uint32_t)item_le(0x0001, 4);
	rt_printf("fw_cfg: id %#x (traditional %u, dma %u)\n", id, id & 1,
		  (id >> 1) & 1);
	check((id & 3) == 1, "ID: traditional interface, no DMA");

	cpus = item_le(0x0005, 2);
	max_cpus = item_le(0x000f, 2);
	rt_printf("fw_cfg: nb_cpus %lu max_cpus %lu\n", cpus, max_cpus);
	check(bi && cpus == bi->cpus, "NB_CPUS is boot info's cpus");

	ram = item_le(0x0003, 8);
	rt_printf("fw_cfg: ram_size %#lx\n", ram);
	check(bi && ram == bi->ram_bytes, "RAM_SIZE is boot info's ram_bytes");

	cmdsize = (uint32_t)item_le(0x0014, 4);
	if (cmdsize > sizeof(cmdline))
		cmdsize = sizeof(cmdline);
	select_key(0x0015);
	read_bytes(cmdline, cmdsize);
	cmdline[sizeof(cmdline) - 1] = '\0';
	rt_printf("fw_cfg: cmdline size %u \"%s\"\n", cmdsize, cmdline);
	check(cmdsize == rt_strlen(want_cmd) + 1 &&
		      !rt_strcmp(cmdline, want_cmd),
	      "CMDLINE_SIZE/DATA are boot info's command line");

	/* A key with no item, and reads past an item's end, give 0. */
	check(item_le(0x0123, 4) == 0, "a key with no item reads 0");
	select_key(0x0000);
	check(read_le(4) == 0x554d4551 && read_le(4) == 0,
	      "SIGNATURE then 0 past its end");

	select_key(0x0019);
	nfiles = (uint32_t)read_be(4);
	rt_printf("fw_cfg: %u files\n", nfiles);
	for (uint32_t i = 0; i < nfiles && i < 256; i++) {
		char name[57] = { 0 };
		uint32_t size = (uint32_t)read_be(4);
		uint16_t key = (uint16_t)read_be(2);

		(void)read_be(2);
		read_bytes(name, 56);
		rt_printf("fw_cfg: file \"%s\" key %#x size %u\n", name, key,
			  size);
		if (!rt_strcmp(name, "etc/e820"))
			e820_key = key, e820_size = size;
	}
	check(e820_key != 0, "etc/e820 in FILE_DIR");
	check(e820_size % 20 == 0, "etc/e820 holds whole 20-byte entries");

	select_key(e820_key);
	for (uint32_t i = 0; e820_key && i < e820_size / 20; i++) {
		uint64_t addr = read_le(8), len = read_le(8);
		uint32_t type = (uint32_t)read_le(4);

		rt_printf("fw_cfg: e820 %#lx %#lx %u\n", addr, len, type);
	}
	if (ok)
		rt_puts("fw_cfg: ok\n");
	return ok ? PASS : FAIL;
}
