/*
 * pci_msix.h: an MSI-X capability, its vector table and its pending-bit
 * array (PCI Local Bus Specification 3.0, 6.8.2 "MSI-X Capability and
 * Table Structures").
 *
 * Emulated: Message Control's enable and function-mask bits (the table
 * size is read-only), the table BIR/offset and PBA BIR/offset registers;
 * the table's entries (message address, upper address, data, vector
 * control with its mask bit; every entry starts masked, as after reset)
 * at any access width, the pending bits, and delivery: a vector that is
 * signalled while masked (by its own bit or the function mask) has its
 * pending bit set, and is delivered and cleared as soon as it is
 * unmasked.  Not emulated: per-vector steering tags, the "MSI-X enabled
 * means INTx off" rule beyond telling the caller (pci_msix_notify says
 * when MSI-X is off, and the caller falls back to INTx).
 *
 * The model is pure: where a message goes is the sink's business (struct
 * pci_msix_ops: for KVM, vmm/msi.c's GSI routes and irqfds; in unit tests a
 * fake).  A vector's message is handed to route() before the vector is
 * first delivered after the guest changed it, so the sink programs the
 * interrupt controller once per change, not once per interrupt.
 *
 * Threads: the table and capability are reached from vCPU threads (BAR
 * accesses and configuration writes), pci_msix_notify from device
 * threads; m->lock serialises them all.  The sink's functions run with
 * the lock held, so they must not call back into this file.
 */
#ifndef HYVE_PCI_PCI_MSIX_H
#define HYVE_PCI_PCI_MSIX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "pci/pci_cfg.h"

#define PCI_MSIX_MAX_VECTORS 2048 /* Table Size is 11 bits */
#define PCI_MSIX_ENTRY_SIZE  16
#define PCI_MSIX_CAP_LEN     12
/* Message Control (capability + 2) */
#define PCI_MSIX_CTRL_ENABLE  0x8000
#define PCI_MSIX_CTRL_MASKALL 0x4000
#define PCI_MSIX_CTRL_SIZE    0x07ff
#define PCI_MSIX_ENTRY_MASKED 0x1 /* vector control bit 0 */

struct pci_msix_ops {
	/*
	 * Program vector vec's message before its next delivery; a failure
	 * is logged by the sink and the vector is tried again next time.
	 */
	int (*route)(void *ctx, unsigned int vec, uint64_t addr, uint32_t data);
	/* Deliver vector vec now; its route is current. */
	void (*signal)(void *ctx, unsigned int vec);
};

struct pci_msix_vec {
	uint32_t addr_lo, addr_hi, data, ctrl;
	bool routed;  /* route() has this message */
	bool pending; /* the PBA bit */
};

struct pci_msix {
	pthread_mutex_t lock;
	unsigned int nvec;
	struct pci_msix_vec *vec;
	unsigned int cap; /* the capability's offset in configuration space */
	bool enabled;	  /* Message Control: MSI-X Enable */
	bool fmask;	  /* Message Control: Function Mask */
	const struct pci_msix_ops *ops;
	void *ctx;
};

/* What pci_msix_notify did. */
enum pci_msix_result {
	PCI_MSIX_OFF = -1,    /* MSI-X is disabled: use INTx instead */
	PCI_MSIX_NONE = 0,    /* no such vector (e.g. NO_VECTOR): nothing */
	PCI_MSIX_PENDING = 1, /* masked: the pending bit is set */
	PCI_MSIX_SENT = 2,
};

/*
 * Add the capability to cfg (Message Control writable in bits 15:14) for
 * nvec vectors (1 to PCI_MSIX_MAX_VECTORS) whose table lies at table_off
 * and pending bits at pba_off (both 8-byte aligned) in BAR bar.  0,
 * -EINVAL, -ENOSPC (no room in cfg) or -ENOMEM.
 */
int pci_msix_init(struct pci_msix *m, struct pci_cfg *cfg, unsigned int nvec,
		  unsigned int bar, uint32_t table_off, uint32_t pba_off,
		  const struct pci_msix_ops *ops, void *ctx);
void pci_msix_destroy(struct pci_msix *m);

/* Bytes the table and the PBA take in their BAR. */
static inline uint32_t pci_msix_table_len(unsigned int nvec)
{
	return nvec * PCI_MSIX_ENTRY_SIZE;
}
static inline uint32_t pci_msix_pba_len(unsigned int nvec)
{
	return (nvec + 63) / 64 * 8;
}

/*
 * After a configuration write (any offset): take Message Control's bits
 * from cfg, and deliver what the change unmasked.
 */
void pci_msix_cfg_written(struct pci_msix *m, const struct pci_cfg *cfg);

/* Accesses of 1 to 8 bytes at off inside the table or the PBA. */
void pci_msix_table_read(struct pci_msix *m, uint64_t off, unsigned int size,
			 uint64_t *val);
void pci_msix_table_write(struct pci_msix *m, uint64_t off, unsigned int size,
			  uint64_t val);
void pci_msix_pba_read(struct pci_msix *m, uint64_t off, unsigned int size,
		       uint64_t *val);

/* Signal vector vec (any thread). */
enum pci_msix_result pci_msix_notify(struct pci_msix *m, unsigned int vec);

bool pci_msix_enabled(struct pci_msix *m);

#endif
