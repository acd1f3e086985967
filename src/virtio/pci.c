/*
 * pci.c: the virtio 1.2 PCI transport.  See pci.h for what is emulated.
 */
#include "virtio/pci.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "vmm/vm.h"

/* Common configuration fields (4.1.4.3): offset, width. */
enum {
	CC_DFSELECT = 0x00,
	CC_DF = 0x04,
	CC_GFSELECT = 0x08,
	CC_GF = 0x0c,
	CC_MSIX_CONFIG = 0x10,
	CC_NUM_QUEUES = 0x12,
	CC_STATUS = 0x14,
	CC_GENERATION = 0x15,
	CC_Q_SELECT = 0x16,
	CC_Q_SIZE = 0x18,
	CC_Q_MSIX = 0x1a,
	CC_Q_ENABLE = 0x1c,
	CC_Q_NOTIFY_OFF = 0x1e,
	CC_Q_DESC = 0x20,
	CC_Q_DRIVER = 0x28,
	CC_Q_DEVICE = 0x30,
	CC_Q_NOTIFY_DATA = 0x38,
	CC_Q_RESET = 0x3a,
};

static const struct {
	uint8_t off, len;
} cc_fields[] = {
	{ CC_DFSELECT, 4 },	 { CC_DF, 4 },
	{ CC_GFSELECT, 4 },	 { CC_GF, 4 },
	{ CC_MSIX_CONFIG, 2 },	 { CC_NUM_QUEUES, 2 },
	{ CC_STATUS, 1 },	 { CC_GENERATION, 1 },
	{ CC_Q_SELECT, 2 },	 { CC_Q_SIZE, 2 },
	{ CC_Q_MSIX, 2 },	 { CC_Q_ENABLE, 2 },
	{ CC_Q_NOTIFY_OFF, 2 },	 { CC_Q_DESC, 8 },
	{ CC_Q_DRIVER, 8 },	 { CC_Q_DEVICE, 8 },
	{ CC_Q_NOTIFY_DATA, 2 }, { CC_Q_RESET, 2 },
};

/* struct virtio_pci_cap (4.1.4): 16 bytes; notify adds a multiplier. */
#define CAP_TYPE       3
#define CAP_BAR	       4
#define CAP_ID	       5
#define CAP_OFFSET     8
#define CAP_LENGTH     12
#define CAP_LEN	       16
#define NOTIFY_CAP_LEN 20
#define PCICFG_DATA    16 /* struct virtio_pci_cfg_cap: pci_cfg_data */
#define PCICFG_CAP_LEN 20

static struct virtio_pci *vp_of(struct virtio_dev *d)
{
	return d->tp_ctx;
}

/* Interrupts (any thread) ---------------------------------------------- */

/*
 * Send vector vec, or with MSI-X off set bit in the ISR and raise INTx.
 * The ISR and the pin change together under isr_lock, so a read that
 * clears the ISR never leaves the pin raised for nothing.
 */
static void vp_irq(struct virtio_pci *vp, uint16_t vec, uint8_t bit)
{
	if (vp->has_msix && pci_msix_notify(&vp->msix, vec) != PCI_MSIX_OFF)
		return;
	pthread_mutex_lock(&vp->isr_lock);
	vp->isr |= bit;
	pci_dev_set_intx(&vp->pci, true);
	pthread_mutex_unlock(&vp->isr_lock);
}

static void vp_queue_irq(struct virtio_dev *d, unsigned int q)
{
	vp_irq(vp_of(d), atomic_load(&d->q[q].vector), VIRTIO_PCI_ISR_QUEUE);
}

static void vp_config_irq(struct virtio_dev *d)
{
	vp_irq(vp_of(d), atomic_load(&d->config_vector), VIRTIO_PCI_ISR_CONFIG);
}

static const struct virtio_transport vp_transport = {
	.queue_irq = vp_queue_irq,
	.config_irq = vp_config_irq,
};

static uint8_t isr_read_clear(struct virtio_pci *vp)
{
	uint8_t v;

	pthread_mutex_lock(&vp->isr_lock);
	v = vp->isr;
	vp->isr = 0;
	pci_dev_set_intx(&vp->pci, false);
	pthread_mutex_unlock(&vp->isr_lock);
	return v;
}

