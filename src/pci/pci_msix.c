/* pci_msix.c: the MSI-X capability, table and PBA.  See pci_msix.h. */
#include "pci/pci_msix.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CAP_CTRL  2 /* Message Control */
#define CAP_TABLE 4 /* Table Offset/Table BIR */
#define CAP_PBA	  8 /* PBA Offset/PBA BIR */

/* Entry layout (6.8.2.6-6.8.2.9): dword index within an entry. */
enum { E_ADDR_LO, E_ADDR_HI, E_DATA, E_CTRL };

int pci_msix_init(struct pci_msix *m, struct pci_cfg *cfg, unsigned int nvec,
		  unsigned int bar, uint32_t table_off, uint32_t pba_off,
		  const struct pci_msix_ops *ops, void *ctx)
{
	int cap;

	memset(m, 0, sizeof(*m));
	if (nvec == 0 || nvec > PCI_MSIX_MAX_VECTORS || bar >= PCI_BARS ||
	    (table_off & 7) || (pba_off & 7) || !ops)
		return -EINVAL;
	cap = pci_cfg_add_cap(cfg, PCI_CAP_ID_MSIX, PCI_MSIX_CAP_LEN);
	if (cap < 0)
		return cap;
	m->vec = calloc(nvec, sizeof(*m->vec));
	if (!m->vec)
		return -ENOMEM;
	for (unsigned int i = 0; i < nvec; i++)
		m->vec[i].ctrl = PCI_MSIX_ENTRY_MASKED;
	pthread_mutex_init(&m->lock, NULL);
	m->nvec = nvec;
	m->cap = (unsigned int)cap;
	m->ops = ops;
	m->ctx = ctx;
	pci_cfg_put(cfg, m->cap + CAP_CTRL, 2, nvec - 1);
	pci_cfg_set_wmask(cfg, m->cap + CAP_CTRL, 2,
			  PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_MASKALL);
	pci_cfg_put(cfg, m->cap + CAP_TABLE, 4, table_off | bar);
	pci_cfg_put(cfg, m->cap + CAP_PBA, 4, pba_off | bar);
	return 0;
}

void pci_msix_destroy(struct pci_msix *m)
{
	if (!m->vec)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m->vec);
	m->vec = NULL;
	m->nvec = 0;
}

static bool deliverable(const struct pci_msix *m, const struct pci_msix_vec *v)
{
	return m->enabled && !m->fmask && !(v->ctrl & PCI_MSIX_ENTRY_MASKED);
}

static void route(struct pci_msix *m, unsigned int i)
{
	struct pci_msix_vec *v = &m->vec[i];

	if (!v->routed)
		v->routed =
			m->ops->route(m->ctx, i,
				      (uint64_t)v->addr_hi << 32 | v->addr_lo,
				      v->data) == 0;
}

/* Vector i may have just become deliverable: route it, send what waits. */
static void unmasked(struct pci_msix *m, unsigned int i)
{
	struct pci_msix_vec *v = &m->vec[i];

	if (!deliverable(m, v))
		return;
	route(m, i);
	if (v->pending) {
		v->pending = false;
		m->ops->signal(m->ctx, i);
	}
}

void pci_msix_cfg_written(struct pci_msix *m, const struct pci_cfg *cfg)
{
	uint16_t ctrl = (uint16_t)pci_cfg_get(cfg, m->cap + CAP_CTRL, 2);
	bool was_on, on;

	pthread_mutex_lock(&m->lock);
	was_on = m->enabled && !m->fmask;
	m->enabled = ctrl & PCI_MSIX_CTRL_ENABLE;
	m->fmask = ctrl & PCI_MSIX_CTRL_MASKALL;
	on = m->enabled && !m->fmask;
	if (on && !was_on)
		for (unsigned int i = 0; i < m->nvec; i++)
			unmasked(m, i);
	pthread_mutex_unlock(&m->lock);
}

static uint32_t dword_get(const struct pci_msix_vec *v, unsigned int which)
{
	switch (which) {
	case E_ADDR_LO:
		return v->addr_lo;
	case E_ADDR_HI:
		return v->addr_hi;
	case E_DATA:
		return v->data;
	default:
		return v->ctrl;
	}
}

