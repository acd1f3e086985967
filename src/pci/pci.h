/*
 * pci.h: PCI bus 0 of hyve's board: a host bridge at 00:00.0, up to 31
 * devices (function 0 of slots 1-31), configuration space through the
 * 0xcf8/0xcfc ports and through ECAM, memory BARs, and INTx.
 * (PCI Local Bus Specification 3.0; PCI Firmware Specification 3.2, 4.1
 * "ECAM"; PCI Express Base Specification, 7.2.2 "ECAM".)
 *
 * Emulated:
 *  - Configuration mechanism #1 (3.2.2.3.2): CONFIG_ADDRESS at 0xcf8 takes
 *    only 32-bit accesses; CONFIG_DATA at 0xcfc-0xcff any width.  Port
 *    0xcf9 lies inside CONFIG_ADDRESS, so the bus owns it and hands 1-byte
 *    accesses to the reset control register (hw/reset.h).
 *  - ECAM for bus 0 at a fixed address (memmap.h), announced in the MCFG.
 *  - Functions other than 0, buses other than 0 and empty slots read all
 *    ones (no device); bytes 256-4095 of a present function read 0.
 *  - BARs: hyve places every BAR when the device is added (32-bit BARs in
 *    the 32-bit window of the MMIO hole, 64-bit ones in the window above
 *    RAM), and enables memory decoding, as firmware would.  The guest may
 *    move them or turn decoding off.  A BAR decodes while Command's memory
 *    bit is set and it lies wholly inside one of the two windows.
 *  - INTx: each device's pin is swizzled onto four IOAPIC GSIs as the
 *    DSDT's _PRT says; lines that several devices share are wired-OR, and
 *    Command's INTx-disable bit and Status's interrupt bit are honoured.
 * Not emulated: bridges and other buses, multi-function devices, I/O BARs,
 * expansion ROMs, PCI Express capabilities and extended configuration
 * space, power management, hot plug.
 *
 * BAR dispatch: the iobus registry is built once and read without locks,
 * so BARs cannot be iobus ranges of their own.  Instead the bus registers
 * each window as one MMIO range and decodes inside it: the decoded
 * address of each BAR (pci_dev.mapped) is read under map_lock, a
 * read-write lock that vCPUs take for reading on every access and a
 * configuration write takes for writing while it moves a BAR.  A BAR
 * handler runs with the read lock held; a move waits for it to finish,
 * and then tells the device (ops->bar_map) so that it can move what hangs
 * off the address (its ioeventfds).
 *
 * Threads and locks: configuration accesses come from vCPU threads and run
 * under cfg_lock; BAR accesses from vCPU threads under map_lock (read);
 * pci_dev_set_intx from any thread (device threads) under intx_lock.  Lock
 * order: cfg_lock, then map_lock, then a device's own locks; intx_lock is
 * a leaf.  A BAR handler must not make configuration accesses.
 */
#ifndef HYVE_PCI_PCI_H
#define HYVE_PCI_PCI_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/reset.h"
#include "pci/pci_cfg.h"
#include "vmm/iobus.h"

#define PCI_SLOTS	  32
#define PCI_PINS	  4
#define PCI_CONFIG_PORT	  0xcf8 /* CONFIG_ADDRESS; CONFIG_DATA at 0xcfc */
#define PCI_CONFIG_PORTS  8
#define PCI_ECAM_BUS_SIZE (1u << 20) /* 32 devices x 8 functions x 4 KiB */

/* The host bridge's identity: Red Hat's "QEMU PCIe Host bridge" ID. */
#define PCI_HOST_VENDOR 0x1b36
#define PCI_HOST_DEVICE 0x0008
#define PCI_CLASS_HOST	0x060000

struct pci_dev;

struct pci_dev_ops {
	/* An access of 1-8 bytes inside BAR bar; off + size <= its size. */
	void (*bar_read)(struct pci_dev *d, unsigned int bar, uint64_t off,
			 unsigned int size, uint64_t *val);
	void (*bar_write)(struct pci_dev *d, unsigned int bar, uint64_t off,
			  unsigned int size, uint64_t val);
	/*
	 * Before a configuration read at off returns (cfg_lock held): the
	 * device may refresh those bytes (pci_cfg_put); may be NULL.
	 */
	void (*cfg_read)(struct pci_dev *d, unsigned int off,
			 unsigned int size);
	/* After a configuration write at off (cfg_lock held); may be NULL. */
	void (*cfg_written)(struct pci_dev *d, unsigned int off,
			    unsigned int size);
	/* BAR bar now decodes at addr, or not at all (0); may be NULL. */
	void (*bar_map)(struct pci_dev *d, unsigned int bar, uint64_t addr);
};

