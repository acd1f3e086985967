/*
 * vm.c: creating a VM, its RAM and vCPUs, and stopping it.  See vm.h.
 *
 * RAM is one anonymous MAP_NORESERVE mapping, so a large guest costs only
 * the pages it touches.  Each guest_mem region becomes one KVM memory slot.
 */
#include "vmm/vm.h"

#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/x86/memmap.h"
#include "arch/x86/x86.h"
#include "util/log.h"
#include "vmm/vcpu.h"

static enum report_cpu_vendor vm_host_vendor(void)
{
	unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;

	if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx))
		return REPORT_VENDOR_UNKNOWN;
	if (ebx == 0x756e6547 && edx == 0x49656e69 && ecx == 0x6c65746e)
		return REPORT_VENDOR_INTEL; /* GenuineIntel */
	if ((ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163) ||
	    (ebx == 0x6f677948 && edx == 0x6e65476e && ecx == 0x656e6975))
		return REPORT_VENDOR_AMD; /* AuthenticAMD, HygonGenuine */
	return REPORT_VENDOR_UNKNOWN;
}

/*
 * The in-kernel interrupt controllers and PIT.  They must exist before the
 * first vCPU (api.rst, KVM_CREATE_IRQCHIP).  The PIT's speaker port 0x61
 * is a dummy in the kernel.
 */
static int vm_create_irqchip(struct vm *vm, char *err, size_t errlen)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		snprintf(err, errlen, "KVM_CREATE_IRQCHIP: %s",
			 strerror(errno));
		return -errno;
	}
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0) {
		snprintf(err, errlen, "KVM_CREATE_PIT2: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * The SYSCALL repair's half in the VM (emulate.h has the vCPU's half): the
 * guest's writes of MSR_LSTAR come to hyve (a KVM MSR filter), and the
 * trap's page tables go into the reserved BIOS area.
 */
static int vm_setup_syscall_repair(struct vm *vm, char *err, size_t errlen)
{
	static uint8_t deny[1]; /* one MSR, its bit clear: denied */
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_FILTER },
	};
	struct kvm_msr_filter filter = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges = { { .flags = KVM_MSR_FILTER_WRITE,
			      .nmsrs = 1,
			      .base = MSR_LSTAR,
			      .bitmap = deny } },
	};
	const uint64_t pdpt = MEMMAP_TRAP_PD | X86_PTE_P | X86_PTE_RW;
	/* Executed, never written: read-only, so Linux's W+X check
	 * (CONFIG_DEBUG_WX) finds no writable and executable page in it. */
	const uint64_t pd = MEMMAP_TRAP_GPA | X86_PTE_P | X86_PTE_PS;
	uint8_t zero[4096] = { 0 };

	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0 ||
	    ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter) < 0) {
		snprintf(err, errlen,
			 "the MSR filter for the SYSCALL repair: %s",
			 strerror(errno));
		return -errno;
	}
	if (mem_write(&vm->mem, MEMMAP_TRAP_PDPT, zero, sizeof(zero)) ||
	    mem_write(&vm->mem, MEMMAP_TRAP_PD, zero, sizeof(zero)) ||
	    mem_write(&vm->mem, MEMMAP_TRAP_PDPT, &pdpt, sizeof(pdpt)) ||
	    mem_write(&vm->mem, MEMMAP_TRAP_PD, &pd, sizeof(pd))) {
		snprintf(err, errlen, "no RAM for the SYSCALL repair");
		return -EFAULT;
	}
	return 0;
}

