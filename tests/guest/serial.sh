# serial.sh: COM1: input that is never lost, output to stdio, a file or
# nowhere, and the --serial file's life.
# Sourced by tests/guest/run; each test_* function is one test.

test_serial_input() {
	need_kvm || return
	hv_in $'hello, hyve\n' run --kernel "$G/serial_echo.elf" --debug-exit
	expect_status 129 && expect_in "$out" "echo: [HELLO, HYVE]"
}

test_serial_file() {
	need_kvm || return
	hv run --kernel "$G/hello.elf" --debug-exit --serial "file=$T_TMP/serial.log"
	expect_status 33 && expect_lines "$out" 0 &&
		expect_in "$T_TMP/serial.log" "hello from a hyve guest"
}

test_serial_off() {
	need_kvm || return
	hv run --kernel "$G/hello.elf" --debug-exit --serial off
	expect_status 33 && expect_lines "$out" 0 && expect_lines "$err" 0
}

test_bad_kernel_leaves_no_serial_file() {
	bad_input "No such file" run --kernel /nonexistent --serial "file=$T_TMP/s.log"
	[ ! -e "$T_TMP/s.log" ] || fail "hyve left $T_TMP/s.log behind"
}

test_bad_serial_path() {
	need_kvm || return
	bad_input "--serial file=/nonexistent/dir/log" \
		run --kernel "$G/hello.elf" --serial file=/nonexistent/dir/log
}

# bad_input is in input.sh; these need only the CRC-32 of a file.
crc32_of() {
	gzip -c "$1" | tail -c 8 | od -An -tx4 -N4 | tr -d ' '
}

# 64 KiB of random bytes piped in arrive whole and in order.
test_serial_input_never_lost() {
	need_kvm || return
	head -c 65536 /dev/urandom >"$T_TMP/in.bin"
	HV_STDIN=$T_TMP/in.bin hv_bg run --kernel "$G/serial_sum.elf" --debug-exit \
		--cmdline n=65536
	hv_wait
	expect_status 97 &&
		expect_in "$out" "sum: n=65536 crc32=$(crc32_of "$T_TMP/in.bin")"
}

# `yes` piped into a guest that never reads COM1: hyve stops reading (the
# writer waits), and its main thread does not spin.
test_serial_input_flow_control_does_not_spin() {
	need_kvm || return
	local t0 t1 hz
	hz=$(getconf CLK_TCK)
	out=$T_TMP/out err=$T_TMP/err
	yes 2>/dev/null | "$HYVE" run --kernel "$G/idle.elf" >"$out" 2>"$err" &
	pid=$!
	wait_for "$out" "idle: ready" || { kill -9 "$pid"; return 1; }
	t0=$(thread_cpu_ticks "$pid")
	sleep 2
	t1=$(thread_cpu_ticks "$pid")
	kill -TERM "$pid"
	wait_gone "$pid" || return 1
	# Two seconds of spinning would be 2 * CLK_TCK ticks; allow 5 %.
	[ $((t1 - t0)) -le $((hz / 10)) ] ||
		fail "main thread used $((t1 - t0)) ticks of CPU in 2 s (CLK_TCK $hz)"
}

test_serial_fifo_without_reader_is_refused() {
	need_kvm || return
	mkfifo "$T_TMP/log.fifo"
	bad_input "--serial file=$T_TMP/log.fifo: No such device or address (a FIFO with no reader)" \
		run --kernel "$G/hello.elf" --serial "file=$T_TMP/log.fifo"
}

test_serial_fifo_with_reader() {
	need_kvm || return
	mkfifo "$T_TMP/log.fifo"
	cat "$T_TMP/log.fifo" >"$T_TMP/got" &
	hv run --kernel "$G/hello.elf" --debug-exit --serial "file=$T_TMP/log.fifo"
	wait
	expect_status 33 && expect_in "$T_TMP/got" "hello from a hyve guest"
}

# A start that fails after the --serial file is opened (here: the
# debug-exit ports collide with COM1) leaves an existing file as it was and
# removes one it created.
test_serial_file_kept_on_failed_start() {
	need_kvm || return
	echo "an old log" >"$T_TMP/serial.log"
	bad_input "--debug-exit iobase=0x3f8: the ports are taken" \
		run --kernel "$G/hello.elf" --serial "file=$T_TMP/serial.log" \
		--debug-exit iobase=0x3f8
	[ "$(cat "$T_TMP/serial.log")" = "an old log" ] ||
		fail "the old log was changed: $(head -c 100 "$T_TMP/serial.log")"
}

test_serial_file_removed_on_failed_start() {
	need_kvm || return
	bad_input "the ports are taken" run --kernel "$G/hello.elf" \
		--serial "file=$T_TMP/new.log" --debug-exit iobase=0x3f8
	[ ! -e "$T_TMP/new.log" ] || fail "hyve left $T_TMP/new.log behind"
}

# A successful start replaces an old log.
test_serial_file_truncated_on_start() {
	need_kvm || return
	head -c 10000 /dev/zero | tr '\0' x >"$T_TMP/serial.log"
	hv run --kernel "$G/hello.elf" --debug-exit --serial "file=$T_TMP/serial.log"
	expect_status 33 && expect_lines "$T_TMP/serial.log" 1 &&
		expect_not_in "$T_TMP/serial.log" "xxx"
}
