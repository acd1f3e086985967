/*
 * probe.c: trying instructions and CPUID bits in a tiny VM.  See probe.h.
 *
 * The probe VM has 4 MiB of RAM, no irqchip (so HLT comes back to us) and
 * two vCPUs.  vCPU 0 runs each test from hyve's long-mode entry state with
 * an IDT whose every vector writes its number to port PROBE_PORT_EXC and
 * halts; a test ends by writing to PROBE_PORT_DONE.  A timer signal brings
 * KVM_RUN back when an instruction never completes (vmcall here).  vCPU 1
 * has the interesting CPUID bits cleared and reports, by port writes, what
 * the CPUID instruction shows it.  The machine code is written out by hand
 * below, one instruction per line, with its mnemonic.
 */
#include "vmm/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86/cpuid.h"
#include "arch/x86/longmode.h"
#include "arch/x86/memmap.h"
#include "arch/x86/x86.h"
#include "util/log.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define PROBE_RAM	 (4ULL << 20)
#define PROBE_IDT	 0x6000ULL
#define PROBE_STUBS	 0x9000ULL /* 8 bytes per vector */
#define PROBE_CODE	 0x100000ULL
#define PROBE_DATA	 0x101000ULL /* 64-byte aligned scratch */
#define PROBE_PORT_DONE	 0xe0
#define PROBE_PORT_EXC	 0xe1
#define PROBE_PORT_VALUE 0xe2
#define PROBE_TIMEOUT_NS 20000000L /* a test that takes 20 ms hangs */
#define PROBE_TIMER_SIG	 (SIGRTMIN + 1)
#define PROBE_LSTAR	 0x100800ULL /* the SYSCALL test's kernel entry */
#define PROBE_SEL_UDATA	 0x30	     /* user segments after hyve's GDT */
#define PROBE_SEL_UCODE	 0x38

struct probe_test {
	const char *name;
	uint8_t pre[16]; /* set-up before the instruction */
	size_t npre;
	uint8_t insn[16]; /* the instruction; rel32 patched when rip_rel */
	size_t ninsn;
	int rel32_at; /* offset of a RIP-relative disp32 in insn, or -1 */
	uint8_t expect_vector; /* an exception that counts as running */
};

