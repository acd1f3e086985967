/* boot.c: the start-of-day state of each boot protocol.  See boot.h. */
#include "boot/boot.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/e820.h"
#include "arch/x86/longmode.h"
#include "arch/x86/memmap.h"
#include "boot/boot64.h"
#include "boot/bzimage.h"
#include "boot/multiboot.h"
#include "boot/pvh.h"

#define PAGE 4096ULL

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

/* The command line, checked against what the kernel can take. */
static int boot_cmdline(const struct guest_mem *gm,
			const struct boot_plan *plan, char *err, size_t errlen)
{
	const struct loader_image *img = plan->img;
	size_t len = strlen(plan->cmdline), max = MEMMAP_CMDLINE_MAX - 1;

	if (img->entry_kind == LOADER_ENTRY_LINUX64 && img->bz->cmdline_size &&
	    img->bz->cmdline_size < max)
		max = img->bz->cmdline_size;
	if (len > max && plan->cmdline_added) {
		snprintf(err, errlen,
			 "--cmdline is %zu bytes, %zu with the parameters hyve "
			 "adds for this host (%s); this kernel takes at most "
			 "%zu (--no-host-quirks leaves them out)",
			 len - plan->cmdline_added, len,
			 plan->cmdline + len - plan->cmdline_added + 1, max);
		return -E2BIG;
	}
	if (len > max) {
		snprintf(
			err, errlen,
			"--cmdline is %zu bytes; this kernel takes at most %zu",
			len, max);
		return -E2BIG;
	}
	if (mem_write(gm, MEMMAP_CMDLINE, plan->cmdline, len + 1)) {
		snprintf(err, errlen, "guest RAM too small for boot data");
		return -EFAULT;
	}
	return 0;
}

/* The highest address a module may end at. */
static uint64_t boot_module_ceiling(const struct guest_mem *gm,
				    const struct loader_image *img)
{
	uint64_t top = gm->region[0].gpa + gm->region[0].size;

	if (top > MEMMAP_HOLE_START)
		top = MEMMAP_HOLE_START;
	if (img->entry_kind == LOADER_ENTRY_LINUX64 &&
	    (uint64_t)img->bz->initrd_addr_max + 1 < top)
		top = (uint64_t)img->bz->initrd_addr_max + 1;
	return top;
}

/* Place the modules top-down below the ceiling, clear of the kernel. */
static int boot_place_modules(const struct guest_mem *gm,
			      const struct boot_plan *plan,
			      struct boot_placed *placed, char *err,
			      size_t errlen)
{
	uint64_t top = boot_module_ceiling(gm, plan->img);

	if (plan->nmods > BOOT_MAX_MODULES) {
		snprintf(err, errlen, "at most %d --initramfs images",
			 BOOT_MAX_MODULES);
		return -E2BIG;
	}
	for (unsigned int i = plan->nmods; i-- > 0;) {
		const struct boot_module *m = &plan->mods[i];
		uint64_t at =
			top >= m->size ? align_down(top - m->size, PAGE) : 0;
		void *dst;

		if (m->size > top || at < plan->img->end ||
		    at < MEMMAP_BOOT_AREA_END ||
		    !(dst = mem_ptr(gm, at, m->size))) {
			snprintf(err, errlen,
				 "%s: %zu bytes do not fit in guest RAM "
				 "between the kernel's end at %#" PRIx64
				 " and %#" PRIx64 " (try a larger --memory)",
				 m->name, m->size, plan->img->end, top);
			return -EFBIG;
		}
		memcpy(dst, m->data, m->size);
		placed->mod_addr[i] = at;
		top = at;
	}
	return 0;
}

static int boot_linux64(const struct guest_mem *gm,
			const struct boot_plan *plan,
			const struct boot_placed *placed,
			const struct e820_entry *map, unsigned int n,
			struct kvm_regs *regs, struct kvm_sregs *sregs)
{
	uint8_t *zp = mem_ptr(gm, MEMMAP_ZERO_PAGE, BZIMAGE_ZERO_PAGE_SIZE);
	struct bzimage_params p = {
		.load_addr = plan->img->start,
		.cmdline = MEMMAP_CMDLINE,
		.rsdp = plan->rsdp,
		.e820 = map,
		.e820_count = n,
	};

