# terminal.sh: the terminal on a pty: restored on every way out, Ctrl-A x.
# Sourced by tests/guest/run; each test_* function is one test.

test_terminal_restored_after_guest_exit() {
	need_kvm || return
	on_pty "'$PWD/$HYVE' run --kernel '$PWD/$G/hello.elf' --debug-exit" || return
	expect_status 33 || return 1
	cmp -s "$T_TMP/before" "$T_TMP/after" || fail "stty changed: $(cat "$T_TMP/before") -> $(cat "$T_TMP/after")"
}

test_terminal_restored_after_failure() {
	need_kvm || return
	on_pty "'$PWD/$HYVE' run --kernel '$PWD/$G/triple_fault.elf'" || return
	expect_status 8 || return 1
	cmp -s "$T_TMP/before" "$T_TMP/after" || fail "stty changed"
}

test_ctrl_a_x_quits() {
	need_kvm || return
	printf '\001x' >"$T_TMP/keys"
	# serial_echo waits seconds for input that never comes; Ctrl-A x ends
	# hyve first, with status 0, and the keys do not reach the guest.
	KEY_DELAY=1 on_pty "'$PWD/$HYVE' run --kernel '$PWD/$G/serial_echo.elf' --debug-exit" || return
	expect_status 0 && expect_in "$out" "echo: ready" &&
		expect_not_in "$out" "echo: [" || return 1
	cmp -s "$T_TMP/before" "$T_TMP/after" || fail "stty changed"
}

# Signals whose default action ends a process: the terminal comes back and
# hyve dies of the same signal.
test_terminal_restored_on_fatal_signals() {
	need_kvm || return
	local sig num
	for sig in USR1 USR2 ALRM XCPU VTALRM; do
		num=$(kill -l "$sig")
		printf '#!/bin/sh\n(sleep 1; kill -%s $$) &\nexec "%s" run --kernel "%s"\n' \
			"$sig" "$PWD/$HYVE" "$PWD/$G/idle.elf" >"$T_TMP/run.sh"
		chmod +x "$T_TMP/run.sh"
		on_pty "'$T_TMP/run.sh'" || return
		expect_status $((128 + num)) || { fail "after SIG$sig"; return 1; }
		cmp -s "$T_TMP/before" "$T_TMP/after" ||
			{ fail "stty changed after SIG$sig"; return 1; }
	done
}

# 256 KiB typed ahead that the guest never reads, then Ctrl-A x: hyve keeps
# reading a raw terminal, so it sees the escape and quits.
test_ctrl_a_x_behind_unread_input() {
	need_kvm || return
	{ head -c 262144 /dev/zero | tr '\0' 'y'; printf '\001x'; } >"$T_TMP/keys"
	KEY_DELAY=1 on_pty "'$PWD/$HYVE' run --kernel '$PWD/$G/idle.elf'" || return
	expect_status 0 && expect_in "$out" "idle: ready" || return 1
	cmp -s "$T_TMP/before" "$T_TMP/after" || fail "stty changed"
}
