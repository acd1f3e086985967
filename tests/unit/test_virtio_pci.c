/*
 * test_virtio_pci.c: the virtio core (virtio/virtio.c) behind the modern
 * PCI transport (virtio/pci.c), driven as a guest driver drives it: the
 * configuration space and capabilities, feature negotiation (FEATURES_OK
 * refused without VERSION_1 or with a feature not offered), queue set-up
 * with an out-of-range queue_select, activation and notifications on the
 * device's own thread, reset, DEVICE_NEEDS_RESET on a broken ring and on a
 * ring outside RAM, MSI-X and INTx interrupts, the PCI configuration
 * access capability, and ioeventfds that follow BAR 0.  A fake device and
 * a fake host stand in for a real device and KVM.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pci/pci.h"
#include "ring_fixture.h"
#include "virtio/pci.h"
#include "virtio/virtio.h"

#define WIN32	  0xc0000000ULL
#define WIN64	  0x100000000ULL
#define DEVFN	  (1u << 3)
#define FAKE_ID	  30
#define QMAX	  16
#define NQ	  2
#define F_DEV	  (1ULL << 0 | 1ULL << 5)
#define NVEC	  (NQ + 1)
#define CFG_BYTES 8

/* The fake device ----------------------------------------------------- */

struct fake {
	struct virtio_dev vdev; /* first */
	unsigned int activates, notifies, resets, pushed;
	pthread_t act_thread;
	int activate_ret;
	int last_pop;
	uint8_t config[CFG_BYTES];
	unsigned int config_writes;
};

static void fake_config_read(struct virtio_dev *d, uint32_t off, void *buf,
			     uint32_t len)
{
	memcpy(buf, ((struct fake *)d)->config + off, len);
}

static void fake_config_write(struct virtio_dev *d, uint32_t off,
			      const void *buf, uint32_t len)
{
	struct fake *f = (struct fake *)d;

	memcpy(f->config + off, buf, len);
	f->config_writes++;
}

static int fake_activate(struct virtio_dev *d)
{
	struct fake *f = (struct fake *)d;

	f->act_thread = pthread_self();
	__atomic_fetch_add(&f->activates, 1, __ATOMIC_RELEASE);
	return f->activate_ret;
}

/* Every chain goes back at once, nothing written. */
static void fake_notify(struct virtio_dev *d, unsigned int q)
{
	struct fake *f = (struct fake *)d;
	struct iovec iov[QMAX];
	struct virtq_chain c = { .iov = iov, .iov_cap = QMAX };
	int r;

	while ((r = virtio_pop(d, q, &c)) > 0) {
		virtio_push(d, q, c.head, 0);
		f->pushed++;
	}
	f->last_pop = r;
	if (f->pushed)
		virtio_notify(d, q);
	__atomic_fetch_add(&f->notifies, 1, __ATOMIC_RELEASE);
}

static void fake_reset(struct virtio_dev *d)
{
	__atomic_fetch_add(&((struct fake *)d)->resets, 1, __ATOMIC_RELEASE);
}

static const struct virtio_dev_ops fake_ops = {
	.name = "fake",
	.device_id = FAKE_ID,
	.num_queues = NQ,
	.queue_max = QMAX,
	.features = F_DEV,
	.config_size = CFG_BYTES,
	.config_read = fake_config_read,
	.config_write = fake_config_write,
	.activate = fake_activate,
	.notify = fake_notify,
	.reset = fake_reset,
};

/* The fake host (KVM) ---------------------------------------------------- */

struct host {
	bool no_msix, ioeventfd_ok;
	unsigned int nvec, routes, released;
	unsigned int fired[NVEC];
	unsigned int bound; /* ioeventfds now assigned */
	uint64_t addr[NQ];  /* where queue n's is */
	int fd[NQ];
};

static int h_vectors(void *ctx, struct virtio_pci *vp, unsigned int nvec)
{
	struct host *h = ctx;

	(void)vp;
	if (h->no_msix)
		return -ENOTSUP;
	h->nvec = nvec;
	return 0;
}

static int h_route(void *ctx, struct virtio_pci *vp, unsigned int vec,
		   uint64_t addr, uint32_t data)
{
	(void)vp, (void)vec, (void)addr, (void)data;
	((struct host *)ctx)->routes++;
	return 0;
}

static void h_fire(void *ctx, struct virtio_pci *vp, unsigned int vec)
{
	(void)vp;
	__atomic_fetch_add(&((struct host *)ctx)->fired[vec], 1,
			   __ATOMIC_RELEASE);
}

static void h_release(void *ctx, struct virtio_pci *vp)
{
	(void)vp;
	((struct host *)ctx)->released++;
}

