/* boot64.c: direct 64-bit entry for raw and ELF guests.  See boot64.h. */
#include "boot/boot64.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/longmode.h"
#include "arch/x86/memmap.h"

int boot64_setup(const struct guest_mem *gm, unsigned int cpus,
		 const char *cmdline, char *err, size_t errlen)
{
	struct hyve_boot_info bi = {
		.magic = HYVE_BOOT_MAGIC,
		.version = 1,
		.cpus = cpus,
		.ram_bytes = gm->ram_bytes,
		.cmdline = MEMMAP_CMDLINE,
	};
	size_t len = strlen(cmdline);
	int r;

	if (len >= MEMMAP_CMDLINE_MAX) {
		snprintf(err, errlen,
			 "--cmdline is %zu bytes; at most %llu fit", len,
			 MEMMAP_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	r = longmode_build(gm);
	if (r) {
		snprintf(err, errlen, "cannot build the page tables: %s",
			 strerror(-r));
		return r;
	}
	bi.cmdline_len = (uint32_t)len;
	for (unsigned int i = 0; i < gm->count && i < HYVE_BOOT_MAX_RAM; i++) {
		bi.ram[i].base = gm->region[i].gpa;
		bi.ram[i].size = gm->region[i].size;
		bi.ram_count++;
	}
	if (mem_write(gm, MEMMAP_BOOT_INFO, &bi, sizeof(bi)) ||
	    mem_write(gm, MEMMAP_CMDLINE, cmdline, len + 1)) {
		snprintf(err, errlen, "guest RAM too small for boot data");
		return -EFAULT;
	}
	return 0;
}

void boot64_cpu_state(uint64_t entry, struct kvm_regs *regs,
		      struct kvm_sregs *sregs)
{
	longmode_regs(regs, entry);
	longmode_sregs(sregs);
}
