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

static uint64_t iobus_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/*
 * One access, split where it crosses the end of a range (see iobus.h).
 * Each piece goes to the range that holds its first byte, clipped to that
 * range; a byte nobody claims reads as all ones and is logged once.  Returns
 * true when every byte was claimed.
 */
static bool iobus_access(struct iobus *bus, enum iobus_space space,
			 uint64_t addr, unsigned int size, uint64_t *val,
			 bool write)
{
	uint64_t in = write ? *val : 0, out = 0;
	bool all = true, logged = false;

	for (unsigned int done = 0; done < size;) {
		uint64_t a = addr + done, piece;
		const struct iobus_range *r = iobus_find(bus, space, a);
		unsigned int n = size - done;

		if (!r) {
			if (!logged)
				iobus_log_unclaimed(bus, space, a, write);
			all = false, logged = true;
			out |= 0xffULL << (done * 8);
			done++;
			continue;
		}
		if (n > r->len - (a - r->base))
			n = (unsigned int)(r->len - (a - r->base));
		piece = iobus_mask(n);
		if (write) {
			r->dev->ops->write(r->dev, a - r->base, n,
					   (in >> (done * 8)) & piece);
		} else {
			uint64_t v = piece;
			r->dev->ops->read(r->dev, a - r->base, n, &v);
			out |= (v & piece) << (done * 8);
		}
		done += n;
	}
	if (!write)
		*val = out;
	return all;
}

bool iobus_read(struct iobus *bus, enum iobus_space space, uint64_t addr,
		unsigned int size, uint64_t *val)
{
	return iobus_access(bus, space, addr, size, val, false);
}

bool iobus_write(struct iobus *bus, enum iobus_space space, uint64_t addr,
		 unsigned int size, uint64_t val)
{
	return iobus_access(bus, space, addr, size, &val, true);
}
