/*
 * pci.c: PCI bus 0, its host bridge, configuration access and BAR
 * dispatch.  See pci.h for what is emulated and how BARs are decoded.
 */
#include "pci/pci.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

#define container_of(p, type, member)                                          \
	((type *)(void *)((char *)(p)-offsetof(type, member)))

#define CFG_ADDR_ENABLE	  0x80000000u
#define CFG_ADDR_BUS(a)	  (((a) >> 16) & 0xff)
#define CFG_ADDR_DEVFN(a) (((a) >> 8) & 0xff)
#define CFG_ADDR_REG(a)	  ((a)&0xfc)
#define CFG_ADDR_MASK	  0x80fffffcu /* reserved bits 30:24, 1:0 read 0 */
#define RESET_OFFSET	  1	      /* 0xcf9 within 0xcf8-0xcff */
#define DATA_OFFSET	  4	      /* 0xcfc */
#define BAR_ALIGN_MIN	  4096	      /* BARs never share a page */

static void host_init(struct pci_bus *bus)
{
	static const struct pci_cfg_id id = {
		.vendor = PCI_HOST_VENDOR,
		.device = PCI_HOST_DEVICE,
		.subsys_vendor = PCI_HOST_VENDOR,
		.subsys = PCI_HOST_DEVICE,
		.class_code = PCI_CLASS_HOST,
	};

	memset(&bus->host, 0, sizeof(bus->host));
	bus->host.name = "host-bridge";
	pci_cfg_init(&bus->host.cfg, &id);
	bus->host.bus = bus;
	bus->dev[0] = &bus->host;
}

/* The device at devfn on bus 0, or NULL (other functions are absent). */
static struct pci_dev *lookup(struct pci_bus *bus, unsigned int devfn)
{
	if ((devfn & 7) || devfn >= PCI_SLOTS * 8)
		return NULL;
	return bus->dev[devfn >> 3];
}

/* Decoding ---------------------------------------------------------------- */

static bool in_window(const struct pci_window *w, uint64_t addr, uint64_t len)
{
	return w->size && addr >= w->base && len <= w->size &&
	       addr - w->base <= w->size - len;
}

/* Where BAR i of d decodes now: 0 when it does not.  cfg_lock held. */
static uint64_t decode(const struct pci_bus *bus, const struct pci_dev *d,
		       unsigned int i)
{
	uint64_t size = d->cfg.bar_size[i];
	uint64_t a = pci_cfg_bar_addr(&d->cfg, i);

	if (!size ||
	    !(pci_cfg_get(&d->cfg, PCI_CFG_COMMAND, 2) & PCI_CMD_MEMORY))
		return 0;
	if (in_window(&bus->win32, a, size) || in_window(&bus->win64, a, size))
		return a;
	return 0;
}

/*
 * After a write that may have moved a BAR or changed decoding: update the
 * decoded addresses under the write lock, then tell the device about
 * each one that changed.  cfg_lock held.
 */
static void remap(struct pci_bus *bus, struct pci_dev *d)
{
	uint64_t now[PCI_BARS];
	bool changed[PCI_BARS] = { false };

	for (unsigned int i = 0; i < PCI_BARS; i++)
		now[i] = decode(bus, d, i);
	pthread_rwlock_wrlock(&bus->map_lock);
	for (unsigned int i = 0; i < PCI_BARS; i++) {
		changed[i] = d->mapped[i] != now[i];
		d->mapped[i] = now[i];
	}
	pthread_rwlock_unlock(&bus->map_lock);
	for (unsigned int i = 0; i < PCI_BARS; i++) {
		if (!changed[i])
			continue;
		log_debug("pci", "%02x:%02x.0 %s BAR %u %s %#" PRIx64, 0,
			  d->slot, d->name, i, now[i] ? "at" : "off", now[i]);
		if (d->ops && d->ops->bar_map)
			d->ops->bar_map(d, i, now[i]);
	}
}

/* INTx -------------------------------------------------------------------- */

/* Recompute one device's contribution to its line.  intx_lock held. */
static void intx_update(struct pci_dev *d, bool *was, bool now)
{
	struct pci_bus *bus = d->bus;
	unsigned int line;
	uint32_t gsi = d->gsi;

	if (*was == now)
		return;
	*was = now;
	for (line = 0; line < PCI_PINS; line++)
		if (bus->cfg.intx_gsi[line] == gsi)
			break;
	if (line == PCI_PINS)
		return;
	if (now && bus->intx_count[line]++ == 0 && bus->cfg.irq)
		bus->cfg.irq(bus->cfg.irq_ctx, gsi, true);
	else if (!now && --bus->intx_count[line] == 0 && bus->cfg.irq)
		bus->cfg.irq(bus->cfg.irq_ctx, gsi, false);
}