/* Store one whole dword of entry i, as the guest wrote it. */
static void dword_put(struct pci_msix *m, unsigned int i, unsigned int which,
		      uint32_t val)
{
	struct pci_msix_vec *v = &m->vec[i];
	bool was_masked = v->ctrl & PCI_MSIX_ENTRY_MASKED;

	switch (which) {
	case E_ADDR_LO:
		val &= ~3u; /* bits 1:0 are reserved: DWORD-aligned */
		if (val != v->addr_lo)
			v->routed = false;
		v->addr_lo = val;
		break;
	case E_ADDR_HI:
		if (val != v->addr_hi)
			v->routed = false;
		v->addr_hi = val;
		break;
	case E_DATA:
		if (val != v->data)
			v->routed = false;
		v->data = val;
		break;
	default:
		v->ctrl = val & PCI_MSIX_ENTRY_MASKED;
		break;
	}
	/*
	 * A message changed while deliverable (software should mask first,
	 * but need not) is routed at once; an unmask delivers what waits.
	 */
	if (deliverable(m, v)) {
		if (was_masked)
			unmasked(m, i);
		else
			route(m, i);
	}
}

void pci_msix_table_read(struct pci_msix *m, uint64_t off, unsigned int size,
			 uint64_t *val)
{
	uint64_t out = 0;

	pthread_mutex_lock(&m->lock);
	for (unsigned int b = 0; b < size && b < 8; b++) {
		uint64_t at = off + b;
		unsigned int i = (unsigned int)(at / PCI_MSIX_ENTRY_SIZE);
		uint32_t d;

		if (at >= pci_msix_table_len(m->nvec))
			continue; /* outside the table: reads 0 */
		d = dword_get(&m->vec[i], (unsigned int)(at % 16) / 4);
		out |= (uint64_t)((d >> (8 * (at % 4))) & 0xff) << (8 * b);
	}
	pthread_mutex_unlock(&m->lock);
	*val = out;
}

void pci_msix_table_write(struct pci_msix *m, uint64_t off, unsigned int size,
			  uint64_t val)
{
	pthread_mutex_lock(&m->lock);
	/* Dword by dword: merge the bytes written into each, then store. */
	for (unsigned int b = 0; b < size && b < 8;) {
		uint64_t at = off + b;
		unsigned int i = (unsigned int)(at / PCI_MSIX_ENTRY_SIZE);
		unsigned int which = (unsigned int)(at % 16) / 4;
		uint32_t d;

		if (at >= pci_msix_table_len(m->nvec))
			break;
		d = dword_get(&m->vec[i], which);
		do {
			unsigned int sh = 8 * (unsigned int)((off + b) % 4);
			d = (d & ~(0xffu << sh)) |
			    (uint32_t)((val >> (8 * b)) & 0xff) << sh;
			b++;
		} while (b < size && b < 8 && (off + b) % 4);
		dword_put(m, i, which, d);
	}
	pthread_mutex_unlock(&m->lock);
}

void pci_msix_pba_read(struct pci_msix *m, uint64_t off, unsigned int size,
		       uint64_t *val)
{
	uint64_t out = 0;

	pthread_mutex_lock(&m->lock);
	for (unsigned int b = 0; b < size && b < 8; b++) {
		for (unsigned int bit = 0; bit < 8; bit++) {
			uint64_t n = (off + b) * 8 + bit;
			if (n < m->nvec && m->vec[n].pending)
				out |= 1ULL << (8 * b + bit);
		}
	}
	pthread_mutex_unlock(&m->lock);
	*val = out;
}

enum pci_msix_result pci_msix_notify(struct pci_msix *m, unsigned int vec)
{
	enum pci_msix_result r;

	pthread_mutex_lock(&m->lock);
	if (!m->enabled) {
		r = PCI_MSIX_OFF;
	} else if (vec >= m->nvec) {
		r = PCI_MSIX_NONE;
	} else if (!deliverable(m, &m->vec[vec])) {
		m->vec[vec].pending = true;
		r = PCI_MSIX_PENDING;
	} else {
		route(m, vec);
		m->ops->signal(m->ctx, vec);
		r = PCI_MSIX_SENT;
	}
	pthread_mutex_unlock(&m->lock);
	return r;
}

bool pci_msix_enabled(struct pci_msix *m)
{
	bool on;

	pthread_mutex_lock(&m->lock);
	on = m->enabled;
	pthread_mutex_unlock(&m->lock);
	return on;
}
