# tests/linux/vsock.sh: virtio-console and virtio-vsock in one Linux boot
# (sourced by tests/linux/run).
#
# hyve runs on a pty (script(1)) with --virtio-console stdio, COM1 to a
# file and --vsock; the kernel's consoles are ttyS0 and hvc0 (the last is
# /dev/console, so /init writes there).  The guest's step
# (tests/linux/init.d/vsock.sh, with the tool tests/linux/tools/vsock.c,
# which the test also builds for the host) exchanges data with host
# programs both ways; then busybox's getty and login run on hvc0, and the
# test logs in as root over hyve's stdin and types commands.

# What the host expects of the guest's step and of its own programs.
check_vsock() {
	local sum
	expect_in "$out" "HYVE-VSOCK: cid=3" &&
		expect_in "$out" "HYVE-RUN: vsock status=0" || return 1
	# Guest to host: the bytes the guest sent, and the host's answer.
	sum=$(md5sum <"$T_TMP/g2h" | cut -d' ' -f1)
	expect_in "$out" "HYVE-VSOCK: g2h md5=$sum" &&
		expect_in "$out" "HYVE-VSOCK: g2h status=0 answer=[thanks]" &&
		[ "$(stat -c %s "$T_TMP/g2h")" -eq 65536 ] ||
		{ fail "guest to host: $(stat -c %s "$T_TMP/g2h") bytes, md5 $sum"; return 1; }
	# Nothing on PATH_6001: the guest's connect was reset (ECONNRESET).
	expect_in "$out" "HYVE-VSOCK: connect: error 104" &&
		expect_in "$out" "HYVE-VSOCK: refused status=1" || return 1
	# Host to guest: CONNECT, OK with a host port, the echo intact.
	grep -q "HYVE-VSOCK: OK 1073741824" "$T_TMP/connect.log" &&
		[ "$(cat "$T_TMP/connect.st")" = 0 ] ||
		{ fail "host connect: $(cat "$T_TMP/connect.log")"; return 1; }
	cmp "$T_TMP/h2g" "$T_TMP/h2g.echo" ||
		{ fail "the echo differs from what the host sent"; return 1; }
	expect_in "$out" "HYVE-VSOCK: accepted from cid 2" &&
		expect_in "$out" "HYVE-VSOCK: echo status=0" || return 1
	# The socket file goes with hyve.
	[ ! -e "$T_TMP/v.sock" ] || { fail "v.sock is still there"; return 1; }
}

# The kernel's messages on hvc0 and COM1, /init and the login on hvc0.
# Linux does not replay its earlier messages on hvc0 (virtio_console
# registers the console before it can write to it), so those are on COM1;
# which of them reach hvc0 too depends on when virtio_console comes (built
# in, as in the small kernel, before "Run /init"; as a module, as in the
# stock kernel, only after it), so hvc0 must show one.
check_hvc0() {
	local com1=$T_TMP/com1
	grep -qE '^\[ *[0-9]+\.[0-9]{6}\] ' "$out" ||
		{ fail "no kernel message on hvc0"; show; return 1; }
	expect_in "$com1" "Run /init as init process" &&
		expect_in "$out" "HYVE-INIT: reached /init" &&
		expect_in "$out" "HYVE-PCI: 0000:00:01.0 0x1af4:0x1043 class=0x078000 driver=virtio-pci" &&
		expect_in "$out" "HYVE-PCI: 0000:00:02.0 0x1af4:0x1053 class=0xff0000 driver=virtio-pci" &&
		expect_in "$out" "HYVE-GETTY: starting on hvc0" &&
		expect_in "$out" "login: root" &&
		expect_in "$out" "answer-42" &&
		expect_in "$out" "rows=37 cols=111 tty=/dev/hvc0" &&
		expect_in "$out" "HYVE-GETTY: done" &&
		expect_in "$out" "HYVE-INIT: powering off" || return 1
	# COM1 had the kernel's messages, not /init's (/dev/console is hvc0),
	# to the last: at power-off Linux resets its virtio devices (device
	# shutdown) before it prints "reboot: Power down", so that line never
	# reaches hvc0.
	expect_in "$com1" "Linux version 6.1" &&
		expect_in "$com1" "reboot: Power down" &&
		expect_in "$com1" "printk: console [hvc0] enabled" &&
		expect_not_in "$com1" "HYVE-INIT" || return 1
	check_no_call_trace "$out" && check_no_call_trace "$com1" &&
		expect_not_in "$out" "BUG:" &&
		expect_not_in "$out" "WARNING:" &&
		expect_in "$T_TMP/err" "virtio console on stdio" &&
		expect_in "$T_TMP/err" "stopped: the guest powered off (ACPI S5)"
}

