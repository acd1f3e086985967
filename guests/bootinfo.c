/* bootinfo: prints hyve's boot information in a form tests can match. */
#include "rt.h"

int main(const struct hyve_boot_info *bi)
{
	if (!bi || bi->magic != HYVE_BOOT_MAGIC) {
		rt_puts("bootinfo: bad magic\n");
		return 1;
	}
	rt_printf("version=%u cpus=%u ram=%lu ranges=%u\n", bi->version,
		  bi->cpus, bi->ram_bytes, bi->ram_count);
	for (uint32_t i = 0; i < bi->ram_count && i < HYVE_BOOT_MAX_RAM; i++)
		rt_printf("range %u: base=%#lx size=%#lx\n", i, bi->ram[i].base,
			  bi->ram[i].size);
	rt_printf("cmdline=[%s] len=%u\n", (const char *)(uintptr_t)bi->cmdline,
		  bi->cmdline_len);
	/* Touch the last byte of RAM to prove the identity map reaches it. */
	const struct hyve_boot_ram *last = &bi->ram[bi->ram_count - 1];
	volatile uint8_t *top = (uint8_t *)(uintptr_t)(last->base + last->size - 1);
	*top = 0x5a;
	rt_printf("top byte=%#x\n", *top);
	return 0x20;
}
