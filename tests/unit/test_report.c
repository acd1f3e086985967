/*
 * test_report.c: the failure report (report.c) fed crafted kvm_run records,
 * and the guest page-table walk (pagewalk.c) over crafted tables in a
 * malloc'd guest_mem.  No KVM needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/pagewalk.h"
#include "vmm/mem.h"
#include "vmm/report.h"

/* Report helpers ------------------------------------------------------ */

/* A plausible 64-bit vCPU, as hyve's loader leaves it. */
static void base_state(struct report_state *st, int exit_reason)
{
	static const uint8_t code[] = { 0x0f, 0x01, 0xd9, 0x90 };
	struct kvm_segment cs = {
		.base = 0,
		.limit = 0xffffffff,
		.selector = 0x08,
		.type = 11,
		.present = 1,
		.s = 1,
		.l = 1,
		.g = 1,
	};
	struct kvm_segment ds = cs;

	memset(st, 0, sizeof(*st));
	st->vendor = REPORT_VENDOR_INTEL;
	st->run.exit_reason = exit_reason;
	st->have_regs = st->have_sregs = true;
	st->regs.rip = 0x100000;
	st->regs.rsp = 0x80000;
	st->regs.rax = 0x1122334455667788ULL;
	st->regs.rflags = 0x2;
	ds.selector = 0x10;
	ds.type = 3;
	ds.l = 0;
	ds.db = 1;
	st->sregs.cs = cs;
	st->sregs.ds = st->sregs.es = st->sregs.fs = st->sregs.gs = ds;
	st->sregs.ss = ds;
	st->sregs.tr = (struct kvm_segment){
		.base = 0x2000,
		.limit = 0x67,
		.selector = 0x18,
		.type = 11,
		.present = 1,
	};
	st->sregs.ldt = (struct kvm_segment){ .unusable = 1, .type = 2 };
	st->sregs.gdt.base = 0x1000;
	st->sregs.gdt.limit = 0x27;
	st->sregs.idt.limit = 0xfff;
	st->sregs.cr0 = 0x80000011;
	st->sregs.cr3 = 0x10000;
	st->sregs.cr4 = 0x20;
	st->sregs.efer = 0x500;
	memcpy(st->rip_bytes, code, sizeof(code));
	st->rip_len = sizeof(code);
	st->rip_gpa = 0x100000;
}

/* report_format() into a malloc'd string. */
static char *format(const struct report_state *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	report_format(f, st);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	return buf;
}

static void expect_in(const char *buf, const char *needle, bool want)
{
	if ((strstr(buf, needle) != NULL) != want) {
		print_error("%s \"%s\" in:\n%s\n",
			    want ? "missing" : "unexpected", needle, buf);
		fail();
	}
}
#define assert_has(buf, s)   expect_in(buf, s, true)
#define assert_lacks(buf, s) expect_in(buf, s, false)

