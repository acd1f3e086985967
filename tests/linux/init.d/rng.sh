# hyve.run=rng: the hardware RNG Linux uses, and bytes read from it.
echo "HYVE-RNG: current=$(cat /sys/class/misc/hw_random/rng_current)"
echo "HYVE-RNG: available=$(cat /sys/class/misc/hw_random/rng_available)"
echo "HYVE-RNG: read=$(dd if=/dev/hwrng bs=256 count=1 2>/dev/null | wc -c)"
for i in 1 2; do
	echo "HYVE-RNG: sample$i=$(dd if=/dev/hwrng bs=16 count=1 2>/dev/null |
		od -An -tx1 | tr -d ' \n')"
done
# The interrupts the device sent, per /proc/interrupts.
grep virtio /proc/interrupts | while read -r line; do
	echo "HYVE-IRQ: $line"
done
