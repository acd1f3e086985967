# reports.sh: the failure reports (triple fault, emulation failure).
# Sourced by tests/guest/run; each test_* function is one test.

test_triple_fault_report() {
	need_kvm || return
	hv run --kernel "$G/triple_fault.elf" --debug-exit
	expect_status 8 &&
		expect_in "$out" "triple_fault: executing ud2 with no IDT" &&
		expect_not_in "$out" "still alive" &&
		expect_in "$err" "triple fault (KVM_EXIT_SHUTDOWN)" &&
		expect_in "$err" "rip 0000000000" &&
		expect_in "$err" "cr0 0000000080010033" &&
		expect_in "$err" "efer 0000000000000500 [LME LMA]" &&
		expect_in "$err" "idt base 0000000000000000 limit 0000" &&
		expect_in "$err" ": 0f 0b" &&
		expect_in "$err" "exiting with status 8"
}

test_emulation_failure_report() {
	need_kvm || return
	hv run --kernel "$G/emul_fail.elf" --debug-exit
	expect_status 6 &&
		expect_not_in "$out" "still alive" &&
		expect_in "$err" "emulation failure" &&
		expect_in "$err" "KVM_INTERNAL_ERROR_EMULATION" &&
		expect_in "$err" "rax 00000000d0000000" &&
		expect_in "$err" ": db 00" &&
		expect_in "$err" "exiting with status 6"
}

# scripts/profile-symbols maps --profile samples to System.map exactly: an
# address one byte below a symbol belongs to the one before (awk's doubles
# once rounded kernel addresses by up to 2 KiB), user addresses apart.
test_profile_symbols_exact_addresses() {
	printf '%s\n' "ffffffff81000000 T first" "ffffffff81000800 T second" \
		"ffffffff81001000 D data" >"$T_TMP/map"
	printf '%s\n' "# hyve --profile: 7 samples of RIP, every vCPU" \
		"3 ffffffff810007ff" "2 ffffffff81000800" "1 ffffffff81001004" \
		"1 00007f0000001000" >"$T_TMP/prof"
	scripts/profile-symbols "$T_TMP/map" "$T_TMP/prof" >"$T_TMP/out" ||
		{ fail "profile-symbols failed"; return 1; }
	grep -qE "^ *42\.9% +3 +first$" "$T_TMP/out" &&
		grep -qE "^ *42\.9% +3 +second$" "$T_TMP/out" &&
		grep -qE "^ *14\.3% +1 +\(user mode\)$" "$T_TMP/out" ||
		{ fail "profile-symbols: $(cat "$T_TMP/out")"; return 1; }
}
