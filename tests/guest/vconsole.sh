# vconsole.sh: --virtio-console and --vsock as the user sees them: who has
# the terminal, Ctrl-A x and the terminal's restoration with the virtio
# console on stdio, bad values, and the files hyve makes and removes.
# (The devices themselves: tests/unit/test_virtio_console.c,
# test_virtio_vsock.c, and a Linux guest in tests/linux/vsock.sh.)
# Sourced by tests/guest/run; each test_* function is one test.

test_bad_vconsole_both_on_stdio() {
	bad_input "--virtio-console stdio: --serial stdio has the terminal already" \
		run --serial stdio --virtio-console stdio
}

test_bad_vconsole_value() {
	bad_input "--virtio-console: 'pty' is not stdio, file=PATH or off" \
		run --virtio-console pty
}

test_bad_vsock_cid() {
	bad_input "--vsock cid=2: the guest's CID must be 3 to 4294967294" \
		run --vsock cid=2,path=/tmp/x
}

test_bad_vsock_value() {
	bad_input "--vsock: 'cid=3' is not cid=N,path=PATH" run --vsock cid=3
}

# A file that is not a stale socket is never replaced; a virtio console
# file hyve created for this run is removed again.
test_bad_vsock_path_is_a_file() {
	need_kvm || return
	echo keep >"$T_TMP/plain"
	bad_input "--vsock path=$T_TMP/plain: exists" run --kernel "$G/hello.elf" \
		--virtio-console "file=$T_TMP/vc.log" --vsock "cid=3,path=$T_TMP/plain" ||
		return 1
	[ "$(cat "$T_TMP/plain")" = keep ] || { fail "the file was touched"; return 1; }
	[ ! -e "$T_TMP/vc.log" ] || fail "vc.log was left behind"
}

# The socket exists while the guest runs and goes with hyve; a stale one
# (nothing listens) is replaced.
test_vsock_socket_file() {
	need_kvm || return
	make_stale_socket "$T_TMP/v.sock" || return 1
	hv run --kernel "$G/hello.elf" --debug-exit --vsock "cid=3,path=$T_TMP/v.sock" \
		--virtio-console "file=$T_TMP/vc.log"
	expect_status 33 && expect_in "$out" "hello from a hyve guest" || return 1
	[ ! -e "$T_TMP/v.sock" ] || { fail "v.sock is still there"; return 1; }
	# The guest has no virtio driver: the console's file is empty.
	[ -f "$T_TMP/vc.log" ] && [ ! -s "$T_TMP/vc.log" ] || fail "vc.log: $(ls -l "$T_TMP/vc.log" 2>&1)"
}

# A socket file nothing listens on, as a killed hyve leaves behind.
make_stale_socket() {
	local tool=$T_TMP/vsock-tool
	gcc -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie \
		-no-pie -Os -o "$tool" tests/linux/tools/vsock.c ||
		{ fail "cannot build tests/linux/tools/vsock.c"; return 1; }
	"$tool" unix-listen "$1" 2>/dev/null &
	for _ in $(seq 1 50); do [ -S "$1" ] && break; sleep 0.1; done
	kill -9 $! 2>/dev/null
	wait $! 2>/dev/null
	[ -S "$1" ] || { fail "no stale socket made"; return 1; }
}

# The terminal is the virtio console's: raw, with Ctrl-A x, restored after;
# 256 KiB typed ahead that the guest never reads do not hide the escape.
test_vconsole_ctrl_a_x() {
	need_kvm || return
	{ head -c 262144 /dev/zero | tr '\0' 'y'; printf '\001x'; } >"$T_TMP/keys"
	KEY_DELAY=1 on_pty "'$PWD/$HYVE' run --kernel '$PWD/$G/idle.elf' --virtio-console stdio --serial 'file=$T_TMP/com1'" || return
	expect_status 0 && expect_in "$T_TMP/com1" "idle: ready" || return 1
	cmp -s "$T_TMP/before" "$T_TMP/after" || fail "stty changed"
}
