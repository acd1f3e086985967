/*
 * report.c: the failure report.  See report.h.
 *
 * How Linux KVM fills KVM_EXIT_FAIL_ENTRY (Documentation/virt/kvm/api.rst,
 * arch/x86/kvm/vmx/vmx.c and svm/svm.c):
 *   Intel, entry failed after the checks on controls and host state passed:
 *     the full VMX exit reason, bit 31 set, basic reason in bits 15:0
 *     (33 invalid guest state, 34 MSR loading, 41 machine-check event;
 *     SDM Vol. 3C, "VM-Entry Failures During or After Loading Guest State").
 *   Intel, VMLAUNCH/VMRESUME failed (VMfailValid): the VM-instruction error
 *     number, bit 31 clear (SDM Vol. 3C, "VM Instruction Error Numbers").
 *   AMD: the VMCB exit code; VMRUN reports invalid guest state as
 *     VMEXIT_INVALID (-1) (AMD APM Vol. 2, "VMRUN" and Appendix C).
 */
#include "vmm/report.h"

#include <inttypes.h>
#include <string.h>

#include "arch/x86/x86.h"
#include "vmm/exit_names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define VMX_ENTRY_FAILURE	(1ULL << 31)
#define VMX_INVALID_GUEST_STATE 33
#define VMX_MSR_LOADING		34
#define VMX_MACHINE_CHECK	41

#define SVM_VMEXIT_INVALID UINT64_C(0xffffffffffffffff)
#define SVM_VMEXIT_MC	   0x52

/* KVM's ABI allows 16 data words in kvm_run.internal. */
#define INTERNAL_MAX_DATA ARRAY_SIZE(((struct kvm_run *)0)->internal.data)
#define INSN_MAX	  15 /* longest x86 instruction */

/* Names -------------------------------------------------------------- */

/* The name tables are packed by hand; clang-format would give each entry a
 * line of its own. */
/* clang-format off */

/* SDM Vol. 3D, Appendix C, "VMX Basic Exit Reasons". */
static const char *const vmx_exit_reasons[] = {
	[0] = "exception or NMI", [1] = "external interrupt",
	[2] = "triple fault", [3] = "INIT signal", [4] = "start-up IPI",
	[5] = "I/O SMI", [6] = "other SMI", [7] = "interrupt window",
	[8] = "NMI window", [9] = "task switch", [10] = "CPUID",
	[11] = "GETSEC", [12] = "HLT", [13] = "INVD", [14] = "INVLPG",
	[15] = "RDPMC", [16] = "RDTSC", [17] = "RSM", [18] = "VMCALL",
	[19] = "VMCLEAR", [20] = "VMLAUNCH", [21] = "VMPTRLD", [22] = "VMPTRST",
	[23] = "VMREAD", [24] = "VMRESUME", [25] = "VMWRITE", [26] = "VMXOFF",
	[27] = "VMXON", [28] = "control-register access", [29] = "MOV DR",
	[30] = "I/O instruction", [31] = "RDMSR", [32] = "WRMSR",
	[33] = "VM-entry failure due to invalid guest state",
	[34] = "VM-entry failure due to MSR loading", [36] = "MWAIT",
	[37] = "monitor trap flag", [39] = "MONITOR", [40] = "PAUSE",
	[41] = "VM-entry failure due to machine-check event",
	[43] = "TPR below threshold", [44] = "APIC access",
	[45] = "virtualized EOI", [46] = "GDTR or IDTR access",
	[47] = "LDTR or TR access", [48] = "EPT violation",
	[49] = "EPT misconfiguration", [50] = "INVEPT", [51] = "RDTSCP",
	[52] = "VMX-preemption timer expired", [53] = "INVVPID",
	[54] = "WBINVD or WBNOINVD", [55] = "XSETBV", [56] = "APIC write",
	[57] = "RDRAND", [58] = "INVPCID", [59] = "VMFUNC", [60] = "ENCLS",
	[61] = "RDSEED", [62] = "page-modification log full", [63] = "XSAVES",
	[64] = "XRSTORS", [67] = "UMWAIT", [68] = "TPAUSE", [74] = "bus lock",
	[75] = "instruction timeout",
};

