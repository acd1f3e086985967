/*
 * demo: the guest built into hyve.  It says hello and reports what it finds
 * about its virtual machine: the CPU as CPUID describes it, the RAM and vCPUs
 * hyve's boot information gives, and the command line.  Then it powers
 * off through the ACPI PM1a control block, which ends hyve with status 0.
 */
#include "rt.h"

static void show_cpu(void)
{
	uint32_t r[4], vendor[4] = { 0 }, brand[13] = { 0 };

	cpuid(0, 0, r);
	vendor[0] = r[1], vendor[1] = r[3], vendor[2] = r[2];
	rt_printf("  cpu vendor   %s (max leaf %#x)\n", (char *)vendor, r[0]);
	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &brand[i * 4]);
		const char *b = (const char *)brand;
		while (*b == ' ')
			b++;
		rt_printf("  cpu model    %s\n", *b ? b : "(no brand string)");
	}
	cpuid(1, 0, r);
	rt_printf("  cpu family   %u model %u stepping %u, apic id %u\n",
		  ((r[0] >> 8) & 0xf) + ((r[0] >> 20) & 0xff),
		  ((r[0] >> 4) & 0xf) | ((r[0] >> 12) & 0xf0), r[0] & 0xf,
		  r[1] >> 24);
	cpuid(0x40000000, 0, r);
	vendor[0] = r[1], vendor[1] = r[2], vendor[2] = r[3];
	rt_printf("  hypervisor   %s\n", (char *)vendor);
}

int main(const struct hyve_boot_info *bi)
{
	rt_puts("\n"
		"  _                    \n"
		" | |__  _   ___   _____\n"
		" | '_ \\| | | \\ \\ / / _ \\\n"
		" | | | | |_| |\\ V /  __/\n"
		" |_| |_|\\__, | \\_/ \\___|\n"
		"        |___/  demo guest\n\n");
	rt_puts("Hello from inside a hyve virtual machine, in 64-bit long "
		"mode at CPL 0.\n\n");
	show_cpu();
	if (bi && bi->magic == HYVE_BOOT_MAGIC) {
		rt_printf("  memory       %lu MiB in %u range%s:\n",
			  bi->ram_bytes >> 20, bi->ram_count,
			  bi->ram_count == 1 ? "" : "s");
		for (uint32_t i = 0; i < bi->ram_count && i < HYVE_BOOT_MAX_RAM;
		     i++)
			rt_printf("                 %#012lx-%#012lx\n",
				  bi->ram[i].base,
				  bi->ram[i].base + bi->ram[i].size - 1);
		rt_printf("  vcpus        %u\n", bi->cpus);
		rt_printf("  cmdline      \"%s\"\n",
			  (const char *)(uintptr_t)bi->cmdline);
	} else {
		rt_puts("  no hyve boot information (not started by hyve?)\n");
	}
	rt_puts("\nThe demo is done; powering off.\n");
	rt_halt();
}
