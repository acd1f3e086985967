/* bootproto.c: checks shared by the boot-protocol guests.  See bootproto.h. */
#include "bootproto.h"

#define MAX_MAP	   64
#define BIOS_HOLE  0x9fc00ULL
#define IMAGE_BASE 0x100000ULL
#define PAGE	   4096ULL

unsigned int bp_failures;
static struct hyve_boot_info args_info;
static struct bp_range map[MAX_MAP];
static unsigned int map_n;

void bp_check(bool ok, const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	if (ok)
		return;
	va_start(ap, fmt);
	rt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rt_printf("FAIL: %s\n", buf);
	bp_failures++;
}

const struct hyve_boot_info *bp_args(uint64_t cmdline)
{
	args_info.cmdline = cmdline;
	return &args_info;
}

bool bp_starts(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

bool bp_memeq(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

void bp_cmdline(const struct hyve_boot_info *args, const char *prefix)
{
	const char *s = (const char *)(uintptr_t)args->cmdline;
	const char *want = rt_arg(args, "check");
	size_t n = 0;

	bp_check(s != NULL, "no command line");
	if (!s)
		return;
	rt_printf("%s cmdline=[%s] len=%lu\n", prefix, s,
		  (uint64_t)rt_strlen(s));
	bp_check(want != NULL && *want && *want != ' ',
		 "no check=WORD on the command line");
	if (!want)
		return;
	while (want[n] && want[n] != ' ')
		n++;
	rt_puts(prefix);
	rt_puts(" check=");
	for (size_t i = 0; i < n; i++)
		rt_putc(want[i]);
	rt_puts("\n");
}

static bool in_ram(uint64_t addr, uint64_t size)
{
	for (unsigned int i = 0; i < map_n; i++)
		if (map[i].type == E820_RAM && addr >= map[i].addr &&
		    addr - map[i].addr <= map[i].size &&
		    size <= map[i].size - (addr - map[i].addr))
			return true;
	return false;
}

void bp_memmap(const struct hyve_boot_info *args, const struct bp_range *m,
	       unsigned int n)
{
	uint64_t ram = 0, want = rt_strtoul(rt_arg(args, "ram_mib"), 0) << 20;
	uint64_t image_end = (uintptr_t)_end;

	map_n = n < MAX_MAP ? n : MAX_MAP;
	for (unsigned int i = 0; i < n; i++) {
		rt_printf("map %u: %#lx-%#lx type %u\n", i, m[i].addr,
			  m[i].addr + m[i].size - 1, m[i].type);
		if (i < MAX_MAP)
			map[i] = m[i];
		bp_check(m[i].size != 0, "map entry %u is empty", i);
		bp_check(m[i].type >= 1 && m[i].type <= 5,
			 "map entry %u has type %u", i, m[i].type);
		if (i)
			bp_check(m[i].addr >= m[i - 1].addr + m[i - 1].size,
				 "map entry %u overlaps or is out of order", i);
		if (m[i].type == E820_RAM)
			ram += m[i].size;
	}
	rt_printf("map: %u entries, RAM %lu KiB\n", n, ram >> 10);
	bp_check(n >= 3, "only %u map entries", n);
	bp_check(in_ram(0, BIOS_HOLE), "0-0x9fbff is not RAM");
	bp_check(in_ram(IMAGE_BASE, image_end - IMAGE_BASE),
		 "the guest's image %#llx-%#lx is not in RAM", IMAGE_BASE,
		 image_end - 1);
	bp_check(!in_ram(BIOS_HOLE, 1) && !in_ram(0xf0000, 1),
		 "the BIOS area below 1 MiB is RAM");
	if (want)
		bp_check(ram + (IMAGE_BASE - BIOS_HOLE) == want,
			 "RAM %#lx + the BIOS hole != ram_mib=%lu MiB", ram,
			 want >> 20);
}

void bp_rsdp(const struct hyve_boot_info *args, uint64_t addr)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)addr;
	bool want = rt_strtoul(rt_arg(args, "rsdp"), 1) != 0;
	uint8_t sum = 0;

	rt_printf("rsdp=%#lx\n", addr);
	if (!want) {
		bp_check(addr == 0, "an RSDP at %#lx, expected none", addr);
		return;
	}
	bp_check(addr != 0, "no RSDP");
	if (!addr)
		return;
	bp_check(addr < 0x100000 && (addr & 15) == 0,
		 "RSDP at %#lx: not 16-byte aligned below 1 MiB", addr);
	bp_check(bp_memeq(p, "RSD PTR ", 8), "no \"RSD PTR \" at %#lx", addr);
	for (unsigned int i = 0; i < 20; i++)
		sum = (uint8_t)(sum + p[i]);
	bp_check(sum == 0, "RSDP checksum is off by %u", sum);
	if (p[15] >= 2) {
		uint32_t len = *(const uint32_t *)(p + 20);

		sum = 0;
		for (uint32_t i = 0; i < len && i < 64; i++)
			sum = (uint8_t)(sum + p[i]);
		bp_check(len == 36 && sum == 0,
			 "RSDP 2.0: length %u, extended checksum off by %u",
			 len, sum);
	}
	rt_printf("rsdp: \"RSD PTR \" revision %u oem %c%c%c%c%c%c\n", p[15],
		  p[9], p[10], p[11], p[12], p[13], p[14]);
}