/* MSI-X's sink: the host's vectors. */
static int vp_msix_route(void *ctx, unsigned int vec, uint64_t addr,
			 uint32_t data)
{
	struct virtio_pci *vp = ctx;

	return vp->host->route(vp->host_ctx, vp, vec, addr, data);
}

static void vp_msix_signal(void *ctx, unsigned int vec)
{
	struct virtio_pci *vp = ctx;

	vp->host->fire(vp->host_ctx, vp, vec);
}

static const struct pci_msix_ops vp_msix_ops = {
	.route = vp_msix_route,
	.signal = vp_msix_signal,
};

/* Common configuration (vCPU threads, vdev->lock held) -------------------- */

/* A vector number as the driver may choose it (4.1.5.1.2). */
static uint16_t vector_ok(const struct virtio_pci *vp, uint64_t v)
{
	return vp->has_msix && v < vp->nvec ? (uint16_t)v : VIRTIO_NO_VECTOR;
}

static uint64_t cc_get(struct virtio_pci *vp, unsigned int field)
{
	struct virtio_dev *d = vp->vdev;
	struct virtio_queue *q = virtio_queue(d, vp->queue_select);

	switch (field) {
	case CC_DFSELECT:
		return vp->dfselect;
	case CC_DF:
		return virtio_get_features(d, vp->dfselect);
	case CC_GFSELECT:
		return vp->gfselect;
	case CC_GF:
		return virtio_get_driver_features(d, vp->gfselect);
	case CC_MSIX_CONFIG:
		return atomic_load(&d->config_vector);
	case CC_NUM_QUEUES:
		return d->nq;
	case CC_STATUS:
		return virtio_get_status(d);
	case CC_GENERATION:
		return (uint8_t)atomic_load(&d->generation);
	case CC_Q_SELECT:
		return vp->queue_select;
	case CC_Q_MSIX:
		return q ? atomic_load(&q->vector) : VIRTIO_NO_VECTOR;
	}
	if (!q) /* queue_select out of range: the queue does not exist */
		return 0;
	switch (field) {
	case CC_Q_SIZE:
		return q->size;
	case CC_Q_ENABLE:
		return q->enabled;
	case CC_Q_NOTIFY_OFF:
		return q->index;
	case CC_Q_DESC:
		return q->desc;
	case CC_Q_DRIVER:
		return q->driver;
	case CC_Q_DEVICE:
		return q->device;
	default: /* queue_notify_data, queue_reset: not offered */
		return 0;
	}
}

static void transport_reset(struct virtio_pci *vp)
{
	vp->dfselect = vp->gfselect = 0;
	vp->queue_select = 0;
	isr_read_clear(vp);
}

static void cc_set(struct virtio_pci *vp, unsigned int field, uint64_t v)
{
	struct virtio_dev *d = vp->vdev;
	struct virtio_queue *q = virtio_queue(d, vp->queue_select);
	unsigned int qs = vp->queue_select;

	switch (field) {
	case CC_DFSELECT:
		vp->dfselect = (uint32_t)v;
		break;
	case CC_GFSELECT:
		vp->gfselect = (uint32_t)v;
		break;
	case CC_GF:
		virtio_set_driver_features(d, vp->gfselect, (uint32_t)v);
		break;
	case CC_MSIX_CONFIG:
		atomic_store(&d->config_vector, vector_ok(vp, v));
		break;
	case CC_STATUS:
		virtio_set_status(d, (uint8_t)v);
		if (v == 0)
			transport_reset(vp);
		break;
	case CC_Q_SELECT:
		vp->queue_select = (uint16_t)v;
		break;
	case CC_Q_SIZE:
		virtio_queue_set_size(d, qs, (uint16_t)v);
		break;
	case CC_Q_MSIX:
		if (q)
			atomic_store(&q->vector, vector_ok(vp, v));
		break;
	case CC_Q_ENABLE:
		if (v == 1) /* writing 0 is not allowed (4.1.4.3.2) */
			virtio_queue_enable(d, qs);
		break;
	case CC_Q_DESC:
		if (q)
			virtio_queue_set_addr(d, qs, v, q->driver, q->device);
		break;
	case CC_Q_DRIVER:
		if (q)
			virtio_queue_set_addr(d, qs, q->desc, v, q->device);
		break;
	case CC_Q_DEVICE:
		if (q)
			virtio_queue_set_addr(d, qs, q->desc, q->driver, v);
		break;
	default: /* read-only */
		break;
	}
}