	if (!zp)
		return -EFAULT;
	if (plan->nmods) {
		p.initrd = placed->mod_addr[0];
		p.initrd_size = plan->mods[0].size;
	}
	bzimage_zero_page(plan->img->bz, &p, zp);
	longmode_regs(regs, plan->img->entry);
	regs->rdi = 0;
	regs->rsi = MEMMAP_ZERO_PAGE;
	longmode_sregs(sregs);
	return 0;
}

static int boot_pvh(const struct guest_mem *gm, const struct boot_plan *plan,
		    const struct boot_placed *placed,
		    const struct e820_entry *map, unsigned int n,
		    struct kvm_regs *regs, struct kvm_sregs *sregs)
{
	uint8_t si[PVH_START_SIZE], mm[E820_MAX * PVH_MEMMAP_SIZE];
	uint8_t ml[BOOT_MAX_MODULES * PVH_MODLIST_SIZE];
	const struct pvh_params p = {
		.cmdline = MEMMAP_CMDLINE,
		.rsdp = plan->rsdp,
		.modlist = plan->nmods ? MEMMAP_MODLIST : 0,
		.nr_modules = plan->nmods,
		.memmap = MEMMAP_MAP,
		.memmap_entries = n,
	};

	for (unsigned int i = 0; i < plan->nmods; i++)
		pvh_module(placed->mod_addr[i], plan->mods[i].size, 0,
			   ml + i * PVH_MODLIST_SIZE);
	pvh_memmap(map, n, mm);
	pvh_start_info(&p, si);
	if (mem_write(gm, MEMMAP_BOOT_INFO, si, sizeof(si)) ||
	    mem_write(gm, MEMMAP_MAP, mm, (uint64_t)n * PVH_MEMMAP_SIZE) ||
	    mem_write(gm, MEMMAP_MODLIST, ml,
		      (uint64_t)plan->nmods * PVH_MODLIST_SIZE))
		return -EFAULT;
	memset(regs, 0, sizeof(*regs));
	regs->rip = plan->img->entry;
	regs->rbx = MEMMAP_BOOT_INFO;
	regs->rflags = X86_RFLAGS_FIXED;
	longmode_sregs_prot32(sregs);
	/* pvh.rst: TR "a 32-bit TSS (active) with a base of 0 and a limit
	 * of 0x67". */
	sregs->tr.base = 0;
	return 0;
}

/*
 * Multiboot module strings: each module's path, one after the other, at
 * most BOOT_MODSTR_MAX bytes each (the end of a longer one is cut), so
 * that 16 of them and the boot loader's name fit in the page.
 */
#define BOOT_MODSTR_MAX 200

static int boot_mb_strings(const struct guest_mem *gm,
			   const struct boot_plan *plan,
			   struct multiboot_module *mods, uint64_t *name)
{
	uint64_t at = MEMMAP_MODSTR;

	for (unsigned int i = 0; i < plan->nmods; i++) {
		size_t len = strlen(plan->mods[i].name);
		if (len > BOOT_MODSTR_MAX)
			len = BOOT_MODSTR_MAX;
		mods[i].string = (uint32_t)at;
		if (mem_write(gm, at, plan->mods[i].name, len) ||
		    mem_write(gm, at + len, "", 1))
			return -EFAULT;
		at += len + 1;
	}
	*name = at;
	return mem_write(gm, at, "hyve", 5);
}