unsigned int bp_nmods(const struct hyve_boot_info *args)
{
	return (unsigned int)rt_strtoul(rt_arg(args, "mods"), 0);
}

static void print_bytes(const char *what, const uint8_t *p, uint64_t n)
{
	rt_printf(" %s=", what);
	for (uint64_t i = 0; i < n; i++)
		rt_putc(p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.');
	rt_puts(" (");
	for (uint64_t i = 0; i < n && i < 4; i++)
		rt_printf("%s%02x", i ? " " : "", p[i]);
	rt_puts(")");
}

void bp_module(const struct hyve_boot_info *args, unsigned int i, uint64_t addr,
	       uint64_t size)
{
	char key[8] = { 'm', 'o', 'd', (char)('0' + i % 10), 0 };
	const char *want = rt_arg(args, key);
	const uint8_t *p = (const uint8_t *)(uintptr_t)addr;
	uint64_t image_end = (uintptr_t)_end;
	uint64_t head = size < 8 ? size : 8;

	rt_printf("module %u: %#lx-%#lx size %lu", i, addr, addr + size - 1,
		  size);
	bp_check(size != 0, "module %u is empty", i);
	bp_check(in_ram(addr, size), "module %u is not in RAM", i);
	bp_check(addr >= image_end || addr + size <= IMAGE_BASE,
		 "module %u overlaps the guest at %#llx-%#lx", i, IMAGE_BASE,
		 image_end - 1);
	if (!size || !in_ram(addr, size)) {
		rt_puts("\n");
		return;
	}
	print_bytes("first", p, head);
	print_bytes("last", p + size - head, head);
	rt_puts("\n");
	if (want) {
		size_t n = 0;

		while (want[n] && want[n] != ' ')
			n++;
		bp_check(n <= size && bp_memeq(p, want, n),
			 "module %u does not start with what %s= says", i, key);
	}
}

bool bp_gdt_desc(uint64_t base, uint32_t limit, uint16_t sel, struct bp_desc *d)
{
	uint64_t off = sel & ~7u, v;

	if (off + 7 > limit)
		return false;
	v = *(const uint64_t *)(uintptr_t)(base + off);
	d->base = (uint32_t)((v >> 16) & 0xffffff) | (uint32_t)(v >> 56) << 24;
	d->limit = (uint32_t)(v & 0xffff) | (uint32_t)((v >> 48) & 0xf) << 16;
	d->type = (uint8_t)((v >> 40) & 0xf);
	d->s = (v >> 44) & 1;
	d->dpl = (uint8_t)((v >> 45) & 3);
	d->p = (v >> 47) & 1;
	d->l = (v >> 53) & 1;
	d->db = (v >> 54) & 1;
	d->g = (v >> 55) & 1;
	if (d->g)
		d->limit = d->limit << 12 | 0xfff;
	return true;
}

void bp_print_desc(const char *what, uint16_t sel, const struct bp_desc *d)
{
	rt_printf("%s %#x: base %#x limit %#x type %#x s%u dpl%u p%u l%u "
		  "db%u g%u\n",
		  what, sel, d->base, d->limit, d->type, d->s, d->dpl, d->p,
		  d->l, d->db, d->g);
}

int bp_result(const char *who, int ok_code)
{
	if (bp_failures) {
		rt_printf("%s: %u checks failed\n", who, bp_failures);
		return 0x7e;
	}
	rt_printf("%s: all checks passed\n", who);
	return ok_code;
}
