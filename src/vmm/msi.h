/*
 * msi.h: message-signalled interrupts into the in-kernel local APICs: the
 * VM's GSI routing table (KVM_SET_GSI_ROUTING) and one irqfd (KVM_IRQFD)
 * per vector, so that a device thread sends an interrupt by writing an
 * eventfd and no ioctl (Documentation/virt/kvm/api.rst, 4.52 KVM_IRQFD,
 * 4.61 KVM_SET_GSI_ROUTING, 4.71 KVM_SIGNAL_MSI).
 *
 * KVM_SET_GSI_ROUTING replaces the whole table, so the table always holds
 * the ISA IRQs as a PC wires them (GSI 0-23 to their IOAPIC pins but the
 * PIT's IRQ 0 to pin 2, as the MADT says; 0-15 but 2 also to the PICs),
 * set by msi_routes_init, and then one MSI route per vector, from GSI 24
 * up.
 *
 * Without KVM_CAP_IRQFD or KVM_CAP_IRQ_ROUTING a vector is sent with
 * KVM_SIGNAL_MSI instead (the message is kept here); without that too,
 * msi_available() is false and PCI devices offer no MSI-X.
 *
 * Threads: msi_vector_add/route/del run on main or vCPU threads and
 * serialise on r->lock; msi_vector_fire may run on any thread and takes
 * no lock with irqfds.  The vector's owner (pci_msix.c's lock) serialises
 * route against fire for one vector.
 */
#ifndef HYVE_VMM_MSI_H
#define HYVE_VMM_MSI_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/kvm.h"

#define MSI_FIRST_GSI 24 /* after the IOAPIC's pins */

struct msi_routes {
	int vm_fd;
	bool irqfd;	 /* irqfds and GSI routes */
	bool signal_msi; /* else KVM_SIGNAL_MSI */
	pthread_mutex_t lock;
	struct kvm_irq_routing *table;
	unsigned int cap;  /* entries table has room for */
	uint32_t next_gsi; /* the next GSI to hand out */
	uint32_t max_gsi;  /* KVM's limit (KVM_CAP_IRQ_ROUTING) */
};

struct msi_vector {
	uint32_t gsi; /* 0: not added */
	int fd;	      /* the irqfd's eventfd, or -1 */
	uint64_t addr;
	uint32_t data;
	bool routed; /* a message has been set */
};

/* Set up r for the VM vm_fd (with the in-kernel irqchip); -ENOMEM. */
int msi_routes_init(struct msi_routes *r, int vm_fd,
		    const struct kvm_host *kvm);
void msi_routes_destroy(struct msi_routes *r);

/* Whether MSIs can be sent at all on this KVM. */
bool msi_available(const struct msi_routes *r);

/*
 * Give v a GSI and, with irqfds, an eventfd bound to it.  0 or a negative
 * errno (-ENOSPC: KVM's routes are all taken).
 */
int msi_vector_add(struct msi_routes *r, struct msi_vector *v);

/* Route v's GSI to the message (addr, data).  0 or a negative errno. */
int msi_vector_route(struct msi_routes *r, struct msi_vector *v, uint64_t addr,
		     uint32_t data);

/* Send v's message now. */
void msi_vector_fire(struct msi_routes *r, struct msi_vector *v);

/* Unbind and forget v (its route goes with the next table update). */
void msi_vector_del(struct msi_routes *r, struct msi_vector *v);

#endif
