/*
 * kvm.h: opening /dev/kvm and checking that it offers what hyve uses.
 *
 * kvm_open() checks the API version and every capability in one table
 * (kvm.c); a missing one is named in the error text, with what hyve needs it
 * for.  The check itself is pure over a query function so that unit tests
 * can feed it a fake KVM.  Owned by main; set up before any vCPU exists.
 */
#ifndef HYVE_VMM_KVM_H
#define HYVE_VMM_KVM_H

#include <stdbool.h>
#include <stddef.h>

#define KVM_EXPECTED_API_VERSION 12

struct kvm_host {
	int fd;
	int max_vcpus;	   /* KVM_CAP_MAX_VCPUS */
	int nr_memslots;   /* KVM_CAP_NR_MEMSLOTS */
	size_t run_size;   /* KVM_GET_VCPU_MMAP_SIZE */
	bool tsc_deadline; /* KVM_CAP_TSC_DEADLINE_TIMER */
	bool identity_map; /* KVM_CAP_SET_IDENTITY_MAP_ADDR */
	/* Optional, for PCI and virtio (kvm_check_optional). */
	bool irqfd;	 /* KVM_CAP_IRQFD */
	bool ioeventfd;	 /* KVM_CAP_IOEVENTFD */
	int irq_routes;	 /* KVM_CAP_IRQ_ROUTING: most routes; 0: none */
	bool signal_msi; /* KVM_CAP_SIGNAL_MSI */
};

/*
 * Ask about a capability: returns KVM_CHECK_EXTENSION's answer (0 when
 * absent) or a negative errno.
 */
typedef int (*kvm_ext_fn)(void *ctx, long cap);

/*
 * Check the API version and the capability table.  Fills max_vcpus and
 * nr_memslots.  On failure returns -ENOTSUP or the query's error and writes
 * one line naming the culprit into err.
 */
int kvm_check(int api_version, kvm_ext_fn ext, void *ctx, struct kvm_host *host,
	      char *err, size_t errlen);

/*
 * Ask about the optional capabilities and fill their fields; each one
 * missing is logged (with -v) with what hyve does without it: notify a
 * queue by an MMIO exit instead of an ioeventfd, send MSIs with
 * KVM_SIGNAL_MSI instead of irqfds and GSI routes, or use INTx when
 * neither way of sending an MSI is there.
 */
void kvm_check_optional(kvm_ext_fn ext, void *ctx, struct kvm_host *host);

/*
 * Open path (normally "/dev/kvm"), run kvm_check against it, then
 * kvm_check_optional.
 */
int kvm_open(const char *path, struct kvm_host *host, char *err, size_t errlen);
void kvm_close(struct kvm_host *host);

#endif
