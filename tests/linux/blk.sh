# blk.sh: virtio-blk under the small kernel (sourced by tests/linux/run).
# One hyve run, two boots of the guest (--on-reboot restart), three disks:
#   vda  ext4 made on the host (mkfs.ext4 -d), serial=hyve-root
#   vdb  ext4, readonly=on, its serial from its file name
#   vdc  raw, a 20-byte serial (no NUL in GET_ID's answer)
# The guest's step is tests/linux/init.d/blk.sh.  Boot 1 reads the host's
# file, writes its own and syncs (FLUSH), finds vdb read-only, reboots;
# boot 2 reads the file back, checks a checksum, trims and unmounts, then
# writes vdc with O_DIRECT and with fsync, discards a range and says
# "flushed", and the test kills hyve with SIGKILL.  From the host: the new
# file is in the image (debugfs), the file system is clean (e2fsck), the
# read-only image is unchanged, vdc holds the bytes the guest flushed and
# zeros where it discarded.  While the guest boots, a second hyve on the
# same image is refused.

# blk_wait_marker TEXT: until $out has TEXT (0) or hyve ($pid) is gone (1);
# two boots, so twice the tier's timeout for one.
blk_wait_marker() {
	local i
	for ((i = 0; i < T_TIMEOUT * 10; i++)); do
		grep -qF -- "$1" "$out" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	grep -qF -- "$1" "$out" 2>/dev/null
}

# blk_bytes FILE OFF LEN: LEN bytes of FILE from OFF (dd reads only those,
# where tail | head would die of SIGPIPE and fail the pipeline).
blk_bytes() {
	dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" \
		bs=65536 status=none
}

test_small_kernel_disks() {
	need_kvm || return
	command -v mkfs.ext4 >/dev/null && command -v debugfs >/dev/null &&
		command -v e2fsck >/dev/null ||
		{ skip "no e2fsprogs (mkfs.ext4, debugfs, e2fsck)"; return; }
	local d=$T_TMP rosum st2 marker=0 big want l
	mkdir "$d/root" "$d/ro"
	echo "hello from the host" >"$d/root/hello.txt"
	echo "read-only file" >"$d/ro/ro.txt"
	truncate -s 16M "$d/root.img" "$d/ro.img"
	mkfs.ext4 -F -q -d "$d/root" "$d/root.img" &&
		mkfs.ext4 -F -q -d "$d/ro" "$d/ro.img" ||
		{ fail "mkfs.ext4 failed"; return 1; }
	yes X | head -c 4194304 >"$d/raw.img"
	rosum=$(sha256sum <"$d/ro.img")

	hv_bg run --kernel "$KERNEL" --initramfs "$INITRD" --cpus 1 \
		--memory 256M --on-reboot restart \
		--disk "path=$d/root.img,serial=hyve-root" \
		--disk "path=$d/ro.img,readonly=on" \
		--disk "path=$d/raw.img,serial=raw-disk-0123456789A" \
		--cmdline "$CMDLINE hyve.run=blk" -v
	# The images are locked before the VM is built: a second hyve on one
	# is refused with one line.
	wait_for "$err" "virtio-blk at PCI 00:03.0" 60 || { kill -9 "$pid"; show; return 1; }
	st2=0
	"$HYVE" run --disk "path=$d/root.img" >"$d/2.out" 2>"$d/2.err" </dev/null || st2=$?
	blk_wait_marker "HYVE-BLK: flushed" && marker=1
	kill -9 "$pid" 2>/dev/null
	hv_wait
	[ "$st2" -eq 2 ] && [ "$(wc -l <"$d/2.err")" -eq 1 ] &&
		grep -qxF "hyve: --disk $d/root.img: in use by another process" "$d/2.err" ||
		{ fail "second hyve: status $st2, '$(cat "$d/2.err")'"; return 1; }
	[ $marker -eq 1 ] || { fail "no 'HYVE-BLK: flushed' from the guest"; show; return 1; }
	expect_status 137 || return 1

	# What the guest saw, in both boots.
	for l in \
		"HYVE-BLK: vda serial=[hyve-root] size=32768 ro=0 queues=1 lbs=512 discard=2147483648 cache=write back" \
		"HYVE-BLK: vdb serial=[ro.img] size=32768 ro=1 queues=1 lbs=512 discard=0" \
		"HYVE-BLK: vdc serial=[raw-disk-0123456789A] size=8192 ro=0 queues=1" \
		"HYVE-BLK: vda mount status=0" "HYVE-BLK: hello=[hello from the host]" \
		"HYVE-BLK: boot=1" "HYVE-BLK: vdb mounted ro" \
		"HYVE-BLK: ro.txt=[read-only file]" "HYVE-BLK: synced status=0" \
		"HYVE-BLK: rebooting" "HYVE-BLK: boot=2" \
		"HYVE-BLK: new=[written at boot 1]" "HYVE-BLK: big md5 status=0" \
		"HYVE-BLK: fstrim status=0" "HYVE-BLK: vda umount status=0" \
		"HYVE-BLK: direct status=0" "HYVE-BLK: fsync status=0" \
		"HYVE-BLK: discard status=0" \
		"[vda] 32768 512-byte logical blocks"; do
		expect_in "$out" "$l" || return 1
	done
	[ "$(grep -c "HYVE-BLK: hello=\[hello from the host\]" "$out")" -eq 2 ] ||
		{ fail "the host's file was not read in both boots"; return 1; }
	expect_not_in "$out" "HYVE-BLK: vdb touch status=0" &&
		expect_not_in "$out" "HYVE-BLK: vdb dd status=0" &&
		expect_in "$out" "HYVE-BLK: vdb dd status=" &&
		expect_in "$err" "restarting the guest (--on-reboot restart)" &&
		expect_not_in "$out" "I/O error" && check_no_call_trace &&
		expect_not_in "$out" "EXT4-fs error" && expect_not_in "$out" "BUG:" &&
		expect_not_in "$out" "WARNING:" || return 1

	# From the host, after the SIGKILL.
	[ "$(debugfs -R 'cat /new.txt' "$d/root.img" 2>/dev/null)" = "written at boot 1" ] ||
		{ fail "/new.txt is not in root.img"; return 1; }
	big=$(debugfs -R 'cat /big' "$d/root.img" 2>/dev/null | md5sum | cut -d' ' -f1)
	want=$(debugfs -R 'cat /big.md5' "$d/root.img" 2>/dev/null | cut -d' ' -f1)
	[ -n "$want" ] && [ "$big" = "$want" ] ||
		{ fail "/big's md5 is $big, the guest said '$want'"; return 1; }
	e2fsck -fn "$d/root.img" >"$d/fsck" 2>&1 ||
		{ fail "e2fsck: $(tail -n 5 "$d/fsck")"; return 1; }
	[ "$(sha256sum <"$d/ro.img")" = "$rosum" ] || { fail "ro.img changed"; return 1; }
	yes "hyve-blk-pattern-0123456789abcdef" | head -c 2097152 >"$d/pat"
	blk_bytes "$d/raw.img" 0 2097152 | cmp -s - "$d/pat" ||
		{ fail "raw.img lacks the 2 MiB the guest flushed"; return 1; }
	blk_bytes "$d/raw.img" 2097152 65536 | cmp -s - <(head -c 65536 /dev/zero) ||
		{ fail "raw.img: the discarded 64 KiB are not zeros"; return 1; }
	blk_bytes "$d/raw.img" $((2097152 + 65536)) $((2097152 - 65536)) |
		cmp -s - <(yes X | head -c $((2097152 - 65536))) ||
		{ fail "raw.img changed past what the guest wrote"; return 1; }
}
