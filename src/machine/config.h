/*
 * config.h: what a VM is to be, as one plain value.  The command line
 * (src/cli/) fills it today and the control API will fill it tomorrow;
 * neither owns it, and the board (machine.c) only reads it.
 *
 * Strings point into storage that outlives the VM (argv, or the API's
 * request).  config_defaults() gives every field its documented default.
 */
#ifndef HYVE_MACHINE_CONFIG_H
#define HYVE_MACHINE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/net.h"
#include "boot/loader.h"

#define CONFIG_DEFAULT_MEMORY	   (256ULL << 20)
#define CONFIG_DEBUG_EXIT_PORT	   0x501 /* QEMU's isa-debug-exit default */
#define CONFIG_DEBUG_EXIT_SIZE	   2
#define CONFIG_DEBUG_EXIT_SIZE_MAX 4
#define CONFIG_MAX_INITRAMFS	   16
#define CONFIG_MAX_DISKS	   8	/* --disk, each a virtio-blk device */
#define CONFIG_DISK_PATH_MAX	   4096 /* PATH_MAX, with its NUL */
#define CONFIG_DISK_SERIAL_MAX	   20	/* virtio-blk's ID: 20 bytes */
#define CONFIG_MAX_NET		   8	/* --net: virtio-net devices */
#define CONFIG_VSOCK_PATH_MAX	   96	/* PATH_PORT fits a sockaddr_un */

enum config_on_reboot {
	CONFIG_REBOOT_EXIT = 0, /* hyve ends with HYVE_EXIT_REBOOT */
	CONFIG_REBOOT_RESTART,	/* hyve resets the VM and boots again */
};

/* Where a console goes: COM1 (--serial), the virtio console. */
enum config_serial {
	CONFIG_SERIAL_STDIO = 0,
	CONFIG_SERIAL_FILE,
	CONFIG_SERIAL_OFF,
};

/* One --disk: path=IMG[,readonly=on][,direct=on][,serial=S]. */
struct config_disk {
	char path[CONFIG_DISK_PATH_MAX];
	bool readonly;
	bool direct;
	/* Printable ASCII, no comma; "": derived from the image's name. */
	char serial[CONFIG_DISK_SERIAL_MAX + 1];
};

struct hyve_config {
	const char *kernel; /* NULL: the built-in demo */
	enum loader_format format;
	const char *cmdline;
	uint64_t memory; /* bytes */
	unsigned int cpus;
	enum config_serial serial;
	const char *serial_path; /* with CONFIG_SERIAL_FILE */
	bool debug_exit;
	uint16_t debug_exit_port; /* first port of the device */
	uint8_t debug_exit_size;  /* ports it decodes: 1, 2 or 4 */
	bool stats;
	int verbose;
	const char *initramfs[CONFIG_MAX_INITRAMFS]; /* in order */
	unsigned int ninitramfs;
	bool acpi;		  /* ACPI tables (default on) */
	const char *cpu_features; /* "-name,+name", or NULL */
	bool host_quirks;	  /* kernel parameters the host needs */
	bool host_decompress;	  /* decompress kernels and initramfs here */
	enum config_on_reboot on_reboot;
	const char *profile; /* --profile: RIP samples go here, or NULL */
	bool rng;	     /* --rng: a virtio-rng device on PCI */
	struct config_disk disk[CONFIG_MAX_DISKS]; /* --disk, in order */
	unsigned int ndisks;
	struct net_config net[CONFIG_MAX_NET]; /* --net, in order */
	unsigned int nnet;
	bool serial_set; /* --serial was given */
	/* --virtio-console: a virtio-console on PCI, unless off (default) */
	enum config_serial vconsole;
	const char *vconsole_path; /* with CONFIG_SERIAL_FILE */
	/* --vsock cid=N,path=PATH: a virtio-vsock on PCI when cid != 0 */
	uint64_t vsock_cid;
	char vsock_path[CONFIG_VSOCK_PATH_MAX + 1];
};

void config_defaults(struct hyve_config *cfg);

/*
 * Settle who has the terminal once every option is in: the virtio
 * console on stdio takes it from COM1, whose --serial then defaults to
 * off; both on stdio is an error.  0 or -EINVAL with one line in err.
 */
int config_check_consoles(struct hyve_config *cfg, char *err, size_t errlen);

/*
 * Check a RAM size against hyve's limits and the host's RAM (0: unknown).
 * 0, or -EINVAL/-ERANGE with one line in err.
 */
int config_check_memory(uint64_t bytes, uint64_t host_bytes, char *err,
			size_t errlen);

/*
 * Parse one --disk value into *d: "path=IMG" and any of "readonly=on|off",
 * "direct=on|off", "serial=S" (1 to 20 printable ASCII characters),
 * comma-separated; a path with a comma cannot be given.  Checks the
 * syntax only: the image is opened by the machine.  0, or -EINVAL with one
 * line in err ("--disk: ...").
 */
int config_disk_parse(struct config_disk *d, const char *spec, char *err,
		      size_t errlen);

#endif
