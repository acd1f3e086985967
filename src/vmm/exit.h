/*
 * exit.h: the one table that every VM exit goes through.
 *
 * exit_dispatch() looks the exit reason up in exit_table[] (exit.c) and
 * calls its handler; a reason with no handler is reported by name as an
 * unhandled exit.  Handlers run on the vCPU's own thread.
 */
#ifndef HYVE_VMM_EXIT_H
#define HYVE_VMM_EXIT_H

#include <stdio.h>

#include "vmm/vm.h"

enum exit_action {
	EXIT_CONTINUE, /* re-enter the guest */
	EXIT_HALT,     /* this vCPU is done; the VM ends when all are */
	EXIT_STOP,     /* the VM is stopping (vm_request_stop was called) */
	EXIT_FAIL,     /* a failure was reported through vm_fail */
};

enum exit_action exit_dispatch(struct vcpu *v);

/* Add one handled exit to the vCPU's statistics. */
void exit_account(struct vcpu *v, uint32_t reason, uint64_t ns);

/* Print the --stats table: exits by reason over all vCPUs. */
void exit_print_stats(FILE *out, const struct vm *vm);

#endif