/* clang-format off */
static const struct probe_test probe_tests[PROBE_NINSN] = {
	[PROBE_INT3] = { "int3", {0}, 0, { 0xcc }, 1, -1, X86_EXC_BP },
	[PROBE_FWAIT] = { "fwait", {0}, 0, { 0x9b }, 1, -1, 0xff },
	[PROBE_FNCLEX] = { "fnclex", {0}, 0, { 0xdb, 0xe2 }, 2, -1, 0xff },
	[PROBE_EMMS] = { "emms", {0}, 0, { 0x0f, 0x77 }, 2, -1, 0xff },
	/* fild dword [rip + disp32] */
	[PROBE_FILD] = { "fild", {0}, 0, { 0xdb, 0x05, 0, 0, 0, 0 }, 6, 2, 0xff },
	[PROBE_CLAC] = { "clac", {0}, 0, { 0x0f, 0x01, 0xca }, 3, -1, 0xff },
	[PROBE_STAC] = { "stac", {0}, 0, { 0x0f, 0x01, 0xcb }, 3, -1, 0xff },
	/* popcnt rax, rax */
	[PROBE_POPCNT] = { "popcnt", {0}, 0,
			   { 0xf3, 0x48, 0x0f, 0xb8, 0xc0 }, 5, -1, 0xff },
	/* mov eax, 0x18; lsl eax, eax */
	[PROBE_LSL] = { "lsl", { 0xb8, 0x18, 0, 0, 0 }, 5,
			{ 0x0f, 0x03, 0xc0 }, 3, -1, 0xff },
	[PROBE_LAR] = { "lar", { 0xb8, 0x18, 0, 0, 0 }, 5,
			{ 0x0f, 0x02, 0xc0 }, 3, -1, 0xff },
	/* mov eax, 0x18; verw ax */
	[PROBE_VERW] = { "verw", { 0xb8, 0x18, 0, 0, 0 }, 5,
			 { 0x0f, 0x00, 0xe8 }, 3, -1, 0xff },
	/* ldmxcsr / stmxcsr [rip + disp32] */
	[PROBE_LDMXCSR] = { "ldmxcsr", {0}, 0,
			    { 0x0f, 0xae, 0x15, 0, 0, 0, 0 }, 7, 3, 0xff },
	[PROBE_STMXCSR] = { "stmxcsr", {0}, 0,
			    { 0x0f, 0xae, 0x1d, 0, 0, 0, 0 }, 7, 3, 0xff },
	/* xor ecx, ecx; xgetbv */
	[PROBE_XGETBV] = { "xgetbv", { 0x31, 0xc9 }, 2,
			   { 0x0f, 0x01, 0xd0 }, 3, -1, 0xff },
	/* mov eax, 1; xor edx, edx; xsave [rip + disp32] */
	[PROBE_XSAVE] = { "xsave", { 0xb8, 1, 0, 0, 0, 0x31, 0xd2 }, 7,
			  { 0x0f, 0xae, 0x25, 0, 0, 0, 0 }, 7, 3, 0xff },
	/* lock cmpxchg16b [rip + disp32] */
	[PROBE_CMPXCHG16B] = { "cmpxchg16b", {0}, 0,
			       { 0xf0, 0x48, 0x0f, 0xc7, 0x0d, 0, 0, 0, 0 },
			       9, 5, 0xff },
	[PROBE_RDTSCP] = { "rdtscp", {0}, 0, { 0x0f, 0x01, 0xf9 }, 3, -1, 0xff },
	/* mov eax, 0x7fffffff (no such hypercall); vmcall */
	[PROBE_VMCALL] = { "vmcall", { 0xb8, 0xff, 0xff, 0xff, 0x7f }, 5,
			   { 0x0f, 0x01, 0xc1 }, 3, -1, 0xff },
	/* From CPL 3 (probe_user_syscall sets it up); lands at PROBE_LSTAR. */
	[PROBE_USER_SYSCALL] = { "syscall/cpl3", {0}, 0, { 0x0f, 0x05 }, 2,
				 -1, 0xff },
	/* pshufb xmm0, xmm1 */
	[PROBE_PSHUFB] = { "pshufb", {0}, 0, { 0x66, 0x0f, 0x38, 0x00, 0xc1 },
			   5, -1, 0xff },
};

/*
 * Which of them hyve finishes itself when the host cannot (emulate.c);
 * the rest only CPUID and kernel parameters keep guests away from
 * (machine/quirks.c).
 */
static const bool probe_completed[PROBE_NINSN] = {
	[PROBE_INT3] = true,  [PROBE_FWAIT] = true,   [PROBE_FNCLEX] = true,
	[PROBE_EMMS] = true,  [PROBE_FILD] = true,    [PROBE_CLAC] = true,
	[PROBE_STAC] = true,  [PROBE_POPCNT] = true,  [PROBE_LSL] = true,
	[PROBE_LAR] = true,   [PROBE_VERW] = true,    [PROBE_LDMXCSR] = true,
	[PROBE_STMXCSR] = true, [PROBE_VMCALL] = true,
	[PROBE_USER_SYSCALL] = true,
};

/* The CPUID bits vCPU 1 clears: leaf, register, bit. */
static const struct { const char *name; uint32_t leaf; enum cpuid_reg reg;
		      uint8_t bit; } probe_bits[PROBE_NCPUID] = {
	[PROBE_CPUID_CX16] = { "cx16", 1, CPUID_ECX, 13 },
	[PROBE_CPUID_POPCNT] = { "popcnt", 1, CPUID_ECX, 23 },
	[PROBE_CPUID_XSAVE] = { "xsave", 1, CPUID_ECX, 26 },
	[PROBE_CPUID_AVX] = { "avx", 1, CPUID_ECX, 28 },
	[PROBE_CPUID_X2APIC] = { "x2apic", 1, CPUID_ECX, 21 },
	[PROBE_CPUID_TSC_DEADLINE] = { "tsc-deadline", 1, CPUID_ECX, 24 },
	[PROBE_CPUID_FSGSBASE] = { "fsgsbase", 7, CPUID_EBX, 0 },
	[PROBE_CPUID_SMEP] = { "smep", 7, CPUID_EBX, 7 },
	[PROBE_CPUID_SMAP] = { "smap", 7, CPUID_EBX, 20 },
	[PROBE_CPUID_RDTSCP] = { "rdtscp", 0x80000001, CPUID_EDX, 27 },
};