int vm_irq_line(struct vm *vm, unsigned int irq, bool level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	return ioctl(vm->fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}

int vm_ioeventfd(struct vm *vm, uint64_t addr, unsigned int len, int fd,
		 bool assign)
{
	struct kvm_ioeventfd io = {
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	if (!vm->kvm->ioeventfd)
		return -ENOTSUP;
	return ioctl(vm->fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

int vm_create(struct vm *vm, struct kvm_host *kvm, uint64_t ram_bytes,
	      const struct vm_options *opt, char *err, size_t errlen)
{
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->kvm = kvm;
	if (opt)
		vm->opt = *opt;
	vm->fd = -1;
	vm->stop_fd = -1;
	vm->ram = MAP_FAILED;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	iobus_init(&vm->bus);
	vm->vendor = vm_host_vendor();

	vm->fd = ioctl(kvm->fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(-r));
		goto fail;
	}
	if (kvm->identity_map) {
		uint64_t at = MEMMAP_KVM_IDENTITY;
		if (ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &at) < 0) {
			r = -errno;
			snprintf(err, errlen, "KVM_SET_IDENTITY_MAP_ADDR: %s",
				 strerror(-r));
			goto fail;
		}
	}
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, MEMMAP_KVM_TSS) < 0) {
		r = -errno;
		snprintf(err, errlen, "KVM_SET_TSS_ADDR: %s", strerror(-r));
		goto fail;
	}
	if (vm->opt.irqchip) {
		r = vm_create_irqchip(vm, err, errlen);
		if (r)
			goto fail;
		/* The ISA routing, then MSI routes as devices ask (msi.h). */
		r = msi_routes_init(&vm->msi, vm->fd, kvm);
		if (r) {
			snprintf(err, errlen, "KVM_SET_GSI_ROUTING: %s",
				 strerror(-r));
			goto fail;
		}
	}
	vm->ram = mmap(NULL, ram_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		r = -errno;
		snprintf(err, errlen,
			 "--memory %llu MiB: the host cannot map it: %s",
			 (unsigned long long)(ram_bytes >> 20), strerror(-r));
		goto fail;
	}
	vm->ram_bytes = ram_bytes;
	r = mem_layout_ram(&vm->mem, vm->ram, ram_bytes);
	if (r) {
		snprintf(err, errlen, "cannot lay out %llu bytes of RAM",
			 (unsigned long long)ram_bytes);
		goto fail;
	}
	for (unsigned int i = 0; i < vm->mem.count; i++) {
		const struct mem_region *mr = &vm->mem.region[i];
		struct kvm_userspace_memory_region slot = {
			.slot = i,
			.guest_phys_addr = mr->gpa,
			.memory_size = mr->size,
			.userspace_addr = (uintptr_t)mr->host,
		};
		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
			r = -errno;
			snprintf(err, errlen,
				 "KVM_SET_USER_MEMORY_REGION (slot %u): %s", i,
				 strerror(-r));
			goto fail;
		}
	}
	if (vm->opt.syscall_repair) {
		r = vm_setup_syscall_repair(vm, err, errlen);
		if (r)
			goto fail;
	}
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->stop_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(-r));
		goto fail;
	}
	return 0;
fail:
	vm_destroy(vm);
	return r;
}

int vm_get_supported_cpuid(struct vm *vm, char *err, size_t errlen)
{
	for (unsigned int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c =
			calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		c->nent = n;
		if (ioctl(vm->kvm->fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			vm->cpuid = c;
			vm->cpuid_cap = n;
			return 0;
		}
		free(c);
		if (errno != E2BIG) {
			snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: %s",
				 strerror(errno));
			return -errno;
		}
	}
	snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: too many entries");
	return -E2BIG;
}

int vm_add_vcpus(struct vm *vm, unsigned int ncpus, char *err, size_t errlen)
{
	int r;

	if (ncpus == 0 || ncpus > VM_MAX_VCPUS ||
	    ncpus > (unsigned int)vm->kvm->max_vcpus) {
		snprintf(err, errlen,
			 "--cpus %u: at most %d vCPUs here (KVM allows %d, "
			 "hyve %d)",
			 ncpus,
			 vm->kvm->max_vcpus < VM_MAX_VCPUS ? vm->kvm->max_vcpus
							   : VM_MAX_VCPUS,
			 vm->kvm->max_vcpus, VM_MAX_VCPUS);
		return -EINVAL;
	}
	r = vm_get_supported_cpuid(vm, err, errlen);
	if (r)
		return r;
	vm->vcpu = calloc(ncpus, sizeof(*vm->vcpu));
	if (!vm->vcpu) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < ncpus; i++) {
		vm->vcpu[i].fd = -1;
		vm->vcpu[i].run = MAP_FAILED;
	}
	vm->ncpus = ncpus;
	for (unsigned int i = 0; i < ncpus; i++) {
		r = vcpu_create(&vm->vcpu[i], vm, (int)i, err, errlen);
		if (r)
			return r;
	}
	return 0;
}

static void vm_kick_handler(int sig)
{
	(void)sig; /* Only here to make KVM_RUN return with EINTR. */
}

int vm_start(struct vm *vm, char *err, size_t errlen)
{
	struct sigaction sa = { .sa_handler = vm_kick_handler };
	pthread_attr_t attr;
	int r = 0;

	sigemptyset(&sa.sa_mask);
	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0) {
		snprintf(err, errlen, "sigaction: %s", strerror(errno));
		return -errno;
	}
	/*
	 * A vCPU thread needs little stack (reports are heap-allocated); a
	 * small one is cheaper to map and tear down than the 8 MiB default.
	 */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, VM_VCPU_STACK);
	/*
	 * With the in-kernel LAPIC every vCPU runs: the APs wait inside KVM
	 * for INIT and SIPI.  Without it only vCPU 0 runs (vcpu.c).
	 */
	vm->running = vm->opt.irqchip ? vm->ncpus : 1;
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		/* Under the lock: a stopping vCPU reads thread_started. */
		pthread_mutex_lock(&vm->lock);
		r = pthread_create(&vm->vcpu[i].thread, &attr, vcpu_thread,
				   &vm->vcpu[i]);
		vm->vcpu[i].thread_started = r == 0;
		pthread_mutex_unlock(&vm->lock);
		if (r) {
			snprintf(err, errlen, "cannot start vCPU %u: %s", i,
				 strerror(r));
			vm_request_stop(vm, HYVE_EXIT_USAGE, "start failed");
			break;
		}
	}
	pthread_attr_destroy(&attr);
	return -r;
}