static int h_ioeventfd(void *ctx, uint64_t addr, unsigned int len, int fd,
		       bool assign)
{
	struct host *h = ctx;
	unsigned int q;

	if (!h->ioeventfd_ok)
		return -ENOTSUP;
	assert_int_equal(len, 2);
	q = (unsigned int)((addr & 0xfff) / 4);
	assert_true(q < NQ);
	if (assign) {
		h->addr[q] = addr;
		h->fd[q] = fd;
		h->bound++;
	} else {
		assert_int_equal(h->addr[q], addr);
		h->bound--;
	}
	return 0;
}

static const struct virtio_pci_host fake_host = {
	.vectors = h_vectors,
	.route = h_route,
	.fire = h_fire,
	.release = h_release,
	.ioeventfd = h_ioeventfd,
};

/* The fixture ------------------------------------------------------------ */

struct fx {
	struct ring r;
	struct iobus iob;
	struct pci_bus bus;
	bool line[24];
	struct fake dev;
	struct virtio_pci vp;
	struct host host;
	uint64_t bar;
};

static void fx_irq(void *ctx, uint32_t gsi, bool level)
{
	struct fx *fx = ctx;

	if (gsi < 24)
		__atomic_store_n(&fx->line[gsi], level, __ATOMIC_RELEASE);
}

static int fx_up(struct fx *fx)
{
	struct pci_bus_config cfg = {
		.mmio32_base = WIN32,
		.mmio32_size = 0x20000000,
		.mmio64_base = WIN64,
		.mmio64_size = 1ULL << 34,
		.ecam_base = 0xe0000000,
		.intx_gsi = { 16, 17, 18, 19 },
		.irq = fx_irq,
		.irq_ctx = fx,
	};
	char err[128];

	ring_init(&fx->r, 8);
	iobus_init(&fx->iob);
	pci_bus_init(&fx->bus, &cfg);
	if (pci_bus_attach(&fx->bus, &fx->iob, err, sizeof(err)) ||
	    virtio_dev_init(&fx->dev.vdev, &fake_ops, &fx->r.gm) ||
	    virtio_pci_init(&fx->vp, &fx->dev.vdev, &fake_host, &fx->host) ||
	    pci_bus_add(&fx->bus, &fx->vp.pci))
		return -1;
	fx->bar = pci_cfg_bar_addr(&fx->vp.pci.cfg, 0);
	for (unsigned int i = 0; i < CFG_BYTES; i++)
		fx->dev.config[i] = (uint8_t)(0xa0 + i);
	return 0;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || fx_up(fx))
		return -1;
	*state = fx;
	return 0;
}

/* A fixture whose KVM has ioeventfds. */
static int setup_ioeventfd(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->host.ioeventfd_ok = true;
	if (fx_up(fx))
		return -1;
	*state = fx;
	return 0;
}

/* A fixture whose KVM cannot send MSIs. */
static int setup_no_msix(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->host.no_msix = true;
	if (fx_up(fx))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	virtio_dev_stop(&fx->dev.vdev);
	virtio_pci_destroy(&fx->vp);
	virtio_dev_destroy(&fx->dev.vdev);
	pci_bus_destroy(&fx->bus);
	ring_free(&fx->r);
	free(fx);
	return 0;
}

/* The guest's accesses --------------------------------------------------- */

static uint64_t rd(struct fx *fx, uint64_t off, unsigned int size)
{
	uint64_t v = 0;

	iobus_read(&fx->iob, IOBUS_MMIO, fx->bar + off, size, &v);
	return v;
}

static void wr(struct fx *fx, uint64_t off, unsigned int size, uint64_t v)
{
	iobus_write(&fx->iob, IOBUS_MMIO, fx->bar + off, size, v);
}

static uint32_t cfg_rd(struct fx *fx, unsigned int reg, unsigned int size)
{
	return pci_bus_cfg_read(&fx->bus, DEVFN, reg, size);
}

static void cfg_wr(struct fx *fx, unsigned int reg, unsigned int size,
		   uint32_t v)
{
	pci_bus_cfg_write(&fx->bus, DEVFN, reg, size, v);
}

enum {
	DFSEL = 0x00,
	DF = 0x04,
	GFSEL = 0x08,
	GF = 0x0c,
	MSIX_CFG = 0x10,
	NUMQ = 0x12,
	STATUS = 0x14,
	GEN = 0x15,
	QSEL = 0x16,
	QSIZE = 0x18,
	QMSIX = 0x1a,
	QEN = 0x1c,
	QNOFF = 0x1e,
	QDESC = 0x20,
	QDRV = 0x28,
	QDEV = 0x30,
};

static uint8_t status(struct fx *fx)
{
	return (uint8_t)rd(fx, STATUS, 1);
}