/*
 * vCPU 1's program: CPUID leaves 1, 7 and 0x80000001, every register
 * written to PROBE_PORT_VALUE in the order eax ebx ecx edx, then hlt.
 */
static const uint8_t probe_cpuid_prog_leaf[] = {
	0x31, 0xc9,			/* xor ecx, ecx */
	0x0f, 0xa2,			/* cpuid */
	0xe7, PROBE_PORT_VALUE,		/* out 0xe2, eax */
	0x89, 0xd8,			/* mov eax, ebx */
	0xe7, PROBE_PORT_VALUE,		/* out 0xe2, eax */
	0x89, 0xc8,			/* mov eax, ecx */
	0xe7, PROBE_PORT_VALUE,		/* out 0xe2, eax */
	0x89, 0xd0,			/* mov eax, edx */
	0xe7, PROBE_PORT_VALUE,		/* out 0xe2, eax */
};
/* clang-format on */

static const uint32_t probe_cpuid_leaves[] = { 1, 7, 0x80000001 };

const char *probe_insn_name(enum probe_insn i)
{
	return (unsigned int)i < PROBE_NINSN ? probe_tests[i].name : "?";
}

const char *probe_cpuid_name(enum probe_cpuid c)
{
	return (unsigned int)c < PROBE_NCPUID ? probe_bits[c].name : "?";
}

struct probe_vcpu {
	int fd;
	struct kvm_run *run;
};

struct probe_ctx {
	struct kvm_host *kvm;
	struct vm vm;
	bool vm_made;
	struct probe_vcpu cpu[2];
	timer_t timer;
	bool timer_made;
	struct kvm_cpuid2 *supported;
};

static void probe_timer_handler(int sig)
{
	(void)sig; /* Only here to make KVM_RUN return with EINTR. */
}

static int probe_make_vcpu(struct probe_ctx *p, int id, uint32_t clear_mask,
			   struct probe_vcpu *c)
{
	const size_t size =
		sizeof(*p->supported) +
		p->supported->nent * sizeof(p->supported->entries[0]);
	struct kvm_cpuid2 *cp = malloc(size);
	int r = 0;

	if (!cp)
		return -ENOMEM;
	c->fd = ioctl(p->vm.fd, KVM_CREATE_VCPU, id);
	if (c->fd < 0) {
		free(cp);
		return -errno;
	}
	c->run = mmap(NULL, p->kvm->run_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, c->fd, 0);
	if (c->run == MAP_FAILED) {
		free(cp);
		return -errno;
	}
	memcpy(cp, p->supported, size);
	for (unsigned int i = 0; clear_mask && i < PROBE_NCPUID; i++) {
		struct kvm_cpuid_entry2 *e =
			cpuid_find(cp, probe_bits[i].leaf, 0);
		uint32_t *reg = !e				 ? NULL
				: probe_bits[i].reg == CPUID_EBX ? &e->ebx
				: probe_bits[i].reg == CPUID_ECX ? &e->ecx
								 : &e->edx;
		if (reg)
			*reg &= ~(1u << probe_bits[i].bit);
	}
	if (ioctl(c->fd, KVM_SET_CPUID2, cp) < 0)
		r = -errno;
	free(cp);
	return r;
}

/* The IDT and its stubs: vector v does "mov al, v; out 0xe1, al; hlt". */
static int probe_write_idt(const struct guest_mem *gm)
{
	for (unsigned int v = 0; v < 256; v++) {
		uint64_t stub = PROBE_STUBS + v * 8;
		const uint8_t code[5] = { 0xb0, (uint8_t)v, 0xe6,
					  PROBE_PORT_EXC, 0xf4 };
		uint64_t gate[2] = {
			(stub & 0xffff) | (uint64_t)MEMMAP_SEL_CODE64 << 16 |
				0x8eULL << 40 | ((stub >> 16) & 0xffff) << 48,
			stub >> 32,
		};
		if (mem_write(gm, stub, code, sizeof(code)) ||
		    mem_write(gm, PROBE_IDT + v * 16, gate, sizeof(gate)))
			return -EFAULT;
	}
	return 0;
}