static void common_read(struct virtio_pci *vp, uint64_t off, unsigned int size,
			uint64_t *val)
{
	uint64_t out = 0;

	for (size_t i = 0; i < sizeof(cc_fields) / sizeof(cc_fields[0]); i++) {
		unsigned int fo = cc_fields[i].off, fl = cc_fields[i].len;
		uint64_t v;
		if (off >= fo + fl || fo >= off + size)
			continue;
		v = cc_get(vp, fo);
		for (unsigned int b = 0; b < size; b++)
			if (off + b >= fo && off + b < fo + fl)
				out |= ((v >> (8 * (off + b - fo))) & 0xff)
				       << (8 * b);
	}
	*val = out;
}

/*
 * A write lands in every field it overlaps, merged into the field's
 * current value: a 64-bit address written as two 32-bit halves works.
 */
static void common_write(struct virtio_pci *vp, uint64_t off, unsigned int size,
			 uint64_t val)
{
	for (size_t i = 0; i < sizeof(cc_fields) / sizeof(cc_fields[0]); i++) {
		unsigned int fo = cc_fields[i].off, fl = cc_fields[i].len;
		uint64_t v;
		if (off >= fo + fl || fo >= off + size)
			continue;
		v = cc_get(vp, fo);
		for (unsigned int b = 0; b < size; b++) {
			unsigned int at;
			if (off + b < fo || off + b >= fo + fl)
				continue;
			at = (unsigned int)(off + b - fo) * 8;
			v = (v & ~(0xffULL << at)) | ((val >> (8 * b)) & 0xff)
							     << at;
		}
		cc_set(vp, fo, v);
	}
}

/* BAR 0 ------------------------------------------------------------------ */

