/*
 * pci.h: the virtio 1.2 PCI transport, modern devices only (virtio 1.2,
 * 4.1 "Virtio Over PCI Bus").
 *
 * Emulated: a non-transitional device (vendor 0x1af4, device 0x1040 + the
 * virtio device ID, revision 1, subsystem 0x1af4:0x1100) with one 64-bit
 * memory BAR 0 that holds, each in its own 4 KiB page, the common
 * configuration (4.1.4.3), the ISR status (4.1.4.5), the device
 * configuration (4.1.4.6; no capability when the device has none), the
 * notification area (4.1.4.4: queue n at n * 4) and the MSI-X table and
 * PBA; the five vendor capabilities that point at them, with the PCI
 * configuration access capability (4.1.4.9) last; MSI-X with one vector
 * per queue plus one for configuration changes, and INTx (INTA) with the
 * ISR when MSI-X is off.  BAR 0 is not prefetchable, since reading the
 * ISR status clears it (PCI 3.0, 6.2.5.1: prefetchable ranges have no
 * read side effects).
 *
 * Common configuration semantics: device_feature_select and
 * driver_feature_select pick 32 bits of 64; queue_select may point past
 * the last queue, and then queue_size reads 0, queue_msix_vector
 * NO_VECTOR and the other queue fields 0, and writes to them are dropped;
 * queue_size may be lowered (to a power of 2) before the queue is
 * enabled; queue_msix_vector and config_msix_vector read back NO_VECTOR
 * when the vector does not exist (4.1.5.1.2); writing 0 to device_status
 * resets the device and the transport (ISR, INTx, the MSI-X vector
 * choices), and the reset is complete when the write returns.
 * Not emulated: the legacy interface, VIRTIO_F_NOTIFICATION_DATA (the
 * written value is ignored), per-queue reset (queue_reset reads 0), shared
 * memory capabilities.
 *
 * Notifications: when KVM has ioeventfds, each queue's notify address
 * (BAR 0 + 0x3000 + 4n, 16-bit writes, any value) is bound to the
 * queue's eventfd, and moved when the guest moves BAR 0 (bar_map); a write
 * that KVM does not catch (other widths, no ioeventfd) exits to hyve and
 * writes the same eventfd.  Either way the device's thread wakes.
 *
 * Threads: register accesses come from vCPU threads: BAR accesses under
 * the PCI bus's map lock, configuration accesses under its configuration
 * lock; both take the device's lock (vdev->lock) for the common and device
 * configuration.  Interrupts come from the device thread; they take the
 * MSI-X lock or isr_lock (then the bus's INTx lock), never vdev->lock.
 */
#ifndef HYVE_VIRTIO_PCI_H
#define HYVE_VIRTIO_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "pci/pci.h"
#include "pci/pci_msix.h"
#include "virtio/virtio.h"
#include "vmm/msi.h"

#define VIRTIO_PCI_VENDOR      0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040 /* + the virtio device ID */
#define VIRTIO_PCI_SUBSYS      0x1100
#define VIRTIO_PCI_REVISION    1

/* BAR 0, one page per structure. */
#define VIRTIO_PCI_BAR	       0
#define VIRTIO_PCI_BAR_SIZE    0x8000
#define VIRTIO_PCI_COMMON      0x0000
#define VIRTIO_PCI_COMMON_LEN  0x3c /* through queue_reset (1.2) */
#define VIRTIO_PCI_ISR	       0x1000
#define VIRTIO_PCI_DEVICE_CFG  0x2000
#define VIRTIO_PCI_NOTIFY      0x3000
#define VIRTIO_PCI_NOTIFY_MULT 4
#define VIRTIO_PCI_MSIX_TABLE  0x4000
#define VIRTIO_PCI_MSIX_PBA    0x5000
#define VIRTIO_PCI_PAGE	       0x1000

/* Capability types (4.1.4). */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG	  3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG	  5

/* ISR status bits (4.1.4.5). */
#define VIRTIO_PCI_ISR_QUEUE  0x1
#define VIRTIO_PCI_ISR_CONFIG 0x2

struct virtio_pci;

/*
 * What the transport needs from the VM: MSI-X delivery and ioeventfds.
 * virtio_pci_kvm does it with KVM (ctx: the struct vm); unit tests
 * bring their own.
 */
struct virtio_pci_host {
	/* Make nvec vectors; an error (-ENOTSUP) means no MSI-X. */
	int (*vectors)(void *ctx, struct virtio_pci *vp, unsigned int nvec);
	int (*route)(void *ctx, struct virtio_pci *vp, unsigned int vec,
		     uint64_t addr, uint32_t data);
	void (*fire)(void *ctx, struct virtio_pci *vp, unsigned int vec);
	void (*release)(void *ctx, struct virtio_pci *vp);
	/* Bind or unbind an MMIO write of len bytes at addr to fd. */
	int (*ioeventfd)(void *ctx, uint64_t addr, unsigned int len, int fd,
			 bool assign);
};

extern const struct virtio_pci_host virtio_pci_kvm;

struct virtio_pci {
	struct pci_dev pci; /* first: the bus hands us this */
	struct virtio_dev *vdev;
	const struct virtio_pci_host *host;
	void *host_ctx;
	struct pci_msix msix;
	bool has_msix;
	struct msi_vector *msi; /* the KVM host's vectors */
	unsigned int nvec;
	/* Common configuration registers of the transport: vdev->lock. */
	uint32_t dfselect, gfselect;
	uint16_t queue_select;
	/* ISR status and the INTx pin it drives. */
	pthread_mutex_t isr_lock;
	uint8_t isr;
	/* Where the ioeventfds are bound (0: nowhere); bus cfg_lock. */
	uint64_t notify_base;
	unsigned int pcicfg_cap; /* the PCI configuration access cap */
};

/*
 * Make vp the PCI face of vdev (initialised, thread not started): its
 * configuration space, capabilities and MSI-X, and vdev's interrupts.
 * The caller then puts &vp->pci on the bus (pci_bus_add).  0 or a
 * negative errno; on failure nothing is left to undo.
 */
int virtio_pci_init(struct virtio_pci *vp, struct virtio_dev *vdev,
		    const struct virtio_pci_host *host, void *host_ctx);
/* Unbind the ioeventfds, free the vectors (after the device stopped). */
void virtio_pci_destroy(struct virtio_pci *vp);

#endif
