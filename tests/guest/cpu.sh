# cpu.sh: the CPU hyve gives a guest: CPUID (signature, features it sets,
# hides or takes away, topology, --cpu-features) and the host probe.
# Sourced by tests/guest/run; each test_* function is one test.

test_cpuid_defaults() {
	need_kvm || return
	hv run --kernel "$G/cpuid.elf" --debug-exit
	expect_status 73 &&
		expect_in "$out" "hypervisor=1 vmx=0" &&
		expect_in "$out" "svm=0" &&
		expect_in "$out" "signature=KVMKVMKVM max=0x40000010" &&
		expect_in "$out" "apic-bus-khz=1000000" &&
		expect_in "$out" "x2apic=1" || return 1
	# KVM's timing leaf carries the TSC frequency KVM reports.
	grep -q "tsc-khz=[1-9][0-9]*" "$out" || fail "no TSC frequency"
}

test_cpuid_topology() {
	need_kvm || return
	hv run --kernel "$G/cpuid.elf" --debug-exit --cpus 3
	expect_status 73 && expect_in "$out" "logical=3" &&
		expect_in "$out" "topology core-level count=3 type=2"
}

test_cpu_features_edits() {
	need_kvm || return
	hv run --kernel "$G/cpuid.elf" --debug-exit --cpu-features -x2apic,+cx16
	expect_status 73 && expect_in "$out" "x2apic=0" &&
		expect_in "$out" "cx16=1"
}

test_cpu_features_unknown() {
	bad_input "--cpu-features: unknown feature 'warp-drive'" \
		run --cpu-features +warp-drive
}

# With every vmcall hanging, no paravirtual feature that makes hypercalls
# is offered (the probe decides; a host where vmcall works offers them).
test_cpuid_no_hypercall_features_where_vmcall_hangs() {
	need_kvm || return
	"$HYVE" --probe >"$T_TMP/probe" 2>&1 || { fail "hyve --probe failed"; return 1; }
	grep -q "vmcall .*never returns" "$T_TMP/probe" ||
		{ skip "vmcall works on this host"; return; }
	hv run --kernel "$G/cpuid.elf" --debug-exit
	expect_status 73 && expect_in "$out" "pv-unhalt=0"
}

test_probe_prints_what_it_found() {
	need_kvm || return
	hv --probe
	expect_status 0 && expect_in "$out" "instructions at CPL 0 in 64-bit mode:" &&
		expect_in "$out" "vmcall" && expect_in "$out" "syscall/cpl3" &&
		expect_in "$out" "CPUID bits, as the guest sees them" &&
		expect_in "$out" "for a Linux guest:" && expect_lines "$err" 0
}

test_probe_is_cached() {
	need_kvm || return
	local cache=$T_TMP/cache
	XDG_CACHE_HOME=$cache hv run --kernel "$G/hello.elf" --debug-exit -v
	expect_status 33 && expect_in "$err" "host probe (fresh)" || return 1
	ls "$cache"/hyve/probe-* >/dev/null 2>&1 || { fail "no cache file"; return 1; }
	XDG_CACHE_HOME=$cache hv run --kernel "$G/hello.elf" --debug-exit -v
	expect_status 33 && expect_in "$err" "host probe (cached)"
}

# SYSCALL from CPL 3 and SYSRETQ back, twice, with what SYSCALL promises
# checked; where the probe finds user SYSCALLs landing at CPL 3, this is
# hyve's SYSCALL repair at work (a read-only trap page in PML4 slot 507).
test_user_syscall() {
	need_kvm || return
	hv run --kernel "$G/user_syscall.elf" --debug-exit
	expect_status 161 && expect_in "$out" "user_syscall: 3 system calls" &&
		expect_in "$out" "cs=0x10 ss=0x18 rax=42 rflags.if=0 r11.if=1 rcx=0x400007" &&
		expect_in "$out" "second rax=43 rcx-first=7 same-rsp=1"
}