static void kick(struct virtio_pci *vp, uint64_t off)
{
	uint64_t q = off / VIRTIO_PCI_NOTIFY_MULT, one = 1;

	if (off % VIRTIO_PCI_NOTIFY_MULT == 0 && q < vp->vdev->nq &&
	    write(vp->vdev->q[q].kick_fd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow; nothing to do. */
	}
}

static void bar_read(struct virtio_pci *vp, uint64_t off, unsigned int size,
		     uint64_t *val)
{
	struct virtio_dev *d = vp->vdev;
	uint64_t page = off & ~(uint64_t)(VIRTIO_PCI_PAGE - 1);
	uint64_t at = off - page;
	uint8_t buf[8];

	*val = 0;
	switch (page) {
	case VIRTIO_PCI_COMMON:
		pthread_mutex_lock(&d->lock);
		common_read(vp, at, size, val);
		pthread_mutex_unlock(&d->lock);
		break;
	case VIRTIO_PCI_ISR:
		if (at == 0)
			*val = isr_read_clear(vp);
		break;
	case VIRTIO_PCI_DEVICE_CFG:
		pthread_mutex_lock(&d->lock);
		virtio_config_read(d, (uint32_t)at, buf, size);
		pthread_mutex_unlock(&d->lock);
		memcpy(val, buf, size); /* little-endian host */
		break;
	case VIRTIO_PCI_MSIX_TABLE:
		if (vp->has_msix)
			pci_msix_table_read(&vp->msix, at, size, val);
		break;
	case VIRTIO_PCI_MSIX_PBA:
		if (vp->has_msix)
			pci_msix_pba_read(&vp->msix, at, size, val);
		break;
	default: /* the notify area reads 0 */
		break;
	}
}

static void bar_write(struct virtio_pci *vp, uint64_t off, unsigned int size,
		      uint64_t val)
{
	struct virtio_dev *d = vp->vdev;
	uint64_t page = off & ~(uint64_t)(VIRTIO_PCI_PAGE - 1);
	uint64_t at = off - page;

	switch (page) {
	case VIRTIO_PCI_COMMON:
		pthread_mutex_lock(&d->lock);
		common_write(vp, at, size, val);
		pthread_mutex_unlock(&d->lock);
		break;
	case VIRTIO_PCI_DEVICE_CFG:
		pthread_mutex_lock(&d->lock);
		virtio_config_write(d, (uint32_t)at, &val, size);
		pthread_mutex_unlock(&d->lock);
		break;
	case VIRTIO_PCI_NOTIFY:
		kick(vp, at);
		break;
	case VIRTIO_PCI_MSIX_TABLE:
		if (vp->has_msix)
			pci_msix_table_write(&vp->msix, at, size, val);
		break;
	default: /* the ISR and the PBA are read-only */
		break;
	}
}

static void vp_bar_read(struct pci_dev *pd, unsigned int bar, uint64_t off,
			unsigned int size, uint64_t *val)
{
	if (bar == VIRTIO_PCI_BAR)
		bar_read((struct virtio_pci *)pd, off, size, val);
}

static void vp_bar_write(struct pci_dev *pd, unsigned int bar, uint64_t off,
			 unsigned int size, uint64_t val)
{
	if (bar == VIRTIO_PCI_BAR)
		bar_write((struct virtio_pci *)pd, off, size, val);
}

/* Move the queues' ioeventfds to BAR 0 at addr (0: unbind them). */
static void vp_bar_map(struct pci_dev *pd, unsigned int bar, uint64_t addr)
{
	struct virtio_pci *vp = (struct virtio_pci *)pd;
	struct virtio_dev *d = vp->vdev;

	if (bar != VIRTIO_PCI_BAR || !vp->host->ioeventfd)
		return;
	for (unsigned int i = 0; vp->notify_base && i < d->nq; i++)
		vp->host->ioeventfd(vp->host_ctx,
				    vp->notify_base + VIRTIO_PCI_NOTIFY +
					    i * VIRTIO_PCI_NOTIFY_MULT,
				    2, d->q[i].kick_fd, false);
	vp->notify_base = 0;
	for (unsigned int i = 0; addr && i < d->nq; i++) {
		int r = vp->host->ioeventfd(vp->host_ctx,
					    addr + VIRTIO_PCI_NOTIFY +
						    i * VIRTIO_PCI_NOTIFY_MULT,
					    2, d->q[i].kick_fd, true);
		if (r) {
			/*
			 * Notifications will exit to hyve instead.  The guest
			 * can cause this (BARs placed over each other), so it
			 * is no warning.
			 */
			if (r != -ENOTSUP)
				log_info("virtio",
					 "%s: ioeventfd at %#llx: %s; "
					 "notifications exit to hyve",
					 d->ops->name, (unsigned long long)addr,
					 strerror(-r));
			for (unsigned int j = 0; j < i; j++)
				vp->host->ioeventfd(
					vp->host_ctx,
					addr + VIRTIO_PCI_NOTIFY +
						j * VIRTIO_PCI_NOTIFY_MULT,
					2, d->q[j].kick_fd, false);
			return;
		}
	}
	vp->notify_base = addr;
}

/*
 * The PCI configuration access capability (4.1.4.9): bar, offset and
 * length pick a window into a BAR that pci_cfg_data reads and writes.
 */
static bool pcicfg_window(struct virtio_pci *vp, unsigned int off,
			  unsigned int size, uint32_t *at, unsigned int *len)
{
	const struct pci_cfg *c = &vp->pci.cfg;
	unsigned int cap = vp->pcicfg_cap;
	uint32_t l;

	if (!cap || off >= cap + PCICFG_DATA + 4 ||
	    off + size <= cap + PCICFG_DATA)
		return false;
	*at = pci_cfg_get(c, cap + CAP_OFFSET, 4);
	l = pci_cfg_get(c, cap + CAP_LENGTH, 4);
	*len = l;
	return pci_cfg_get(c, cap + CAP_BAR, 1) == VIRTIO_PCI_BAR &&
	       (l == 1 || l == 2 || l == 4) && *at % l == 0 &&
	       *at < VIRTIO_PCI_BAR_SIZE && l <= VIRTIO_PCI_BAR_SIZE - *at;
}

static void vp_cfg_read(struct pci_dev *pd, unsigned int off, unsigned int size)
{
	struct virtio_pci *vp = (struct virtio_pci *)pd;
	uint32_t at;
	unsigned int len;
	uint64_t v = 0;

	if (!pcicfg_window(vp, off, size, &at, &len))
		return;
	bar_read(vp, at, len, &v);
	pci_cfg_put(&pd->cfg, vp->pcicfg_cap + PCICFG_DATA, 4, (uint32_t)v);
}

static void vp_cfg_written(struct pci_dev *pd, unsigned int off,
			   unsigned int size)
{
	struct virtio_pci *vp = (struct virtio_pci *)pd;
	uint32_t at;
	unsigned int len;

	if (vp->has_msix)
		pci_msix_cfg_written(&vp->msix, &pd->cfg);
	if (!pcicfg_window(vp, off, size, &at, &len))
		return;
	bar_write(vp, at, len,
		  pci_cfg_get(&pd->cfg, vp->pcicfg_cap + PCICFG_DATA, len));
}

static const struct pci_dev_ops vp_pci_ops = {
	.bar_read = vp_bar_read,
	.bar_write = vp_bar_write,
	.cfg_read = vp_cfg_read,
	.cfg_written = vp_cfg_written,
	.bar_map = vp_bar_map,
};

/* Set-up ---------------------------------------------------------------- */

static uint32_t class_of(uint16_t device_id)
{
	switch (device_id) {
	case VIRTIO_ID_NET:
		return 0x020000; /* network controller, Ethernet */
	case VIRTIO_ID_BLOCK:
		return 0x010000; /* mass storage, SCSI */
	case VIRTIO_ID_CONSOLE:
		return 0x078000; /* communication, other */
	default:
		return 0xff0000; /* unassigned class */
	}
}

static int add_cap(struct pci_cfg *c, uint8_t type, uint32_t off, uint32_t len,
		   unsigned int cap_len)
{
	int at = pci_cfg_add_cap(c, PCI_CAP_ID_VENDOR, cap_len);

	if (at < 0)
		return at;
	pci_cfg_put(c, (unsigned int)at + 2, 1, cap_len);
	pci_cfg_put(c, (unsigned int)at + CAP_TYPE, 1, type);
	pci_cfg_put(c, (unsigned int)at + CAP_BAR, 1, VIRTIO_PCI_BAR);
	pci_cfg_put(c, (unsigned int)at + CAP_OFFSET, 4, off);
	pci_cfg_put(c, (unsigned int)at + CAP_LENGTH, 4, len);
	return at;
}

int virtio_pci_init(struct virtio_pci *vp, struct virtio_dev *vdev,
		    const struct virtio_pci_host *host, void *host_ctx)
{
	const struct virtio_dev_ops *ops = vdev->ops;
	const struct pci_cfg_id id = {
		.vendor = VIRTIO_PCI_VENDOR,
		.device = (uint16_t)(VIRTIO_PCI_DEVICE_BASE + ops->device_id),
		.subsys_vendor = VIRTIO_PCI_VENDOR,
		.subsys = VIRTIO_PCI_SUBSYS,
		.revision = VIRTIO_PCI_REVISION,
		.class_code = class_of(ops->device_id),
		.irq_pin = 1,
	};
	struct pci_cfg *c = &vp->pci.cfg;
	int r, at;

	memset(vp, 0, sizeof(*vp));
	if (ops->config_size > VIRTIO_PCI_PAGE)
		return -EINVAL;
	vp->pci.name = ops->name;
	vp->pci.ops = &vp_pci_ops;
	vp->vdev = vdev;
	vp->host = host;
	vp->host_ctx = host_ctx;
	pci_cfg_init(c, &id);
	r = pci_cfg_add_bar(c, VIRTIO_PCI_BAR, VIRTIO_PCI_BAR_SIZE,
			    PCI_BAR_MEM64);
	if (!r)
		r = add_cap(c, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON,
			    VIRTIO_PCI_COMMON_LEN, CAP_LEN);
	if (r >= 0) {
		r = add_cap(c, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY,
			    vdev->nq * VIRTIO_PCI_NOTIFY_MULT, NOTIFY_CAP_LEN);
		if (r >= 0)
			pci_cfg_put(c, (unsigned int)r + CAP_LEN, 4,
				    VIRTIO_PCI_NOTIFY_MULT);
	}
	if (r >= 0)
		r = add_cap(c, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR, 1,
			    CAP_LEN);
	if (r >= 0 && ops->config_size)
		r = add_cap(c, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_CFG,
			    ops->config_size, CAP_LEN);
	if (r >= 0) {
		at = add_cap(c, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, PCICFG_CAP_LEN);
		r = at;
		if (at >= 0) {
			vp->pcicfg_cap = (unsigned int)at;
			pci_cfg_set_wmask(c, (unsigned int)at + CAP_BAR, 1,
					  0xff);
			pci_cfg_set_wmask(c, (unsigned int)at + CAP_OFFSET, 4,
					  0xffffffff);
			pci_cfg_set_wmask(c, (unsigned int)at + CAP_LENGTH, 4,
					  0xffffffff);
			pci_cfg_set_wmask(c, (unsigned int)at + PCICFG_DATA, 4,
					  0xffffffff);
		}
	}
	if (r < 0)
		return r;
	pthread_mutex_init(&vp->isr_lock, NULL);
	/* MSI-X, when the VM can deliver it: a vector per queue + config. */
	vp->nvec = vdev->nq + 1;
	if (host->vectors && host->vectors(host_ctx, vp, vp->nvec) == 0) {
		r = pci_msix_init(&vp->msix, c, vp->nvec, VIRTIO_PCI_BAR,
				  VIRTIO_PCI_MSIX_TABLE, VIRTIO_PCI_MSIX_PBA,
				  &vp_msix_ops, vp);
		if (r) {
			host->release(host_ctx, vp);
			pthread_mutex_destroy(&vp->isr_lock);
			return r;
		}
		vp->has_msix = true;
	} else {
		log_info("virtio", "%s: no MSI-X here: INTx only", ops->name);
	}
	vdev->tp = &vp_transport;
	vdev->tp_ctx = vp;
	return 0;
}

void virtio_pci_destroy(struct virtio_pci *vp)
{
	if (!vp->vdev)
		return;
	vp_bar_map(&vp->pci, VIRTIO_PCI_BAR, 0);
	if (vp->has_msix) {
		pci_msix_destroy(&vp->msix);
		vp->host->release(vp->host_ctx, vp);
	}
	pthread_mutex_destroy(&vp->isr_lock);
	vp->vdev->tp = NULL;
	vp->vdev = NULL;
}

/* The KVM host: irqfds and GSI routes (vmm/msi.h), ioeventfds. --------- */

static int kvm_vectors(void *ctx, struct virtio_pci *vp, unsigned int nvec)
{
	struct vm *vm = ctx;
	int r = 0;

	if (!msi_available(&vm->msi))
		return -ENOTSUP;
	vp->msi = calloc(nvec, sizeof(*vp->msi));
	if (!vp->msi)
		return -ENOMEM;
	for (unsigned int i = 0; i < nvec && !r; i++)
		r = msi_vector_add(&vm->msi, &vp->msi[i]);
	if (r) {
		log_warn("virtio", "%s: MSI-X vectors: %s", vp->pci.name,
			 strerror(-r));
		for (unsigned int i = 0; i < nvec; i++)
			msi_vector_del(&vm->msi, &vp->msi[i]);
		free(vp->msi);
		vp->msi = NULL;
	}
	return r;
}

static int kvm_route(void *ctx, struct virtio_pci *vp, unsigned int vec,
		     uint64_t addr, uint32_t data)
{
	struct vm *vm = ctx;

	return msi_vector_route(&vm->msi, &vp->msi[vec], addr, data);
}

static void kvm_fire(void *ctx, struct virtio_pci *vp, unsigned int vec)
{
	struct vm *vm = ctx;

	msi_vector_fire(&vm->msi, &vp->msi[vec]);
}

static void kvm_release(void *ctx, struct virtio_pci *vp)
{
	struct vm *vm = ctx;

	for (unsigned int i = 0; vp->msi && i < vp->nvec; i++)
		msi_vector_del(&vm->msi, &vp->msi[i]);
	free(vp->msi);
	vp->msi = NULL;
}

static int kvm_ioeventfd(void *ctx, uint64_t addr, unsigned int len, int fd,
			 bool assign)
{
	return vm_ioeventfd(ctx, addr, len, fd, assign);
}

const struct virtio_pci_host virtio_pci_kvm = {
	.vectors = kvm_vectors,
	.route = kvm_route,
	.fire = kvm_fire,
	.release = kvm_release,
	.ioeventfd = kvm_ioeventfd,
};
