/*
 * iobus.c: port-I/O and MMIO range registry and dispatch.  See iobus.h.
 *
 * Ranges are kept sorted by base so that a lookup is a binary search; there
 * are few of them and the table never changes while vCPUs run.
 */
#include "vmm/iobus.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include "util/log.h"

#define IOBUS_POST_PORT 0x80

static pthread_mutex_t iobus_log_lock = PTHREAD_MUTEX_INITIALIZER;

static void post_read(struct iobus_dev *dev, uint64_t offset, unsigned int size,
		      uint64_t *val)
{
	(void)dev, (void)offset, (void)size, (void)val;
}

static void post_write(struct iobus_dev *dev, uint64_t offset,
		       unsigned int size, uint64_t val)
{
	(void)dev, (void)offset, (void)size, (void)val;
}

static const struct iobus_ops post_ops = {
	.read = post_read,
	.write = post_write,
};

static struct iobus_dev post_sink = {
	.name = "post-code",
	.ops = &post_ops,
};

void iobus_init(struct iobus *bus)
{
	memset(bus, 0, sizeof(*bus));
	/* Cannot fail on an empty bus. */
	(void)iobus_register(bus, IOBUS_PIO, IOBUS_POST_PORT, 1, &post_sink);
}

int iobus_register(struct iobus *bus, enum iobus_space space, uint64_t base,
		   uint64_t len, struct iobus_dev *dev)
{
	struct iobus_range *r = bus->range[space];
	unsigned int n = bus->count[space], at = 0;

	if (len == 0 || base + len - 1 < base)
		return -EINVAL;
	if (n >= IOBUS_MAX_RANGES)
		return -ENOSPC;
	for (unsigned int i = 0; i < n; i++) {
		if (base <= r[i].base + (r[i].len - 1) &&
		    r[i].base <= base + (len - 1))
			return -EEXIST;
		if (r[i].base < base)
			at = i + 1;
	}
	memmove(&r[at + 1], &r[at], (n - at) * sizeof(*r));
	r[at] = (struct iobus_range){ .base = base, .len = len, .dev = dev };
	bus->count[space] = n + 1;
	return 0;
}

const struct iobus_range *iobus_find(const struct iobus *bus,
				     enum iobus_space space, uint64_t addr)
{
	const struct iobus_range *r = bus->range[space];
	unsigned int lo = 0, hi = bus->count[space];

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		if (addr < r[mid].base)
			hi = mid;
		else if (addr - r[mid].base >= r[mid].len)
			lo = mid + 1;
		else
			return &r[mid];
	}
	return NULL;
}

static void iobus_log_unclaimed(struct iobus *bus, enum iobus_space space,
				uint64_t addr, bool write)
{
	/* Tag the space in the top bit so a port and an address never clash. */
	uint64_t key = addr ^ ((uint64_t)space << 63);
	bool log = true, last = false;

	if (!log_enabled(LOG_INFO))
		return;
	pthread_mutex_lock(&iobus_log_lock);
	for (unsigned int i = 0; i < bus->logged_count && log; i++)
		log = bus->logged[i] != key;
	if (log && bus->logged_count < IOBUS_MAX_LOGGED) {
		bus->logged[bus->logged_count++] = key;
	} else if (log) {
		/* The table is full: say so once, then go quiet. */
		log = !bus->logged_full;
		last = bus->logged_full = true;
	}
	pthread_mutex_unlock(&iobus_log_lock);
	if (log)
		log_info("iobus", "unclaimed %s %s at %#" PRIx64 " absorbed%s",
			 space == IOBUS_PIO ? "port" : "MMIO",
			 write ? "write" : "read", addr,
			 last ? " (further unclaimed addresses are not logged)"
			      : "");
}

/*
 * The range that claims a whole access.  One that starts in a range but runs
 * past its end is unclaimed: a device only ever sees accesses inside it.
 */
static const struct iobus_range *iobus_claim(const struct iobus *bus,
					     enum iobus_space space,
					     uint64_t addr, unsigned int size)
{
	const struct iobus_range *r = iobus_find(bus, space, addr);

	if (r && size > r->len - (addr - r->base))
		return NULL;
	return r;
}

bool iobus_read(struct iobus *bus, enum iobus_space space, uint64_t addr,
		unsigned int size, uint64_t *val)
{
	const struct iobus_range *r = iobus_claim(bus, space, addr, size);

	*val = size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
	if (!r) {
		iobus_log_unclaimed(bus, space, addr, false);
		return false;
	}
	r->dev->ops->read(r->dev, addr - r->base, size, val);
	return true;
}

bool iobus_write(struct iobus *bus, enum iobus_space space, uint64_t addr,
		 unsigned int size, uint64_t val)
{
	const struct iobus_range *r = iobus_claim(bus, space, addr, size);

	if (!r) {
		iobus_log_unclaimed(bus, space, addr, true);
		return false;
	}
	r->dev->ops->write(r->dev, addr - r->base, size, val);
	return true;
}