static int count_lines(const char *buf)
{
	int n = 0;

	for (; *buf; buf++)
		n += *buf == '\n';
	return n;
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The line that contains needle, copied into line[size]. */
static void line_with(const char *buf, const char *needle, char *line,
		      size_t size)
{
	const char *p = strstr(buf, needle), *start, *end;

	assert_non_null(p);
	for (start = p; start > buf && start[-1] != '\n'; start--)
		;
	end = strchr(p, '\n');
	assert_non_null(end);
	assert_true((size_t)(end - start) < size);
	memcpy(line, start, end - start);
	line[end - start] = '\0';
}

static char *fail_entry(enum report_cpu_vendor vendor, uint64_t reason)
{
	struct report_state st;

	base_state(&st, KVM_EXIT_FAIL_ENTRY);
	st.vendor = vendor;
	st.run.fail_entry.hardware_entry_failure_reason = reason;
	st.run.fail_entry.cpu = 3;
	return format(&st);
}

/* KVM_EXIT_FAIL_ENTRY ------------------------------------------------- */

static void test_vmx_invalid_guest_state(void **state)
{
	char *b = fail_entry(REPORT_VENDOR_INTEL, 0x80000021);

	(void)state;
	assert_has(b, "hyve: vCPU 0: VM entry failed: VMX exit reason 33 "
		      "(VM-entry failure due to invalid guest state)\n");
	assert_has(b, "fail_entry: hardware_entry_failure_reason 0x80000021, "
		      "cpu 3\n");
	assert_has(b, "Invalid guest state");
	assert_has(b, "look valid");
	assert_has(b, "kvm_intel.dump_invalid_vmcs=1");
	assert_lacks(b, "SVM");
	assert_has(b, "hyve: exiting with status 4 (VM entry failed)\n");
	assert_true(count_lines(b) <= 45);
	free(b);
}

static void test_vmx_invalid_guest_state_checks(void **state)
{
	struct report_state st;
	char *b;

	(void)state;
	base_state(&st, KVM_EXIT_FAIL_ENTRY);
	st.run.fail_entry.hardware_entry_failure_reason = 0x80000021;
	st.regs.rflags = 0;   /* bit 1 must be 1 */
	st.sregs.cr4 = 0;     /* long mode without PAE */
	st.sregs.cs.db = 1;   /* L and D both set */
	st.sregs.tr.type = 9; /* available, not busy */
	b = format(&st);
	assert_has(b, "RFLAGS bit 1 is clear");
	assert_has(b, "without CR4.PAE");
	assert_has(b, "CS.L and CS.D are both set");
	assert_has(b, "TR is not a present busy TSS");
	assert_lacks(b, "look valid");
	free(b);
}

static void test_vmx_msr_loading(void **state)
{
	char *b = fail_entry(REPORT_VENDOR_INTEL, 0x80000022);

	(void)state;
	assert_has(b, "VM entry failed: VMX exit reason 34 (VM-entry failure "
		      "due to MSR loading)");
	assert_has(b, "MSR loading: the CPU refused");
	assert_lacks(b, "check:");
	free(b);
}

static void test_vmx_machine_check(void **state)
{
	char *b = fail_entry(REPORT_VENDOR_INTEL, 0x80000029);

	(void)state;
	assert_has(b, "VMX exit reason 41 (VM-entry failure due to "
		      "machine-check event)");
	assert_has(b, "Machine-check event during VM entry: the host "
		      "hardware reported an\n  error");
	free(b);
}

static void test_vmx_insn_error(void **state)
{
	char *b = fail_entry(REPORT_VENDOR_INTEL, 7);

	(void)state;
	assert_has(b, "VM entry failed: VMX instruction error 7 (VM entry with "
		      "invalid control field(s))");
	assert_has(b, "VMfailValid");
	assert_has(b, "Checks on VMX Controls and Host-State Area");
	assert_lacks(b, "exit reason");
	free(b);

	b = fail_entry(REPORT_VENDOR_INTEL, 8);
	assert_has(b, "VMX instruction error 8 (VM entry with invalid "
		      "host-state field(s))");
	free(b);
}

static void test_svm_invalid(void **state)
{
	char *b = fail_entry(REPORT_VENDOR_AMD, UINT64_MAX);

	(void)state;
	assert_has(b, "VM entry failed: SVM exit code -1 (VMEXIT_INVALID: "
		      "invalid guest state)\n");
	assert_has(b, "hardware_entry_failure_reason 0xffffffffffffffff");
	assert_has(b, "invalid guest state in the VMCB");
	assert_has(b, "kvm_amd.dump_invalid_vmcb=1");
	assert_has(b, "check:");
	assert_lacks(b, "VMX exit");
	assert_lacks(b, "kvm_intel");
	assert_has(b, "exiting with status 4");
	free(b);
}

static void test_svm_machine_check(void **state)
{
	char *b = fail_entry(REPORT_VENDOR_AMD, 0x52);

	(void)state;
	assert_has(b, "SVM exit code 0x52 (VMEXIT_MC: machine check)");
	assert_has(b, "counterpart of\n  VMX reason 41");
	free(b);
}

static void test_unknown_vendor(void **state)
{
	char *b = fail_entry(REPORT_VENDOR_UNKNOWN, 0x80000022);

	(void)state;
	assert_has(b, "VM entry failed: hardware reason 0x80000022 "
		      "(CPU vendor unknown)");
	assert_has(b, "read as Intel VMX: VMX exit reason 34");
	assert_has(b, "read as AMD SVM: SVM exit code 0x80000022 (unknown)");
	assert_has(b, "SVM has no MSR-load area");
	assert_has(b, "kvm_intel.dump_invalid_vmcs");
	assert_has(b, "kvm_amd.dump_invalid_vmcb");
	free(b);

	b = fail_entry(REPORT_VENDOR_UNKNOWN, UINT64_MAX);
	assert_has(b, "0xffffffffffffffff is not a VMX value");
	assert_has(b, "VMEXIT_INVALID: invalid guest state");
	assert_true(count_lines(b) <= 45);
	free(b);
}

/* KVM_EXIT_INTERNAL_ERROR --------------------------------------------- */

static void test_emulation_failure_bytes(void **state)
{
	static const uint8_t insn[] = { 0x0f, 0x01, 0xd9 };
	struct report_state st;
	char *b;

	(void)state;
	base_state(&st, KVM_EXIT_INTERNAL_ERROR);
	st.run.emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	st.run.emulation_failure.ndata = 3;
	st.run.emulation_failure.flags =
		KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	st.run.emulation_failure.insn_size = sizeof(insn);
	memcpy(st.run.emulation_failure.insn_bytes, insn, sizeof(insn));
	b = format(&st);
	assert_has(b, "hyve: vCPU 0: KVM internal error: emulation failure "
		      "(KVM_INTERNAL_ERROR_EMULATION)\n");
	assert_has(b, "suberror 1, ndata 3\n");
	assert_has(b, "instruction (insn_size 3): 0f 01 d9\n");
	assert_has(b, "  data: 0000000000000001 ");
	assert_has(b, "hyve: exiting with status 6 (KVM internal error)\n");
	assert_true(count_lines(b) <= 45);
	free(b);
}

static void test_emulation_failure_bogus_size(void **state)
{
	struct report_state st;
	char line[256];
	char *b;

	(void)state;
	base_state(&st, KVM_EXIT_INTERNAL_ERROR);
	st.run.emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	st.run.emulation_failure.ndata = 4;
	st.run.emulation_failure.flags =
		KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	st.run.emulation_failure.insn_size = 200;
	memset(st.run.emulation_failure.insn_bytes, 0xab, 15);
	st.run.internal.data[3] = 0xcdcdcdcdcdcdcdcdULL; /* right after */
	b = format(&st);
	line_with(b, "insn_size", line, sizeof(line));
	assert_has(line, "insn_size 200; bogus, showing 15");
	assert_int_equal(count_of(line, " ab"), 15);
	assert_lacks(line, "cd");
	free(b);

	/* Flag set but ndata too small to hold the bytes: show none. */
	st.run.emulation_failure.ndata = 1;
	st.run.emulation_failure.insn_size = 3;
	b = format(&st);
	line_with(b, "insn_size", line, sizeof(line));
	assert_has(line, "insn_size 3; bogus, showing 0):");
	assert_lacks(line, "ab");
	free(b);
}

static void test_internal_ndata_clamped(void **state)
{
	struct report_state st;
	char *b;

	(void)state;
	base_state(&st, KVM_EXIT_INTERNAL_ERROR);
	st.run.internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
	st.run.internal.ndata = 1000;
	for (int i = 0; i < 16; i++)
		st.run.internal.data[i] = 0x1000 + i;
	b = format(&st);
	assert_has(b, "KVM internal error: exit during event delivery "
		      "(KVM_INTERNAL_ERROR_DELIVERY_EV)");
	assert_has(b, "ndata 1000 (bogus: at most 16; showing 16)");
	assert_int_equal(count_of(b, "  data: "), 4);
	assert_has(b, " 000000000000100f\n");
	assert_lacks(b, "emulation failure");
	assert_true(count_lines(b) <= 45);
	free(b);

	st.run.internal.suberror = 77;
	st.run.internal.ndata = 0;
	b = format(&st);
	assert_has(b, "KVM internal error: unknown (unknown)");
	assert_lacks(b, "data:");
	free(b);
}

/* KVM_EXIT_SHUTDOWN and unhandled exits ------------------------------- */

static void test_shutdown(void **state)
{
	struct report_state st;
	char *b;

	(void)state;
	base_state(&st, KVM_EXIT_SHUTDOWN);
	b = format(&st);
	assert_has(b, "hyve: vCPU 0: guest triple fault (KVM_EXIT_SHUTDOWN)");
	assert_has(b, "triple fault is an exception raised while delivering "
		      "a double fault");
	assert_lacks(b, "IDT limit is 0");
	assert_has(b, "hyve: exiting with status 8 (guest triple fault)\n");
	free(b);

	st.vcpu_id = 3;
	st.sregs.idt.limit = 0;
	b = format(&st);
	assert_has(b, "hyve: vCPU 3: guest triple fault");
	assert_has(b, "IDT limit is 0");
	free(b);
}

static void test_unhandled(void **state)
{
	struct report_state st;
	char *b;

	(void)state;
	base_state(&st, KVM_EXIT_MMIO);
	st.run.mmio.phys_addr = 0xfee00000;
	st.run.mmio.len = 4;
	st.run.mmio.is_write = 1;
	b = format(&st);
	assert_has(b, "hyve: vCPU 0: unhandled exit KVM_EXIT_MMIO (6)\n");
	assert_has(b, "address 0xfee00000, write, length 4");
	assert_has(b, "hyve: exiting with status 10 (unhandled exit)\n");
	free(b);

	base_state(&st, 12345);
	b = format(&st);
	assert_has(b, "unhandled exit unknown (12345)");
	free(b);
}

/* Machine state ------------------------------------------------------- */

static void test_machine_state(void **state)
{
	struct report_state st;
	char *b;

	(void)state;
	base_state(&st, KVM_EXIT_SHUTDOWN);
	st.regs.rflags = 0x246;
	st.sregs.efer = 0xd01;
	b = format(&st);
	assert_has(b, "  rax 1122334455667788");
	assert_has(b, "  rip 0000000000100000\n");
	assert_has(b, "  rflags 0000000000000246 [PF ZF IF] iopl 0\n");
	assert_has(b, "  cs  0008 0000000000000000 ffffffff    b 1   0 1 1  0 "
		      "1\n");
	assert_has(b, "  ldt 0000 0000000000000000 00000000    2 0   0 0 0  0 "
		      "0 unusable\n");
	assert_has(b, "gdt base 0000000000001000 limit 0027");
	assert_has(b, "cr0 0000000080000011 [PE ET PG]\n");
	assert_has(b, "cr4 0000000000000020 [PAE]\n");
	assert_has(b, "efer 0000000000000d01 [SCE LME LMA NXE]");
	assert_has(b, "code at rip (gpa 0x100000): 0f 01 d9 90\n");
	free(b);
}

static void test_nothing_captured(void **state)
{
	struct report_state st;
	char *b;

	(void)state;
	base_state(&st, KVM_EXIT_FAIL_ENTRY);
	st.run.fail_entry.hardware_entry_failure_reason = 0x80000021;
	st.have_regs = st.have_sregs = false;
	st.rip_len = 0;
	b = format(&st);
	assert_has(b, "general registers: not captured");
	assert_has(b, "segment and control registers: not captured");
	assert_has(b, "code at rip: unreadable");
	assert_lacks(b, "check:");
	free(b);

	/* A rip_len beyond the buffer is clamped, not trusted. */
	base_state(&st, KVM_EXIT_SHUTDOWN);
	st.rip_len = 1000;
	memset(st.rip_bytes, 0xee, sizeof(st.rip_bytes));
	b = format(&st);
	assert_int_equal(count_of(b, " ee"), 16);
	free(b);
}

/* Exit statuses and names --------------------------------------------- */

static void test_exit_status(void **state)
{
	static const int all[] = {
		HYVE_EXIT_USAGE,     HYVE_EXIT_ENTRY_FAILED,
		HYVE_EXIT_INTERNAL,  HYVE_EXIT_TRIPLE_FAULT,
		HYVE_EXIT_UNHANDLED, HYVE_EXIT_KVM_ERROR,
	};
	struct kvm_run run = { 0 };

	(void)state;
	run.exit_reason = KVM_EXIT_FAIL_ENTRY;
	assert_int_equal(report_exit_status(&run), HYVE_EXIT_ENTRY_FAILED);
	run.exit_reason = KVM_EXIT_INTERNAL_ERROR;
	assert_int_equal(report_exit_status(&run), HYVE_EXIT_INTERNAL);
	run.exit_reason = KVM_EXIT_SHUTDOWN;
	assert_int_equal(report_exit_status(&run), HYVE_EXIT_TRIPLE_FAULT);
	run.exit_reason = KVM_EXIT_IO;
	assert_int_equal(report_exit_status(&run), HYVE_EXIT_UNHANDLED);
	run.exit_reason = 999;
	assert_int_equal(report_exit_status(&run), HYVE_EXIT_UNHANDLED);

	assert_int_equal(HYVE_EXIT_OK, 0);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		/* Even, so never (v << 1) | 1 from --debug-exit. */
		assert_true(all[i] > 0 && all[i] < 128 && all[i] % 2 == 0);
		assert_string_not_equal(report_exit_status_name(all[i]),
					"unknown");
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(all[i], all[j]);
	}
	assert_string_equal(report_exit_status_name(-1), "unknown");
	assert_string_equal(report_exit_status_name(3), "unknown");
	assert_string_equal(report_exit_status_name(1000), "unknown");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(report_vmx_exit_reason_name(0), "exception or NMI");
	assert_string_equal(report_vmx_exit_reason_name(2), "triple fault");
	assert_string_equal(report_vmx_exit_reason_name(30), "I/O instruction");
	assert_string_equal(report_vmx_exit_reason_name(33),
			    "VM-entry failure due to invalid guest state");
	assert_string_equal(report_vmx_exit_reason_name(34),
			    "VM-entry failure due to MSR loading");
	assert_string_equal(report_vmx_exit_reason_name(41),
			    "VM-entry failure due to machine-check event");
	assert_string_equal(report_vmx_exit_reason_name(48), "EPT violation");
	assert_string_equal(report_vmx_exit_reason_name(64), "XRSTORS");
	assert_string_equal(report_vmx_exit_reason_name(35), "unknown");
	assert_string_equal(report_vmx_exit_reason_name(65535), "unknown");
	assert_string_equal(report_vmx_exit_reason_name(UINT32_MAX), "unknown");
	for (uint32_t r = 0; r <= 64; r++)
		if (r != 35 && r != 38 && r != 42)
			assert_string_not_equal(report_vmx_exit_reason_name(r),
						"unknown");

	assert_string_equal(report_vmx_insn_error_name(1),
			    "VMCALL executed in VMX root operation");
	assert_string_equal(report_vmx_insn_error_name(7),
			    "VM entry with invalid control field(s)");
	assert_string_equal(report_vmx_insn_error_name(8),
			    "VM entry with invalid host-state field(s)");
	assert_string_equal(report_vmx_insn_error_name(28),
			    "invalid operand to INVEPT/INVVPID");
	assert_string_equal(report_vmx_insn_error_name(0), "unknown");
	assert_string_equal(report_vmx_insn_error_name(14), "unknown");
	assert_string_equal(report_vmx_insn_error_name(29), "unknown");

	assert_string_equal(report_svm_exit_code_name(UINT64_MAX),
			    "VMEXIT_INVALID");
	assert_string_equal(report_svm_exit_code_name(UINT64_MAX - 1),
			    "VMEXIT_BUSY");
	assert_string_equal(report_svm_exit_code_name(0x00), "VMEXIT_CR0_READ");
	assert_string_equal(report_svm_exit_code_name(0x0f),
			    "VMEXIT_CR15_READ");
	assert_string_equal(report_svm_exit_code_name(0x3f),
			    "VMEXIT_DR15_WRITE");
	assert_string_equal(report_svm_exit_code_name(0x4e), "VMEXIT_PF");
	assert_string_equal(report_svm_exit_code_name(0x52), "VMEXIT_MC");
	assert_string_equal(report_svm_exit_code_name(0x72), "VMEXIT_CPUID");
	assert_string_equal(report_svm_exit_code_name(0x7f), "VMEXIT_SHUTDOWN");
	assert_string_equal(report_svm_exit_code_name(0x8f),
			    "VMEXIT_EFER_WRITE_TRAP");
	assert_string_equal(report_svm_exit_code_name(0x90),
			    "VMEXIT_CR0_WRITE_TRAP");
	assert_string_equal(report_svm_exit_code_name(0xa4), "VMEXIT_TLBSYNC");
	assert_string_equal(report_svm_exit_code_name(0x400), "VMEXIT_NPF");
	assert_string_equal(report_svm_exit_code_name(0x403), "VMEXIT_VMGEXIT");
	for (uint64_t c = 0; c < 0xa5; c++)
		if (c < 0xa0 || c == 0xa2)
			assert_string_not_equal(report_svm_exit_code_name(c),
						"unknown");
	assert_string_equal(report_svm_exit_code_name(0xa5), "unknown");
	assert_string_equal(report_svm_exit_code_name(0x3ff), "unknown");
	assert_string_equal(report_svm_exit_code_name(0x404), "unknown");
	assert_string_equal(report_svm_exit_code_name(UINT64_MAX - 4),
			    "unknown");
	assert_string_equal(report_svm_exit_code_name(1ULL << 63), "unknown");
}

