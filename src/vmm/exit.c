/*
 * exit.c: the exit table and its handlers.
 *
 * The life of an exit: vcpu.c's loop returns from KVM_RUN, calls
 * exit_dispatch(), which indexes exit_table[] by run->exit_reason.  Port I/O
 * and MMIO go to the I/O bus (iobus.c), which finds the device's range and
 * calls its read or write operation; the result is written back into the
 * kvm_run record, and the loop re-enters the guest with KVM_RUN, where KVM
 * completes the instruction.  Exits that end the VM badly capture a report
 * (report.c) and stop it with a documented status.
 */
#include "vmm/exit.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "arch/x86/complete.h"
#include "vmm/emulate.h"
#include "vmm/vcpu.h"

typedef enum exit_action (*exit_handler)(struct vcpu *v);

static enum exit_action exit_io(struct vcpu *v);
static enum exit_action exit_mmio(struct vcpu *v);
static enum exit_action exit_hlt(struct vcpu *v);
static enum exit_action exit_intr(struct vcpu *v);
static enum exit_action exit_system_event(struct vcpu *v);
static enum exit_action exit_failure(struct vcpu *v);
static enum exit_action exit_internal_error(struct vcpu *v);
static enum exit_action exit_msr(struct vcpu *v);

static const exit_handler exit_table[EXIT_REASON_MAX + 1] = {
	[KVM_EXIT_IO] = exit_io,
	[KVM_EXIT_MMIO] = exit_mmio,
	[KVM_EXIT_HLT] = exit_hlt,
	[KVM_EXIT_X86_RDMSR] = exit_msr,
	[KVM_EXIT_X86_WRMSR] = exit_msr,
	[KVM_EXIT_INTR] = exit_intr,
	[KVM_EXIT_SYSTEM_EVENT] = exit_system_event,
	[KVM_EXIT_SHUTDOWN] = exit_failure,
	[KVM_EXIT_FAIL_ENTRY] = exit_failure,
	[KVM_EXIT_INTERNAL_ERROR] = exit_internal_error,
};

enum exit_action exit_dispatch(struct vcpu *v)
{
	uint32_t reason = v->run->exit_reason;
	exit_handler h = reason <= EXIT_REASON_MAX ? exit_table[reason] : NULL;

	/* Exits hyve does not expect are reported, by name, as failures. */
	return h ? h(v) : exit_failure(v);
}

static enum exit_action exit_result(struct vcpu *v)
{
	return atomic_load_explicit(&v->vm->stopping, memory_order_relaxed)
		       ? EXIT_STOP
		       : EXIT_CONTINUE;
}

static enum exit_action exit_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	const size_t run_size = v->vm->kvm->run_size;
	const unsigned int size = run->io.size;
	uint64_t total = (uint64_t)size * run->io.count;
	uint8_t *data;

	/* KVM's own record, but check it before trusting the offset. */
	if ((size != 1 && size != 2 && size != 4) ||
	    run->io.data_offset > run_size ||
	    total > run_size - run->io.data_offset) {
		log_err("exit", "vCPU %d: malformed KVM_EXIT_IO record", v->id);
		vm_request_stop(v->vm, HYVE_EXIT_KVM_ERROR, "bad I/O record");
		return EXIT_STOP;
	}
	data = (uint8_t *)run + run->io.data_offset;
	for (uint32_t i = 0;
	     i < run->io.count && !atomic_load(&v->vm->stopping);
	     i++, data += size) {
		uint64_t val = 0;

		if (run->io.direction == KVM_EXIT_IO_OUT) {
			memcpy(&val, data, size);
			iobus_write(&v->vm->bus, IOBUS_PIO, run->io.port, size,
				    val);
		} else {
			iobus_read(&v->vm->bus, IOBUS_PIO, run->io.port, size,
				   &val);
			memcpy(data, &val, size);
		}
	}
	return exit_result(v);
}

static enum exit_action exit_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	const unsigned int len = run->mmio.len;
	uint64_t val = 0;

	if (len == 0 || len > sizeof(run->mmio.data)) {
		log_err("exit", "vCPU %d: malformed KVM_EXIT_MMIO record",
			v->id);
		vm_request_stop(v->vm, HYVE_EXIT_KVM_ERROR, "bad MMIO record");
		return EXIT_STOP;
	}
	if (run->mmio.is_write) {
		memcpy(&val, run->mmio.data, len);
		iobus_write(&v->vm->bus, IOBUS_MMIO, run->mmio.phys_addr, len,
			    val);
	} else {
		iobus_read(&v->vm->bus, IOBUS_MMIO, run->mmio.phys_addr, len,
			   &val);
		memcpy(run->mmio.data, &val, len);
	}
	return exit_result(v);
}

/*
 * With the in-kernel irqchip KVM keeps a halted vCPU waiting for an
 * interrupt, so only a VM without one (the host probe's) gets here, where
 * nothing could wake the vCPU: it ends.
 */