test_small_kernel_virtio_console_and_vsock() {
	need_kvm || return
	command -v script >/dev/null || { skip "no script(1)"; return; }
	local tool=$T_TMP/vsock sock=$T_TMP/v.sock pty=$T_TMP/pty feeder listener
	gcc -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie \
		-no-pie -Os -o "$tool" tests/linux/tools/vsock.c ||
		{ fail "cannot build tests/linux/tools/vsock.c"; return 1; }
	head -c 98304 /dev/urandom >"$T_TMP/h2g"
	printf 'thanks' >"$T_TMP/answer"
	# Guest to host: a program on PATH_6000 before the guest connects.
	"$tool" unix-listen "${sock}_6000" <"$T_TMP/answer" >"$T_TMP/g2h" \
		2>"$T_TMP/listen.log" &
	listener=$!
	mkfifo "$T_TMP/keys"
	(
		# Host to guest, once the guest's echo server listens.
		wait_for "$pty" "HYVE-VSOCK: listening 5000" "$T_TIMEOUT" || exit
		"$tool" unix-connect "$sock" 5000 <"$T_TMP/h2g" \
			>"$T_TMP/h2g.echo" 2>"$T_TMP/connect.log"
		echo $? >"$T_TMP/connect.st"
		# A user logs in on hvc0 and types; keys go in once asked for.
		wait_for "$pty" "login: " "$T_TIMEOUT" || exit
		sleep 1
		printf 'root\n'
		wait_for "$pty" "built-in shell" "$T_TIMEOUT" || exit
		sleep 2
		printf 'echo answer-$((6 * 7))\n'
		wait_for "$pty" "answer-42" "$T_TIMEOUT" || exit
		printf 'set -- $(stty size); echo rows=$1 cols=$2 tty=$(tty)\n'
		wait_for "$pty" "tty=/dev/" "$T_TIMEOUT" || exit
		printf 'exit\n'
		exec sleep "$T_TIMEOUT"
	) >"$T_TMP/keys" &
	feeder=$!
	timeout -k 5 "$T_TIMEOUT" script -qec "stty rows 37 cols 111; stty -g >'$T_TMP/before'; '$PWD/$HYVE' run --kernel '$KERNEL' --initramfs '$INITRD' --virtio-console stdio --serial 'file=$T_TMP/com1' --vsock 'cid=3,path=$sock' --cmdline 'console=ttyS0 console=hvc0${LINUX_EXTRA:-} hyve.run=pci,vsock hyve.getty=hvc0' -v 2>'$T_TMP/err'; echo status=\$? >'$T_TMP/st'; stty -g >'$T_TMP/after'" \
		/dev/null <"$T_TMP/keys" >"$pty" 2>&1
	kill "$feeder" "$listener" 2>/dev/null
	wait "$feeder" "$listener" 2>/dev/null
	out=$pty err=$T_TMP/err
	status=$(sed -n 's/^status=//p' "$T_TMP/st" 2>/dev/null)
	[ -n "$status" ] || { fail "no status recorded"; show; return 1; }
	expect_status 0 && check_hvc0 && check_vsock || return 1
	cmp -s "$T_TMP/before" "$T_TMP/after" || fail "stty changed"
}