static int probe_entry_state(struct probe_ctx *p, struct probe_vcpu *c,
			     uint64_t rip)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (ioctl(c->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	longmode_sregs(&s);
	longmode_regs(&r, rip);
	s.idt.base = PROBE_IDT;
	s.idt.limit = 256 * 16 - 1;
	s.cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (cpuid_find(p->supported, 1, 0) &&
	    (cpuid_find(p->supported, 1, 0)->ecx & (1u << 26)))
		s.cr4 |= X86_CR4_OSXSAVE;
	if (ioctl(c->fd, KVM_SET_SREGS, &s) < 0 ||
	    ioctl(c->fd, KVM_SET_REGS, &r) < 0)
		return -errno;
	return 0;
}

/*
 * A SYSCALL from CPL 3: user segments in the GDT after hyve's six entries,
 * the first 2 MiB user-accessible, RSP0 in the TSS for exceptions from CPL
 * 3, and MSR_STAR/LSTAR/FMASK.  The entry at PROBE_LSTAR writes
 * PROBE_PORT_DONE: that works at CPL 0 and raises #GP at CPL 3.
 */
static int probe_user_syscall(struct probe_ctx *p, struct probe_vcpu *c)
{
	const struct guest_mem *gm = &p->vm.mem;
	const uint64_t ucode = 0x00affb000000ffffULL,
		       udata = 0x00cff3000000ffffULL;
	/* mov eax, cs; out 0xe2, eax: the privilege level it arrived at. */
	const uint8_t entry[] = { 0x8c, 0xc8, 0xe7, PROBE_PORT_VALUE, 0xf4 };
	const uint64_t rsp0 = 0x7f000;
	uint64_t *pml4 = mem_ptr(gm, MEMMAP_PML4, 8);
	uint64_t *pdpt = mem_ptr(gm, MEMMAP_PDPT, 8);
	uint64_t *pd = mem_ptr(gm, MEMMAP_PD, 8);
	struct kvm_msr_entry m[3] = {
		{ .index = MSR_STAR,
		  .data = (uint64_t)(PROBE_SEL_UDATA - 8) << 48 |
			  (uint64_t)MEMMAP_SEL_CODE64 << 32 },
		{ .index = MSR_LSTAR, .data = PROBE_LSTAR },
		{ .index = MSR_FMASK, .data = 0x200 },
	};
	struct kvm_sregs s;
	struct kvm_regs r;

	if (!pml4 || !pdpt || !pd ||
	    mem_write(gm, MEMMAP_GDT + PROBE_SEL_UDATA, &udata, 8) ||
	    mem_write(gm, MEMMAP_GDT + PROBE_SEL_UCODE, &ucode, 8) ||
	    mem_write(gm, MEMMAP_TSS + 4, &rsp0, 8) ||
	    mem_write(gm, PROBE_LSTAR, entry, sizeof(entry)))
		return -EFAULT;
	*pml4 |= X86_PTE_US, *pdpt |= X86_PTE_US, *pd |= X86_PTE_US;
	if (vcpu_msrs(c->fd, KVM_SET_MSRS, m, 3) ||
	    ioctl(c->fd, KVM_GET_SREGS, &s) < 0 ||
	    ioctl(c->fd, KVM_GET_REGS, &r) < 0)
		return -EIO;
	s.gdt.limit = PROBE_SEL_UCODE + 7;
	s.efer |= X86_EFER_SCE;
	s.cs.selector = PROBE_SEL_UCODE | 3, s.cs.dpl = 3;
	s.ss.selector = PROBE_SEL_UDATA | 3, s.ss.dpl = 3;
	s.ds = s.es = s.fs = s.gs = s.ss;
	r.rflags = X86_RFLAGS_FIXED;
	if (ioctl(c->fd, KVM_SET_SREGS, &s) < 0 ||
	    ioctl(c->fd, KVM_SET_REGS, &r) < 0)
		return -EIO;
	return 0;
}

static void probe_arm(struct probe_ctx *p, long ns)
{
	struct itimerspec its = { .it_value = { .tv_nsec = ns } };

	timer_settime(p->timer, 0, &its, NULL);
}

/* Run one test on vCPU 0 and classify what happened. */
static enum probe_outcome probe_one(struct probe_ctx *p, enum probe_insn i,
				    uint8_t *vector)
{
	const struct probe_test *t = &probe_tests[i];
	const struct guest_mem *gm = &p->vm.mem;
	const uint8_t done[] = { 0xb0, 0, 0xe6, PROBE_PORT_DONE, 0xf4 };
	struct probe_vcpu *c = &p->cpu[0];
	uint8_t insn[16];
	uint64_t at = PROBE_CODE + t->npre, zero[8] = { 0 };
	struct kvm_regs regs;
	int r;

	memcpy(insn, t->insn, t->ninsn);
	if (t->rel32_at >= 0) {
		int32_t d = (int32_t)(PROBE_DATA - (at + t->ninsn));
		memcpy(insn + t->rel32_at, &d, 4);
	}
	if (mem_write(gm, PROBE_CODE, t->pre, t->npre) ||
	    mem_write(gm, at, insn, t->ninsn) ||
	    mem_write(gm, at + t->ninsn, done, sizeof(done)) ||
	    mem_write(gm, PROBE_DATA, zero, sizeof(zero)) ||
	    probe_entry_state(p, c, PROBE_CODE))
		return PROBE_ODD;
	/* MXCSR's reset value, so ldmxcsr loads a valid one. */
	((uint8_t *)mem_ptr(gm, PROBE_DATA, 4))[1] = 0x1f;
	((uint8_t *)mem_ptr(gm, PROBE_DATA, 4))[0] = 0x80;
	if (i == PROBE_USER_SYSCALL && probe_user_syscall(p, c))
		return PROBE_ODD;
	probe_arm(p, PROBE_TIMEOUT_NS);
	r = ioctl(c->fd, KVM_RUN, 0);
	probe_arm(p, 0);
	if (r < 0 && errno == EINTR) {
		if (ioctl(c->fd, KVM_GET_REGS, &regs) == 0 && regs.rip == at)
			return PROBE_HANGS;
		return PROBE_ODD;
	}
	if (r < 0)
		return PROBE_ODD;
	switch (c->run->exit_reason) {
	case KVM_EXIT_IO: {
		uint8_t *data = (uint8_t *)c->run + c->run->io.data_offset;
		if (c->run->io.port == PROBE_PORT_DONE)
			return PROBE_RUNS;
		if (c->run->io.port == PROBE_PORT_VALUE &&
		    i == PROBE_USER_SYSCALL) {
			return (data[0] & 3) == 0 ? PROBE_RUNS
						  : PROBE_WRONG_CPL;
		}
		if (c->run->io.port == PROBE_PORT_EXC) {
			*vector = data[0];
			return *vector == t->expect_vector ? PROBE_RUNS
							   : PROBE_FAULTS;
		}
		return PROBE_ODD;
	}
	case KVM_EXIT_INTERNAL_ERROR:
		return c->run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
			       ? PROBE_EMUL_FAIL
			       : PROBE_ODD;
	default:
		return PROBE_ODD;
	}
}

/* vCPU 1: which of the cleared CPUID bits does the guest still see? */
static int probe_cpuid_bits(struct probe_ctx *p, struct probe_result *res)
{
	const struct guest_mem *gm = &p->vm.mem;
	struct probe_vcpu *c = &p->cpu[1];
	uint32_t seen[3][4] = { { 0 } }, n = 0;
	uint64_t at = PROBE_CODE + 0x800;

	for (unsigned int l = 0; l < 3; l++) {
		uint8_t mov[5] = { 0xb8 }; /* mov eax, leaf */
		memcpy(mov + 1, &probe_cpuid_leaves[l], 4);
		if (mem_write(gm, at, mov, sizeof(mov)) ||
		    mem_write(gm, at + 5, probe_cpuid_prog_leaf,
			      sizeof(probe_cpuid_prog_leaf)))
			return -EFAULT;
		at += 5 + sizeof(probe_cpuid_prog_leaf);
	}
	if (mem_write(gm, at, "\xf4", 1) ||
	    probe_entry_state(p, c, PROBE_CODE + 0x800))
		return -EFAULT;
	while (n < 12) {
		probe_arm(p, PROBE_TIMEOUT_NS);
		int r = ioctl(c->fd, KVM_RUN, 0);
		probe_arm(p, 0);
		if (r < 0 || c->run->exit_reason != KVM_EXIT_IO ||
		    c->run->io.port != PROBE_PORT_VALUE)
			return -EIO;
		memcpy(&seen[n / 4][n % 4],
		       (uint8_t *)c->run + c->run->io.data_offset, 4);
		n++;
	}
	for (unsigned int i = 0; i < PROBE_NCPUID; i++) {
		struct kvm_cpuid_entry2 *e =
			cpuid_find(p->supported, probe_bits[i].leaf, 0);
		unsigned int l = probe_bits[i].leaf == 1   ? 0
				 : probe_bits[i].leaf == 7 ? 1
							   : 2;
		uint32_t have = !e				 ? 0
				: probe_bits[i].reg == CPUID_EBX ? e->ebx
				: probe_bits[i].reg == CPUID_ECX ? e->ecx
								 : e->edx;
		uint32_t bit = 1u << probe_bits[i].bit;
		bool seen_bit = seen[l][probe_bits[i].reg] & bit;

		res->cpuid[i] = seen_bit     ? PROBE_BIT_STUCK
				: have & bit ? PROBE_BIT_FOLLOWS
					     : PROBE_BIT_ABSENT;
	}
	return 0;
}

static int probe_setup(struct probe_ctx *p, char *err, size_t errlen)
{
	struct sigaction sa = { .sa_handler = probe_timer_handler };
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = PROBE_TIMER_SIG,
	};
	const struct vm_options opt = { .irqchip = false };
	int r;

	sigemptyset(&sa.sa_mask);
	sigaction(PROBE_TIMER_SIG, &sa, NULL);
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &p->timer) < 0) {
		snprintf(err, errlen, "probe: timer_create: %s",
			 strerror(errno));
		return -errno;
	}
	p->timer_made = true;
	r = vm_create(&p->vm, p->kvm, PROBE_RAM, &opt, err, errlen);
	if (r)
		return r;
	p->vm_made = true;
	r = vm_get_supported_cpuid(&p->vm, err, errlen);
	if (r)
		return r;
	p->supported = p->vm.cpuid;
	r = probe_make_vcpu(p, 0, 0, &p->cpu[0]);
	if (!r)
		r = probe_make_vcpu(p, 1, ~0u, &p->cpu[1]);
	if (!r && (longmode_build(&p->vm.mem) || probe_write_idt(&p->vm.mem)))
		r = -EFAULT;
	if (r)
		snprintf(err, errlen, "probe: cannot set up its VM: %s",
			 strerror(-r));
	return r;
}