/*
 * A device drives its line when it asserts its pin and INTx is not
 * disabled.  intx_lock held.
 */
static void intx_sync(struct pci_dev *d)
{
	bool drive = atomic_load(&d->intx) && !atomic_load(&d->intx_disabled);

	if (d->cfg.data[PCI_CFG_INTERRUPT_PIN])
		intx_update(d, &d->intx_driven, drive);
}

void pci_dev_set_intx(struct pci_dev *d, bool level)
{
	if (!d->bus)
		return;
	pthread_mutex_lock(&d->bus->intx_lock);
	atomic_store(&d->intx, level);
	intx_sync(d);
	pthread_mutex_unlock(&d->bus->intx_lock);
}

/* Configuration access ----------------------------------------------------- */

uint32_t pci_bus_cfg_read(struct pci_bus *bus, unsigned int devfn,
			  unsigned int reg, unsigned int size)
{
	struct pci_dev *d;
	uint32_t v;

	pthread_mutex_lock(&bus->cfg_lock);
	d = lookup(bus, devfn);
	if (!d) {
		v = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	} else {
		if (d->ops && d->ops->cfg_read && reg < PCI_CFG_SIZE)
			d->ops->cfg_read(d, reg, size);
		v = pci_cfg_read(&d->cfg, reg, size);
		/* Status bit 3 follows the pin, whatever INTx-disable says. */
		if (reg <= PCI_CFG_STATUS && reg + size > PCI_CFG_STATUS &&
		    atomic_load(&d->intx))
			v |= (uint32_t)PCI_STATUS_INTX
			     << (8 * (PCI_CFG_STATUS - reg));
	}
	pthread_mutex_unlock(&bus->cfg_lock);
	return v;
}

static bool overlaps(unsigned int reg, unsigned int size, unsigned int start,
		     unsigned int len)
{
	return reg < start + len && start < reg + size;
}

void pci_bus_cfg_write(struct pci_bus *bus, unsigned int devfn,
		       unsigned int reg, unsigned int size, uint32_t val)
{
	struct pci_dev *d;

	pthread_mutex_lock(&bus->cfg_lock);
	d = lookup(bus, devfn);
	if (d && reg < PCI_CFG_SIZE) {
		pci_cfg_write(&d->cfg, reg, size, val);
		if (overlaps(reg, size, PCI_CFG_COMMAND, 2)) {
			bool off = pci_cfg_get(&d->cfg, PCI_CFG_COMMAND, 2) &
				   PCI_CMD_INTX_DISABLE;
			pthread_mutex_lock(&bus->intx_lock);
			atomic_store(&d->intx_disabled, off);
			intx_sync(d);
			pthread_mutex_unlock(&bus->intx_lock);
		}
		if (overlaps(reg, size, PCI_CFG_COMMAND, 2) ||
		    overlaps(reg, size, PCI_CFG_BAR0, 4 * PCI_BARS))
			remap(bus, d);
		if (d->ops && d->ops->cfg_written)
			d->ops->cfg_written(d, reg, size);
	}
	pthread_mutex_unlock(&bus->cfg_lock);
}

/* 0xcf8-0xcff: CONFIG_ADDRESS, the reset register, CONFIG_DATA. */
static void pio_read(struct iobus_dev *dev, uint64_t off, unsigned int size,
		     uint64_t *val)
{
	struct pci_bus *bus = (struct pci_bus *)dev;
	uint32_t a;

	if (off == 0 && size == 4) {
		pthread_mutex_lock(&bus->cfg_lock);
		*val = bus->config_address;
		pthread_mutex_unlock(&bus->cfg_lock);
		return;
	}
	if (off == RESET_OFFSET && size == 1 && bus->cfg.cf9) {
		*val = reset_cf9_read(bus->cfg.cf9);
		return;
	}
	if (off < DATA_OFFSET)
		return; /* other widths of CONFIG_ADDRESS: nothing there */
	pthread_mutex_lock(&bus->cfg_lock);
	a = bus->config_address;
	pthread_mutex_unlock(&bus->cfg_lock);
	if ((a & CFG_ADDR_ENABLE) && CFG_ADDR_BUS(a) == 0)
		*val = pci_bus_cfg_read(
			bus, CFG_ADDR_DEVFN(a),
			CFG_ADDR_REG(a) + (unsigned int)(off - DATA_OFFSET),
			size);
}

