# complete.sh: the instructions hyve completes for KVM (src/arch/x86/
# complete*.c), one guest each (guests/insn_*.c), checking the
# architectural result from inside the guest: INT3, the x87/MMX ones
# (FILD, FNCLEX, EMMS, FWAIT), POPCNT, LAR/LSL/VERR/VERW, LDMXCSR/STMXCSR,
# CLAC/STAC, VMCALL/VMMCALL.  Each guest exits with its own status when
# every check passed and 253 when one failed.  The *_stats tests check that
# --stats lists the instruction among those hyve completed; they skip when
# `hyve --probe` says this host runs it natively (then nothing is counted).
# Sourced by tests/guest/run; each test_* function is one test.

# probe_completes NAME: `hyve --probe` says hyve completes NAME here.
probe_completes() {
	local cache=$T_ROOT/probe.txt
	[ -s "$cache" ] || "$HYVE" --probe >"$cache" 2>&1 || true
	grep -qE "^  $1 +.*hyve completes it" "$cache"
}

# completed NAME: the count of NAME in --stats' "completed instruction"
# table (in $err), or nothing.
completed() {
	awk -v k="$1" '/^completed instruction/ { s = 1; next }
		s && $1 == k { print $2 }' "$err"
}

# expect_completed NAME...: each NAME has a count above 0.
expect_completed() {
	local k n
	for k in "$@"; do
		n=$(completed "$k")
		[ -n "$n" ] && [ "$n" -gt 0 ] && continue
		fail "--stats lists no completed $k"
		show
		return 1
	done
}

# insn_run GUEST STATUS WHO: run guests/GUEST with --stats; it passed.
insn_run() {
	hv run --kernel "$G/$1.elf" --debug-exit --stats
	expect_status "$2" && expect_in "$out" "$3: all checks passed" &&
		expect_not_in "$out" "FAIL"
}

# insn_stats GUEST STATUS: run guests/GUEST with --stats to the end, its
# checks passed (STATUS) or not (253; test_insn_* says which failed).
insn_stats() {
	hv run --kernel "$G/$1.elf" --debug-exit --stats
	[ "$status" -eq "$2" ] || [ "$status" -eq 253 ] ||
		{ fail "exit status $status, expected $2 or 253"; show; return 1; }
	expect_in "$err" "completed instruction"
}

# need_completion PROBE-NAME...: skip unless hyve completes them all here.
need_completion() {
	local p
	for p in "$@"; do
		probe_completes "$p" ||
			{ skip "this host runs $p itself (hyve --probe)"; return; }
	done
}

test_insn_int3() {
	need_kvm || return
	insn_run insn_int3 99 int3 &&
		expect_in "$out" "int3: handler ran 1 time(s)" &&
		expect_in "$out" "int3: 25 traps in all"
}

test_insn_int3_stats() {
	need_kvm || return
	need_completion int3 || return
	insn_stats insn_int3 99 && expect_completed int3 || return 1
	[ "$(completed int3)" -eq 25 ] ||
		fail "int3 count $(completed int3), expected 25"
}

test_insn_x87() {
	need_kvm || return
	insn_run insn_x87 101 x87 &&
		expect_in "$out" "x87 st0=403d:fffffffffffffffe (9223372036854775807)" &&
		expect_in "$out" "x87 st1=c03e:8000000000000000 (-9223372036854775808)" &&
		expect_in "$out" "x87 st5=400c:c0e4000000000000 (12345)" &&
		expect_in "$out" "x87 st6=bfff:8000000000000000 (-1)" &&
		expect_in "$out" "x87 st7=0000:0000000000000000 (0)" &&
		expect_in "$out" "x87 after a ninth fild (masked): fcw=0x37f fsw=0x3a41 top=7 ftw=0xff" &&
		expect_in "$out" "x87 st0=ffff:c000000000000000"
}