/* Page walk ----------------------------------------------------------- */

#define RAM_SIZE (4ULL << 20)

#define P  (1ULL << 0)
#define RW (1ULL << 1)
#define PS (1ULL << 7)
#define NX (1ULL << 63)

struct pw {
	struct guest_mem gm;
	uint8_t *ram;
	struct kvm_sregs sregs;
};

static void put64(struct pw *t, uint64_t gpa, uint64_t v)
{
	assert_int_equal(mem_write(&t->gm, gpa, &v, 8), 0);
}

static void put32(struct pw *t, uint64_t gpa, uint32_t v)
{
	assert_int_equal(mem_write(&t->gm, gpa, &v, 4), 0);
}

/*
 * 4-level tables in 4 MiB of RAM at gpa 0:
 *   0x1000 PML4: [0] -> 0x2000, [1] -> 0x10000000 (outside RAM),
 *                [2] PS (reserved), [3] -> 0x1000 (itself), [511] -> 0x5000
 *   0x2000 PDPT: [0] -> 0x3000, [3] 1 GiB page at 0x40000000
 *   0x3000 PD:   [0] -> 0x4000, [2] 2 MiB page at 0x200000, [3] not present,
 *                [4] -> 0x7fff000 (outside RAM)
 *   0x4000 PT:   [0x10] 0x10000, [0x11] not present, [0x12] 0x20000,
 *                [0x13] 0x30000 NX, [0x14] 0xffffffffff000, [0x15] 0x3ff000
 *   0x5000 PDPT: [510] 1 GiB page at 0
 */