/* SDM Vol. 3C, "VM Instruction Error Numbers"; 14, 21 and 27 are unused. */
static const char *const vmx_insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in "
		"executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

/* Sixteen names "<pre>0<post>" .. "<pre>15<post>" from index base. */
#define SVM_16(base, pre, post)						\
	[(base) + 0] = pre "0" post, [(base) + 1] = pre "1" post,	\
	[(base) + 2] = pre "2" post, [(base) + 3] = pre "3" post,	\
	[(base) + 4] = pre "4" post, [(base) + 5] = pre "5" post,	\
	[(base) + 6] = pre "6" post, [(base) + 7] = pre "7" post,	\
	[(base) + 8] = pre "8" post, [(base) + 9] = pre "9" post,	\
	[(base) + 10] = pre "10" post, [(base) + 11] = pre "11" post,	\
	[(base) + 12] = pre "12" post, [(base) + 13] = pre "13" post,	\
	[(base) + 14] = pre "14" post, [(base) + 15] = pre "15" post

/*
 * AMD APM Vol. 2, Appendix C, "SVM Intercept Exit Codes".  Exceptions
 * (0x40 + vector) are named by their mnemonic; reserved vectors by number.
 */
static const char *const svm_exit_codes[] = {
	SVM_16(0x00, "VMEXIT_CR", "_READ"),
	SVM_16(0x10, "VMEXIT_CR", "_WRITE"),
	SVM_16(0x20, "VMEXIT_DR", "_READ"),
	SVM_16(0x30, "VMEXIT_DR", "_WRITE"),
	[0x40] = "VMEXIT_DE", [0x41] = "VMEXIT_DB", [0x42] = "VMEXIT_EXCP2",
	[0x43] = "VMEXIT_BP", [0x44] = "VMEXIT_OF", [0x45] = "VMEXIT_BR",
	[0x46] = "VMEXIT_UD", [0x47] = "VMEXIT_NM", [0x48] = "VMEXIT_DF",
	[0x49] = "VMEXIT_EXCP9", [0x4a] = "VMEXIT_TS", [0x4b] = "VMEXIT_NP",
	[0x4c] = "VMEXIT_SS", [0x4d] = "VMEXIT_GP", [0x4e] = "VMEXIT_PF",
	[0x4f] = "VMEXIT_EXCP15", [0x50] = "VMEXIT_MF", [0x51] = "VMEXIT_AC",
	[0x52] = "VMEXIT_MC", [0x53] = "VMEXIT_XF", [0x54] = "VMEXIT_EXCP20",
	[0x55] = "VMEXIT_CP", [0x56] = "VMEXIT_EXCP22",
	[0x57] = "VMEXIT_EXCP23", [0x58] = "VMEXIT_EXCP24",
	[0x59] = "VMEXIT_EXCP25", [0x5a] = "VMEXIT_EXCP26",
	[0x5b] = "VMEXIT_EXCP27", [0x5c] = "VMEXIT_HV", [0x5d] = "VMEXIT_VC",
	[0x5e] = "VMEXIT_SX", [0x5f] = "VMEXIT_EXCP31", [0x60] = "VMEXIT_INTR",
	[0x61] = "VMEXIT_NMI", [0x62] = "VMEXIT_SMI", [0x63] = "VMEXIT_INIT",
	[0x64] = "VMEXIT_VINTR", [0x65] = "VMEXIT_CR0_SEL_WRITE",
	[0x66] = "VMEXIT_IDTR_READ", [0x67] = "VMEXIT_GDTR_READ",
	[0x68] = "VMEXIT_LDTR_READ", [0x69] = "VMEXIT_TR_READ",
	[0x6a] = "VMEXIT_IDTR_WRITE", [0x6b] = "VMEXIT_GDTR_WRITE",
	[0x6c] = "VMEXIT_LDTR_WRITE", [0x6d] = "VMEXIT_TR_WRITE",
	[0x6e] = "VMEXIT_RDTSC", [0x6f] = "VMEXIT_RDPMC",
	[0x70] = "VMEXIT_PUSHF", [0x71] = "VMEXIT_POPF",
	[0x72] = "VMEXIT_CPUID", [0x73] = "VMEXIT_RSM", [0x74] = "VMEXIT_IRET",
	[0x75] = "VMEXIT_SWINT", [0x76] = "VMEXIT_INVD",
	[0x77] = "VMEXIT_PAUSE", [0x78] = "VMEXIT_HLT",
	[0x79] = "VMEXIT_INVLPG", [0x7a] = "VMEXIT_INVLPGA",
	[0x7b] = "VMEXIT_IOIO", [0x7c] = "VMEXIT_MSR",
	[0x7d] = "VMEXIT_TASK_SWITCH", [0x7e] = "VMEXIT_FERR_FREEZE",
	[0x7f] = "VMEXIT_SHUTDOWN", [0x80] = "VMEXIT_VMRUN",
	[0x81] = "VMEXIT_VMMCALL", [0x82] = "VMEXIT_VMLOAD",
	[0x83] = "VMEXIT_VMSAVE", [0x84] = "VMEXIT_STGI",
	[0x85] = "VMEXIT_CLGI", [0x86] = "VMEXIT_SKINIT",
	[0x87] = "VMEXIT_RDTSCP", [0x88] = "VMEXIT_ICEBP",
	[0x89] = "VMEXIT_WBINVD", [0x8a] = "VMEXIT_MONITOR",
	[0x8b] = "VMEXIT_MWAIT", [0x8c] = "VMEXIT_MWAIT_CONDITIONAL",
	[0x8d] = "VMEXIT_XSETBV", [0x8e] = "VMEXIT_RDPRU",
	[0x8f] = "VMEXIT_EFER_WRITE_TRAP",
	SVM_16(0x90, "VMEXIT_CR", "_WRITE_TRAP"),
	[0xa0] = "VMEXIT_INVLPGB", [0xa1] = "VMEXIT_INVLPGB_ILLEGAL",
	[0xa2] = "VMEXIT_INVPCID", [0xa3] = "VMEXIT_MCOMMIT",
	[0xa4] = "VMEXIT_TLBSYNC",
};

