/*
 * exit_names.c: the name of every KVM exit reason, from the kvm_run exit
 * reasons listed in Documentation/virt/kvm/api.rst.  Numbers that newer
 * kernels added are spelt out so that hyve builds against older headers.
 */
#include "vmm/exit_names.h"

#include <linux/kvm.h>

static const char *const exit_reason_names[EXIT_REASON_MAX + 1] = {
	[KVM_EXIT_UNKNOWN] = "KVM_EXIT_UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "KVM_EXIT_EXCEPTION",
	[KVM_EXIT_IO] = "KVM_EXIT_IO",
	[KVM_EXIT_HYPERCALL] = "KVM_EXIT_HYPERCALL",
	[KVM_EXIT_DEBUG] = "KVM_EXIT_DEBUG",
	[KVM_EXIT_HLT] = "KVM_EXIT_HLT",
	[KVM_EXIT_MMIO] = "KVM_EXIT_MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "KVM_EXIT_IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "KVM_EXIT_SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "KVM_EXIT_FAIL_ENTRY",
	[KVM_EXIT_INTR] = "KVM_EXIT_INTR",
	[KVM_EXIT_SET_TPR] = "KVM_EXIT_SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "KVM_EXIT_TPR_ACCESS",
	[KVM_EXIT_S390_SIEIC] = "KVM_EXIT_S390_SIEIC",
	[KVM_EXIT_S390_RESET] = "KVM_EXIT_S390_RESET",
	[KVM_EXIT_DCR] = "KVM_EXIT_DCR",
	[KVM_EXIT_NMI] = "KVM_EXIT_NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "KVM_EXIT_INTERNAL_ERROR",
	[KVM_EXIT_OSI] = "KVM_EXIT_OSI",
	[KVM_EXIT_PAPR_HCALL] = "KVM_EXIT_PAPR_HCALL",
	[KVM_EXIT_S390_UCONTROL] = "KVM_EXIT_S390_UCONTROL",
	[KVM_EXIT_WATCHDOG] = "KVM_EXIT_WATCHDOG",
	[KVM_EXIT_S390_TSCH] = "KVM_EXIT_S390_TSCH",
	[KVM_EXIT_EPR] = "KVM_EXIT_EPR",
	[KVM_EXIT_SYSTEM_EVENT] = "KVM_EXIT_SYSTEM_EVENT",
	[KVM_EXIT_S390_STSI] = "KVM_EXIT_S390_STSI",
	[KVM_EXIT_IOAPIC_EOI] = "KVM_EXIT_IOAPIC_EOI",
	[KVM_EXIT_HYPERV] = "KVM_EXIT_HYPERV",
	[28] = "KVM_EXIT_ARM_NISV",
	[29] = "KVM_EXIT_X86_RDMSR",
	[30] = "KVM_EXIT_X86_WRMSR",
	[31] = "KVM_EXIT_DIRTY_RING_FULL",
	[32] = "KVM_EXIT_AP_RESET_HOLD",
	[33] = "KVM_EXIT_X86_BUS_LOCK",
	[34] = "KVM_EXIT_XEN",
	[35] = "KVM_EXIT_RISCV_SBI",
	[36] = "KVM_EXIT_RISCV_CSR",
	[37] = "KVM_EXIT_NOTIFY",
	[38] = "KVM_EXIT_LOONGARCH_IOCSR",
	[39] = "KVM_EXIT_MEMORY_FAULT",
	[40] = "KVM_EXIT_TDX",
};

const char *exit_reason_name(uint32_t reason)
{
	if (reason <= EXIT_REASON_MAX && exit_reason_names[reason])
		return exit_reason_names[reason];
	return "unknown";
}

const char *exit_internal_suberror_name(uint32_t suberror)
{
	switch (suberror) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "KVM_INTERNAL_ERROR_EMULATION";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "KVM_INTERNAL_ERROR_SIMUL_EX";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "KVM_INTERNAL_ERROR_DELIVERY_EV";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON";
	default:
		return "unknown";
	}
}