/* ACKNOWLEDGE, DRIVER, the features, FEATURES_OK: what status reads. */
static uint8_t negotiate(struct fx *fx, uint64_t features)
{
	wr(fx, STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(fx, STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(fx, GFSEL, 4, 0);
	wr(fx, GF, 4, (uint32_t)features);
	wr(fx, GFSEL, 4, 1);
	wr(fx, GF, 4, (uint32_t)(features >> 32));
	wr(fx, STATUS, 1,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_FEATURES_OK);
	return status(fx);
}

/* Queue q on the ring fixture's areas (or others), with a vector. */
static void queue_on(struct fx *fx, unsigned int q, uint16_t size,
		     uint64_t desc, uint64_t avail, uint64_t used, uint16_t vec)
{
	wr(fx, QSEL, 2, q);
	wr(fx, QSIZE, 2, size);
	/* As Linux does: each 64-bit address as two 32-bit halves. */
	wr(fx, QDESC, 4, (uint32_t)desc);
	wr(fx, QDESC + 4, 4, desc >> 32);
	wr(fx, QDRV, 4, (uint32_t)avail);
	wr(fx, QDRV + 4, 4, avail >> 32);
	wr(fx, QDEV, 8, used);
	wr(fx, QMSIX, 2, vec);
	wr(fx, QEN, 2, 1);
}

static const uint8_t up = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK;

/* Everything up to DRIVER_OK on queue 0, with MSI-X on. */
static void bring_up(struct fx *fx, bool msix)
{
	if (msix) {
		unsigned int cap =
			pci_cfg_find_cap(&fx->vp.pci.cfg, PCI_CAP_ID_MSIX);
		cfg_wr(fx, cap + 2, 2, PCI_MSIX_CTRL_ENABLE);
		for (unsigned int v = 0; v < NVEC; v++) {
			wr(fx, VIRTIO_PCI_MSIX_TABLE + 16 * v, 4, 0xfee00000);
			wr(fx, VIRTIO_PCI_MSIX_TABLE + 16 * v + 8, 4, 0x40 + v);
			wr(fx, VIRTIO_PCI_MSIX_TABLE + 16 * v + 12, 4, 0);
		}
	}
	assert_int_equal(negotiate(fx, 1ULL << VIRTIO_F_VERSION_1 |
					       1ULL << VIRTIO_F_RING_EVENT_IDX),
			 up);
	wr(fx, MSIX_CFG, 2, 0);
	queue_on(fx, 0, 8, RING_DESC, RING_AVAIL, RING_USED, 1);
	wr(fx, STATUS, 1, up | VIRTIO_STATUS_DRIVER_OK);
}

/* Tests ------------------------------------------------------------------- */

static void test_identity(void **state)
{
	struct fx *fx = *state;
	unsigned int types[8], n = 0, off;

	assert_int_equal(cfg_rd(fx, 0, 4), (0x1040u + FAKE_ID) << 16 | 0x1af4);
	assert_int_equal(cfg_rd(fx, 0x08, 4), 0xff000001);
	assert_int_equal(cfg_rd(fx, 0x2c, 4), 0x11001af4);
	assert_int_equal(cfg_rd(fx, 0x3d, 1), 1); /* INTA */
	/* BAR 0: 64-bit, not prefetchable, 32 KiB, above 4 GiB. */
	assert_int_equal(fx->bar, WIN64);
	assert_int_equal(cfg_rd(fx, 0x10, 4), 0x4);
	assert_int_equal(cfg_rd(fx, 0x14, 4), 0x1);
	cfg_wr(fx, 0x10, 4, 0xffffffff);
	assert_int_equal(cfg_rd(fx, 0x10, 4), 0xffff8004);
	cfg_wr(fx, 0x10, 4, 0x4);
	/* The vendor capabilities, in order, then MSI-X. */
	off = cfg_rd(fx, 0x34, 1);
	while (off && n < 8) {
		unsigned int id = cfg_rd(fx, off, 1);
		if (id == PCI_CAP_ID_VENDOR) {
			types[n++] = cfg_rd(fx, off + 3, 1);
			assert_int_equal(cfg_rd(fx, off + 4, 1), 0); /* bar */
		}
		if (cfg_rd(fx, off + 3, 1) == VIRTIO_PCI_CAP_NOTIFY_CFG &&
		    id == PCI_CAP_ID_VENDOR) {
			assert_int_equal(cfg_rd(fx, off + 2, 1), 20);
			assert_int_equal(cfg_rd(fx, off + 8, 4), 0x3000);
			assert_int_equal(cfg_rd(fx, off + 12, 4), NQ * 4);
			assert_int_equal(cfg_rd(fx, off + 16, 4), 4);
		}
		if (cfg_rd(fx, off + 3, 1) == VIRTIO_PCI_CAP_DEVICE_CFG &&
		    id == PCI_CAP_ID_VENDOR)
			assert_int_equal(cfg_rd(fx, off + 12, 4), CFG_BYTES);
		off = cfg_rd(fx, off + 1, 1);
	}
	assert_int_equal(n, 5);
	assert_int_equal(types[0], VIRTIO_PCI_CAP_COMMON_CFG);
	assert_int_equal(types[1], VIRTIO_PCI_CAP_NOTIFY_CFG);
	assert_int_equal(types[2], VIRTIO_PCI_CAP_ISR_CFG);
	assert_int_equal(types[3], VIRTIO_PCI_CAP_DEVICE_CFG);
	assert_int_equal(types[4], VIRTIO_PCI_CAP_PCI_CFG);
	off = pci_cfg_find_cap(&fx->vp.pci.cfg, PCI_CAP_ID_MSIX);
	assert_true(off != 0);
	assert_int_equal(cfg_rd(fx, off + 2, 2), NVEC - 1);
	assert_int_equal(cfg_rd(fx, off + 4, 4), VIRTIO_PCI_MSIX_TABLE);
	assert_int_equal(cfg_rd(fx, off + 8, 4), VIRTIO_PCI_MSIX_PBA);
	assert_int_equal(fx->host.nvec, NVEC);
	/* The common configuration's fixed fields. */
	assert_int_equal(rd(fx, NUMQ, 2), NQ);
	assert_int_equal(rd(fx, STATUS, 1), 0);
	assert_int_equal(rd(fx, MSIX_CFG, 2), VIRTIO_NO_VECTOR);
}

static void test_no_msix(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(pci_cfg_find_cap(&fx->vp.pci.cfg, PCI_CAP_ID_MSIX), 0);
	/* Without MSI-X every vector choice reads NO_VECTOR. */
	wr(fx, MSIX_CFG, 2, 0);
	assert_int_equal(rd(fx, MSIX_CFG, 2), VIRTIO_NO_VECTOR);
	wr(fx, QMSIX, 2, 0);
	assert_int_equal(rd(fx, QMSIX, 2), VIRTIO_NO_VECTOR);
}

static void test_features(void **state)
{
	struct fx *fx = *state;
	const uint64_t offered = F_DEV | VIRTIO_TRANSPORT_FEATURES;

	wr(fx, DFSEL, 4, 0);
	assert_int_equal(rd(fx, DF, 4), (uint32_t)offered);
	wr(fx, DFSEL, 4, 1);
	assert_int_equal(rd(fx, DF, 4), offered >> 32);
	assert_int_equal(rd(fx, DF, 4), 1); /* VERSION_1 */
	wr(fx, DFSEL, 4, 2);
	assert_int_equal(rd(fx, DF, 4), 0);
	assert_int_equal(rd(fx, DFSEL, 4), 2);

	/* A legacy driver (no VERSION_1): FEATURES_OK is refused. */
	assert_int_equal(negotiate(fx, F_DEV),
			 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	/* DRIVER_OK without FEATURES_OK does nothing. */
	wr(fx, STATUS, 1,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(status(fx),
			 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	assert_int_equal(fx->dev.activates, 0);
	wr(fx, STATUS, 1, 0);
	assert_int_equal(status(fx), 0);

	/* A feature the device never offered: refused too. */
	assert_int_equal(negotiate(fx, 1ULL << VIRTIO_F_VERSION_1 | 1ULL << 3),
			 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(fx, STATUS, 1, 0);

	/* A proper subset: accepted, and fixed from then on. */
	assert_int_equal(negotiate(fx, 1ULL << VIRTIO_F_VERSION_1 | 1ULL << 5),
			 up);
	wr(fx, GFSEL, 4, 0);
	assert_int_equal(rd(fx, GF, 4), 1u << 5);
	wr(fx, GF, 4, 1);
	assert_int_equal(rd(fx, GF, 4), 1u << 5);
	assert_true(virtio_has_feature(&fx->dev.vdev, 5));
	assert_true(virtio_has_feature(&fx->dev.vdev, VIRTIO_F_VERSION_1));
	assert_false(virtio_has_feature(&fx->dev.vdev, 0));
	/* The driver cannot clear bits; only 0 resets. */
	wr(fx, STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	assert_int_equal(status(fx), up);
	wr(fx, STATUS, 1, 0);
	assert_int_equal(status(fx), 0);
	wr(fx, GFSEL, 4, 0);
	assert_int_equal(rd(fx, GF, 4), 0);
}

static void test_queue_registers(void **state)
{
	struct fx *fx = *state;

	wr(fx, QSEL, 2, 1);
	assert_int_equal(rd(fx, QSEL, 2), 1);
	assert_int_equal(rd(fx, QSIZE, 2), QMAX);
	assert_int_equal(rd(fx, QNOFF, 2), 1);
	assert_int_equal(rd(fx, QEN, 2), 0);
	assert_int_equal(rd(fx, QMSIX, 2), VIRTIO_NO_VECTOR);
	/* queue_size goes down, to powers of 2, never up. */
	wr(fx, QSIZE, 2, 8);
	assert_int_equal(rd(fx, QSIZE, 2), 8);
	wr(fx, QSIZE, 2, 12);
	wr(fx, QSIZE, 2, 0);
	wr(fx, QSIZE, 2, 2 * QMAX);
	assert_int_equal(rd(fx, QSIZE, 2), 8);
	/* Addresses, in halves or whole. */
	wr(fx, QDESC, 4, 0x12345000);
	wr(fx, QDESC + 4, 4, 0x1);
	wr(fx, QDRV, 8, 0x2000);
	wr(fx, QDEV + 4, 4, 0x7);
	assert_int_equal(rd(fx, QDESC, 8), 0x112345000ULL);
	assert_int_equal(rd(fx, QDESC + 4, 4), 1);
	assert_int_equal(rd(fx, QDRV, 8), 0x2000);
	assert_int_equal(rd(fx, QDEV, 8), 0x700000000ULL);
	/* Vectors: one that exists, one that does not. */
	wr(fx, QMSIX, 2, 2);
	assert_int_equal(rd(fx, QMSIX, 2), 2);
	wr(fx, QMSIX, 2, NVEC);
	assert_int_equal(rd(fx, QMSIX, 2), VIRTIO_NO_VECTOR);
	wr(fx, MSIX_CFG, 2, 0);
	assert_int_equal(rd(fx, MSIX_CFG, 2), 0);
	wr(fx, MSIX_CFG, 2, 0x8000);
	assert_int_equal(rd(fx, MSIX_CFG, 2), VIRTIO_NO_VECTOR);
	/* Enabled: the queue's layout is fixed; 0 is not a valid write. */
	wr(fx, QEN, 2, 1);
	assert_int_equal(rd(fx, QEN, 2), 1);
	wr(fx, QSIZE, 2, 4);
	wr(fx, QDESC, 8, 0);
	wr(fx, QEN, 2, 0);
	assert_int_equal(rd(fx, QSIZE, 2), 8);
	assert_int_equal(rd(fx, QDESC, 8), 0x112345000ULL);
	assert_int_equal(rd(fx, QEN, 2), 1);
	/* Queue 0 is untouched. */
	wr(fx, QSEL, 2, 0);
	assert_int_equal(rd(fx, QSIZE, 2), QMAX);
	assert_int_equal(rd(fx, QDESC, 8), 0);

	/* queue_select out of range: a queue that does not exist. */
	wr(fx, QSEL, 2, NQ);
	assert_int_equal(rd(fx, QSEL, 2), NQ);
	assert_int_equal(rd(fx, QSIZE, 2), 0);
	assert_int_equal(rd(fx, QEN, 2), 0);
	assert_int_equal(rd(fx, QNOFF, 2), 0);
	assert_int_equal(rd(fx, QDESC, 8), 0);
	assert_int_equal(rd(fx, QMSIX, 2), VIRTIO_NO_VECTOR);
	wr(fx, QSIZE, 2, 4);
	wr(fx, QDESC, 8, 0x1000);
	wr(fx, QMSIX, 2, 1);
	wr(fx, QEN, 2, 1);
	assert_int_equal(rd(fx, QSIZE, 2), 0);
	assert_int_equal(rd(fx, QDESC, 8), 0);
	assert_int_equal(rd(fx, QEN, 2), 0);
	wr(fx, QSEL, 2, 0xffff);
	assert_int_equal(rd(fx, QSIZE, 4), 0xffff0000); /* msix: NO_VECTOR */

	/* Reset puts everything back. */
	wr(fx, STATUS, 1, 0);
	assert_int_equal(rd(fx, QSEL, 2), 0);
	wr(fx, QSEL, 2, 1);
	assert_int_equal(rd(fx, QSIZE, 2), QMAX);
	assert_int_equal(rd(fx, QEN, 2), 0);
	assert_int_equal(rd(fx, QDESC, 8), 0);
	assert_int_equal(rd(fx, QMSIX, 2), VIRTIO_NO_VECTOR);
	assert_int_equal(rd(fx, MSIX_CFG, 2), VIRTIO_NO_VECTOR);
}

static void test_device_config(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(rd(fx, VIRTIO_PCI_DEVICE_CFG, 4), 0xa3a2a1a0);
	assert_int_equal(rd(fx, VIRTIO_PCI_DEVICE_CFG + 4, 8), 0);
	assert_int_equal(rd(fx, VIRTIO_PCI_DEVICE_CFG + 6, 2), 0xa7a6);
	assert_int_equal(rd(fx, VIRTIO_PCI_DEVICE_CFG + CFG_BYTES, 4), 0);
	assert_int_equal(rd(fx, VIRTIO_PCI_DEVICE_CFG + 0xffc, 4), 0);
	wr(fx, VIRTIO_PCI_DEVICE_CFG + 2, 2, 0x5511);
	assert_int_equal(fx->dev.config[2], 0x11);
	assert_int_equal(fx->dev.config[3], 0x55);
	wr(fx, VIRTIO_PCI_DEVICE_CFG + 7, 2, 0xffff); /* past the end */
	assert_int_equal(fx->dev.config_writes, 1);
	assert_int_equal(rd(fx, GEN, 1), 0);
	virtio_config_changed(&fx->dev.vdev);
	assert_int_equal(rd(fx, GEN, 1), 1);
}

static void test_activate_on_thread(void **state)
{
	struct fx *fx = *state;
	uint64_t buf = ring_buf(&fx->r, 64, 0);
	uint32_t len = 64, id;
	bool w = true;

	assert_int_equal(virtio_dev_start(&fx->dev.vdev), 0);
	bring_up(fx, true);
	assert_int_equal(status(fx), up | VIRTIO_STATUS_DRIVER_OK);
	/* Activated on the device's thread, before the write returned. */
	assert_int_equal(fx->dev.activates, 1);
	assert_false(pthread_equal(fx->dev.act_thread, pthread_self()));
	assert_true(wait_until(&fx->dev.notifies, 1)); /* the first look */
	/* Queue 1 was never enabled: only queue 0 is ready. */
	assert_null(virtio_vq(&fx->dev.vdev, 1));

	/* A request, then the guest's notify: MMIO exit to the eventfd. */
	ring_chain(&fx->r, 1, &buf, &len, &w);
	wr(fx, VIRTIO_PCI_NOTIFY + 0, 2, 0);
	assert_true(wait_used(&fx->r, 1));
	ring_used_elem(&fx->r, 0, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 0);
	/* Its vector (1) fired through the host. */
	assert_true(wait_until(&fx->host.fired[1], 1));
	assert_int_equal(fx->host.fired[0], 0);
	assert_int_equal(rd(fx, VIRTIO_PCI_ISR, 1), 0); /* MSI-X: no ISR */
	/* A notify of a queue that does not exist goes nowhere. */
	wr(fx, VIRTIO_PCI_NOTIFY + 4 * NQ, 2, NQ);
	wr(fx, VIRTIO_PCI_NOTIFY + 1, 1, 0);

	/* Reset: the device's reset runs on its thread; all back to 0. */
	wr(fx, STATUS, 1, 0);
	assert_int_equal(fx->dev.resets, 1);
	assert_int_equal(status(fx), 0);
	assert_null(virtio_vq(&fx->dev.vdev, 0));
	/* A notify after the reset reaches no device code. */
	{
		unsigned int n = fx->dev.notifies;
		wr(fx, VIRTIO_PCI_NOTIFY, 2, 0);
		wr(fx, STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE); /* a sync */
		assert_int_equal(fx->dev.notifies, n);
	}
}

static void test_intx(void **state)
{
	struct fx *fx = *state;
	uint64_t buf = ring_buf(&fx->r, 16, 0);
	uint32_t len = 16;
	bool w = true;

	/* MSI-X stays off: the driver uses INTx and the ISR. */
	bring_up(fx, false);
	assert_int_equal(fx->dev.activates, 1);
	assert_false(fx->line[17]);
	ring_chain(&fx->r, 1, &buf, &len, &w);
	fake_notify(&fx->dev.vdev, 0); /* as the thread would */
	assert_true(fx->line[17]);
	assert_int_equal(cfg_rd(fx, 0x06, 2) & PCI_STATUS_INTX,
			 PCI_STATUS_INTX);
	/* Reading the ISR returns the cause, clears it and drops INTx. */
	assert_int_equal(rd(fx, VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_QUEUE);
	assert_false(fx->line[17]);
	assert_int_equal(rd(fx, VIRTIO_PCI_ISR, 1), 0);
	/* A configuration change: bit 1. */
	virtio_config_changed(&fx->dev.vdev);
	assert_true(fx->line[17]);
	assert_int_equal(rd(fx, VIRTIO_PCI_ISR, 4), VIRTIO_PCI_ISR_CONFIG);
	assert_false(fx->line[17]);
	/* Reset drops a pending INTx too. */
	virtio_config_changed(&fx->dev.vdev);
	wr(fx, STATUS, 1, 0);
	assert_false(fx->line[17]);
	assert_int_equal(rd(fx, VIRTIO_PCI_ISR, 1), 0);
	assert_int_equal(fx->host.fired[0] + fx->host.fired[1], 0);
}

static void test_msix_masked_and_no_vector(void **state)
{
	struct fx *fx = *state;
	uint64_t buf = ring_buf(&fx->r, 16, 0);
	uint32_t len = 16;
	bool w = true;

	bring_up(fx, true);
	/* Vector 1 masked: the interrupt waits in the PBA. */
	wr(fx, VIRTIO_PCI_MSIX_TABLE + 16 + 12, 4, 1);
	ring_chain(&fx->r, 1, &buf, &len, &w);
	fake_notify(&fx->dev.vdev, 0);
	assert_int_equal(fx->host.fired[1], 0);
	assert_int_equal(rd(fx, VIRTIO_PCI_MSIX_PBA, 8), 1u << 1);
	wr(fx, VIRTIO_PCI_MSIX_TABLE + 16 + 12, 4, 0);
	assert_int_equal(fx->host.fired[1], 1);
	assert_int_equal(rd(fx, VIRTIO_PCI_MSIX_PBA, 8), 0);
	assert_false(fx->line[17]);
	/* NO_VECTOR with MSI-X on: no interrupt at all (4.1.5.1.2). */
	wr(fx, STATUS, 1, 0);
	assert_int_equal(negotiate(fx, 1ULL << VIRTIO_F_VERSION_1), up);
	queue_on(fx, 0, 8, RING_DESC, RING_AVAIL, RING_USED, VIRTIO_NO_VECTOR);
	memset(fx->r.ram, 0, 0x10000); /* a fresh ring */
	fx->r.avail = fx->r.next = 0;
	wr(fx, STATUS, 1, up | VIRTIO_STATUS_DRIVER_OK);
	ring_chain(&fx->r, 1, &buf, &len, &w);
	fake_notify(&fx->dev.vdev, 0);
	assert_int_equal(ring_used_idx(&fx->r), 1);
	assert_int_equal(fx->host.fired[1], 1);
	assert_int_equal(fx->host.fired[0], 0);
	assert_false(fx->line[17]);
	assert_int_equal(rd(fx, VIRTIO_PCI_ISR, 1), 0);
}

static void test_needs_reset_broken_ring(void **state)
{
	struct fx *fx = *state;
	uint64_t buf = ring_buf(&fx->r, 16, 0);

	bring_up(fx, true);
	/* A descriptor that chains to itself. */
	ring_desc(&fx->r, 0, buf, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE,
		  0);
	ring_publish(&fx->r, 0);
	fake_notify(&fx->dev.vdev, 0);
	assert_int_equal(fx->dev.last_pop, -EINVAL);
	assert_int_equal(status(fx), up | VIRTIO_STATUS_DRIVER_OK |
					     VIRTIO_STATUS_NEEDS_RESET);
	/* The configuration vector (0) told the driver, once. */
	assert_int_equal(fx->host.fired[0], 1);
	fake_notify(&fx->dev.vdev, 0);
	assert_int_equal(fx->host.fired[0], 1);
	assert_int_equal(ring_used_idx(&fx->r), 0);
	/* The driver's writes of status keep the device's bit out... */
	wr(fx, STATUS, 1, up | VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FAILED);
	assert_int_equal(status(fx), up | VIRTIO_STATUS_DRIVER_OK |
					     VIRTIO_STATUS_FAILED |
					     VIRTIO_STATUS_NEEDS_RESET);
	/* ...and a reset clears it. */
	wr(fx, STATUS, 1, 0);
	assert_int_equal(status(fx), 0);
	assert_int_equal(fx->dev.resets, 1);
}

static void test_needs_reset_ring_outside_ram(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(negotiate(fx, 1ULL << VIRTIO_F_VERSION_1), up);
	wr(fx, MSIX_CFG, 2, VIRTIO_NO_VECTOR);
	queue_on(fx, 1, 8, 0x7f0000000ULL, RING_AVAIL2, RING_USED2, 0);
	wr(fx, STATUS, 1, up | VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(status(fx), up | VIRTIO_STATUS_DRIVER_OK |
					     VIRTIO_STATUS_NEEDS_RESET);
	/* The device was never activated, so there is nothing to reset. */
	assert_int_equal(fx->dev.activates, 0);
	assert_null(virtio_vq(&fx->dev.vdev, 1));
	/* MSI-X off and no config vector: INTx and the ISR say so. */
	assert_true(fx->line[17]);
	assert_int_equal(rd(fx, VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_CONFIG);
	wr(fx, STATUS, 1, 0);
	assert_int_equal(fx->dev.resets, 0);
	/* A device whose activate fails: the same. */
	fx->dev.activate_ret = -EIO;
	assert_int_equal(negotiate(fx, 1ULL << VIRTIO_F_VERSION_1), up);
	queue_on(fx, 0, 8, RING_DESC, RING_AVAIL, RING_USED, 0);
	wr(fx, STATUS, 1, up | VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(fx->dev.activates, 1);
	assert_int_equal(status(fx) & VIRTIO_STATUS_NEEDS_RESET,
			 VIRTIO_STATUS_NEEDS_RESET);
	assert_null(virtio_vq(&fx->dev.vdev, 0));
}

static void test_pci_cfg_access(void **state)
{
	struct fx *fx = *state;
	unsigned int cap = 0, off = cfg_rd(fx, 0x34, 1);

	while (off) {
		if (cfg_rd(fx, off, 1) == PCI_CAP_ID_VENDOR &&
		    cfg_rd(fx, off + 3, 1) == VIRTIO_PCI_CAP_PCI_CFG)
			cap = off;
		off = cfg_rd(fx, off + 1, 1);
	}
	assert_true(cap != 0);
	/* num_queues through the window. */
	cfg_wr(fx, cap + 4, 1, 0);
	cfg_wr(fx, cap + 8, 4, NUMQ);
	cfg_wr(fx, cap + 12, 4, 2);
	assert_int_equal(cfg_rd(fx, cap + 16, 2), NQ);
	/* queue_select written through it. */
	cfg_wr(fx, cap + 8, 4, QSEL);
	cfg_wr(fx, cap + 16, 2, 1);
	assert_int_equal(rd(fx, QSEL, 2), 1);
	/* A bad window (another BAR, misaligned, too long) does nothing. */
	cfg_wr(fx, cap + 4, 1, 2);
	cfg_wr(fx, cap + 16, 2, 0);
	assert_int_equal(rd(fx, QSEL, 2), 1);
	cfg_wr(fx, cap + 4, 1, 0);
	cfg_wr(fx, cap + 8, 4, QSEL + 1);
	cfg_wr(fx, cap + 16, 2, 0);
	assert_int_equal(rd(fx, QSEL, 2), 1);
	cfg_wr(fx, cap + 8, 4, VIRTIO_PCI_BAR_SIZE - 2);
	cfg_wr(fx, cap + 12, 4, 4);
	cfg_wr(fx, cap + 16, 4, 0);
	assert_int_equal(rd(fx, QSEL, 2), 1);
	/* The ISR through it clears too. */
	virtio_config_changed(&fx->dev.vdev);
	cfg_wr(fx, cap + 8, 4, VIRTIO_PCI_ISR);
	cfg_wr(fx, cap + 12, 4, 1);
	assert_int_equal(cfg_rd(fx, cap + 16, 1), VIRTIO_PCI_ISR_CONFIG);
	assert_int_equal(rd(fx, VIRTIO_PCI_ISR, 1), 0);
}

static void test_ioeventfds_follow_bar(void **state)
{
	struct fx *fx = *state;
	uint64_t old = fx->bar, moved = WIN32 + 0x100000;

	/* Bound where hyve placed BAR 0, one per queue, to its eventfd. */
	assert_int_equal(fx->host.bound, NQ);
	assert_int_equal(fx->host.addr[0], old + VIRTIO_PCI_NOTIFY);
	assert_int_equal(fx->host.addr[1], old + VIRTIO_PCI_NOTIFY + 4);
	assert_int_equal(fx->host.fd[1], fx->dev.vdev.q[1].kick_fd);
	/* Decoding off: unbound. */
	cfg_wr(fx, 0x04, 2, 0);
	assert_int_equal(fx->host.bound, 0);
	/* Moved into the 32-bit window and on again: bound there. */
	cfg_wr(fx, 0x10, 4, (uint32_t)moved | 0x4);
	cfg_wr(fx, 0x14, 4, 0);
	cfg_wr(fx, 0x04, 2, PCI_CMD_MEMORY);
	assert_int_equal(fx->host.bound, NQ);
	assert_int_equal(fx->host.addr[0], moved + VIRTIO_PCI_NOTIFY);
	fx->bar = moved;
	assert_int_equal(rd(fx, NUMQ, 2), NQ);
	/* Moved while decoding: unbound, then bound at the new place. */
	cfg_wr(fx, 0x10, 4, (uint32_t)(moved + 0x8000) | 0x4);
	assert_int_equal(fx->host.bound, NQ);
	assert_int_equal(fx->host.addr[1], moved + 0x8000 + 0x3004);
}

#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TI(f) cmocka_unit_test_setup_teardown(f, setup_ioeventfd, teardown)
#define TN(f) cmocka_unit_test_setup_teardown(f, setup_no_msix, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity),
		TN(test_no_msix),
		T(test_features),
		T(test_queue_registers),
		T(test_device_config),
		T(test_activate_on_thread),
		T(test_intx),
		T(test_msix_masked_and_no_vector),
		T(test_needs_reset_broken_ring),
		T(test_needs_reset_ring_outside_ram),
		T(test_pci_cfg_access),
		TI(test_ioeventfds_follow_bar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