static int pw_setup(void **state)
{
	struct pw *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	t->ram = calloc(1, RAM_SIZE);
	if (!t->ram || mem_add_region(&t->gm, 0, RAM_SIZE, t->ram)) {
		free(t->ram);
		free(t);
		return -1;
	}
	put64(t, 0x1000 + 0 * 8, 0x2000 | P | RW);
	put64(t, 0x1000 + 1 * 8, 0x10000000 | P | RW);
	put64(t, 0x1000 + 2 * 8, 0x2000 | P | PS);
	put64(t, 0x1000 + 3 * 8, 0x1000 | P);
	put64(t, 0x1000 + 511 * 8, 0x5000 | P);
	put64(t, 0x2000 + 0 * 8, 0x3000 | P);
	put64(t, 0x2000 + 3 * 8, 0x40000000 | P | PS);
	put64(t, 0x3000 + 0 * 8, 0x4000 | P);
	put64(t, 0x3000 + 2 * 8, 0x200000 | P | PS);
	put64(t, 0x3000 + 4 * 8, 0x7fff000 | P);
	put64(t, 0x4000 + 0x10 * 8, 0x10000 | P);
	put64(t, 0x4000 + 0x12 * 8, 0x20000 | P);
	put64(t, 0x4000 + 0x13 * 8, 0x30000 | P | NX);
	put64(t, 0x4000 + 0x14 * 8, 0x000ffffffffff000ULL | P);
	put64(t, 0x4000 + 0x15 * 8, 0x3ff000 | P);
	put64(t, 0x5000 + 510 * 8, 0 | P | PS);
	for (int i = 0; i < 16; i++) {
		t->ram[0x10ff0 + i] = 0xa0 + i;
		t->ram[0x20ff0 + i] = 0xb0 + i;
		t->ram[0x30000 + i] = 0xc0 + i;
	}
	t->sregs.cr0 = 0x80000011;
	t->sregs.cr3 = 0x1000;
	t->sregs.cr4 = 0x20;
	t->sregs.efer = 0x500;
	*state = t;
	return 0;
}

