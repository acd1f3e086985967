/* emulate.c: completing instructions KVM cannot.  See emulate.h. */
#include "vmm/emulate.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/x86/complete.h"
#include "arch/x86/memmap.h"
#include "arch/x86/pagewalk.h"
#include "arch/x86/x86.h"
#include "util/log.h"
#include "vmm/vcpu.h"

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

/*
 * KVM_GET_FPU and KVM_SET_FPU leave MXCSR out, so LDMXCSR and STMXCSR go
 * through the xsave area, whose first 512 bytes are FXSAVE's layout:
 * MXCSR at byte 24, MXCSR_MASK at 28, and XSTATE_BV at 512, where bit 1
 * says the SSE state (MXCSR with it) is live (SDM Vol. 1, 10.5.1, 13.4).
 * KVM_GET_XSAVE2 is needed when the area is larger than struct kvm_xsave.
 */
#define EMULATE_XSAVE_MXCSR 24
#define EMULATE_XSAVE_MASK  28
#define EMULATE_XSAVE_BV    512

static void *emulate_get_xsave(struct vcpu *v, size_t *size)
{
	int big = ioctl(v->vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	size_t n = big > (int)sizeof(struct kvm_xsave)
			   ? (size_t)big
			   : sizeof(struct kvm_xsave);
	void *x = calloc(1, n);

	if (x &&
	    ioctl(v->fd, big > 0 ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, x) < 0) {
		free(x);
		return NULL;
	}
	*size = n;
	return x;
}

static int emulate_get_mxcsr(struct vcpu *v, struct complete_cpu *cpu)
{
	size_t n;
	uint8_t *x = emulate_get_xsave(v, &n);

	if (!x)
		return -errno;
	memcpy(&cpu->fpu.mxcsr, x + EMULATE_XSAVE_MXCSR, 4);
	memcpy(&cpu->mxcsr_mask, x + EMULATE_XSAVE_MASK, 4);
	free(x);
	return 0;
}

static int emulate_put_mxcsr(struct vcpu *v, uint32_t mxcsr)
{
	size_t n;
	uint8_t *x = emulate_get_xsave(v, &n);
	int r = 0;

	if (!x)
		return -errno;
	memcpy(x + EMULATE_XSAVE_MXCSR, &mxcsr, 4);
	x[EMULATE_XSAVE_BV] |= 1u << 1;
	if (ioctl(v->fd, KVM_SET_XSAVE, x) < 0)
		r = -errno;
	free(x);
	return r;
}

static bool emulate_is_mxcsr(const struct complete_cpu *cpu,
			     const uint8_t *bytes, size_t len)
{
	struct decode_insn d;

	return !decode_insn(&d, bytes, len, complete_mode(cpu)) &&
	       (d.kind == DECODE_LDMXCSR || d.kind == DECODE_STMXCSR);
}

static bool emulate_run(struct vcpu *v, struct complete_cpu *cpu,
			const uint8_t *bytes, size_t len)
{
	struct emulate_mem_ctx mc = { .gm = &v->vm->mem, .sregs = &cpu->sregs };
	const struct complete_mem mem = { emulate_read, emulate_write, &mc };
	enum decode_kind kind = DECODE_UNKNOWN;
	int r;

	bool mxcsr = emulate_is_mxcsr(cpu, bytes, len);

	if (mxcsr && (r = emulate_get_mxcsr(v, cpu))) {
		log_err("emulate", "vCPU %d: reading MXCSR: %s", v->id,
			strerror(-r));
		return false;
	}
	if (complete_insn(cpu, bytes, len, &mem, &kind) != COMPLETE_DONE)
		return false;
	if (mxcsr && cpu->fpu_changed) {
		/* LDMXCSR changed MXCSR only, which KVM_SET_FPU would drop. */
		r = emulate_put_mxcsr(v, cpu->fpu.mxcsr);
		cpu->fpu_changed = false;
	} else {
		r = 0;
	}
	if (!r)
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

/* The trap's PML4 entry, put into the page tables at CR3. */
static int emulate_map_trap(struct vcpu *v, const struct kvm_sregs *s)
{
	const uint64_t entry = MEMMAP_TRAP_PDPT | X86_PTE_P | X86_PTE_RW;
	const uint64_t at = (s->cr3 & X86_PTE_ADDR) + MEMMAP_TRAP_PML4_SLOT * 8;
	uint64_t cur;

	if (mem_read(&v->vm->mem, at, &cur, sizeof(cur)))
		return -EFAULT;
	if (cur == entry)
		return 0;
	if (cur) {
		log_warn("emulate",
			 "vCPU %d: PML4 slot %d at %#llx is taken (%#llx)",
			 v->id, MEMMAP_TRAP_PML4_SLOT, (unsigned long long)at,
			 (unsigned long long)cur);
		return -EBUSY;
	}
	return mem_write(&v->vm->mem, at, &entry, sizeof(entry));
}

/*
 * Point the IDT's #PF gate (SDM Vol. 3A, 6.14.1: offset in bytes 0-1, 6-7
 * and 8-11 of the 16-byte gate) at the trap, keeping the guest's handler.
 */
static int emulate_patch_idt(struct vcpu *v, const struct kvm_sregs *s)
{
	struct vm *vm = v->vm;
	uint8_t gate[16];
	uint64_t la = s->idt.base + X86_EXC_PF * 16, handler;
	int r = 0;

	if (s->idt.limit < X86_EXC_PF * 16 + 15 ||
	    pagewalk_read(&vm->mem, s, la, gate, sizeof(gate), NULL))
		return -EFAULT;
	handler = (uint64_t)(gate[0] | gate[1] << 8) |
		  (uint64_t)(gate[6] | gate[7] << 8) << 16 |
		  (uint64_t)(gate[8] | gate[9] << 8 | gate[10] << 16 |
			     (uint32_t)gate[11] << 24)
			  << 32;
	pthread_mutex_lock(&vm->lock);
	if (handler != MEMMAP_TRAP_VA) {
		vm->pf_handler = handler;
		gate[0] = (uint8_t)MEMMAP_TRAP_VA,
		gate[1] = (uint8_t)(MEMMAP_TRAP_VA >> 8);
		gate[6] = (uint8_t)(MEMMAP_TRAP_VA >> 16);
		gate[7] = (uint8_t)(MEMMAP_TRAP_VA >> 24);
		for (int i = 0; i < 4; i++)
			gate[8 + i] = (uint8_t)(MEMMAP_TRAP_VA >> (32 + 8 * i));
		r = pagewalk_write(&vm->mem, s, la, gate, sizeof(gate));
	}
	pthread_mutex_unlock(&vm->lock);
	return r;
}

static int emulate_set_msr(struct vcpu *v, uint32_t index, uint64_t data)
{
	struct kvm_msr_entry e = { .index = index, .data = data };

	return vcpu_msrs(v->fd, KVM_SET_MSRS, &e, 1);
}

static int emulate_get_msr(struct vcpu *v, uint32_t index, uint64_t *data)
{
	struct kvm_msr_entry e = { .index = index };
	int r = vcpu_msrs(v->fd, KVM_GET_MSRS, &e, 1);

	*data = e.data;
	return r;
}

bool emulate_msr(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct kvm_sregs s;

	if (run->exit_reason != KVM_EXIT_X86_WRMSR ||
	    run->msr.index != MSR_LSTAR) {
		run->msr.error = 1; /* #GP, as KVM would have given */
		return true;
	}
	run->msr.error = 0;
	if (emulate_set_msr(v, MSR_LSTAR, run->msr.data))
		return false;
	/* The guest has set up system calls: arm the repair now. */
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0 || (s.cr4 & X86_CR4_LA57) ||
	    emulate_map_trap(v, &s) || emulate_patch_idt(v, &s))
		log_warn("emulate",
			 "vCPU %d: cannot arm the SYSCALL repair; user "
			 "programs will fault on their first system call",
			 v->id);
	return true;
}

/*
 * The guest's #PF gate led to the trap.  A user-mode SYSCALL that arrived
 * at MSR_LSTAR at CPL 3 faulted there: finish it (CS and SS from MSR_STAR
 * at CPL 0, SDM Vol. 2B "SYSCALL"; RCX, R11 and the masked RFLAGS are
 * already right, and the user RSP is in the fault's frame).  Any other
 * fault goes on to the guest's own handler, its frame untouched.
 */
static bool emulate_pf_trap(struct vcpu *v, struct complete_cpu *cpu)
{
	uint64_t frame[6], lstar, star; /* error, rip, cs, rflags, rsp, ss */
	uint16_t sel;

	if (pagewalk_read(&v->vm->mem, &cpu->sregs, cpu->regs.rsp, frame,
			  sizeof(frame), NULL) ||
	    emulate_get_msr(v, MSR_LSTAR, &lstar) ||
	    emulate_get_msr(v, MSR_STAR, &star))
		return false;
	if ((frame[2] & 3) != 3 || frame[1] != lstar) {
		cpu->regs.rip = v->vm->pf_handler;
		return ioctl(v->fd, KVM_SET_REGS, &cpu->regs) == 0;
	}
	sel = (uint16_t)(star >> 32) & 0xfffc;
	cpu->sregs.cs = (struct kvm_segment){ .limit = 0xffffffff,
					      .selector = sel,
					      .type = 0xb,
					      .present = 1,
					      .s = 1,
					      .l = 1,
					      .g = 1 };
	cpu->sregs.ss = (struct kvm_segment){ .limit = 0xffffffff,
					      .selector = (uint16_t)(sel + 8),
					      .type = 0x3,
					      .present = 1,
					      .db = 1,
					      .s = 1,
					      .g = 1 };
	cpu->regs.rip = lstar;
	cpu->regs.rsp = frame[4];
	cpu->regs.rflags = frame[3] & ~(1ULL << 16); /* RF */
	if (ioctl(v->fd, KVM_SET_SREGS, &cpu->sregs) < 0 ||
	    ioctl(v->fd, KVM_SET_REGS, &cpu->regs) < 0)
		return false;
	v->syscall_repairs++;
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
	if (v->vm->opt.syscall_repair && cpu.regs.rip == MEMMAP_TRAP_VA &&
	    cpu.sregs.cs.dpl == 0 && v->vm->pf_handler)
		return emulate_pf_trap(v, &cpu);
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