/* Called with vm->lock held. */
static void vm_stop_locked(struct vm *vm, int status, const char *why)
{
	uint64_t one = 1;

	if (atomic_load(&vm->stopping))
		return;
	vm->exit_status = status;
	vm->stop_reason = why;
	atomic_store(&vm->stopping, true);
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpu[i];
		if (v->run != MAP_FAILED)
			v->run->immediate_exit = 1;
		if (v->thread_started &&
		    !pthread_equal(v->thread, pthread_self()))
			pthread_kill(v->thread, VCPU_KICK_SIGNAL);
	}
	pthread_cond_broadcast(&vm->cond);
	if (write(vm->stop_fd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow with one write; nothing to do. */
	}
}

void vm_watchdog(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpu[i];

		if (v->thread_started && atomic_load(&v->in_run))
			pthread_kill(v->thread, VCPU_KICK_SIGNAL);
	}
}

void vm_sample(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpu[i];

		atomic_store(&v->sample_wanted, true);
		if (v->thread_started && atomic_load(&v->in_run))
			pthread_kill(v->thread, VCPU_KICK_SIGNAL);
	}
}

static int vm_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct vm_hit {
	uint64_t rip, count;
};

static int vm_cmp_hits(const void *a, const void *b)
{
	const struct vm_hit *x = a, *y = b;

	return x->count != y->count ? (x->count < y->count ? 1 : -1)
				    : vm_cmp_u64(&x->rip, &y->rip);
}

int vm_write_profile(const struct vm *vm, const char *path)
{
	size_t n = 0, nh = 0;
	uint64_t *all;
	struct vm_hit *hits;
	FILE *f;

	for (unsigned int i = 0; i < vm->ncpus; i++)
		n += vm->vcpu[i].nsamples;
	all = calloc(n ? n : 1, sizeof(*all));
	hits = calloc(n ? n : 1, sizeof(*hits));
	f = fopen(path, "w");
	if (!all || !hits || !f) {
		free(all), free(hits);
		if (f)
			fclose(f);
		return -errno;
	}
	n = 0;
	for (unsigned int i = 0; i < vm->ncpus; i++)
		for (size_t j = 0; j < vm->vcpu[i].nsamples; j++)
			all[n++] = vm->vcpu[i].samples[j];
	qsort(all, n, sizeof(*all), vm_cmp_u64);
	for (size_t i = 0; i < n; i++) {
		if (nh && hits[nh - 1].rip == all[i])
			hits[nh - 1].count++;
		else
			hits[nh++] = (struct vm_hit){ all[i], 1 };
	}
	qsort(hits, nh, sizeof(*hits), vm_cmp_hits);
	fprintf(f, "# hyve --profile: %zu samples of RIP, every vCPU\n", n);
	for (size_t i = 0; i < nh; i++)
		fprintf(f, "%llu %016llx\n", (unsigned long long)hits[i].count,
			(unsigned long long)hits[i].rip);
	free(all);
	free(hits);
	return fclose(f) ? -errno : 0;
}

void vm_go(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->go = true;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

void vm_request_stop(struct vm *vm, int status, const char *why)
{
	pthread_mutex_lock(&vm->lock);
	vm_stop_locked(vm, status, why);
	pthread_mutex_unlock(&vm->lock);
}

void vm_fail(struct vm *vm, const struct report_state *st, int status)
{
	pthread_mutex_lock(&vm->lock);
	if (!atomic_load(&vm->stopping) && !vm->have_report) {
		vm->report = *st;
		vm->have_report = true;
	}
	vm_stop_locked(vm, status, "failure");
	pthread_mutex_unlock(&vm->lock);
}

void vm_vcpu_ended(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	if (vm->running > 0 && --vm->running == 0)
		vm_stop_locked(vm, HYVE_EXIT_OK, "every vCPU has halted");
	pthread_mutex_unlock(&vm->lock);
}

int vm_join(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		if (vm->vcpu[i].thread_started) {
			pthread_join(vm->vcpu[i].thread, NULL);
			vm->vcpu[i].thread_started = false;
		}
	}
	return vm->exit_status;
}

void vm_destroy(struct vm *vm)
{
	if (vm->vcpu) {
		for (unsigned int i = 0; i < vm->ncpus; i++) {
			vcpu_destroy(&vm->vcpu[i]);
			free(vm->vcpu[i].samples);
		}
		free(vm->vcpu);
		vm->vcpu = NULL;
	}
	free(vm->cpuid);
	vm->cpuid = NULL;
	msi_routes_destroy(&vm->msi);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	vm->stop_fd = -1;
	/*
	 * Close the VM before unmapping its RAM: unmapping memory that a live
	 * VM still maps makes KVM invalidate the whole range, which costs more
	 * than the rest of the teardown put together.
	 */
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
	if (vm->ram != MAP_FAILED && vm->ram_bytes)
		munmap(vm->ram, vm->ram_bytes);
	vm->ram = MAP_FAILED;
}
