/*
 * pci.h: a test guest's view of PCI bus 0: configuration space through
 * configuration mechanism #1 (ports 0xcf8/0xcfc; PCI Local Bus
 * Specification 3.0, 3.2.2.3.2), which hyve and both of QEMU's PC
 * machines (pc, q35) decode, the device scan, memory BARs (6.2.5.1) and
 * the capability list (6.7).  Functions of multi-function devices are
 * found too; bridges are not followed.
 *
 * Everything runs on the boot CPU at CPL 0, or at CPL 3 with IOPL 3
 * (ring3.h).  A BAR's address is where the firmware or the VMM put it;
 * a BAR still at 0 is given an address from a simple bump allocator in
 * a window the caller names (pci_assign_window), as firmware would.
 */
#ifndef HYVE_GUEST_RT_PCI_H
#define HYVE_GUEST_RT_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_VENDOR_ID	  0x00
#define PCI_DEVICE_ID	  0x02
#define PCI_COMMAND	  0x04
#define PCI_STATUS	  0x06
#define PCI_REVISION	  0x08
#define PCI_HEADER_TYPE	  0x0e
#define PCI_BAR0	  0x10
#define PCI_CAP_PTR	  0x34
#define PCI_CMD_MEM	  0x0002
#define PCI_CMD_MASTER	  0x0004
#define PCI_CMD_INTX_OFF  0x0400
#define PCI_STATUS_CAPS	  0x0010
#define PCI_CAP_ID_MSIX	  0x11
#define PCI_CAP_ID_VENDOR 0x09
#define PCI_BAR_IO	  0x1
#define PCI_BAR_TYPE_MASK 0x6
#define PCI_BAR_TYPE_64	  0x4
#define PCI_BAR_MEM_MASK  (~0xfULL)
#define PCI_MAX_FUNCTIONS 8

/* A function on bus 0: device (slot) and function number. */
struct pci_fn {
	uint8_t dev, fn;
	uint16_t vendor, device;
};

uint32_t pci_read32(const struct pci_fn *f, unsigned int off);
uint16_t pci_read16(const struct pci_fn *f, unsigned int off);
uint8_t pci_read8(const struct pci_fn *f, unsigned int off);
void pci_write32(const struct pci_fn *f, unsigned int off, uint32_t v);
void pci_write16(const struct pci_fn *f, unsigned int off, uint16_t v);
void pci_write8(const struct pci_fn *f, unsigned int off, uint8_t v);

/*
 * The nth function (counting from 0) on bus 0 with this vendor and a
 * device ID in [dev_lo, dev_hi]; false when there is none.
 */
bool pci_find(uint16_t vendor, uint16_t dev_lo, uint16_t dev_hi,
	      unsigned int nth, struct pci_fn *out);

/*
 * Memory BAR bar's address (both halves of a 64-bit BAR), or 0 for an
 * I/O BAR, an absent one, or one still unplaced when no window is set.
 * An unplaced BAR (address 0) is placed in the window first.
 */
uint64_t pci_bar(const struct pci_fn *f, unsigned int bar);
/* Where pci_bar places BARs that nobody placed (base 0: nowhere). */
void pci_assign_window(uint64_t base, uint64_t size);

/*
 * The offset of the first capability with this ID at or after the
 * capability at `from` (0: the start of the list), or 0 when none.
 * The walk is bounded, so a looping list ends.
 */
unsigned int pci_cap_find(const struct pci_fn *f, uint8_t id,
			  unsigned int from);

/* Turn on memory decoding and bus mastering; INTx off when intx_off. */
void pci_enable(const struct pci_fn *f, bool intx_off);

#endif
