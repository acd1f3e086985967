/*
 * kvm.c: /dev/kvm and its capabilities.
 *
 * Every capability hyve relies on is listed in kvm_caps[] with the reason it
 * is needed, so that a host that lacks one is told exactly which and why.
 * Those it can do without (irqfds, ioeventfds, GSI routing, KVM_SIGNAL_MSI,
 * for PCI and virtio) are in kvm_optional_caps[] with the fallback.
 * Capability numbers and meanings: Documentation/virt/kvm/api.rst.
 */
#include "vmm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/log.h"
#include "vmm/mem.h"

struct kvm_cap_need {
	long cap;
	const char *name;
	const char *why;
	int min; /* the answer must be at least this */
};

static const struct kvm_cap_need kvm_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY",
	  "to give the guest its RAM", 1 },
	{ KVM_CAP_NR_MEMSLOTS, "KVM_CAP_NR_MEMSLOTS",
	  "to place RAM on both sides of the MMIO hole", MEM_MAX_REGIONS },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR",
	  "to place the real-mode TSS on Intel hosts", 1 },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID",
	  "to give the guest its CPUID leaves", 1 },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT",
	  "to stop vCPUs without a race", 1 },
	{ KVM_CAP_INTERNAL_ERROR_DATA, "KVM_CAP_INTERNAL_ERROR_DATA",
	  "to explain internal errors", 1 },
	{ KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS",
	  "to know how many vCPUs a VM may have", 1 },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP",
	  "for the in-kernel PIC, IOAPIC and local APICs", 1 },
	{ KVM_CAP_PIT2, "KVM_CAP_PIT2", "for the in-kernel PIT", 1 },
	{ KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS",
	  "to deliver exceptions for the instructions hyve completes", 1 },
	{ KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ",
	  "to tell the guest its TSC frequency", 1 },
};

int kvm_check(int api_version, kvm_ext_fn ext, void *ctx, struct kvm_host *host,
	      char *err, size_t errlen)
{
	if (api_version != KVM_EXPECTED_API_VERSION) {
		snprintf(err, errlen,
			 "/dev/kvm speaks API version %d; hyve needs %d",
			 api_version, KVM_EXPECTED_API_VERSION);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < sizeof(kvm_caps) / sizeof(kvm_caps[0]); i++) {
		const struct kvm_cap_need *c = &kvm_caps[i];
		int r = ext(ctx, c->cap);

		if (r < 0) {
			snprintf(err, errlen, "/dev/kvm: asking for %s: %s",
				 c->name, strerror(-r));
			return r;
		}
		if (r < c->min && r > 0) {
			snprintf(err, errlen,
				 "/dev/kvm offers %d for %s; hyve needs at "
				 "least %d %s",
				 r, c->name, c->min, c->why);
			return -ENOTSUP;
		}
		if (r < c->min) {
			snprintf(err, errlen,
				 "/dev/kvm lacks %s (hyve needs it %s)",
				 c->name, c->why);
			return -ENOTSUP;
		}
		if (c->cap == KVM_CAP_MAX_VCPUS)
			host->max_vcpus = r;
		else if (c->cap == KVM_CAP_NR_MEMSLOTS)
			host->nr_memslots = r;
	}
	return 0;
}

/* What hyve does on a KVM that lacks each optional capability. */
static const struct kvm_cap_want {
	long cap;
	const char *name;
	const char *without;
} kvm_optional_caps[] = {
	{ KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD",
	  "virtqueue notifications come by MMIO exits" },
	{ KVM_CAP_IRQFD, "KVM_CAP_IRQFD", "MSIs go by KVM_SIGNAL_MSI" },
	{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING",
	  "MSIs go by KVM_SIGNAL_MSI" },
	{ KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI",
	  "without irqfds too, PCI devices use INTx" },
};

void kvm_check_optional(kvm_ext_fn ext, void *ctx, struct kvm_host *host)
{
	for (size_t i = 0;
	     i < sizeof(kvm_optional_caps) / sizeof(kvm_optional_caps[0]);
	     i++) {
		const struct kvm_cap_want *c = &kvm_optional_caps[i];
		int r = ext(ctx, c->cap);

		if (r < 0)
			r = 0;
		switch (c->cap) {
		case KVM_CAP_IOEVENTFD:
			host->ioeventfd = r > 0;
			break;
		case KVM_CAP_IRQFD:
			host->irqfd = r > 0;
			break;
		case KVM_CAP_IRQ_ROUTING:
			host->irq_routes = r;
			break;
		case KVM_CAP_SIGNAL_MSI:
			host->signal_msi = r > 0;
			break;
		}
		if (r <= 0)
			log_info("kvm", "no %s: %s", c->name, c->without);
	}
}

static int kvm_ext_ioctl(void *ctx, long cap)
{
	int r = ioctl(*(int *)ctx, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? -errno : r;
}

int kvm_open(const char *path, struct kvm_host *host, char *err, size_t errlen)
{
	int version, r;

	memset(host, 0, sizeof(*host));
	host->fd = open(path, O_RDWR | O_CLOEXEC);
	if (host->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s%s", path, strerror(-r),
			 r == -ENOENT	? " (is the kvm module loaded?)"
			 : r == -EACCES ? " (is this user in the kvm group?)"
					: "");
		return r;
	}
	version = ioctl(host->fd, KVM_GET_API_VERSION, 0);
	if (version < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: not a KVM device: %s", path,
			 strerror(-r));
		goto fail;
	}
	r = kvm_check(version, kvm_ext_ioctl, &host->fd, host, err, errlen);
	if (r)
		goto fail;
	r = ioctl(host->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r < (int)sizeof(struct kvm_run)) {
		r = r < 0 ? -errno : -EINVAL;
		snprintf(err, errlen, "%s: KVM_GET_VCPU_MMAP_SIZE: %s", path,
			 strerror(-r));
		goto fail;
	}
	host->run_size = (size_t)r;
	/* Optional: asked, never required. */
	host->tsc_deadline =
		kvm_ext_ioctl(&host->fd, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	host->identity_map =
		kvm_ext_ioctl(&host->fd, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0;
	kvm_check_optional(kvm_ext_ioctl, &host->fd, host);
	return 0;
fail:
	close(host->fd);
	host->fd = -1;
	return r;
}

void kvm_close(struct kvm_host *host)
{
	if (host->fd >= 0)
		close(host->fd);
	host->fd = -1;
}
