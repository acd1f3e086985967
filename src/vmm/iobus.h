/*
 * iobus.h: the one registry of port-I/O and MMIO ranges.
 *
 * A device registers a range in one of two spaces with a static const table
 * of operations.  Registration refuses a range that overlaps another in the
 * same space.  An access that no device claims is absorbed: reads return all
 * ones and writes are dropped; with --verbose each such address is logged
 * once.  Port 0x80 (the POST-code port) is claimed by a built-in sink that
 * absorbs it silently.
 *
 * An access that runs past the end of a range is split there, as an ISA or
 * PCI bus splits a wide cycle into the byte lanes each device decodes: the
 * device whose range holds the first byte sees the access clipped to its
 * range (the low-order bytes), and the bytes beyond go on, in address
 * order, to whatever claims them; unclaimed bytes read as 0xff.  So a
 * 4-byte `outl` to a 2-port device gives it the low 16 bits, as QEMU does,
 * and a device may see any size from 1 to 8.
 *
 * The registry is built before any vCPU runs and is read-only afterwards, so
 * lookups take no lock; each device serialises its own state.
 */
#ifndef HYVE_VMM_IOBUS_H
#define HYVE_VMM_IOBUS_H

#include <stdbool.h>
#include <stdint.h>

enum iobus_space {
	IOBUS_PIO = 0,
	IOBUS_MMIO = 1,
	IOBUS_SPACES,
};

struct iobus_dev;

struct iobus_ops {
	/*
	 * offset is relative to the start of the range; size is 1 to 8 and
	 * offset + size never passes the end of the range.  read fills *val
	 * (the bus pre-sets it to all ones for size); write takes val, which
	 * holds only size bytes.
	 */
	void (*read)(struct iobus_dev *dev, uint64_t offset, unsigned int size,
		     uint64_t *val);
	void (*write)(struct iobus_dev *dev, uint64_t offset, unsigned int size,
		      uint64_t val);
};

/* Embed this as the first member of a device's state. */
struct iobus_dev {
	const char *name;
	const struct iobus_ops *ops;
};

struct iobus_range {
	uint64_t base;
	uint64_t len;
	struct iobus_dev *dev;
};

#define IOBUS_MAX_RANGES 64
#define IOBUS_MAX_LOGGED 64 /* unclaimed addresses remembered for logging */

struct iobus {
	struct iobus_range range[IOBUS_SPACES][IOBUS_MAX_RANGES];
	unsigned int count[IOBUS_SPACES];
	/* Unclaimed addresses already logged; guarded by a lock in iobus.c. */
	uint64_t logged[IOBUS_MAX_LOGGED];
	unsigned int logged_count;
	bool logged_full;
};

void iobus_init(struct iobus *bus);

/* 0, -EEXIST on overlap, -EINVAL on an empty or wrapping range, -ENOSPC. */
int iobus_register(struct iobus *bus, enum iobus_space space, uint64_t base,
		   uint64_t len, struct iobus_dev *dev);

/* The range that claims addr, or NULL. */
const struct iobus_range *iobus_find(const struct iobus *bus,
				     enum iobus_space space, uint64_t addr);

/*
 * Dispatch one access of 1 to 8 bytes.  Returns true if devices claimed
 * every byte of it; false if any byte was absorbed (and reads as 0xff).
 */
bool iobus_read(struct iobus *bus, enum iobus_space space, uint64_t addr,
		unsigned int size, uint64_t *val);
bool iobus_write(struct iobus *bus, enum iobus_space space, uint64_t addr,
		 unsigned int size, uint64_t val);

#endif