static enum exit_action exit_hlt(struct vcpu *v)
{
	log_info("exit", "vCPU %d halted", v->id);
	return EXIT_HALT;
}

/* A signal interrupted the guest (the kick): just look at the stop flag. */
static enum exit_action exit_intr(struct vcpu *v)
{
	return exit_result(v);
}

static enum exit_action exit_system_event(struct vcpu *v)
{
	uint32_t type = v->run->system_event.type;

	if (type == KVM_SYSTEM_EVENT_SHUTDOWN) {
		vm_request_stop(v->vm, HYVE_EXIT_OK, "the guest powered off");
		return EXIT_STOP;
	}
	if (type == KVM_SYSTEM_EVENT_RESET) {
		vm_request_stop(v->vm, HYVE_EXIT_REBOOT,
				"the guest asked KVM for a reset");
		return EXIT_STOP;
	}
	return exit_failure(v);
}

/* An MSR access KVM's filter sent here (the SYSCALL repair). */
static enum exit_action exit_msr(struct vcpu *v)
{
	if (!emulate_msr(v)) {
		log_err("exit", "vCPU %d: MSR %#x: cannot complete the access",
			v->id, v->run->msr.index);
		vm_request_stop(v->vm, HYVE_EXIT_KVM_ERROR, "MSR access");
		return EXIT_STOP;
	}
	return exit_result(v);
}

/* An emulation failure hyve can finish goes on; anything else is reported. */
static enum exit_action exit_internal_error(struct vcpu *v)
{
	if (v->vm->opt.complete_insns && emulate_complete(v))
		return exit_result(v);
	return exit_failure(v);
}

static enum exit_action exit_failure(struct vcpu *v)
{
	struct report_state *st = malloc(sizeof(*st));

	if (!st) {
		vm_request_stop(v->vm, report_exit_status(v->run), "failure");
		return EXIT_FAIL;
	}
	vcpu_capture(v, st);
	vm_fail(v->vm, st, report_exit_status(v->run));
	free(st);
	return EXIT_FAIL;
}

void exit_account(struct vcpu *v, uint32_t reason, uint64_t ns)
{
	struct exit_stat *s =
		&v->stats[reason <= EXIT_REASON_MAX ? reason
						    : EXIT_REASON_MAX + 1];
	s->count++;
	s->ns += ns;
}

/* Instructions hyve completed for KVM (emulate.c), by instruction. */
static void exit_print_completions(FILE *out, const struct vm *vm)
{
	bool header = false;

	uint64_t repairs = 0;

	for (unsigned int i = 0; i < vm->ncpus; i++)
		repairs += vm->vcpu[i].syscall_repairs;
	if (repairs) {
		fprintf(out, "%-28s %12s\n", "completed instruction", "count");
		fprintf(out, "%-28s %12" PRIu64 "\n",
			"syscall (from user mode)", repairs);
		header = true;
	}
	for (unsigned int k = 0; k < DECODE_KIND_COUNT; k++) {
		uint64_t n = 0;

		for (unsigned int i = 0; i < vm->ncpus; i++)
			n += vm->vcpu[i].completions[k];
		if (!n)
			continue;
		if (!header)
			fprintf(out, "%-28s %12s\n", "completed instruction",
				"count");
		header = true;
		fprintf(out, "%-28s %12" PRIu64 "\n",
			complete_kind_name((enum decode_kind)k), n);
	}
}

void exit_print_stats(FILE *out, const struct vm *vm)
{
	uint64_t total = 0, total_ns = 0, run_ns = 0;

	fprintf(out, "%-28s %12s %14s %12s\n", "exit reason", "count",
		"total us", "mean ns");
	for (unsigned int r = 0; r <= EXIT_REASON_MAX + 1; r++) {
		struct exit_stat s = { 0, 0 };

		for (unsigned int i = 0; i < vm->ncpus; i++) {
			s.count += vm->vcpu[i].stats[r].count;
			s.ns += vm->vcpu[i].stats[r].ns;
		}
		if (!s.count)
			continue;
		fprintf(out, "%-28s %12" PRIu64 " %14.1f %12" PRIu64 "\n",
			r <= EXIT_REASON_MAX ? exit_reason_name(r) : "unknown",
			s.count, (double)s.ns / 1e3, s.ns / s.count);
		total += s.count;
		total_ns += s.ns;
	}
	for (unsigned int i = 0; i < vm->ncpus; i++)
		run_ns += vm->vcpu[i].run_ns;
	fprintf(out, "%-28s %12" PRIu64 " %14.1f %12" PRIu64 "\n", "total",
		total, (double)total_ns / 1e3, total ? total_ns / total : 0);
	fprintf(out, "%-28s %12s %14.1f\n", "time in KVM_RUN", "",
		(double)run_ns / 1e3);
	exit_print_completions(out, vm);
}
