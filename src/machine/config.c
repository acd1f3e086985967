/* config.c: the VM configuration's defaults and checks.  See config.h. */
#include "machine/config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "arch/x86/memmap.h"

void config_defaults(struct hyve_config *cfg)
{
	*cfg = (struct hyve_config){
		.format = LOADER_AUTO,
		.cmdline = "",
		.memory = CONFIG_DEFAULT_MEMORY,
		.cpus = 1,
		.serial = CONFIG_SERIAL_STDIO,
		.debug_exit_port = CONFIG_DEBUG_EXIT_PORT,
		.debug_exit_size = CONFIG_DEBUG_EXIT_SIZE,
		.acpi = true,
		.host_quirks = true,
		.host_decompress = true,
		.vconsole = CONFIG_SERIAL_OFF,
	};
}

int config_check_consoles(struct hyve_config *cfg, char *err, size_t errlen)
{
	if (cfg->vconsole != CONFIG_SERIAL_STDIO ||
	    cfg->serial != CONFIG_SERIAL_STDIO)
		return 0;
	if (cfg->serial_set) {
		snprintf(err, errlen,
			 "--virtio-console stdio: --serial stdio has the "
			 "terminal already (give --serial off or "
			 "--serial file=PATH)");
		return -EINVAL;
	}
	cfg->serial = CONFIG_SERIAL_OFF;
	return 0;
}

int config_check_memory(uint64_t bytes, uint64_t host_bytes, char *err,
			size_t errlen)
{
	if (bytes == 0) {
		snprintf(err, errlen, "--memory: the size must not be zero");
		return -EINVAL;
	}
	if (bytes % 4096) {
		snprintf(err, errlen,
			 "--memory: %" PRIu64
			 " bytes is not a multiple of 4 KiB",
			 bytes);
		return -EINVAL;
	}
	if (bytes < MEMMAP_RAM_MIN || bytes > MEMMAP_RAM_MAX) {
		snprintf(err, errlen,
			 "--memory: %" PRIu64 " MiB is outside hyve's range of "
			 "%llu MiB to %llu GiB",
			 bytes >> 20, MEMMAP_RAM_MIN >> 20,
			 MEMMAP_RAM_MAX >> 30);
		return -ERANGE;
	}
	if (host_bytes && bytes > host_bytes) {
		snprintf(err, errlen,
			 "--memory: %" PRIu64
			 " MiB is more than this host's %" PRIu64 " MiB of RAM",
			 bytes >> 20, host_bytes >> 20);
		return -ERANGE;
	}
	return 0;
}
