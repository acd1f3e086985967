/*
 * report.h: the one screen hyve prints when a vCPU stops for a reason the
 * guest cannot recover from: a failed VM entry, a KVM emulation failure or
 * other internal error, a triple fault, or an exit hyve does not handle.
 *
 * The vCPU thread fills a struct report_state at the failing exit (a copy of
 * the kvm_run record, KVM_GET_REGS, KVM_GET_SREGS, and the code bytes at RIP
 * read through pagewalk_read()) and hands it to vm_fail(); main's thread
 * prints it with report_format() once every vCPU has stopped and the
 * terminal is restored, and hyve exits with report_exit_status().  Everything here is pure formatting over that copy:
 * no ioctls, no globals, so any thread may call it and unit tests can feed it
 * crafted records.  Values that came from the kernel (ndata, insn_size) are
 * range-checked like guest input.
 */
#ifndef HYVE_VMM_REPORT_H
#define HYVE_VMM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/kvm.h>

#include "vmm/status.h"

/* Which hardware virtualization the host uses, from host CPUID leaf 0. */
enum report_cpu_vendor {
	REPORT_VENDOR_UNKNOWN,
	REPORT_VENDOR_INTEL, /* GenuineIntel: VMX */
	REPORT_VENDOR_AMD,   /* AuthenticAMD, HygonGenuine: SVM */
};

/* Captured by the vCPU thread at the failing exit; owned by that thread. */
struct report_state {
	int vcpu_id;
	enum report_cpu_vendor vendor;
	struct kvm_run run; /* copy of the fixed part of the exit record */
	bool have_regs, have_sregs;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	uint8_t rip_bytes[16]; /* bytes read at RIP through the page tables */
	size_t rip_len;	       /* 0: unreadable */
	uint64_t rip_gpa;      /* where they came from */
};

/* The HYVE_EXIT_* status a failing exit maps to. */
int report_exit_status(const struct kvm_run *run);

/* "VM entry failed" and so on for a HYVE_EXIT_* value; "unknown" else. */
const char *report_exit_status_name(int status);

/*
 * Print the whole report (about 40 lines) to out: a headline naming the
 * vCPU and the cause, the decoded cause, the registers, segments, control
 * registers and the bytes at RIP, and a last line giving the exit status.
 */
void report_format(FILE *out, const struct report_state *st);

/* Names; each returns "unknown" for numbers it does not know. */
/* VMX basic exit reason (bits 15:0 of the exit reason), SDM Vol. 3D App. C. */
const char *report_vmx_exit_reason_name(uint32_t basic);
/* VM-instruction error number, SDM Vol. 3C "VM Instruction Error Numbers". */
const char *report_vmx_insn_error_name(uint32_t err);
/* SVM VMCB exit code, AMD APM Vol. 2 Appendix C ("VMEXIT_NPF" ...). */
const char *report_svm_exit_code_name(uint64_t code);

#endif
