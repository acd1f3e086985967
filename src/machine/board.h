/*
 * board.h: hyve's PC board: the devices, in one explicit list in start-up
 * order, their interrupt lines and callbacks, and the firmware tables.
 *
 *   1. in-kernel PIC, IOAPIC, LAPICs and PIT   (vm.c, before the vCPUs)
 *   2. port 0x80 POST-code sink                (built into the I/O bus)
 *   3. COM1 16550A at 0x3f8, IRQ 4             (always; output per --serial)
 *   4. CMOS RTC at 0x70, IRQ 8
 *   5. ACPI PM1a block and PM timer at 0x600, SCI on IRQ 9
 *   6. reset control at 0xcf9 (reached through the PCI configuration
 *      ports, 9), and an i8042 stand-in at 0x60/0x64 for the
 *      keyboard-controller reset
 *   7. fw_cfg at 0x510
 *   8. debug-exit                              (with --debug-exit)
 *   9. PCI bus 0: the host bridge at 00:00.0, configuration ports
 *      0xcf8-0xcff, ECAM, the 32- and 64-bit BAR windows; INTx on GSI 16-19
 *  10. virtio-pci devices, in slots 1, 2, ... in this order: virtio-rng
 *      (--rng), virtio-blk (each --disk, in order: vda, vdb...), virtio-net
 *      (each --net, in order), virtio-console (--virtio-console),
 *      virtio-vsock (--vsock).  Each runs on its own thread (board_start).
 *
 * Firmware: ACPI tables at MEMMAP_FIRMWARE (unless --acpi off: the DSDT
 * describes the PCI host bridge, the MCFG its ECAM), an MP table (always:
 * it says what the MADT and the _PRT say), fw_cfg's items (signature, CPU
 * count, RAM size, command line, etc/e820).  COM2-4
 * are absent: their ports read all ones, so probes find nothing.
 *
 * Owned by main's thread; the devices are also reached from vCPU threads
 * through the bus, and each serialises its own state.
 */
#ifndef HYVE_MACHINE_BOARD_H
#define HYVE_MACHINE_BOARD_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/disk.h"
#include "hw/acpi_pm.h"
#include "hw/com.h"
#include "hw/debug_exit.h"
#include "hw/fw_cfg.h"
#include "hw/reset.h"
#include "hw/rtc_cmos.h"
#include "machine/config.h"
#include "pci/pci.h"
#include "virtio/console.h"
#include "virtio/pci.h"
#include "vmm/vm.h"

#define BOARD_S5_SLP_TYP 5 /* \_S5's SLP_TYP: guests/rt.c writes it too */
/* The I/O window the host bridge forwards besides 0-0xcf7 (no I/O BARs). */
#define BOARD_PCI_IO_BASE 0x0d00
#define BOARD_PCI_IO_SIZE 0xf300

/* Why the guest stopped, beyond the exit status. */
enum board_event {
	BOARD_NONE = 0,
	BOARD_POWEROFF, /* ACPI S5 */
	BOARD_RESET,	/* 0xcf9, the i8042, the ACPI reset register */
};

#define BOARD_MAX_VIRTIO 24 /* rng, 8 disks, 8 nets, console, vsock */

/* A virtio device and its PCI transport. */
struct board_virtio {
	struct virtio_dev *dev; /* the device's own allocation */
	struct virtio_pci pci;
	bool pci_made;
};

struct board {
	struct vm *vm;
	const struct hyve_config *cfg;
	struct com_port com1;
	struct rtc_cmos rtc;
	struct acpi_pm pm;
	struct reset_cf9 cf9;
	struct reset_i8042 kbc;
	struct fw_cfg fw;
	struct debug_exit dbg;
	struct pci_bus pci;
	struct board_virtio virtio[BOARD_MAX_VIRTIO];
	unsigned int nvirtio;
	/* The --disk images, cfg->ndisks of them: the machine opens them
	 * once (they stay locked across a restart) and sets this before
	 * board_wire. */
	struct disk *const *disks;
	/*
	 * The virtio console's fds and size, set by the caller before
	 * board_wire (fds: -1 for none; the caller keeps them), and the
	 * device, for resizes (NULL without --virtio-console).
	 */
	int vcon_in_fd, vcon_out_fd;
	uint16_t vcon_cols, vcon_rows;
	struct virtio_console *vcon;
	bool com1_made, rtc_made, pm_made, fw_made, pci_made;
	int wake_fd; /* eventfd: the RTC's next event may have moved */
	enum board_event event; /* set by the callbacks, read after the stop */
	uint64_t rsdp;		/* 0: no ACPI tables */
};

/* Start an empty board for vm, as cfg says. */
void board_init(struct board *b, struct vm *vm, const struct hyve_config *cfg);

/* The ACPI tables into guest RAM at MEMMAP_FIRMWARE; sets b->rsdp. */
int board_acpi(struct board *b, char *err, size_t errlen);

/*
 * The MP floating pointer at MEMMAP_MPF, its configuration table at
 * MEMMAP_MPC and the BIOS data area's EBDA fields; with or without ACPI.
 */
int board_mptable(struct board *b, char *err, size_t errlen);

/* Wire every device onto the VM's bus; on failure err says which. */
int board_wire(struct board *b, int serial_fd, char *err, size_t errlen);

/*
 * Start the devices' threads (after the stop signals are blocked, so the
 * threads inherit the block; before the vCPUs).  On failure err says
 * which; board_teardown stops the ones that started.
 */
int board_start(struct board *b, char *err, size_t errlen);

/* fw_cfg's items (after board_wire): CPUs, RAM, command line, etc/e820. */
int board_fw_cfg(struct board *b, const char *cmdline, char *err,
		 size_t errlen);

/*
 * A signal asks the guest to stop: press the power button if the guest
 * listens to it (and ACPI is on); false when it does not, so the caller
 * stops the VM itself.
 */
bool board_power_button(struct board *b);

/*
 * How long main may sleep before board_tick is due (ms; -1: forever).
 * wake_fd becomes readable when a guest write may have made it sooner;
 * main then acknowledges it and asks again.
 */
int board_timeout_ms(struct board *b);
int board_wake_fd(const struct board *b);
void board_wake_ack(struct board *b);
void board_tick(struct board *b);

/* CMOS RAM, kept across a reset (--on-reboot restart). */
void board_save_cmos(struct board *b, uint8_t ram[128]);
void board_load_cmos(struct board *b, const uint8_t ram[128]);

/*
 * Undo board_init and board_wire: device threads stopped first, then
 * everything freed.  The VM must still exist (ioeventfds and irqfds are
 * unbound through it) and its vCPUs must have stopped.
 */
void board_teardown(struct board *b);

#endif
