/*
 * vcpu.c: vCPUs and their threads.
 *
 * The loop is the userspace half of bhyve's vmx_launch/vmx_resume: enter the
 * guest with KVM_RUN, come back on an exit, hand the exit to the one table in
 * exit.c, and go round again until the VM stops.  vCPU 0 starts at the
 * loader's entry point.  The others wait here until the VM stops: bringing
 * them up (INIT/SIPI) belongs to the in-kernel irqchip work.
 */
#include "vmm/vcpu.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86/pagewalk.h"
#include "util/log.h"
#include "vmm/emulate.h"
#include "vmm/exit.h"

/* Without a cpuid_config: KVM's table with the APIC ID and hypervisor bit. */
static void vcpu_plain_cpuid(struct kvm_cpuid2 *c, int id)
{
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1) {
			e->ebx = (e->ebx & 0x00ffffffu) | ((uint32_t)id << 24);
			e->ecx |= 1u << 31;
		} else if (e->function == 0xb || e->function == 0x1f) {
			e->edx = (uint32_t)id; /* x2APIC ID */
		}
	}
}

static int vcpu_set_cpuid(struct vcpu *v, char *err, size_t errlen)
{
	struct vm *vm = v->vm;
	const unsigned int cap = vm->cpuid->nent + 16;
	struct kvm_cpuid2 *c =
		calloc(1, sizeof(*c) + cap * sizeof(c->entries[0]));
	int r = 0;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(c, vm->cpuid,
	       sizeof(*c) + vm->cpuid->nent * sizeof(c->entries[0]));
	if (vm->opt.cpuid) {
		struct cpuid_config cc = *vm->opt.cpuid;
		cc.tsc_khz = vm->tsc_khz;
		r = cpuid_build(c, cap, &cc, (unsigned int)v->id);
	} else {
		vcpu_plain_cpuid(c, v->id);
	}
	if (!r && ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
		r = -errno;
	free(c);
	if (r)
		snprintf(err, errlen, "KVM_SET_CPUID2 on vCPU %d: %s", v->id,
			 strerror(-r));
	return r;
}

/*
 * The local APIC as PC firmware leaves it ("virtual wire" mode, Intel
 * MultiProcessor Specification 3.6.2.2): LINT0 takes the 8259's ExtINT on
 * the boot vCPU, LINT1 is the NMI line on all.  KVM resets both masked.
 */
#define LAPIC_LVT0	  0x350
#define LAPIC_LVT1	  0x360
#define LAPIC_MODE_NMI	  (4u << 8)
#define LAPIC_MODE_EXTINT (7u << 8)

static int vcpu_setup_lapic(struct vcpu *v, char *err, size_t errlen)
{
	struct kvm_lapic_state la;
	uint32_t lvt0 = LAPIC_MODE_EXTINT, lvt1 = LAPIC_MODE_NMI;

	if (ioctl(v->fd, KVM_GET_LAPIC, &la) < 0) {
		snprintf(err, errlen, "KVM_GET_LAPIC: %s", strerror(errno));
		return -errno;
	}
	if (v->id != 0)
		lvt0 = 1u << 16; /* masked */
	memcpy(la.regs + LAPIC_LVT0, &lvt0, 4);
	memcpy(la.regs + LAPIC_LVT1, &lvt1, 4);
	if (ioctl(v->fd, KVM_SET_LAPIC, &la) < 0) {
		snprintf(err, errlen, "KVM_SET_LAPIC: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int vcpu_create(struct vcpu *v, struct vm *vm, int id, char *err, size_t errlen)
{
	int r;

	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "KVM_CREATE_VCPU %d: %s", id,
			 strerror(-r));
		return r;
	}
	v->run = mmap(NULL, vm->kvm->run_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		r = -errno;
		snprintf(err, errlen, "mmap of vCPU %d's kvm_run: %s", id,
			 strerror(-r));
		return r;
	}
	if (!vm->tsc_khz) {
		r = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
		vm->tsc_khz = r > 0 ? (uint32_t)r : 0;
	}
	r = vcpu_set_cpuid(v, err, errlen);
	if (!r && vm->opt.irqchip)
		r = vcpu_setup_lapic(v, err, errlen);
	return r;
}

int vcpu_msrs(int fd, unsigned long op, struct kvm_msr_entry *e, unsigned int n)
{
	union {
		struct kvm_msrs h;
		uint8_t raw[sizeof(struct kvm_msrs) +
			    VCPU_MSRS_MAX * sizeof(struct kvm_msr_entry)];
	} b;
	int r;

	if (n > VCPU_MSRS_MAX)
		return -EINVAL;
	memset(&b, 0, sizeof(b));
	b.h.nmsrs = n;
	memcpy(b.h.entries, e, n * sizeof(*e));
	r = ioctl(fd, op, &b);
	if (r != (int)n)
		return r < 0 ? -errno : -EIO;
	memcpy(e, b.h.entries, n * sizeof(*e));
	return 0;
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->run != MAP_FAILED && v->vm)
		munmap(v->run, v->vm->kvm->run_size);
	v->run = MAP_FAILED;
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
}

int vcpu_set_state(struct vcpu *v, const struct kvm_regs *regs,
		   const struct kvm_sregs *sregs, char *err, size_t errlen)
{
	if (sregs && ioctl(v->fd, KVM_SET_SREGS, sregs) < 0) {
		snprintf(err, errlen, "KVM_SET_SREGS on vCPU %d: %s", v->id,
			 strerror(errno));
		return -errno;
	}
	if (regs && ioctl(v->fd, KVM_SET_REGS, regs) < 0) {
		snprintf(err, errlen, "KVM_SET_REGS on vCPU %d: %s", v->id,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

void vcpu_capture(struct vcpu *v, struct report_state *st)
{
	size_t got = 0;
	uint64_t rip;

	memset(st, 0, sizeof(*st));
	st->vcpu_id = v->id;
	st->vendor = v->vm->vendor;
	st->run = *v->run;
	st->have_regs = ioctl(v->fd, KVM_GET_REGS, &st->regs) == 0;
	st->have_sregs = ioctl(v->fd, KVM_GET_SREGS, &st->sregs) == 0;
	if (!st->have_regs || !st->have_sregs)
		return;
	rip = st->regs.rip;
	/* Outside 64-bit code the CS base counts (compatibility mode too). */
	if (!((st->sregs.efer & (1u << 10)) && st->sregs.cs.l))
		rip = (uint32_t)(st->sregs.cs.base + rip);
	if (pagewalk_translate(&v->vm->mem, &st->sregs, rip, &st->rip_gpa))
		return;
	if (pagewalk_read(&v->vm->mem, &st->sregs, rip, st->rip_bytes,
			  sizeof(st->rip_bytes), &got) == 0 ||
	    got)
		st->rip_len = got;
}

static uint64_t vcpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Application processors wait for the VM to stop; see the file comment. */
static void vcpu_park(struct vcpu *v)
{
	struct vm *vm = v->vm;

	log_debug("vcpu", "vCPU %d parked until INIT/SIPI support exists",
		  v->id);
	pthread_mutex_lock(&vm->lock);
	while (!atomic_load(&vm->stopping))
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
}

/* --profile: record RIP once main has asked for it. */
static void vcpu_sample(struct vcpu *v)
{
	struct kvm_regs r;

	if (!atomic_exchange(&v->sample_wanted, false) ||
	    ioctl(v->fd, KVM_GET_REGS, &r) < 0)
		return;
	if (v->nsamples == v->samples_cap) {
		size_t cap = v->samples_cap ? 2 * v->samples_cap : 4096;
		uint64_t *s = realloc(v->samples, cap * sizeof(*s));
		if (!s)
			return;
		v->samples = s;
		v->samples_cap = cap;
	}
	v->samples[v->nsamples++] = r.rip;
}

static void vcpu_loop(struct vcpu *v)
{
	struct vm *vm = v->vm;
	const bool stats = vm->collect_stats;
	uint64_t t0 = 0, t1 = 0;

	while (!atomic_load_explicit(&vm->stopping, memory_order_relaxed)) {
		if (stats)
			t0 = vcpu_now_ns();
		atomic_store_explicit(&v->in_run, true, memory_order_relaxed);
		int r = ioctl(v->fd, KVM_RUN, 0), e = errno;
		atomic_store_explicit(&v->in_run, false, memory_order_relaxed);
		if (vm->opt.profile)
			vcpu_sample(v);
		errno = e;
		if (r < 0) {
			if (errno == EINTR && vm->opt.vmcall_watchdog &&
			    !atomic_load(&vm->stopping))
				emulate_check_vmcall(v);
			if (errno == EINTR || errno == EAGAIN)
				continue;
			log_err("vcpu", "vCPU %d: KVM_RUN: %s", v->id,
				strerror(errno));
			vm_request_stop(vm, HYVE_EXIT_KVM_ERROR,
					"KVM_RUN failed");
			return;
		}
		if (stats) {
			t1 = vcpu_now_ns();
			v->run_ns += t1 - t0;
		}
		enum exit_action a = exit_dispatch(v);
		if (stats)
			exit_account(v, v->run->exit_reason,
				     vcpu_now_ns() - t1);
		if (a != EXIT_CONTINUE)
			return;
	}
}

/* Wait for vm_go(); false if the VM stopped first. */
static bool vcpu_wait_go(struct vm *vm)
{
	bool go;

	pthread_mutex_lock(&vm->lock);
	while (!vm->go && !atomic_load(&vm->stopping))
		pthread_cond_wait(&vm->cond, &vm->lock);
	go = !atomic_load(&vm->stopping);
	pthread_mutex_unlock(&vm->lock);
	return go;
}

void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	sigset_t kick;
	char name[16];

	/*
	 * "vcpuN" in ps -L, top and the host's kvm trace events
	 * (scripts/trace-emulated); names are 15 characters at most.
	 */
	snprintf(name, sizeof(name), "vcpu%d", v->id);
	pthread_setname_np(pthread_self(), name);

	/* Main blocks the signals it waits for; only the kick comes here. */
	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	if (!vcpu_wait_go(v->vm)) {
		if (v->id == 0 || v->vm->opt.irqchip)
			vm_vcpu_ended(v->vm);
		return NULL;
	}

	if (v->id == 0 || v->vm->opt.irqchip) {
		vcpu_loop(v);
		vm_vcpu_ended(v->vm);
	} else {
		vcpu_park(v);
	}
	return NULL;
}
