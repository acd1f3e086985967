/*
 * pci_cfg.h: the configuration space of one PCI function, a type 0 header
 * (PCI Local Bus Specification 3.0, chapter 6 "Configuration Space").
 *
 * Emulated: the 256-byte space as bytes with two masks, one for the bits
 * the guest may write (everything else is read-only) and one for the
 * bits it clears by writing 1 (RW1C: the error bits of Status); the
 * capability list (6.7), kept linked from Capabilities Pointer with Status
 * bit 4 set; memory BARs (6.2.5.1), 32- or 64-bit, prefetchable or not,
 * whose write masks make sizing work by themselves: writing all ones
 * reads back ~(size - 1) with the type bits.  Not emulated: I/O BARs, an
 * expansion ROM (its BAR reads 0), BIST, PCI Express extended space (256
 * and up reads 0), type 1 (bridge) headers.
 *
 * Pure: no locks, no KVM.  The PCI bus (pci.c) serialises every access to
 * one function's space under its configuration lock.
 */
#ifndef HYVE_PCI_PCI_CFG_H
#define HYVE_PCI_PCI_CFG_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CFG_SIZE 256

/* Header registers (6.1, figure 6-1). */
#define PCI_CFG_VENDOR_ID      0x00
#define PCI_CFG_DEVICE_ID      0x02
#define PCI_CFG_COMMAND	       0x04
#define PCI_CFG_STATUS	       0x06
#define PCI_CFG_REVISION       0x08
#define PCI_CFG_CLASS	       0x09 /* 3 bytes: prog-if, subclass, class */
#define PCI_CFG_CACHE_LINE     0x0c
#define PCI_CFG_LATENCY	       0x0d
#define PCI_CFG_HEADER_TYPE    0x0e
#define PCI_CFG_BAR0	       0x10
#define PCI_CFG_SUBSYS_VENDOR  0x2c
#define PCI_CFG_SUBSYS_ID      0x2e
#define PCI_CFG_ROM	       0x30
#define PCI_CFG_CAP_PTR	       0x34
#define PCI_CFG_INTERRUPT_LINE 0x3c
#define PCI_CFG_INTERRUPT_PIN  0x3d
#define PCI_CFG_HEADER_END     0x40 /* capabilities go from here */

#define PCI_CMD_IO	     0x0001
#define PCI_CMD_MEMORY	     0x0002
#define PCI_CMD_MASTER	     0x0004
#define PCI_CMD_PARITY	     0x0040
#define PCI_CMD_SERR	     0x0100
#define PCI_CMD_INTX_DISABLE 0x0400

#define PCI_STATUS_INTX	    0x0008 /* an INTx is pending (read-only) */
#define PCI_STATUS_CAP_LIST 0x0010
/* Master data parity, signalled/received target abort, received master
 * abort, signalled system error, detected parity error: RW1C. */
#define PCI_STATUS_RW1C 0xf900

#define PCI_BARS	 6
#define PCI_BAR_MEM64	 0x4 /* type bits 2:1 = 10b */
#define PCI_BAR_PREFETCH 0x8
#define PCI_BAR_FLAGS	 0xf
#define PCI_BAR_MIN_SIZE 16

#define PCI_CAP_ID_MSIX	  0x11
#define PCI_CAP_ID_VENDOR 0x09

struct pci_cfg_id {
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys;
	uint8_t revision;
	uint32_t class_code; /* class << 16 | subclass << 8 | prog-if */
	uint8_t irq_pin;     /* 0: none, 1..4: INTA..INTD */
};

struct pci_cfg {
	uint8_t data[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE]; /* 1: the guest may write the bit */
	uint8_t w1c[PCI_CFG_SIZE];   /* 1: writing 1 clears the bit */
	uint8_t cap_next;	     /* where the next capability goes */
	uint8_t cap_last;	     /* the last capability's offset; 0: none */
	uint64_t bar_size[PCI_BARS]; /* 0: unused, or the upper half */
	uint8_t bar_flags[PCI_BARS]; /* PCI_BAR_MEM64, PCI_BAR_PREFETCH */
};

/*
 * A header with id's identity, Command writable in its memory, bus-master,
 * parity, SERR and (with an interrupt pin) INTx-disable bits, Cache Line
 * Size, Latency Timer and Interrupt Line writable, and no BARs.
 */
void pci_cfg_init(struct pci_cfg *c, const struct pci_cfg_id *id);

/*
 * Declare memory BAR bar: size is a power of two, at least 16 bytes (at
 * most 2 GiB for a 32-bit BAR); flags PCI_BAR_MEM64 (which takes bar + 1
 * as its upper half, so bar must be 0-4) and PCI_BAR_PREFETCH.  0 or
 * -EINVAL.
 */
int pci_cfg_add_bar(struct pci_cfg *c, unsigned int bar, uint64_t size,
		    unsigned int flags);

/* The address a BAR holds (type bits masked off); 0 for an unused BAR. */
uint64_t pci_cfg_bar_addr(const struct pci_cfg *c, unsigned int bar);
/* Set it as firmware does, without the masks (addr aligned to the size). */
void pci_cfg_set_bar_addr(struct pci_cfg *c, unsigned int bar, uint64_t addr);

/*
 * Add a capability of len bytes (at least 2: ID and next pointer) with
 * the given ID, 4-byte aligned after the last one, and link it into the
 * list.  Its body is read-only until the caller opens bits with
 * pci_cfg_set_wmask.  Returns its offset, or -ENOSPC.
 */
int pci_cfg_add_cap(struct pci_cfg *c, uint8_t id, unsigned int len);

/*
 * The capability with this ID, walking the list from Capabilities
 * Pointer as a driver does (at most 48 hops); 0 when absent.
 */
unsigned int pci_cfg_find_cap(const struct pci_cfg *c, uint8_t id);

/* Writable bits of size (1, 2, 4) bytes at off, little-endian. */
void pci_cfg_set_wmask(struct pci_cfg *c, unsigned int off, unsigned int size,
		       uint32_t mask);

/*
 * The guest's accesses: size 1, 2 or 4 at any offset; bytes past 255 read
 * 0 and take no writes.  A write keeps the read-only bits, stores the
 * writable ones and clears the RW1C bits written as 1.
 */
uint32_t pci_cfg_read(const struct pci_cfg *c, unsigned int off,
		      unsigned int size);
void pci_cfg_write(struct pci_cfg *c, unsigned int off, unsigned int size,
		   uint32_t val);

/* The device's own view: raw little-endian access, no masks. */
uint32_t pci_cfg_get(const struct pci_cfg *c, unsigned int off,
		     unsigned int size);
void pci_cfg_put(struct pci_cfg *c, unsigned int off, unsigned int size,
		 uint32_t val);

#endif
