/*
 * machine.h: the PC-like board hyve builds around a VM, and its lifetime
 * from /dev/kvm to the exit status.
 *
 * machine_run() is called by main once; it owns everything it creates and
 * undoes all of it before returning, whatever happened.
 */
#ifndef HYVE_MACHINE_MACHINE_H
#define HYVE_MACHINE_MACHINE_H

#include <stddef.h>
#include <stdio.h>

#include "machine/config.h"

/* A built-in image, used when cfg->kernel is NULL. */
struct machine_image {
	const void *buf;
	size_t len;
	const char *name;
};

/*
 * hyve --probe: open /dev/kvm, run the host probe (vmm/probe.h) afresh,
 * save it to the cache and print it.  Returns the process exit status.
 */
int machine_probe(FILE *out);

/* Build, boot and tear down the machine; returns the process exit status. */
int machine_run(const struct hyve_config *cfg,
		const struct machine_image *demo);

#endif