static int boot_multiboot(const struct guest_mem *gm,
			  const struct boot_plan *plan,
			  const struct boot_placed *placed,
			  const struct e820_entry *map, unsigned int n,
			  struct kvm_regs *regs, struct kvm_sregs *sregs)
{
	uint8_t info[MULTIBOOT_INFO_SIZE], mm[E820_MAX * MULTIBOOT_MMAP_SIZE];
	uint8_t ml[BOOT_MAX_MODULES * MULTIBOOT_MOD_SIZE];
	struct multiboot_module mods[BOOT_MAX_MODULES];
	uint64_t name = 0;
	struct multiboot_params p = {
		.mem_lower_kib = (uint32_t)(MEMMAP_EBDA >> 10),
		.mem_upper_kib = (uint32_t)((e820_low_ram_end(map, n) -
					     MEMMAP_BOOT_AREA_END) >>
					    10),
		.cmdline = (uint32_t)MEMMAP_CMDLINE,
		.mods = (uint32_t)MEMMAP_MODLIST,
		.mods_count = plan->nmods,
		.mmap = (uint32_t)MEMMAP_MAP,
	};

	for (unsigned int i = 0; i < plan->nmods; i++) {
		mods[i].start = (uint32_t)placed->mod_addr[i];
		mods[i].end =
			(uint32_t)(placed->mod_addr[i] + plan->mods[i].size);
	}
	if (boot_mb_strings(gm, plan, mods, &name))
		return -EFAULT;
	p.loader_name = (uint32_t)name;
	p.mmap_length = (uint32_t)multiboot_mmap(map, n, mm, sizeof(mm));
	multiboot_mods(mods, plan->nmods, ml);
	multiboot_info(&p, info);
	if (mem_write(gm, MEMMAP_BOOT_INFO, info, sizeof(info)) ||
	    mem_write(gm, MEMMAP_MAP, mm, p.mmap_length) ||
	    mem_write(gm, MEMMAP_MODLIST, ml,
		      (uint64_t)plan->nmods * MULTIBOOT_MOD_SIZE))
		return -EFAULT;
	memset(regs, 0, sizeof(*regs));
	regs->rip = plan->img->entry;
	regs->rax = MULTIBOOT_BOOTLOADER_MAGIC;
	regs->rbx = MEMMAP_BOOT_INFO;
	regs->rflags = X86_RFLAGS_FIXED;
	longmode_sregs_prot32(sregs);
	return 0;
}

int boot_setup(const struct guest_mem *gm, const struct boot_plan *plan,
	       struct kvm_regs *regs, struct kvm_sregs *sregs,
	       struct boot_placed *placed, char *err, size_t errlen)
{
	const struct loader_image *img = plan->img;
	struct e820_entry map[E820_MAX];
	unsigned int n = e820_build(gm, map, E820_MAX);
	int r;

	memset(placed, 0, sizeof(*placed));
	if (img->entry_kind == LOADER_ENTRY_HYVE64) {
		if (plan->nmods) {
			snprintf(
				err, errlen,
				"--initramfs: an image in hyve's own %s format "
				"has no way to take one (use a Linux, PVH or "
				"Multiboot kernel)",
				loader_format_name(img->format));
			return -EINVAL;
		}
		r = boot64_setup(gm, plan->cpus, plan->cmdline, err, errlen);
		if (!r)
			boot64_cpu_state(img->entry, regs, sregs);
		return r;
	}
	if (plan->nmods > 1 && img->entry_kind != LOADER_ENTRY_MULTIBOOT) {
		snprintf(err, errlen,
			 "--initramfs: only a Multiboot kernel takes more than "
			 "one");
		return -EINVAL;
	}
	r = boot_cmdline(gm, plan, err, errlen);
	if (!r)
		r = boot_place_modules(gm, plan, placed, err, errlen);
	if (!r && longmode_build(gm))
		r = -EFAULT;
	if (r) {
		if (r == -EFAULT)
			snprintf(err, errlen,
				 "guest RAM too small for boot data");
		return r;
	}
	switch (img->entry_kind) {
	case LOADER_ENTRY_LINUX64:
		r = boot_linux64(gm, plan, placed, map, n, regs, sregs);
		break;
	case LOADER_ENTRY_PVH:
		r = boot_pvh(gm, plan, placed, map, n, regs, sregs);
		break;
	default:
		r = boot_multiboot(gm, plan, placed, map, n, regs, sregs);
		break;
	}
	if (r)
		snprintf(err, errlen, "guest RAM too small for boot data");
	return r;
}
