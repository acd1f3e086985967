# hyve.run=pci: every PCI function Linux found, one line each, with its
# IDs, class, the driver bound to it and how many MSI/MSI-X vectors it has.
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/vendor" ] || continue
	drv=none
	[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	msi=0
	[ -d "$d/msi_irqs" ] && msi=$(ls "$d/msi_irqs" | wc -l)
	echo "HYVE-PCI: $(basename "$d") $(cat "$d/vendor"):$(cat "$d/device")" \
		"class=$(cat "$d/class") driver=$drv msi=$msi irq=$(cat "$d/irq")"
done