static int pw_teardown(void **state)
{
	struct pw *t = *state;

	free(t->ram);
	free(t);
	return 0;
}

static uint64_t tr_ok(struct pw *t, uint64_t va)
{
	uint64_t gpa = 0xdead;

	assert_int_equal(pagewalk_translate(&t->gm, &t->sregs, va, &gpa), 0);
	return gpa;
}

static void tr_fault(struct pw *t, uint64_t va)
{
	uint64_t gpa = 0xdead;

	assert_int_equal(pagewalk_translate(&t->gm, &t->sregs, va, &gpa),
			 -EFAULT);
	assert_int_equal(gpa, 0xdead);
}

static void test_pw_paging_off(void **state)
{
	struct pw *t = *state;

	t->sregs.cr0 = 0x11;
	assert_int_equal(tr_ok(t, 0x12345), 0x12345);
	assert_int_equal(tr_ok(t, 0xfffff000), 0xfffff000);
}

static void test_pw_long_mode(void **state)
{
	struct pw *t = *state;

	/* 4 KiB pages, including one elsewhere and one with NX set. */
	assert_int_equal(tr_ok(t, 0x10123), 0x10123);
	assert_int_equal(tr_ok(t, 0x12345), 0x20345);
	assert_int_equal(tr_ok(t, 0x13fff), 0x30fff);
	/* 2 MiB and 1 GiB pages. */
	assert_int_equal(tr_ok(t, 0x412345), 0x212345);
	assert_int_equal(tr_ok(t, 0xc0001234), 0x40001234);
	assert_int_equal(tr_ok(t, 0xfedcba98), 0x7edcba98);
	/* The top of the address space: PML4[511], PDPT[510]. */
	assert_int_equal(tr_ok(t, 0xffffffff80001000ULL), 0x1000);
	/* A table that maps itself still ends after four levels. */
	assert_int_equal(tr_ok(t, (3ULL << 39) | (3ULL << 30) | (3ULL << 21) |
					  (3ULL << 12) | 0x18),
			 0x1018);
	/* The gpa need not be RAM; the walk only translates. */
	assert_int_equal(tr_ok(t, 0x14010), 0x000ffffffffff010ULL);
}