static void probe_teardown(struct probe_ctx *p)
{
	for (int i = 0; i < 2; i++) {
		if (p->cpu[i].run && p->cpu[i].run != MAP_FAILED)
			munmap(p->cpu[i].run, p->kvm->run_size);
		if (p->cpu[i].fd > 0)
			close(p->cpu[i].fd);
	}
	if (p->vm_made)
		vm_destroy(&p->vm);
	if (p->timer_made)
		timer_delete(p->timer);
}

static uint64_t probe_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int probe_run(struct kvm_host *kvm, struct probe_result *res, char *err,
	      size_t errlen)
{
	struct probe_ctx p = { .kvm = kvm };
	uint64_t t0 = probe_now_us();
	sigset_t sig, old;
	int r;

	memset(res, 0, sizeof(*res));
	/* The timer's signal must reach this thread, and only it. */
	sigemptyset(&sig);
	sigaddset(&sig, PROBE_TIMER_SIG);
	pthread_sigmask(SIG_UNBLOCK, &sig, &old);
	r = probe_setup(&p, err, errlen);
	for (unsigned int i = 0; !r && i < PROBE_NINSN; i++)
		res->insn[i] = probe_one(&p, i, &res->vector[i]);
	if (!r && probe_cpuid_bits(&p, res)) {
		snprintf(err, errlen, "probe: the CPUID test did not run");
		r = -EIO;
	}
	probe_teardown(&p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	res->micros = (uint32_t)(probe_now_us() - t0);
	return r;
}

/* Where results are kept: a key from the host kernel and KVM module. */
void probe_cache_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	struct utsname u;
	char mod[256] = "";
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	int fd;

	buf[0] = '\0';
	if (uname(&u) < 0)
		return;
	/* The KVM module's build, where the kernel says (kvm, kvm_pvm...). */
	fd = open("/sys/module/kvm/srcversion", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, mod, sizeof(mod) - 1);
		mod[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	for (const char *s = u.release; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	for (const char *s = u.version; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	for (const char *s = mod; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	if (xdg && *xdg == '/')
		snprintf(buf, len, "%s/hyve/probe-%d-%016llx", xdg,
			 PROBE_FORMAT, (unsigned long long)h);
	else if (home && *home == '/')
		snprintf(buf, len, "%s/.cache/hyve/probe-%d-%016llx", home,
			 PROBE_FORMAT, (unsigned long long)h);
}

static bool probe_load(const char *path, struct probe_result *res)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, res, sizeof(*res)) == (ssize_t)sizeof(*res);
	close(fd);
	return ok;
}

/* Save atomically (write a temporary, rename); failures are ignored. */
static void probe_save(const char *path, const struct probe_result *res)
{
	char dir[4096], tmp[4200];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	*slash = '\0';
	/* Make .../.cache and .../.cache/hyve as needed. */
	for (char *s = dir + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(dir, 0755);
			*s = '/';
		}
	}
	mkdir(dir, 0755);
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, res, sizeof(*res)) != (ssize_t)sizeof(*res) ||
	    close(fd) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
}

