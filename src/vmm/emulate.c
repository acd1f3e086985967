/* emulate.c: completing instructions KVM cannot.  See emulate.h. */
#include "vmm/emulate.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/x86/complete.h"
#include "arch/x86/pagewalk.h"
#include "arch/x86/x86.h"
#include "util/log.h"

struct emulate_mem_ctx {
	const struct guest_mem *gm;
	const struct kvm_sregs *sregs;
};

static int emulate_read(void *ctx, uint64_t linear, void *buf, size_t len)
{
	const struct emulate_mem_ctx *c = ctx;

	return pagewalk_read(c->gm, c->sregs, linear, buf, len, NULL);
}

static int emulate_write(void *ctx, uint64_t linear, const void *buf,
			 size_t len)
{
	const struct emulate_mem_ctx *c = ctx;

	return pagewalk_write(c->gm, c->sregs, linear, buf, len);
}

/* The instruction's bytes: KVM's copy, or read at CS:RIP. */
static size_t emulate_fetch(struct vcpu *v, const struct complete_cpu *cpu,
			    uint8_t *bytes)
{
	const struct kvm_run *run = v->run;
	uint64_t rip = cpu->regs.rip;
	size_t got = 0;

	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	    run->emulation_failure.ndata >= 3 &&
	    (run->emulation_failure.flags &
	     KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) &&
	    run->emulation_failure.insn_size > 0 &&
	    run->emulation_failure.insn_size <= 15) {
		memcpy(bytes, run->emulation_failure.insn_bytes,
		       run->emulation_failure.insn_size);
		return run->emulation_failure.insn_size;
	}
	if (complete_mode(cpu) != DECODE_MODE_64)
		rip = (uint32_t)(cpu->sregs.cs.base + rip);
	pagewalk_read(&v->vm->mem, &cpu->sregs, rip, bytes, 15, &got);
	return got;
}

static int emulate_get(struct vcpu *v, struct complete_cpu *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
	if (ioctl(v->fd, KVM_GET_REGS, &cpu->regs) < 0 ||
	    ioctl(v->fd, KVM_GET_SREGS, &cpu->sregs) < 0 ||
	    ioctl(v->fd, KVM_GET_FPU, &cpu->fpu) < 0)
		return -errno;
	return 0;
}

/* Write back what the completer changed, and deliver its exception. */
static int emulate_put(struct vcpu *v, const struct complete_cpu *cpu)
{
	if (cpu->fpu_changed && ioctl(v->fd, KVM_SET_FPU, &cpu->fpu) < 0)
		return -errno;
	if (cpu->regs_changed && ioctl(v->fd, KVM_SET_REGS, &cpu->regs) < 0)
		return -errno;
	if (cpu->inject) {
		struct kvm_vcpu_events ev;

		if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
			return -errno;
		ev.exception.injected = 1;
		ev.exception.nr = cpu->vector;
		ev.exception.has_error_code = cpu->has_error_code;
		ev.exception.error_code = cpu->error_code;
		ev.flags = 0;
		if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
			return -errno;
	}
	return 0;
}

static bool emulate_run(struct vcpu *v, struct complete_cpu *cpu,
			const uint8_t *bytes, size_t len)
{
	struct emulate_mem_ctx mc = { .gm = &v->vm->mem, .sregs = &cpu->sregs };
	const struct complete_mem mem = { emulate_read, emulate_write, &mc };
	enum decode_kind kind = DECODE_UNKNOWN;
	int r;

	if (complete_insn(cpu, bytes, len, &mem, &kind) != COMPLETE_DONE)
		return false;
	r = emulate_put(v, cpu);
	if (r) {
		log_err("emulate", "vCPU %d: writing back %s: %s", v->id,
			complete_kind_name(kind), strerror(-r));
		return false;
	}
	if ((unsigned int)kind < DECODE_KIND_COUNT)
		v->completions[kind]++;
	log_debug("emulate", "vCPU %d: completed %s at %#llx%s", v->id,
		  complete_kind_name(kind), (unsigned long long)cpu->regs.rip,
		  cpu->inject ? " (exception injected)" : "");
	return true;
}

bool emulate_complete(struct vcpu *v)
{
	struct complete_cpu cpu;
	uint8_t bytes[16];
	size_t len;

	if (v->run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
	    emulate_get(v, &cpu))
		return false;
	len = emulate_fetch(v, &cpu, bytes);
	return len && emulate_run(v, &cpu, bytes, len);
}

void emulate_check_vmcall(struct vcpu *v)
{
	struct complete_cpu cpu;
	struct decode_insn d;
	uint8_t bytes[16];
	size_t len;

	if (emulate_get(v, &cpu))
		return;
	len = emulate_fetch(v, &cpu, bytes);
	if (!len || decode_insn(&d, bytes, len, complete_mode(&cpu)) ||
	    (d.kind != DECODE_VMCALL && d.kind != DECODE_VMMCALL))
		return;
	emulate_run(v, &cpu, bytes, len);
}
