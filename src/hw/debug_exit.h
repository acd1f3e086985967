/*
 * debug_exit.h: a debug-exit port with the semantics of QEMU's
 * isa-debug-exit: writing v ends hyve with status (v << 1) | 1 (the shell
 * sees its low 8 bits).  Reads return all ones.  Test guests use it to
 * report results; it exists only with --debug-exit, at the ports the
 * machine registers it on (0x501, two ports, by default; any write to any
 * of them ends the VM, with the bytes of the write that fall inside).
 *
 * The model is pure: it calls its exit callback, and the machine decides
 * what stopping means.  Stateless, so any vCPU thread may write it.
 */
#ifndef HYVE_HW_DEBUG_EXIT_H
#define HYVE_HW_DEBUG_EXIT_H

#include <stdint.h>

#include "vmm/iobus.h"

struct debug_exit {
	struct iobus_dev dev; /* first: the bus hands us this pointer */
	void (*exit)(void *ctx, int status);
	void *ctx;
};

void debug_exit_init(struct debug_exit *de, void (*exit)(void *, int),
		     void *ctx);

/* The process status for a written value. */
int debug_exit_status(uint64_t val);

#endif