int probe_get(struct kvm_host *kvm, struct probe_result *res, bool *cached,
	      char *err, size_t errlen)
{
	char path[4096];
	int r;

	probe_cache_path(path, sizeof(path));
	*cached = path[0] && probe_load(path, res);
	if (*cached)
		return 0;
	r = probe_run(kvm, res, err, errlen);
	if (!r && path[0])
		probe_save(path, res);
	return r;
}

void probe_print(FILE *out, const struct probe_result *res)
{
	static const char *const outcome[] = {
		[PROBE_RUNS] = "runs",
		[PROBE_EMUL_FAIL] = "emulation failure",
		[PROBE_HANGS] = "never returns",
		[PROBE_FAULTS] = "raises an exception",
		[PROBE_ODD] = "odd result",
		[PROBE_NOT_TRIED] = "not offered by this host",
		[PROBE_WRONG_CPL] = "arrives at CPL 3",
	};
	static const char *const bit[] = {
		[PROBE_BIT_ABSENT] = "not offered",
		[PROBE_BIT_FOLLOWS] = "follows hyve",
		[PROBE_BIT_STUCK] = "stuck on: hyve cannot hide it",
	};
	unsigned int broken = 0, stuck = 0;

	fprintf(out, "instructions at CPL 0 in 64-bit mode:\n");
	for (unsigned int i = 0; i < PROBE_NINSN; i++) {
		unsigned int o = res->insn[i] <= PROBE_WRONG_CPL ? res->insn[i]
								 : PROBE_ODD;
		fprintf(out, "  %-12s %s", probe_tests[i].name, outcome[o]);
		if (o == PROBE_FAULTS)
			fprintf(out, " (vector %u)", res->vector[i]);
		if (probe_insn_broken(res, i))
			fprintf(out, ": %s",
				probe_completed[i]
					? "hyve completes it"
					: "guests are steered off it");
		fputc('\n', out);
		broken += probe_insn_broken(res, i);
	}
	fprintf(out, "CPUID bits, as the guest sees them when hyve clears "
		     "them:\n");
	for (unsigned int i = 0; i < PROBE_NCPUID; i++) {
		unsigned int b = res->cpuid[i] <= PROBE_BIT_STUCK
					 ? res->cpuid[i]
					 : PROBE_BIT_ABSENT;
		fprintf(out, "  %-12s %s\n", probe_bits[i].name, bit[b]);
		stuck += b == PROBE_BIT_STUCK;
	}
	if (!broken && !stuck)
		fprintf(out, "nothing to work around\n");
	else
		fprintf(out,
			"%u instruction%s the host cannot run, %u CPUID bit%s "
			"that cannot be hidden\n",
			broken, broken == 1 ? "" : "s", stuck,
			stuck == 1 ? "" : "s");
}