static void test_pw_long_mode_faults(void **state)
{
	struct pw *t = *state;

	tr_fault(t, 0x11000);		    /* PTE not present */
	tr_fault(t, 0x600000);		    /* PDE not present */
	tr_fault(t, 0x40000000);	    /* PDPTE not present */
	tr_fault(t, 4ULL << 39);	    /* PML4E not present */
	tr_fault(t, 1ULL << 39);	    /* PDPT outside RAM */
	tr_fault(t, 0x800000);		    /* PT outside RAM */
	tr_fault(t, 2ULL << 39);	    /* PS in a PML4E is reserved */
	tr_fault(t, 0x0000800000000000ULL); /* not canonical */
	tr_fault(t, 0xffff7fffffffffffULL); /* not canonical */

	t->sregs.cr3 = 0x7ffff000; /* PML4 outside RAM */
	tr_fault(t, 0x10000);
	t->sregs.cr3 = RAM_SIZE - 8; /* masked to a page: 0x3ff000, zeroes */
	tr_fault(t, 0x10000);
}

/* 5-level paging: a PML5 at 0x6000 whose entry 0 points at the PML4. */
static void test_pw_la57(void **state)
{
	struct pw *t = *state;

	put64(t, 0x6000, 0x1000 | P);
	t->sregs.cr3 = 0x6000;
	t->sregs.cr4 |= 1ULL << 12;
	assert_int_equal(tr_ok(t, 0x412345), 0x212345);
	/* Canonical under 5 levels, not under 4; PML5[1] is not present. */
	tr_fault(t, 1ULL << 48);
	tr_fault(t, 1ULL << 57);
}

