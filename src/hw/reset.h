/*
 * reset.h: the two ways a PC guest asks for a reset, each its own I/O bus
 * device.
 *
 * (a) The reset control register at port 0xcf9 (RST_CNT, "Reset Control
 *     Register (I/O) -- CF9h" in Intel's ICH and PCH datasheets), one
 *     byte.  Bit 1 (SYS_RST) and bit 3 (FULL_RST) are stored and read
 *     back; a write with bit 2 (RST_CPU) set calls reset().  RST_CPU is not
 *     stored (it reads 0): a reset starts at once.  Hardware resets on a 0
 *     to 1 edge of RST_CPU; here every write with the bit set resets, which
 *     is what the FADT's RESET_REG (ACPI 6.x, 5.2.9 "Fixed ACPI Description
 *     Table" and 4.8.3.6 "Reset Register": value 0x06 written to port
 *     0xcf9) and Linux's reboot=pci both rely on.  The other bits read 0
 *     and are ignored.  Port 0xcf9 lies inside the 32-bit PCI
 *     CONFIG_ADDRESS register at 0xcf8: the bus cannot decode by width, so
 *     a PCI host bridge that claims 0xcf8-0xcfb must not also register
 *     this device but call reset_cf9_read()/reset_cf9_write() for 1-byte
 *     accesses at 0xcf9 itself.
 *
 * (b) A stand-in for the i8042 keyboard controller at ports 0x60 (data) and
 *     0x64 (status/command) that does only what a reboot needs (IBM PC/AT
 *     Technical Reference, "Keyboard Controller"; Intel 8042 command set).
 *     Status reads return 0: output and input buffers empty, so a guest's
 *     "wait until the input buffer is empty" loop ends at once and a poll
 *     for data finds none.  Command 0xfe, and every 0xf0-0xfe command with
 *     bit 0 clear ("pulse output port bits"; output bit 0 is the CPU reset
 *     line), calls reset().  Everything else is absorbed: other commands
 *     and data writes are ignored, and data reads return 0.  There is no
 *     keyboard, no mouse, no command byte, no output port and no A20 gate
 *     (the A20 line is always enabled on a KVM guest): a guest that probes
 *     for a keyboard times out waiting for a self-test answer and finds
 *     none.
 *
 * Both models are pure: they call reset(ctx) and the machine decides what a
 * reset means.  reset() is called with no lock held, from the vCPU thread
 * that made the access.  reset_cf9 keeps its byte in an atomic, reset_i8042
 * has no state, so any vCPU thread may access them without a lock.
 */
#ifndef HYVE_HW_RESET_H
#define HYVE_HW_RESET_H

#include <stdatomic.h>
#include <stdint.h>

#include "vmm/iobus.h"

#define RESET_CF9_PORT	     0xcf9
#define RESET_CF9_SYS_RST    0x02 /* stored: the reset is a system reset */
#define RESET_CF9_RST_CPU    0x04 /* write 1: reset now */
#define RESET_CF9_FULL_RST   0x08 /* stored: the reset is a full reset */
#define RESET_CF9_STORED     (RESET_CF9_SYS_RST | RESET_CF9_FULL_RST)
#define RESET_CF9_FADT_VALUE 0x06 /* what the FADT's RESET_VALUE says */

#define RESET_I8042_DATA_PORT 0x60
#define RESET_I8042_CMD_PORT  0x64 /* read: status; write: command */
#define RESET_I8042_CMD_RESET 0xfe /* pulse output bit 0: CPU reset */

struct reset_cf9 {
	struct iobus_dev dev; /* first: the bus hands us this pointer */
	void (*reset)(void *ctx);
	void *ctx;
	atomic_uchar value; /* the RESET_CF9_STORED bits */
};

/* One port each; dev is first so the bus pointer leads to the port. */
struct reset_i8042;
struct reset_i8042_port {
	struct iobus_dev dev;
	struct reset_i8042 *kbc;
};

struct reset_i8042 {
	struct reset_i8042_port data; /* register at port 0x60, 1 port */
	struct reset_i8042_port cmd;  /* register at port 0x64, 1 port */
	void (*reset)(void *ctx);
	void *ctx;
};

/*
 * Set up rc with the stored bits 0.  reset may be NULL (the request is
 * then dropped).  The embedder registers &rc->dev as one port at 0xcf9.
 */
void reset_cf9_init(struct reset_cf9 *rc, void (*reset)(void *), void *ctx);

/* Direct access to the register, for a PCI host bridge that owns 0xcf9. */
uint8_t reset_cf9_read(struct reset_cf9 *rc);
void reset_cf9_write(struct reset_cf9 *rc, uint8_t val);

/*
 * Set up kbc.  reset may be NULL.  The embedder registers &kbc->data.dev
 * as one port at 0x60 and &kbc->cmd.dev as one port at 0x64, or calls
 * reset_i8042_attach().
 */
void reset_i8042_init(struct reset_i8042 *kbc, void (*reset)(void *),
		      void *ctx);

/*
 * Register both ports on bus: 0 or iobus_register()'s negative errno.  The
 * bus has no way to unregister, so after a failure on 0x64 the data port
 * stays registered; the machine gives up on such an error anyway.
 */
int reset_i8042_attach(struct reset_i8042 *kbc, struct iobus *bus);

#endif
