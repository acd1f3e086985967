/*
 * vcpu.h: vCPU creation and the per-vCPU thread that loops on KVM_RUN.
 *
 * Each vCPU thread owns its struct vcpu; other threads touch only
 * run->immediate_exit (to stop it) and send it VCPU_KICK_SIGNAL.
 */
#ifndef HYVE_VMM_VCPU_H
#define HYVE_VMM_VCPU_H

#include <signal.h>
#include <stddef.h>

#include "vmm/vm.h"

/*
 * Sent to a vCPU thread to make KVM_RUN return with EINTR.  A real-time
 * signal, so that SIGUSR1 and SIGUSR2 keep their default meaning for hyve.
 */
#define VCPU_KICK_SIGNAL SIGRTMIN

/* KVM_CREATE_VCPU, map its kvm_run, give it CPUID with its APIC ID. */
int vcpu_create(struct vcpu *v, struct vm *vm, int id, char *err,
		size_t errlen);
void vcpu_destroy(struct vcpu *v);

/*
 * KVM_GET_MSRS or KVM_SET_MSRS (op) for n (at most VCPU_MSRS_MAX) entries
 * on the vCPU fd: 0, or a negative errno (-EIO when KVM took fewer).
 */
#define VCPU_MSRS_MAX 8
int vcpu_msrs(int fd, unsigned long op, struct kvm_msr_entry *e,
	      unsigned int n);

/* Load register state, e.g. the loader's entry state. */
int vcpu_set_state(struct vcpu *v, const struct kvm_regs *regs,
		   const struct kvm_sregs *sregs, char *err, size_t errlen);

/* Capture registers and the bytes at RIP for a failure report. */
void vcpu_capture(struct vcpu *v, struct report_state *st);

/* pthread entry point; arg is the struct vcpu. */
void *vcpu_thread(void *arg);

#endif