static const char *const svm_exit_codes_400[] = {
	"VMEXIT_NPF", "VMEXIT_AVIC_INCOMPLETE_IPI", "VMEXIT_AVIC_NOACCEL",
	"VMEXIT_VMGEXIT",
};

/* The negative codes -1, -2, ... indexed by ~code. */
static const char *const svm_exit_codes_neg[] = {
	"VMEXIT_INVALID", "VMEXIT_BUSY", "VMEXIT_IDLE_REQUIRED",
	"VMEXIT_INVALID_PMC",
};
/* clang-format on */

const char *report_vmx_exit_reason_name(uint32_t basic)
{
	if (basic < ARRAY_SIZE(vmx_exit_reasons) && vmx_exit_reasons[basic])
		return vmx_exit_reasons[basic];
	return "unknown";
}

const char *report_vmx_insn_error_name(uint32_t err)
{
	if (err < ARRAY_SIZE(vmx_insn_errors) && vmx_insn_errors[err])
		return vmx_insn_errors[err];
	return "unknown";
}

const char *report_svm_exit_code_name(uint64_t code)
{
	const char *name = NULL;

	if (code < ARRAY_SIZE(svm_exit_codes))
		name = svm_exit_codes[code];
	else if (code - 0x400 < ARRAY_SIZE(svm_exit_codes_400))
		name = svm_exit_codes_400[code - 0x400];
	else if (~code < ARRAY_SIZE(svm_exit_codes_neg))
		name = svm_exit_codes_neg[~code];
	return name ? name : "unknown";
}

/* Exit statuses ------------------------------------------------------ */

int report_exit_status(const struct kvm_run *run)
{
	switch (run->exit_reason) {
	case KVM_EXIT_FAIL_ENTRY:
		return HYVE_EXIT_ENTRY_FAILED;
	case KVM_EXIT_INTERNAL_ERROR:
		return HYVE_EXIT_INTERNAL;
	case KVM_EXIT_SHUTDOWN:
		return HYVE_EXIT_TRIPLE_FAULT;
	default:
		return HYVE_EXIT_UNHANDLED;
	}
}

