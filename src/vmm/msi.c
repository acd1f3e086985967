/* msi.c: GSI routes, irqfds and KVM_SIGNAL_MSI.  See msi.h. */
#include "vmm/msi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/log.h"

#define ISA_IRQS    16
#define IOAPIC_PINS 24
#define FIRST_CAP   64

static struct kvm_irq_routing_entry *entries(struct msi_routes *r)
{
	return r->table->entries;
}

/*
 * The ISA IRQs as a PC wires them: each to its IOAPIC pin, except IRQ 0
 * (the PIT), which the MADT's interrupt source override puts on pin 2
 * (ACPI 6.5, 5.2.12.5), and IRQs 0-15 but the cascade (2) also to the
 * PICs.  KVM's own starting table would send the PIT to pin 0.
 */
static void default_routes(struct msi_routes *r)
{
	unsigned int n = 0;

	for (uint32_t gsi = 0; gsi < IOAPIC_PINS; gsi++) {
		if (gsi == 2)
			continue;
		entries(r)[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi,
			.type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC,
				       .pin = gsi ? gsi : 2 },
		};
		if (gsi < ISA_IRQS)
			entries(r)[n++] = (struct kvm_irq_routing_entry){
				.gsi = gsi,
				.type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = { .irqchip =
						       gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
							       : KVM_IRQCHIP_PIC_SLAVE,
					       .pin = gsi % 8 },
			};
	}
	r->table->nr = n;
}

int msi_routes_init(struct msi_routes *r, int vm_fd, const struct kvm_host *kvm)
{
	memset(r, 0, sizeof(*r));
	r->vm_fd = vm_fd;
	r->irqfd = kvm->irqfd && kvm->irq_routes > MSI_FIRST_GSI;
	r->signal_msi = kvm->signal_msi;
	r->next_gsi = MSI_FIRST_GSI;
	r->max_gsi = kvm->irq_routes > 0 ? (uint32_t)kvm->irq_routes : 0;
	r->cap = FIRST_CAP;
	r->table = calloc(1, sizeof(*r->table) +
				     r->cap * sizeof(r->table->entries[0]));
	if (!r->table)
		return -ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	default_routes(r);
	if (ioctl(vm_fd, KVM_SET_GSI_ROUTING, r->table) < 0) {
		int err = -errno;

		msi_routes_destroy(r);
		return err;
	}
	return 0;
}

void msi_routes_destroy(struct msi_routes *r)
{
	if (!r->table)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->table);
	r->table = NULL;
}

bool msi_available(const struct msi_routes *r)
{
	return r->irqfd || r->signal_msi;
}

int msi_vector_add(struct msi_routes *r, struct msi_vector *v)
{
	struct kvm_irqfd irqfd = { 0 };
	int err = 0;

	*v = (struct msi_vector){ .fd = -1 };
	if (!msi_available(r))
		return -ENOTSUP;
	pthread_mutex_lock(&r->lock);
	if (r->irqfd && r->next_gsi >= r->max_gsi) {
		err = -ENOSPC;
		goto out;
	}
	v->gsi = r->next_gsi++;
	if (!r->irqfd)
		goto out;
	v->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->fd < 0) {
		err = -errno;
		goto out;
	}
	irqfd.fd = (uint32_t)v->fd;
	irqfd.gsi = v->gsi;
	if (ioctl(r->vm_fd, KVM_IRQFD, &irqfd) < 0) {
		err = -errno;
		close(v->fd);
		v->fd = -1;
	}
out:
	if (err)
		v->gsi = 0;
	pthread_mutex_unlock(&r->lock);
	return err;
}

/* The table entry of gsi, appended if new; NULL when out of memory. */
static struct kvm_irq_routing_entry *entry_for(struct msi_routes *r,
					       uint32_t gsi)
{
	struct kvm_irq_routing *t;

	for (unsigned int i = 0; i < r->table->nr; i++)
		if (entries(r)[i].gsi == gsi &&
		    entries(r)[i].type == KVM_IRQ_ROUTING_MSI)
			return &entries(r)[i];
	if (r->table->nr == r->cap) {
		t = realloc(r->table,
			    sizeof(*t) + 2 * r->cap * sizeof(t->entries[0]));
		if (!t)
			return NULL;
		r->table = t;
		r->cap *= 2;
	}
	return &entries(r)[r->table->nr++];
}

int msi_vector_route(struct msi_routes *r, struct msi_vector *v, uint64_t addr,
		     uint32_t data)
{
	struct kvm_irq_routing_entry *e;
	int err = 0;

	if (!v->gsi)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	v->addr = addr;
	v->data = data;
	v->routed = true;
	if (!r->irqfd)
		goto out;
	e = entry_for(r, v->gsi);
	if (!e) {
		err = -ENOMEM;
		goto out;
	}
	*e = (struct kvm_irq_routing_entry){
		.gsi = v->gsi,
		.type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = (uint32_t)addr,
			   .address_hi = (uint32_t)(addr >> 32),
			   .data = data },
	};
	if (ioctl(r->vm_fd, KVM_SET_GSI_ROUTING, r->table) < 0) {
		err = -errno;
		log_warn("msi", "KVM_SET_GSI_ROUTING (GSI %u): %s", v->gsi,
			 strerror(-err));
	}
out:
	pthread_mutex_unlock(&r->lock);
	return err;
}

void msi_vector_fire(struct msi_routes *r, struct msi_vector *v)
{
	uint64_t one = 1;

	if (v->fd >= 0) {
		if (write(v->fd, &one, sizeof(one)) < 0) {
			/* The counter cannot overflow; nothing to do. */
		}
	} else if (v->gsi && v->routed && r->signal_msi) {
		struct kvm_msi msi = {
			.address_lo = (uint32_t)v->addr,
			.address_hi = (uint32_t)(v->addr >> 32),
			.data = v->data,
		};
		if (ioctl(r->vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
			log_warn("msi", "KVM_SIGNAL_MSI: %s", strerror(errno));
	}
}

void msi_vector_del(struct msi_routes *r, struct msi_vector *v)
{
	if (!v->gsi)
		return;
	pthread_mutex_lock(&r->lock);
	for (unsigned int i = 0; i < r->table->nr; i++) {
		if (entries(r)[i].gsi == v->gsi &&
		    entries(r)[i].type == KVM_IRQ_ROUTING_MSI) {
			entries(r)[i] = entries(r)[--r->table->nr];
			break;
		}
	}
	if (v->fd >= 0) {
		struct kvm_irqfd irqfd = { .fd = (uint32_t)v->fd,
					   .gsi = v->gsi,
					   .flags = KVM_IRQFD_FLAG_DEASSIGN };
		if (r->vm_fd >= 0)
			(void)ioctl(r->vm_fd, KVM_IRQFD, &irqfd);
		close(v->fd);
	}
	pthread_mutex_unlock(&r->lock);
	*v = (struct msi_vector){ .fd = -1 };
}