static void pio_write(struct iobus_dev *dev, uint64_t off, unsigned int size,
		      uint64_t val)
{
	struct pci_bus *bus = (struct pci_bus *)dev;
	uint32_t a;

	if (off == 0 && size == 4) {
		pthread_mutex_lock(&bus->cfg_lock);
		bus->config_address = (uint32_t)val & CFG_ADDR_MASK;
		pthread_mutex_unlock(&bus->cfg_lock);
		return;
	}
	if (off == RESET_OFFSET && size == 1 && bus->cfg.cf9) {
		reset_cf9_write(bus->cfg.cf9, (uint8_t)val);
		return;
	}
	if (off < DATA_OFFSET)
		return;
	pthread_mutex_lock(&bus->cfg_lock);
	a = bus->config_address;
	pthread_mutex_unlock(&bus->cfg_lock);
	if ((a & CFG_ADDR_ENABLE) && CFG_ADDR_BUS(a) == 0)
		pci_bus_cfg_write(bus, CFG_ADDR_DEVFN(a),
				  CFG_ADDR_REG(a) +
					  (unsigned int)(off - DATA_OFFSET),
				  size, (uint32_t)val);
}

static const struct iobus_ops pio_ops = {
	.read = pio_read,
	.write = pio_write,
};

/* ECAM: offset = device << 15 | function << 12 | register. */
static void ecam_read(struct iobus_dev *dev, uint64_t off, unsigned int size,
		      uint64_t *val)
{
	struct pci_bus *bus = container_of(dev, struct pci_bus, ecam);
	unsigned int devfn = (unsigned int)(off >> 12) & 0xff;
	unsigned int reg = (unsigned int)off & 0xfff;

	if (size == 8) { /* two dwords, as a split cycle would be */
		*val = pci_bus_cfg_read(bus, devfn, reg, 4) |
		       (uint64_t)pci_bus_cfg_read(bus, devfn, reg + 4, 4) << 32;
		return;
	}
	*val = pci_bus_cfg_read(bus, devfn, reg, size);
}

static void ecam_write(struct iobus_dev *dev, uint64_t off, unsigned int size,
		       uint64_t val)
{
	struct pci_bus *bus = container_of(dev, struct pci_bus, ecam);
	unsigned int devfn = (unsigned int)(off >> 12) & 0xff;
	unsigned int reg = (unsigned int)off & 0xfff;

	if (size == 8) {
		pci_bus_cfg_write(bus, devfn, reg, 4, (uint32_t)val);
		pci_bus_cfg_write(bus, devfn, reg + 4, 4,
				  (uint32_t)(val >> 32));
		return;
	}
	if (size <= 4)
		pci_bus_cfg_write(bus, devfn, reg, size, (uint32_t)val);
}

static const struct iobus_ops ecam_ops = {
	.read = ecam_read,
	.write = ecam_write,
};

/* BAR windows ----------------------------------------------------------- */

/*
 * The BAR that holds [addr, addr + size), under the read lock; the caller
 * unlocks.  Accesses that straddle a BAR's end are not decoded.
 */
static struct pci_dev *bar_find(struct pci_bus *bus, uint64_t addr,
				unsigned int size, unsigned int *bar,
				uint64_t *off)
{
	for (unsigned int s = 0; s < PCI_SLOTS; s++) {
		struct pci_dev *d = bus->dev[s];
		if (!d)
			continue;
		for (unsigned int i = 0; i < PCI_BARS; i++) {
			uint64_t base = d->mapped[i], len = d->cfg.bar_size[i];
			if (base && addr >= base && addr - base < len &&
			    size <= len - (addr - base)) {
				*bar = i;
				*off = addr - base;
				return d;
			}
		}
	}
	return NULL;
}

static void win_read(struct iobus_dev *dev, uint64_t off, unsigned int size,
		     uint64_t *val)
{
	struct pci_window *w = (struct pci_window *)dev;
	struct pci_bus *bus = w->bus;
	struct pci_dev *d;
	unsigned int bar;
	uint64_t at;

	pthread_rwlock_rdlock(&bus->map_lock);
	d = bar_find(bus, w->base + off, size, &bar, &at);
	if (d && d->ops && d->ops->bar_read)
		d->ops->bar_read(d, bar, at, size, val);
	pthread_rwlock_unlock(&bus->map_lock);
}

static void win_write(struct iobus_dev *dev, uint64_t off, unsigned int size,
		      uint64_t val)
{
	struct pci_window *w = (struct pci_window *)dev;
	struct pci_bus *bus = w->bus;
	struct pci_dev *d;
	unsigned int bar;
	uint64_t at;

	pthread_rwlock_rdlock(&bus->map_lock);
	d = bar_find(bus, w->base + off, size, &bar, &at);
	if (d && d->ops && d->ops->bar_write)
		d->ops->bar_write(d, bar, at, size, val);
	pthread_rwlock_unlock(&bus->map_lock);
}

static const struct iobus_ops win_ops = {
	.read = win_read,
	.write = win_write,
};

/* The bus --------------------------------------------------------------- */