const char *report_exit_status_name(int status)
{
	static const char *const names[] = {
		[HYVE_EXIT_OK] = "success",
		[HYVE_EXIT_USAGE] = "usage error or unusable host",
		[HYVE_EXIT_ENTRY_FAILED] = "VM entry failed",
		[HYVE_EXIT_INTERNAL] = "KVM internal error",
		[HYVE_EXIT_TRIPLE_FAULT] = "guest triple fault",
		[HYVE_EXIT_UNHANDLED] = "unhandled exit",
		[HYVE_EXIT_KVM_ERROR] = "KVM ioctl failed",
	};

	if (status >= 0 && (size_t)status < ARRAY_SIZE(names) && names[status])
		return names[status];
	return "unknown";
}

/* Print text, a line at a time, each line indented by two spaces. */
static void put_text(FILE *out, const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");

		fprintf(out, "  %.*s\n", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

/* KVM_EXIT_FAIL_ENTRY ------------------------------------------------ */

static const char vmx_vmfail_text[] =
	"VMLAUNCH/VMRESUME failed (VMfailValid) before loading any guest\n"
	"state; the VM-instruction error field says why.";
static const char vmx_vmfail_setup_text[] =
	"The VMCS that KVM built is at fault, not the guest: SDM Vol. 3C,\n"
	"\"Checks on VMX Controls and Host-State Area\".";
static const char vmx_failed_text[] =
	"Bit 31 set: the controls and host state passed their checks; the\n"
	"entry failed while checking or loading the guest state.";
static const char vmx_igs_text[] =
	"Invalid guest state: a segment register, CR0/CR4/EFER, RFLAGS, RIP\n"
	"or the activity/interruptibility state broke a rule of SDM Vol. 3C,\n"
	"\"Checks on the Guest State Area\".";
static const char vmx_msr_text[] =
	"MSR loading: the CPU refused an entry of the VM-entry MSR-load area\n"
	"(SDM Vol. 3C, \"Loading MSRs\"); the exit qualification, which KVM\n"
	"does not pass on, says which entry.";
static const char vmx_mc_text[] =
	"Machine-check event during VM entry: the host hardware reported an\n"
	"error; the guest did not cause it.";
static const char svm_invalid_text[] =
	"VMRUN found invalid guest state in the VMCB (SVM's counterpart of\n"
	"VMX reason 33): EFER, CR0/CR3/CR4, a segment or event injection\n"
	"broke a rule of AMD APM Vol. 2, \"Canonicalization and Consistency\n"
	"Checks\".";
static const char svm_mc_text[] =
	"Machine check (#MC) during VMRUN or the guest (SVM's counterpart of\n"
	"VMX reason 41): the host hardware reported an error.";
static const char svm_no_msr_text[] =
	"SVM has no MSR-load area at VMRUN, so VMX reason 34 (MSR loading)\n"
	"has no SVM counterpart.";

static bool vmx_is_reason(uint64_t v, uint32_t basic)
{
	return v <= UINT32_MAX && (v & VMX_ENTRY_FAILURE) &&
	       (v & 0xffff) == basic;
}

static void vmx_summary(char *buf, size_t n, uint64_t v)
{
	if (v > UINT32_MAX)
		snprintf(buf, n, "0x%" PRIx64 " is not a VMX value", v);
	else if (v & VMX_ENTRY_FAILURE)
		snprintf(buf, n, "VMX exit reason %u (%s)",
			 (unsigned int)(v & 0xffff),
			 report_vmx_exit_reason_name(v & 0xffff));
	else
		snprintf(buf, n, "VMX instruction error %u (%s)",
			 (unsigned int)v,
			 report_vmx_insn_error_name((uint32_t)v));
}

static void vmx_explain(FILE *out, uint64_t v)
{
	if (v > UINT32_MAX)
		return;
	if (!(v & VMX_ENTRY_FAILURE)) {
		put_text(out, vmx_vmfail_text);
		if (v == 7 || v == 8)
			put_text(out, vmx_vmfail_setup_text);
		return;
	}
	put_text(out, vmx_failed_text);
	if (vmx_is_reason(v, VMX_INVALID_GUEST_STATE))
		put_text(out, vmx_igs_text);
	else if (vmx_is_reason(v, VMX_MSR_LOADING))
		put_text(out, vmx_msr_text);
	else if (vmx_is_reason(v, VMX_MACHINE_CHECK))
		put_text(out, vmx_mc_text);
}

static void svm_summary(char *buf, size_t n, uint64_t v)
{
	const char *what = "";

	if (v == SVM_VMEXIT_INVALID)
		what = ": invalid guest state";
	else if (v == SVM_VMEXIT_MC)
		what = ": machine check";
	if ((int64_t)v < 0)
		snprintf(buf, n, "SVM exit code %" PRId64 " (%s%s)", (int64_t)v,
			 report_svm_exit_code_name(v), what);
	else
		snprintf(buf, n, "SVM exit code 0x%" PRIx64 " (%s%s)", v,
			 report_svm_exit_code_name(v), what);
}

static void svm_explain(FILE *out, uint64_t v)
{
	if (v == SVM_VMEXIT_INVALID)
		put_text(out, svm_invalid_text);
	else if (v == SVM_VMEXIT_MC)
		put_text(out, svm_mc_text);
	else if (vmx_is_reason(v, VMX_MSR_LOADING))
		put_text(out, svm_no_msr_text);
}

/* Quick checks for the usual causes of invalid guest state. */
static void state_checks(FILE *out, const struct report_state *st)
{
	const struct kvm_sregs *s = &st->sregs;
	bool lme = s->efer & X86_EFER_LME, lma = s->efer & X86_EFER_LMA;
	bool pg = s->cr0 & X86_CR0_PG;
	int found = 0;

	if (st->have_regs && !(st->regs.rflags & X86_RFLAGS_FIXED) && ++found)
		put_text(out, "check: RFLAGS bit 1 is clear; it must be 1");
	if (!st->have_sregs)
		return;
	if (pg && !(s->cr0 & X86_CR0_PE) && ++found)
		put_text(out, "check: CR0.PG is set without CR0.PE");
	if (lme && pg && !(s->cr4 & X86_CR4_PAE) && ++found)
		put_text(out, "check: EFER.LME and CR0.PG without CR4.PAE");
	if (lma != (lme && pg) && ++found)
		put_text(out, "check: EFER.LMA is not EFER.LME && CR0.PG");
	if (lma && s->cs.l && s->cs.db && ++found)
		put_text(out, "check: CS.L and CS.D are both set");
	if ((s->tr.unusable || !s->tr.present || s->tr.s ||
	     (s->tr.type != 11 && (lma || s->tr.type != 3))) &&
	    ++found)
		put_text(out, "check: TR is not a present busy TSS (type 11, "
			      "or 3 outside long mode)");
	if (!found)
		put_text(out, "check: RFLAGS bit 1, the CR0/CR4/EFER paging "
			      "bits, CS.L/D and TR look valid");
}

static void cause_fail_entry(FILE *out, const struct report_state *st,
			     const char *who)
{
	uint64_t v = st->run.fail_entry.hardware_entry_failure_reason;
	bool intel = st->vendor != REPORT_VENDOR_AMD;
	bool amd = st->vendor != REPORT_VENDOR_INTEL;
	char vmx[160], svm[160];

	vmx_summary(vmx, sizeof(vmx), v);
	svm_summary(svm, sizeof(svm), v);
	if (intel && amd)
		fprintf(out,
			"%s: VM entry failed: hardware reason 0x%" PRIx64
			" (CPU vendor unknown)\n",
			who, v);
	else
		fprintf(out, "%s: VM entry failed: %s\n", who,
			intel ? vmx : svm);
	fprintf(out,
		"  fail_entry: hardware_entry_failure_reason 0x%" PRIx64
		", cpu %u\n",
		v, st->run.fail_entry.cpu);
	if (intel) {
		if (amd)
			fprintf(out, "  read as Intel VMX: %s\n", vmx);
		vmx_explain(out, v);
	}
	if (amd) {
		if (intel)
			fprintf(out, "  read as AMD SVM: %s\n", svm);
		svm_explain(out, v);
	}
	if ((intel && vmx_is_reason(v, VMX_INVALID_GUEST_STATE)) ||
	    (amd && v == SVM_VMEXIT_INVALID))
		state_checks(out, st);
	if (intel)
		put_text(out, "KVM logs the VMCS on the host with "
			      "kvm_intel.dump_invalid_vmcs=1");
	if (amd)
		put_text(out, "KVM logs the VMCB on the host with "
			      "kvm_amd.dump_invalid_vmcb=1");
}

/* KVM_EXIT_INTERNAL_ERROR -------------------------------------------- */

static void cause_internal(FILE *out, const struct report_state *st,
			   const char *who)
{
	static const char *const what[] = {
		[KVM_INTERNAL_ERROR_EMULATION] = "emulation failure",
		[KVM_INTERNAL_ERROR_SIMUL_EX] =
			"fault while delivering an event",
		[KVM_INTERNAL_ERROR_DELIVERY_EV] = "exit during event delivery",
		[KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON] =
			"hardware exit KVM does not handle",
	};
	const struct kvm_run *run = &st->run;
	uint32_t sub = run->internal.suberror;
	uint32_t ndata = run->internal.ndata;
	uint32_t shown = ndata > INTERNAL_MAX_DATA ? INTERNAL_MAX_DATA : ndata;

	fprintf(out, "%s: KVM internal error: %s (%s)\n", who,
		sub < ARRAY_SIZE(what) && what[sub] ? what[sub] : "unknown",
		exit_internal_suberror_name(sub));
	fprintf(out, "  KVM_EXIT_INTERNAL_ERROR: suberror %u, ndata %u", sub,
		ndata);
	if (shown != ndata)
		fprintf(out, " (bogus: at most %zu; showing %u)",
			INTERNAL_MAX_DATA, shown);
	fputc('\n', out);

	/* Data word 0 is flags; words 1 and 2 hold insn_size and the bytes. */
	if (sub == KVM_INTERNAL_ERROR_EMULATION) {
		put_text(out, "KVM's instruction emulator could not handle the "
			      "instruction at RIP\n(for example an MMIO access "
			      "by an instruction it does not know).");
		if (shown >= 1 &&
		    (run->emulation_failure.flags &
		     KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
			unsigned int size = run->emulation_failure.insn_size;
			unsigned int n = size > INSN_MAX ? INSN_MAX : size;

			if (shown < 3)
				n = 0;
			fprintf(out, "  instruction (insn_size %u", size);
			if (n != size)
				fprintf(out, "; bogus, showing %u", n);
			fprintf(out, "):");
			for (unsigned int i = 0; i < n; i++)
				fprintf(out, " %02x",
					run->emulation_failure.insn_bytes[i]);
			fputc('\n', out);
		}
	}
	for (uint32_t i = 0; i < shown; i++)
		fprintf(out, "%s%016" PRIx64 "%s",
			i % 4 == 0 ? "  data: " : " ",
			(uint64_t)run->internal.data[i],
			i % 4 == 3 || i + 1 == shown ? "\n" : "");
}

/* KVM_EXIT_SHUTDOWN and the rest ------------------------------------- */

static void cause_shutdown(FILE *out, const struct report_state *st,
			   const char *who)
{
	fprintf(out, "%s: guest triple fault (KVM_EXIT_SHUTDOWN)\n", who);
	put_text(out, "A triple fault is an exception raised while delivering "
		      "a double fault;\nthe CPU gives up and shuts down.  "
		      "Usual causes: no usable IDT, a bad\nstack, or an "
		      "unmapped handler or IDT page.");
	if (st->have_sregs && st->sregs.idt.limit == 0)
		put_text(out, "check: the IDT limit is 0, so the guest's first "
			      "exception has no handler");
}

static void cause_other(FILE *out, const struct report_state *st,
			const char *who)
{
	const struct kvm_run *run = &st->run;

	fprintf(out, "%s: unhandled exit %s (%u)\n", who,
		exit_reason_name(run->exit_reason), run->exit_reason);
	switch (run->exit_reason) {
	case KVM_EXIT_UNKNOWN:
		fprintf(out, "  hardware_exit_reason 0x%" PRIx64 "\n",
			(uint64_t)run->hw.hardware_exit_reason);
		break;
	case KVM_EXIT_EXCEPTION:
		fprintf(out, "  exception %u, error code 0x%x\n",
			run->ex.exception, run->ex.error_code);
		break;
	case KVM_EXIT_IO:
		fprintf(out, "  port 0x%x, %s, size %u, count %u\n",
			run->io.port, run->io.direction ? "out" : "in",
			run->io.size, run->io.count);
		break;
	case KVM_EXIT_MMIO:
		fprintf(out, "  address 0x%" PRIx64 ", %s, length %u\n",
			(uint64_t)run->mmio.phys_addr,
			run->mmio.is_write ? "write" : "read", run->mmio.len);
		break;
	default:
		break;
	}
}

/* Machine state ------------------------------------------------------ */

struct bit_name {
	uint8_t bit;
	const char *name;
};

static const struct bit_name rflags_bits[] = {
	{ 0, "CF" },  { 2, "PF" },   { 4, "AF" },   { 6, "ZF" },
	{ 7, "SF" },  { 8, "TF" },   { 9, "IF" },   { 10, "DF" },
	{ 11, "OF" }, { 14, "NT" },  { 16, "RF" },  { 17, "VM" },
	{ 18, "AC" }, { 19, "VIF" }, { 20, "VIP" }, { 21, "ID" },
};

static const struct bit_name cr0_bits[] = {
	{ 0, "PE" },  { 1, "MP" },  { 2, "EM" },  { 3, "TS" },
	{ 4, "ET" },  { 5, "NE" },  { 16, "WP" }, { 18, "AM" },
	{ 29, "NW" }, { 30, "CD" }, { 31, "PG" },
};

static const struct bit_name cr4_bits[] = {
	{ 0, "VME" },	    { 1, "PVI" },	  { 2, "TSD" },
	{ 3, "DE" },	    { 4, "PSE" },	  { 5, "PAE" },
	{ 6, "MCE" },	    { 7, "PGE" },	  { 8, "PCE" },
	{ 9, "OSFXSR" },    { 10, "OSXMMEXCPT" }, { 11, "UMIP" },
	{ 12, "LA57" },	    { 13, "VMXE" },	  { 14, "SMXE" },
	{ 16, "FSGSBASE" }, { 17, "PCIDE" },	  { 18, "OSXSAVE" },
	{ 20, "SMEP" },	    { 21, "SMAP" },	  { 22, "PKE" },
	{ 23, "CET" },	    { 24, "PKS" },
};

static const struct bit_name efer_bits[] = {
	{ 0, "SCE" },  { 8, "LME" },   { 10, "LMA" },
	{ 11, "NXE" }, { 12, "SVME" },
};

static void put_bits(FILE *out, uint64_t v, const struct bit_name *t, size_t n)
{
	const char *sep = "";

	fputs(" [", out);
	for (size_t i = 0; i < n; i++) {
		if (v & (1ULL << t[i].bit)) {
			fprintf(out, "%s%s", sep, t[i].name);
			sep = " ";
		}
	}
	fputc(']', out);
}

static void put_regs(FILE *out, const struct kvm_regs *r)
{
	const struct {
		const char *name;
		uint64_t v;
	} g[] = {
		{ "rax", r->rax }, { "rbx", r->rbx }, { "rcx", r->rcx },
		{ "rdx", r->rdx }, { "rsi", r->rsi }, { "rdi", r->rdi },
		{ "rsp", r->rsp }, { "rbp", r->rbp }, { "r8", r->r8 },
		{ "r9", r->r9 },   { "r10", r->r10 }, { "r11", r->r11 },
		{ "r12", r->r12 }, { "r13", r->r13 }, { "r14", r->r14 },
		{ "r15", r->r15 }, { "rip", r->rip },
	};

	for (size_t i = 0; i < ARRAY_SIZE(g); i++)
		fprintf(out, "  %-3s %016" PRIx64 "%s", g[i].name, g[i].v,
			i % 3 == 2 || i + 1 == ARRAY_SIZE(g) ? "\n" : "");
	fprintf(out, "  rflags %016" PRIx64, (uint64_t)r->rflags);
	put_bits(out, r->rflags, rflags_bits, ARRAY_SIZE(rflags_bits));
	fprintf(out, " iopl %u\n", (unsigned int)(r->rflags >> 12) & 3);
}

static void put_seg(FILE *out, const char *name, const struct kvm_segment *s)
{
	fprintf(out,
		"  %-3s %04x %016" PRIx64
		" %08x %4x %1u %3u %1u %1u %2u %1u%s\n",
		name, s->selector, (uint64_t)s->base, s->limit, s->type, s->s,
		s->dpl, s->present, s->l, s->db, s->g,
		s->unusable ? " unusable" : "");
}

static void put_sregs(FILE *out, const struct kvm_sregs *s)
{
	const struct kvm_segment *seg[] = { &s->cs, &s->ds, &s->es, &s->fs,
					    &s->gs, &s->ss, &s->tr, &s->ldt };
	static const char *const names[] = { "cs", "ds", "es", "fs",
					     "gs", "ss", "tr", "ldt" };

	fprintf(out, "  seg sel  base             limit    type s dpl p l db "
		     "g\n");
	for (size_t i = 0; i < ARRAY_SIZE(seg); i++)
		put_seg(out, names[i], seg[i]);
	fprintf(out,
		"  gdt base %016" PRIx64 " limit %04x  idt base %016" PRIx64
		" limit %04x\n",
		(uint64_t)s->gdt.base, s->gdt.limit, (uint64_t)s->idt.base,
		s->idt.limit);
	fprintf(out, "  cr0 %016" PRIx64, (uint64_t)s->cr0);
	put_bits(out, s->cr0, cr0_bits, ARRAY_SIZE(cr0_bits));
	fprintf(out,
		"\n  cr2 %016" PRIx64 "  cr3 %016" PRIx64 "  cr8 %" PRIx64 "\n",
		(uint64_t)s->cr2, (uint64_t)s->cr3, (uint64_t)s->cr8);
	fprintf(out, "  cr4 %016" PRIx64, (uint64_t)s->cr4);
	put_bits(out, s->cr4, cr4_bits, ARRAY_SIZE(cr4_bits));
	fprintf(out, "\n  efer %016" PRIx64, (uint64_t)s->efer);
	put_bits(out, s->efer, efer_bits, ARRAY_SIZE(efer_bits));
	fprintf(out, "  apic_base %" PRIx64 "\n", (uint64_t)s->apic_base);
}

static void put_code(FILE *out, const struct report_state *st)
{
	size_t n = st->rip_len;

	if (n > sizeof(st->rip_bytes))
		n = sizeof(st->rip_bytes);
	if (n == 0) {
		fprintf(out, "  code at rip: unreadable (RIP does not map to "
			     "guest RAM)\n");
		return;
	}
	fprintf(out, "  code at rip (gpa 0x%" PRIx64 "):", st->rip_gpa);
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %02x", st->rip_bytes[i]);
	fputc('\n', out);
}

void report_format(FILE *out, const struct report_state *st)
{
	int status = report_exit_status(&st->run);
	char who[32];

	snprintf(who, sizeof(who), "hyve: vCPU %d", st->vcpu_id);
	switch (st->run.exit_reason) {
	case KVM_EXIT_FAIL_ENTRY:
		cause_fail_entry(out, st, who);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		cause_internal(out, st, who);
		break;
	case KVM_EXIT_SHUTDOWN:
		cause_shutdown(out, st, who);
		break;
	default:
		cause_other(out, st, who);
		break;
	}
	if (st->have_regs)
		put_regs(out, &st->regs);
	else
		fprintf(out, "  general registers: not captured\n");
	if (st->have_sregs)
		put_sregs(out, &st->sregs);
	else
		fprintf(out, "  segment and control registers: not captured\n");
	put_code(out, st);
	fprintf(out, "hyve: exiting with status %d (%s)\n", status,
		report_exit_status_name(status));
	fflush(out);
}
