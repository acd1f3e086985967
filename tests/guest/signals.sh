# signals.sh: stopping on signals, in order and at once; the process's own
# file descriptors.
# Sourced by tests/guest/run; each test_* function is one test.

# An orderly stop says why with --verbose, and where each vCPU was (the
# idle guest sits in its code at 1 MiB), flushes the guest's output to
# the --serial file and ends with 128 + N.  A process killed outright does
# none of that.
sig_orderly() {
	local sig=$1 num=$2 name=$3
	need_kvm || return
	hv_bg run --kernel "$G/idle.elf" --serial "file=$T_TMP/serial.log" -v
	wait_for "$T_TMP/serial.log" "idle: ready" || { kill -9 "$pid"; return 1; }
	kill "-$sig" "$pid"
	wait_gone "$pid" || return 1
	hv_wait
	expect_status $((128 + num)) &&
		expect_in "$err" "hyve: machine: info: $name received" &&
		expect_in "$err" "hyve: machine: info: stopped: SIG$sig" &&
		expect_in "$T_TMP/serial.log" "idle: ready" &&
		grep -qE "machine: info: vCPU 0 stopped at RIP 0x10[0-9a-f]{4} " "$err" ||
		fail "no trace of where vCPU 0 was"
}

test_sigterm_stops_in_order() { sig_orderly TERM 15 Terminated; }
test_sigint_stops_in_order() { sig_orderly INT 2 Interrupt; }
test_sighup_stops_in_order() { sig_orderly HUP 1 Hangup; }

test_sigterm_with_stalled_output() {
	need_kvm || return
	local reader
	# A raw guest that writes 'A' to COM1 forever, into a pipe nobody
	# reads: once the pipe fills, the vCPU waits on it, and a stop must
	# still end hyve, in order.
	printf '\xb0\x41\x66\xba\xf8\x03\xee\xeb\xfd' >"$T_TMP/spam.bin"
	mkfifo "$T_TMP/stall"
	sleep 30 <"$T_TMP/stall" &
	reader=$!
	"$HYVE" run --kernel "$T_TMP/spam.bin" -v </dev/null >"$T_TMP/stall" 2>"$T_TMP/err" &
	pid=$!
	sleep 0.5
	kill -TERM "$pid"
	wait_gone "$pid" || { kill "$reader"; return 1; }
	hv_wait
	kill "$reader" 2>/dev/null
	out=$T_TMP/err err=$T_TMP/err
	expect_status 143 && expect_in "$err" "stopped: SIGTERM"
}

# The report goes to a stderr pipe that is already full: hyve blocks in the
# write, and a SIGTERM must still end it (it is not blocked any more).
test_signal_ends_hyve_blocked_on_full_stderr() {
	need_kvm || return
	local reader
	mkfifo "$T_TMP/full"
	sleep 30 <"$T_TMP/full" &
	reader=$!
	head -c 65536 /dev/zero >"$T_TMP/full"
	"$HYVE" run --kernel "$G/triple_fault.elf" </dev/null >/dev/null 2>"$T_TMP/full" &
	pid=$!
	sleep 1
	kill -0 "$pid" 2>/dev/null || { kill "$reader"; fail "hyve did not block on the full pipe"; return 1; }
	kill -TERM "$pid"
	wait_gone "$pid" 3 || { kill "$reader"; return 1; }
	hv_wait
	kill "$reader" 2>/dev/null
	expect_status 143
}

# fds 0, 1 and 2 closed at start: hyve puts /dev/null there, so that no file
# it opens (/dev/kvm, the VM, a vCPU) receives the guest's output.
test_closed_std_fds_become_dev_null() {
	need_kvm || return
	local fd
	"$HYVE" run --kernel "$G/idle.elf" <&- >&- 2>&- &
	pid=$!
	sleep 0.5
	for fd in 0 1 2; do
		[ "$(readlink "/proc/$pid/fd/$fd")" = /dev/null ] ||
			{ fail "fd $fd is $(readlink "/proc/$pid/fd/$fd")"; kill -9 "$pid"; return 1; }
	done
	kill -TERM "$pid"
	hv_wait
	expect_status 143
}

# A file-size limit costs a failed write (EFBIG), not hyve's life (SIGXFSZ).
test_sigxfsz_is_ignored() {
	need_kvm || return
	status=0
	(ulimit -f 0 && exec "$HYVE" run --serial "file=$T_TMP/serial.log") \
		</dev/null >"$T_TMP/out" 2>"$T_TMP/err" || status=$?
	out=$T_TMP/out err=$T_TMP/err
	expect_status 0 && [ ! -s "$T_TMP/serial.log" ] ||
		fail "the serial log was written past the limit"
}

# A reader that has gone costs hyve a failed write, not its life (SIGPIPE).
test_sigpipe_is_ignored() {
	need_kvm || return
	local w
	exec {w}> >(exec true)
	sleep 0.2 # the reader has exited: writing to $w raises SIGPIPE
	status=0
	"$HYVE" </dev/null >&"$w" 2>"$T_TMP/err" || status=$?
	exec {w}>&-
	out=$T_TMP/err err=$T_TMP/err
	expect_status 0
}
