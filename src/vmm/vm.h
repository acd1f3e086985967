/*
 * vm.h: one virtual machine: its KVM file descriptors, guest RAM, the I/O
 * bus, the vCPUs and how the machine stops.
 *
 * Ownership and threads:
 *  - main builds the vm (vm_create, vm_add_vcpus), wires devices onto
 *    vm->bus, loads the guest, then calls vm_start and vm_wait_stop.
 *  - each vCPU thread owns its struct vcpu and runs the loop in vcpu.c.
 *  - vm_request_stop() may be called by any thread (a device, a vCPU, the
 *    main loop); the first caller's status wins.  The stop fields are
 *    guarded by vm->lock.
 */
#ifndef HYVE_VMM_VM_H
#define HYVE_VMM_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpuid.h"
#include "arch/x86/decode.h"
#include "vmm/exit_names.h"
#include "vmm/iobus.h"
#include "vmm/kvm.h"
#include "vmm/mem.h"
#include "vmm/msi.h"
#include "vmm/report.h"

#define VM_MAX_VCPUS  255	   /* xAPIC IDs 0-254; 255 is the broadcast */
#define VM_VCPU_STACK (256u << 10) /* bytes of stack per vCPU thread */

struct exit_stat {
	uint64_t count;
	uint64_t ns; /* time spent handling, KVM_RUN return to next call */
};

struct vm;

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	/* Per-vCPU so the hot path takes no lock; summed after the stop. */
	struct exit_stat stats[EXIT_REASON_MAX + 2]; /* last: unknown */
	uint64_t run_ns;			     /* time inside KVM_RUN */
	uint64_t completions[DECODE_KIND_COUNT];     /* vmm/emulate.c */
	uint64_t syscall_repairs;		     /* vmm/emulate.c */
	/* For the vmcall watchdog: read by main, written by this thread. */
	atomic_bool in_run; /* inside KVM_RUN */
	/* --profile: main asks, this thread records RIP at its next exit. */
	atomic_bool sample_wanted;
	uint64_t *samples;
	size_t nsamples, samples_cap;
};

/* How the VM is made. */
struct vm_options {
	bool irqchip; /* in-kernel PIC, IOAPIC, LAPICs and PIT */
	const struct cpuid_config *cpuid; /* NULL: KVM's, with APIC IDs */
	bool complete_insns;  /* finish what KVM cannot (vmm/emulate.h) */
	bool vmcall_watchdog; /* kick vCPUs stuck in KVM_RUN (vm_watchdog) */
	bool syscall_repair;  /* finish user-mode SYSCALL (vmm/emulate.h) */
	bool profile;	      /* sample RIP when main asks (vm_sample) */
};

struct vm {
	struct kvm_host *kvm;
	struct vm_options opt;
	int fd;
	void *ram; /* one host mapping for all of guest RAM */
	uint64_t ram_bytes;
	struct guest_mem mem;
	struct iobus bus;
	struct msi_routes msi;	  /* GSI routes and irqfds (with irqchip) */
	uint64_t pf_handler;	  /* the guest's #PF handler (SYSCALL repair) */
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID */
	unsigned int cpuid_cap;	  /* entries cpuid has room for */
	uint32_t tsc_khz;	  /* KVM_GET_TSC_KHZ of vCPU 0; 0: unknown */
	enum report_cpu_vendor vendor;
	bool collect_stats;

	unsigned int ncpus;
	struct vcpu *vcpu;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool go;	      /* vm_go: the vCPU threads may enter the guest */
	atomic_bool stopping; /* read on every exit: no lock needed */
	int exit_status;      /* valid once stopping */
	const char *stop_reason; /* static text for --verbose */
	unsigned int running;	 /* vCPU threads that have not ended */
	int stop_fd;		 /* eventfd: written once when stopping */
	bool have_report;
	struct report_state report; /* the failing exit, if any */
};

/*
 * Create the VM and give it ram_bytes of RAM laid out per memmap.h.  On
 * failure everything made so far is undone and err holds one line.
 */
int vm_create(struct vm *vm, struct kvm_host *kvm, uint64_t ram_bytes,
	      const struct vm_options *opt, char *err, size_t errlen);

/* KVM_GET_SUPPORTED_CPUID into vm->cpuid. */
int vm_get_supported_cpuid(struct vm *vm, char *err, size_t errlen);

/* Create ncpus vCPUs with their CPUID; does not start threads. */
int vm_add_vcpus(struct vm *vm, unsigned int ncpus, char *err, size_t errlen);

/*
 * Start one thread per vCPU.  The threads wait for vm_go() before they
 * enter the guest, so a start that fails half-way has run no guest code.
 */
int vm_start(struct vm *vm, char *err, size_t errlen);

/* Let the started vCPU threads run: vCPU 0 boots (see vcpu.c). */
void vm_go(struct vm *vm);

/*
 * The vmcall watchdog, called by main every VM_WATCHDOG_MS while the VM
 * runs (with opt.vmcall_watchdog): every vCPU inside KVM_RUN is kicked
 * out, and its thread completes a vmcall it finds at RIP (every vmcall
 * hangs on some hosts; probe.h).  Every one, not only those without an
 * exit since the last look: a guest stuck on a vmcall still takes its
 * timer interrupts, and where hyve completes CLAC (SMAP on, KVM unable)
 * each one exits at the handler's CLAC, which looked like progress and
 * left a Linux guest in ptp_kvm's hypercall for minutes.  A kick costs a
 * trip to userspace and a look at the instruction at RIP, 40 a second.
 */
#define VM_WATCHDOG_MS 25
void vm_watchdog(struct vm *vm);

/*
 * --profile: ask every vCPU for its RIP (each records it at its next exit,
 * which the kick makes prompt), and write "count address" lines, most
 * frequent first, for all vCPUs together.
 */
void vm_sample(struct vm *vm);
int vm_write_profile(const struct vm *vm, const char *path);

/* Drive an interrupt line of the in-kernel PIC and IOAPIC (KVM_IRQ_LINE). */
int vm_irq_line(struct vm *vm, unsigned int irq, bool level);

/*
 * Have KVM signal fd, an eventfd, on a guest write of len bytes (1, 2, 4
 * or 8) at MMIO address addr, whatever the value (no datamatch), instead
 * of exiting to hyve; or stop (assign false).  -ENOTSUP without
 * KVM_CAP_IOEVENTFD (the write then exits to hyve as MMIO).  Any thread.
 */
int vm_ioeventfd(struct vm *vm, uint64_t addr, unsigned int len, int fd,
		 bool assign);

/*
 * Ask the machine to stop with status; the first request wins.  Kicks every
 * vCPU out of KVM_RUN and wakes the main loop through stop_fd.
 */
void vm_request_stop(struct vm *vm, int status, const char *why);

/* Record the report of a failing exit (first one wins), then stop. */
void vm_fail(struct vm *vm, const struct report_state *st, int status);

/* A vCPU thread has ended; the last one to end stops the VM with 0. */
void vm_vcpu_ended(struct vm *vm);

/* After a stop: join every vCPU thread.  Returns the exit status. */
int vm_join(struct vm *vm);

/* Undo vm_create and vm_add_vcpus; safe on a partly built vm. */
void vm_destroy(struct vm *vm);

#endif