test_insn_x87_stats() {
	need_kvm || return
	need_completion fild fnclex emms fwait || return
	insn_stats insn_x87 101 &&
		expect_completed fild16 fild32 fild64 fnclex emms fwait
}

test_insn_popcnt() {
	need_kvm || return
	insn_run insn_popcnt 103 popcnt &&
		expect_in "$out" "popcnt: 96 forms and values checked, 0 failed"
}

test_insn_popcnt_stats() {
	need_kvm || return
	need_completion popcnt || return
	insn_stats insn_popcnt 103 && expect_completed popcnt
}

test_insn_seg() {
	need_kvm || return
	insn_run insn_seg 105 seg &&
		expect_in "$out" "seg 0x10: lar zf=1 0x00a09b00  lsl zf=1 0xffffffff  verr 1  verw 0" &&
		expect_in "$out" "seg 0x18: lar zf=1 0x00c09300  lsl zf=1 0xffffffff  verr 1  verw 1" &&
		expect_in "$out" "seg 0x20: lar zf=1 0x00008b00  lsl zf=1 0x00000067  verr 0  verw 0" &&
		expect_in "$out" "seg 0x00: lar zf=0 0x00000000  lsl zf=0 0x00000000  verr 0  verw 0" &&
		expect_in "$out" "seg 0xb0: lar zf=0 0x00000000  lsl zf=0 0x00000000  verr 0  verw 0"
}

test_insn_seg_stats() {
	need_kvm || return
	need_completion lar lsl verw || return
	# VERR has no probe of its own; KVM's emulator lacks it with VERW.
	insn_stats insn_seg 105 && expect_completed lar lsl verr verw
}

test_insn_mxcsr() {
	need_kvm || return
	insn_run insn_mxcsr 107 mxcsr &&
		expect_in "$out" "stmxcsr: 0x1f80" &&
		expect_in "$out" "mxcsr: loaded 0x7f80, stmxcsr 0x7f80, fxsave 0x7f80" &&
		expect_in "$out" "raise #GP(0)"
}

test_insn_mxcsr_stats() {
	need_kvm || return
	need_completion ldmxcsr stmxcsr || return
	insn_stats insn_mxcsr 107 && expect_completed ldmxcsr stmxcsr
}

test_insn_smap() {
	need_kvm || return
	insn_run insn_smap 109 smap &&
		expect_in "$out" "clac -> rflags 0x2, stac -> rflags 0x40002"
}

test_insn_smap_stats() {
	need_kvm || return
	need_completion clac stac || return
	insn_stats insn_smap 109 && expect_completed clac stac
}

test_insn_vmcall() {
	need_kvm || return
	insn_run insn_vmcall 111 vmcall &&
		expect_in "$out" "vmcall: nr 0x7fff0000 -> rax 0xfffffffffffffc18 (-1000)" &&
		expect_in "$out" "vmmcall: nr 0x7fff0000 -> rax 0xfffffffffffffc18 (-1000)" &&
		expect_in "$out" "vmcall from compatibility mode: eax 0xfffffc18"
}

# With --profile, the sampler's kick stands in for the watchdog's: a vmcall
# must still be completed, and the profile written.
test_insn_vmcall_with_profile() {
	need_kvm || return
	hv run --kernel "$G/insn_vmcall.elf" --debug-exit --profile "$T_TMP/prof"
	expect_status 111 && expect_in "$out" "vmcall: all checks passed" &&
		expect_not_in "$out" "FAIL" &&
		expect_in "$T_TMP/prof" "# hyve --profile:"
}

test_insn_vmcall_stats() {
	need_kvm || return
	need_completion vmcall || return
	insn_stats insn_vmcall 111 && expect_completed vmcall || return 1
	# KVM rewrites a VMMCALL into the VMCALL of an Intel-like host (its
	# "fix hypercall" quirk) before hyve sees it; count it only if not.
	grep -qF "rewritten to vmcall" "$out" || expect_completed vmmcall
}
