# blk.sh: the virtio-blk disks of tests/linux/blk.sh, run by /init when
# hyve.run=blk.  vda: ext4, written; vdb: ext4, read-only; vdc: raw.
# Boot 1 writes a file on vda, syncs and reboots (hyve restarts the VM);
# boot 2 finds it, then writes vdc with O_DIRECT and with fsync, discards
# a range, says "flushed" and waits to be killed.
say() { echo "HYVE-BLK: $*"; }

for d in vda vdb vdc; do
	say "$d serial=[$(cat /sys/block/$d/serial 2>/dev/null)]" \
		"size=$(cat /sys/block/$d/size 2>/dev/null)" \
		"ro=$(cat /sys/block/$d/ro 2>/dev/null)" \
		"queues=$(ls /sys/block/$d/mq 2>/dev/null | wc -l)" \
		"lbs=$(cat /sys/block/$d/queue/logical_block_size 2>/dev/null)" \
		"discard=$(cat /sys/block/$d/queue/discard_max_bytes 2>/dev/null)" \
		"cache=$(cat /sys/block/$d/queue/write_cache 2>/dev/null)"
done
mkdir -p /mnt/a /mnt/b
mount -t ext4 /dev/vda /mnt/a
say "vda mount status=$?"
say "hello=[$(cat /mnt/a/hello.txt 2>&1)]"

if [ ! -e /mnt/a/new.txt ]; then
	say "boot=1"
	# The read-only disk: mounting it read-write is refused (busybox
	# then mounts it read-only), writes fail, reads work.
	mount -t ext4 -o rw /dev/vdb /mnt/b 2>&1
	grep -q "^/dev/vdb /mnt/b ext4 ro[,.]" /proc/mounts && say "vdb mounted ro"
	say "ro.txt=[$(cat /mnt/b/ro.txt 2>&1)]"
	touch /mnt/b/nope 2>/dev/null
	say "vdb touch status=$?"
	umount /mnt/b
	dd if=/dev/zero of=/dev/vdb bs=512 count=1 conv=fsync 2>/dev/null
	say "vdb dd status=$?"
	# A file on vda, a larger one with its checksum, then sync (FLUSH).
	echo "written at boot 1" >/mnt/a/new.txt
	dd if=/dev/urandom of=/mnt/a/big bs=65536 count=16 2>/dev/null
	(cd /mnt/a && md5sum big >big.md5)
	sync
	say "synced status=$?"
	say "rebooting"
	reboot -f
	sleep 60
	exit 1
fi

say "boot=2"
say "new=[$(cat /mnt/a/new.txt 2>&1)]"
(cd /mnt/a && md5sum -c big.md5 >/dev/null 2>&1)
say "big md5 status=$?"
fstrim /mnt/a
say "fstrim status=$?"
umount /mnt/a
say "vda umount status=$?"
# vdc: 1 MiB with O_DIRECT, 1 MiB through the page cache and fsync (a
# FLUSH), then a discard of 64 KiB at 2 MiB.
yes "hyve-blk-pattern-0123456789abcdef" | head -c 2097152 >/tmp/pat
dd if=/tmp/pat of=/dev/vdc bs=65536 count=16 oflag=direct 2>/dev/null
say "direct status=$?"
dd if=/tmp/pat of=/dev/vdc bs=65536 skip=16 seek=16 count=16 conv=notrunc,fsync 2>/dev/null
say "fsync status=$?"
blkdiscard -o 2097152 -l 65536 /dev/vdc
say "discard status=$?"
say "flushed"
sleep 600