/*
 * PAE: PDPT at 0x6000 (32-byte aligned, CR3 bits 31:5), PD at 0x7000,
 * PT at 0x8000.
 */
static void test_pw_pae(void **state)
{
	struct pw *t = *state;

	put64(t, 0x6020, 0x7000 | P); /* PDPTE 0, PDPT at 0x6020 */
	put64(t, 0x7000 + 0 * 8, 0x8000 | P);
	put64(t, 0x7000 + 1 * 8, 0x600000 | P | PS);
	put64(t, 0x8000 + 5 * 8, 0x50000 | P | NX);
	t->sregs.cr3 = 0x6020;
	t->sregs.efer = 0;
	assert_int_equal(tr_ok(t, 0x5123), 0x50123);
	assert_int_equal(tr_ok(t, 0x200042), 0x600042);
	tr_fault(t, 0x6000);	     /* PTE not present */
	tr_fault(t, 0x40000000);     /* PDPTE 1 not present */
	tr_fault(t, 0x100000000ULL); /* above 4 GiB */
}

/* 32-bit paging: PD at 0x9000, PT at 0xa000, 4-byte entries. */
static void test_pw_legacy(void **state)
{
	struct pw *t = *state;

	put32(t, 0x9000 + 0 * 4, 0xa000 | P);
	put32(t, 0x9000 + 1 * 4, 0x00c00000 | P | PS);
	put32(t, 0x9000 + 2 * 4, 0x00400000 | (3 << 13) | P | PS);
	put32(t, 0x9000 + 3 * 4, 0xa000 | P | PS);
	put32(t, 0xa000 + 7 * 4, 0xb000 | P);
	t->sregs.cr3 = 0x9000;
	t->sregs.cr4 = 1ULL << 4; /* PSE */
	t->sregs.efer = 0;
	assert_int_equal(tr_ok(t, 0x7abc), 0xbabc);
	assert_int_equal(tr_ok(t, 0x412345), 0xc12345);
	/* PSE-36: PDE bits 20:13 are physical-address bits 39:32. */
	assert_int_equal(tr_ok(t, 0x812345), 0x300412345ULL);
	tr_fault(t, 0x8000);	     /* PTE not present */
	tr_fault(t, 0x01000000);     /* PDE not present */
	tr_fault(t, 0x100000000ULL); /* above 4 GiB */

	/* Without CR4.PSE the PS bit is ignored: PDE 3 points at a PT. */
	t->sregs.cr4 = 0;
	assert_int_equal(tr_ok(t, 0xc07abc), 0xbabc);
}