void pci_bus_init(struct pci_bus *bus, const struct pci_bus_config *cfg)
{
	memset(bus, 0, sizeof(*bus));
	bus->cfg = *cfg;
	bus->pio = (struct iobus_dev){ .name = "pci-config", .ops = &pio_ops };
	bus->ecam = (struct iobus_dev){ .name = "pci-ecam", .ops = &ecam_ops };
	bus->win32 = (struct pci_window){
		.dev = { .name = "pci-mmio32", .ops = &win_ops },
		.bus = bus,
		.base = cfg->mmio32_base,
		.size = cfg->mmio32_size,
		.next = cfg->mmio32_base,
	};
	bus->win64 = (struct pci_window){
		.dev = { .name = "pci-mmio64", .ops = &win_ops },
		.bus = bus,
		.base = cfg->mmio64_base,
		.size = cfg->mmio64_size,
		.next = cfg->mmio64_base,
	};
	pthread_mutex_init(&bus->cfg_lock, NULL);
	pthread_rwlock_init(&bus->map_lock, NULL);
	pthread_mutex_init(&bus->intx_lock, NULL);
	host_init(bus);
}

void pci_bus_destroy(struct pci_bus *bus)
{
	pthread_mutex_destroy(&bus->cfg_lock);
	pthread_rwlock_destroy(&bus->map_lock);
	pthread_mutex_destroy(&bus->intx_lock);
}

int pci_bus_attach(struct pci_bus *bus, struct iobus *iob, char *err,
		   size_t errlen)
{
	const struct {
		enum iobus_space space;
		uint64_t base, len;
		struct iobus_dev *dev;
	} r[] = {
		{ IOBUS_PIO, PCI_CONFIG_PORT, PCI_CONFIG_PORTS, &bus->pio },
		{ IOBUS_MMIO, bus->cfg.ecam_base, PCI_ECAM_BUS_SIZE,
		  &bus->ecam },
		{ IOBUS_MMIO, bus->win32.base, bus->win32.size,
		  &bus->win32.dev },
		{ IOBUS_MMIO, bus->win64.base, bus->win64.size,
		  &bus->win64.dev },
	};

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		int e;
		if (!r[i].len)
			continue;
		e = iobus_register(iob, r[i].space, r[i].base, r[i].len,
				   r[i].dev);
		if (e) {
			snprintf(err, errlen, "%s at %#llx: %s", r[i].dev->name,
				 (unsigned long long)r[i].base,
				 e == -EEXIST ? "the range is taken"
					      : strerror(-e));
			return e;
		}
	}
	return 0;
}

/* The next address in w aligned for a BAR of size bytes, or 0. */
static uint64_t place(struct pci_window *w, uint64_t size)
{
	uint64_t align = size < BAR_ALIGN_MIN ? BAR_ALIGN_MIN : size;
	uint64_t at = (w->next + align - 1) & ~(align - 1);

	if (!in_window(w, at, size))
		return 0;
	w->next = at + (size < BAR_ALIGN_MIN ? BAR_ALIGN_MIN : size);
	return at;
}

int pci_bus_add(struct pci_bus *bus, struct pci_dev *d)
{
	unsigned int slot;
	uint8_t pin = d->cfg.data[PCI_CFG_INTERRUPT_PIN];
	bool any = false;

	for (slot = 1; slot < PCI_SLOTS && bus->dev[slot]; slot++)
		;
	if (slot == PCI_SLOTS)
		return -ENOSPC;
	for (unsigned int i = 0; i < PCI_BARS; i++) {
		uint64_t size = d->cfg.bar_size[i], at;
		if (!size)
			continue;
		at = place(d->cfg.bar_flags[i] & PCI_BAR_MEM64 ? &bus->win64
							       : &bus->win32,
			   size);
		if (!at)
			return -ENOSPC;
		pci_cfg_set_bar_addr(&d->cfg, i, at);
		any = true;
	}
	d->bus = bus;
	d->slot = slot;
	atomic_init(&d->intx, false);
	atomic_init(&d->intx_disabled, false);
	if (pin >= 1 && pin <= PCI_PINS) {
		d->gsi = pci_intx_gsi(&bus->cfg, slot, pin);
		pci_cfg_put(&d->cfg, PCI_CFG_INTERRUPT_LINE, 1,
			    d->gsi < 0xff ? d->gsi : 0xff);
	}
	if (any)
		pci_cfg_put(&d->cfg, PCI_CFG_COMMAND, 2,
			    pci_cfg_get(&d->cfg, PCI_CFG_COMMAND, 2) |
				    PCI_CMD_MEMORY);
	pthread_mutex_lock(&bus->cfg_lock);
	bus->dev[slot] = d;
	remap(bus, d);
	pthread_mutex_unlock(&bus->cfg_lock);
	return 0;
}