/* Embed as the first member of a PCI device's state. */
struct pci_dev {
	const char *name;
	const struct pci_dev_ops *ops;
	struct pci_cfg cfg; /* under bus->cfg_lock once added */
	struct pci_bus *bus;
	unsigned int slot;
	uint32_t gsi;		   /* INTx's GSI (with an interrupt pin) */
	uint64_t mapped[PCI_BARS]; /* decoded address; 0: none (map_lock) */
	atomic_bool intx;	   /* the device asserts its pin */
	atomic_bool intx_disabled; /* Command's INTx-disable bit */
	bool intx_driven; /* what it drives onto its line (bus->intx_lock) */
};

/* Where INTx lines go: the in-kernel IOAPIC (vm_irq_line). */
typedef void (*pci_irq_fn)(void *ctx, uint32_t gsi, bool level);

struct pci_bus_config {
	uint64_t mmio32_base, mmio32_size; /* the 32-bit BAR window */
	uint64_t mmio64_base, mmio64_size; /* the 64-bit BAR window */
	uint64_t ecam_base;		   /* ECAM of bus 0 (1 MiB) */
	uint32_t intx_gsi[PCI_PINS];	   /* as the _PRT says */
	pci_irq_fn irq;
	void *irq_ctx;
	struct reset_cf9 *cf9; /* the reset register at 0xcf9, or NULL */
};

/* One window of BAR space, an iobus range of its own. */
struct pci_window {
	struct iobus_dev dev;
	struct pci_bus *bus;
	uint64_t base, size, next; /* next: where hyve places the next BAR */
};

struct pci_bus {
	struct iobus_dev pio;  /* 0xcf8-0xcff */
	struct iobus_dev ecam; /* bus 0's ECAM */
	struct pci_window win32, win64;
	struct pci_bus_config cfg;
	pthread_mutex_t cfg_lock;
	pthread_rwlock_t map_lock;
	pthread_mutex_t intx_lock;
	uint32_t config_address; /* 0xcf8, under cfg_lock */
	struct pci_dev *dev[PCI_SLOTS];
	unsigned int intx_count[PCI_PINS]; /* asserting devices per line */
	struct pci_dev host;		   /* the host bridge, slot 0 */
};

/* Make bus 0 with its host bridge at slot 0. */
void pci_bus_init(struct pci_bus *bus, const struct pci_bus_config *cfg);
void pci_bus_destroy(struct pci_bus *bus);

/*
 * Register the configuration ports, the ECAM and both windows on iob.  0
 * or iobus_register's error; err names the range.
 */
int pci_bus_attach(struct pci_bus *bus, struct iobus *iob, char *err,
		   size_t errlen);

/*
 * Put d (its cfg filled in, BARs declared) in the next free slot, give
 * its BARs addresses and turn on memory decoding.  Before the vCPUs run.
 * 0, -ENOSPC (no slot, or a window is full).
 */
int pci_bus_add(struct pci_bus *bus, struct pci_dev *d);

/*
 * Configuration accesses to bus 0: devfn = slot << 3 | function, reg
 * 0-4095, size 1, 2 or 4.  Missing functions read all ones.
 */
uint32_t pci_bus_cfg_read(struct pci_bus *bus, unsigned int devfn,
			  unsigned int reg, unsigned int size);
void pci_bus_cfg_write(struct pci_bus *bus, unsigned int devfn,
		       unsigned int reg, unsigned int size, uint32_t val);

/* Drive d's INTx pin (any thread). */
void pci_dev_set_intx(struct pci_dev *d, bool level);

/* The GSI of slot's INTA..INTD (pin 1-4), per the _PRT's swizzle. */
static inline uint32_t pci_intx_gsi(const struct pci_bus_config *cfg,
				    unsigned int slot, unsigned int pin)
{
	return cfg->intx_gsi[(slot + pin - 1) % PCI_PINS];
}

#endif
