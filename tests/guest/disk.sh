# disk.sh: --disk as the user meets it: one clear line and status 2 for
# every bad value or image, nothing left behind, the image's lock (a second
# hyve on the same image is refused; readers share; SIGKILL lets go), and
# the virtio-blk devices on the PCI bus.  Guests that use the disks are in
# tests/linux/blk.sh.
# Sourced by tests/guest/run; each test_* function is one test.

# disk_refused WANT ARGS...: hyve run ARGS fails with status 2 and WANT as
# its only line of output.
disk_refused() {
	local want=$1
	shift
	hv run "$@"
	expect_status 2 && expect_lines "$err" 1 && expect_lines "$out" 0 &&
		expect_in "$err" "hyve: $want" || return 1
}

test_disk_bad_values() {
	disk_refused "--disk needs a value" --disk || return 1
	disk_refused "--disk: 'a.img': expected path=IMG" --disk a.img || return 1
	disk_refused "--disk: unknown key 'size'" --disk path=a,size=1G || return 1
	disk_refused "--disk: 'readonly=on' names no image" --disk readonly=on || return 1
	disk_refused "--disk: readonly=maybe: expected on or off" \
		--disk path=a,readonly=maybe || return 1
	disk_refused "--disk: serial=123456789012345678901: 1 to 20 characters" \
		--disk path=a,serial=123456789012345678901 || return 1
	local list=() i
	for i in 1 2 3 4 5 6 7 8 9; do list+=(--disk "path=d$i"); done
	disk_refused "--disk: at most 8 of them" "${list[@]}"
}

test_disk_bad_images() {
	local d=$T_TMP
	mkdir "$d/dir"
	: >"$d/empty"
	head -c 1000 /dev/zero >"$d/odd"
	mkfifo "$d/fifo"
	truncate -s 1M "$d/ok.img"
	chmod 0444 "$d/ok.img"
	disk_refused "--disk $d/nope: No such file or directory" \
		--disk "path=$d/nope" || return 1
	disk_refused "--disk $d/dir: is a directory" --disk "path=$d/dir" || return 1
	disk_refused "--disk $d/empty: empty (0 bytes)" --disk "path=$d/empty" || return 1
	disk_refused "--disk $d/odd: size 1000 is not a multiple of 512 bytes" \
		--disk "path=$d/odd" || return 1
	disk_refused "--disk $d/fifo: not a regular file or block device" \
		--disk "path=$d/fifo" || return 1
	if [ "$(id -u)" -ne 0 ]; then
		disk_refused "--disk $d/ok.img: cannot open for writing" \
			--disk "path=$d/ok.img" || return 1
	fi
	# The same image twice, writable: said so, not "in use".
	chmod 0644 "$d/ok.img"
	disk_refused "--disk $d/ok.img: the same image as --disk $d/ok.img" \
		--disk "path=$d/ok.img" --disk "path=$d/ok.img"
}

# A second disk that cannot open leaves nothing: the first is closed
# (unlocked), no file is made, the image is as it was.
test_disk_second_fails_first_released() {
	local d=$T_TMP sum
	head -c 1M /dev/urandom >"$d/a.img"
	sum=$(sha256sum <"$d/a.img")
	disk_refused "--disk $d/missing.img: No such file or directory" \
		--disk "path=$d/a.img" --disk "path=$d/missing.img" \
		--serial "file=$d/serial.log" || return 1
	[ ! -e "$d/serial.log" ] && [ ! -e "$d/missing.img" ] ||
		{ fail "a failed start left files behind"; return 1; }
	[ "$(sha256sum <"$d/a.img")" = "$sum" ] || { fail "a.img changed"; return 1; }
	flock -n -x "$d/a.img" true || { fail "a.img is still locked"; return 1; }
}

# One hyve holds the image: a second is refused at once with one line, a
# reader too; once the first is killed (SIGKILL) the image is free again.
test_disk_locked_by_another_hyve() {
	need_kvm || return
	local d=$T_TMP first
	truncate -s 4M "$d/img"
	hv_bg run --kernel "$G/idle.elf" --disk "path=$d/img" -v
	first=$pid
	wait_for "$out" "idle: ready" || { kill -9 "$first"; return 1; }
	expect_in "$err" "virtio-blk at PCI 00:01.0" || { kill -9 "$first"; return 1; }
	local o=$out e=$err
	T_TMP=$d/2 && mkdir -p "$T_TMP"
	disk_refused "--disk $d/img: in use by another process" \
		--disk "path=$d/img" || { kill -9 "$first"; return 1; }
	disk_refused "--disk $d/img: in use by another process" \
		--disk "path=$d/img,readonly=on" || { kill -9 "$first"; return 1; }
	kill -9 "$first"
	wait "$first" 2>/dev/null
	out=$o err=$e
	# Free again: the built-in demo boots with it and powers off.
	hv run --disk "path=$d/img" -v
	expect_status 0 && expect_in "$err" "virtio-blk: info: $d/img: 1 queue of 256, serial img"
}

# Readers share an image; the devices take PCI slots in --disk order.
test_disk_readers_share() {
	need_kvm || return
	local d=$T_TMP first
	truncate -s 1M "$d/ro.img" "$d/b.img"
	hv_bg run --kernel "$G/idle.elf" --disk "path=$d/ro.img,readonly=on"
	first=$pid
	wait_for "$out" "idle: ready" || { kill -9 "$first"; return 1; }
	hv run --rng --disk "path=$d/ro.img,readonly=on,serial=shared" \
		--disk "path=$d/b.img,serial=second" --cpus 3 -v
	kill -9 "$first"
	wait "$first" 2>/dev/null
	expect_status 0 &&
		expect_in "$err" "virtio-rng at PCI 00:01.0" &&
		expect_in "$err" "virtio-blk at PCI 00:02.0" &&
		expect_in "$err" "virtio-blk at PCI 00:03.0" &&
		expect_in "$err" "$d/ro.img: 3 queues of 256, serial shared, read-only" &&
		expect_in "$err" "$d/b.img: 3 queues of 256, serial second"
}