static void test_pw_read(void **state)
{
	struct pw *t = *state;
	uint8_t buf[32];
	size_t got = 99;

	/* Across a page boundary into a non-contiguous page. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(
		pagewalk_read(&t->gm, &t->sregs, 0x12ffc, buf, 8, &got), 0);
	assert_int_equal(got, 8);
	assert_memory_equal(buf, "\xbc\xbd\xbe\xbf\xc0\xc1\xc2\xc3", 8);

	/* Across a page boundary into an unmapped page. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(
		pagewalk_read(&t->gm, &t->sregs, 0x10ff8, buf, 16, &got),
		-EFAULT);
	assert_int_equal(got, 8);
	assert_memory_equal(buf, "\xa8\xa9\xaa\xab\xac\xad\xae\xaf", 8);

	/* The last RAM page, then a page that maps outside RAM. */
	t->ram[RAM_SIZE - 1] = 0x5a;
	put64(t, 0x4000 + 0x16 * 8, RAM_SIZE | P);
	assert_int_equal(
		pagewalk_read(&t->gm, &t->sregs, 0x15fff, buf, 4, &got),
		-EFAULT);
	assert_int_equal(got, 1);
	assert_int_equal(buf[0], 0x5a);

	/* Nothing mapped at all, a NULL got, and len 0. */
	assert_int_equal(
		pagewalk_read(&t->gm, &t->sregs, 0x11000, buf, 4, &got),
		-EFAULT);
	assert_int_equal(got, 0);
	assert_int_equal(
		pagewalk_read(&t->gm, &t->sregs, 0x11000, buf, 4, NULL),
		-EFAULT);
	assert_int_equal(
		pagewalk_read(&t->gm, &t->sregs, 0x11000, buf, 0, &got), 0);
	assert_int_equal(got, 0);
}

/* RAM that ends mid-page: the copy stops at the last RAM byte. */
static void test_pw_read_partial_page(void **state)
{
	struct guest_mem gm = { 0 };
	struct kvm_sregs sregs = { 0 }; /* paging off */
	uint8_t ram[0x1800], buf[32];
	size_t got = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(ram); i++)
		ram[i] = (uint8_t)i;
	assert_int_equal(mem_add_region(&gm, 0, sizeof(ram), ram), 0);
	assert_int_equal(pagewalk_read(&gm, &sregs, 0x17f0, buf, 32, &got),
			 -EFAULT);
	assert_int_equal(got, 16);
	assert_memory_equal(buf, ram + 0x17f0, 16);

	/* The very top of the address space: nothing there, no wrap. */
	assert_int_equal(
		pagewalk_read(&gm, &sregs, UINT64_MAX - 3, buf, 8, &got),
		-EFAULT);
	assert_int_equal(got, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmx_invalid_guest_state),
		cmocka_unit_test(test_vmx_invalid_guest_state_checks),
		cmocka_unit_test(test_vmx_msr_loading),
		cmocka_unit_test(test_vmx_machine_check),
		cmocka_unit_test(test_vmx_insn_error),
		cmocka_unit_test(test_svm_invalid),
		cmocka_unit_test(test_svm_machine_check),
		cmocka_unit_test(test_unknown_vendor),
		cmocka_unit_test(test_emulation_failure_bytes),
		cmocka_unit_test(test_emulation_failure_bogus_size),
		cmocka_unit_test(test_internal_ndata_clamped),
		cmocka_unit_test(test_shutdown),
		cmocka_unit_test(test_unhandled),
		cmocka_unit_test(test_machine_state),
		cmocka_unit_test(test_nothing_captured),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_pw_paging_off, pw_setup,
						pw_teardown),
		cmocka_unit_test_setup_teardown(test_pw_long_mode, pw_setup,
						pw_teardown),
		cmocka_unit_test_setup_teardown(test_pw_long_mode_faults,
						pw_setup, pw_teardown),
		cmocka_unit_test_setup_teardown(test_pw_la57, pw_setup,
						pw_teardown),
		cmocka_unit_test_setup_teardown(test_pw_pae, pw_setup,
						pw_teardown),
		cmocka_unit_test_setup_teardown(test_pw_legacy, pw_setup,
						pw_teardown),
		cmocka_unit_test_setup_teardown(test_pw_read, pw_setup,
						pw_teardown),
		cmocka_unit_test(test_pw_read_partial_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
