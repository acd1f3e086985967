/* board.c: the devices, their wiring and the firmware.  See board.h. */
#include "machine/board.h"

#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86/acpi.h"
#include "arch/x86/e820.h"
#include "arch/x86/memmap.h"
#include "arch/x86/mptable.h"
#include "util/log.h"
#include "virtio/blk.h"
#include "virtio/net.h"
#include "virtio/console.h"
#include "virtio/rng.h"
#include "virtio/vsock.h"
#include "vmm/status.h"

/* Interrupt lines: the in-kernel PIC and IOAPIC, by ISA IRQ. */
static void board_irq(struct board *b, unsigned int irq, bool level)
{
	int r = vm_irq_line(b->vm, irq, level);

	if (r)
		log_warn("board", "IRQ %u: KVM_IRQ_LINE: %s", irq,
			 strerror(-r));
}

static void board_com1_irq(void *ctx, bool level)
{
	board_irq(ctx, IRQ_COM1, level);
}

static void board_rtc_irq(void *ctx, bool level)
{
	board_irq(ctx, IRQ_RTC, level);
}

static void board_sci(void *ctx, bool level)
{
	board_irq(ctx, IRQ_SCI, level);
}

static void board_pci_irq(void *ctx, uint32_t gsi, bool level)
{
	board_irq(ctx, gsi, level);
}

/* The first guest-physical address above RAM. */
static uint64_t board_ram_end(const struct board *b)
{
	const struct guest_mem *gm = &b->vm->mem;
	uint64_t end = 0;

	for (unsigned int i = 0; i < gm->count; i++)
		if (gm->region[i].gpa + gm->region[i].size > end)
			end = gm->region[i].gpa + gm->region[i].size;
	return end;
}

/* PCI bus 0 as the bus and the ACPI tables both see it. */
static struct pci_bus_config board_pci_config(struct board *b)
{
	return (struct pci_bus_config){
		.mmio32_base = MEMMAP_PCI_MMIO32,
		.mmio32_size = MEMMAP_PCI_MMIO32_SIZE,
		.mmio64_base = memmap_pci_mmio64_base(board_ram_end(b)),
		.mmio64_size = MEMMAP_PCI_MMIO64_SIZE,
		.ecam_base = MEMMAP_PCI_ECAM,
		.intx_gsi = { GSI_PCI_INTA, GSI_PCI_INTA + 1, GSI_PCI_INTA + 2,
			      GSI_PCI_INTA + 3 },
		.irq = board_pci_irq,
		.irq_ctx = b,
		.cf9 = &b->cf9,
	};
}

static void board_poweroff(void *ctx)
{
	struct board *b = ctx;

	b->event = BOARD_POWEROFF;
	vm_request_stop(b->vm, HYVE_EXIT_OK, "the guest powered off (ACPI S5)");
}

static void board_reset(void *ctx)
{
	struct board *b = ctx;

	b->event = BOARD_RESET;
	vm_request_stop(b->vm, HYVE_EXIT_REBOOT, "the guest reset the machine");
}

static void board_debug_exit(void *ctx, int status)
{
	struct board *b = ctx;

	vm_request_stop(b->vm, status,
			"the guest wrote to the debug-exit port");
}

/* The RTC's next event may be sooner now: make main look again. */
static void board_rtc_reschedule(void *ctx)
{
	struct board *b = ctx;
	uint64_t one = 1;

	if (write(b->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: main has a wake-up pending already. */
	}
}

static const struct rtc_cmos_backend board_rtc_be = {
	.irq = board_rtc_irq,
	.reschedule = board_rtc_reschedule,
};
static const struct acpi_pm_backend board_pm_be = {
	.irq = board_sci,
	.poweroff = board_poweroff,
};

/* Register one device; a clash names it. */
static int board_add(struct board *b, uint64_t base, uint64_t len,
		     struct iobus_dev *dev, char *err, size_t errlen)
{
	int r = iobus_register(&b->vm->bus, IOBUS_PIO, base, len, dev);

	if (r)
		snprintf(err, errlen, "%s at port %#llx: %s", dev->name,
			 (unsigned long long)base,
			 r == -EEXIST ? "the ports are taken by another device"
				      : strerror(-r));
	return r;
}

/* Put a virtio device on PCI bus 0 (the board owns d from here on). */
static int board_add_virtio(struct board *b, struct virtio_dev *d, char *err,
			    size_t errlen)
{
	struct board_virtio *v;
	int r;

	if (b->nvirtio == BOARD_MAX_VIRTIO) {
		snprintf(err, errlen, "%s: at most %d virtio devices",
			 d->ops->name, BOARD_MAX_VIRTIO);
		virtio_dev_destroy(d);
		return -ENOSPC;
	}
	v = &b->virtio[b->nvirtio++];
	v->dev = d;
	r = virtio_pci_init(&v->pci, d, &virtio_pci_kvm, b->vm);
	v->pci_made = r == 0;
	if (!r)
		r = pci_bus_add(&b->pci, &v->pci.pci);
	if (r)
		snprintf(err, errlen, "%s: %s", d->ops->name,
			 r == -ENOSPC ? "no room on PCI bus 0" : strerror(-r));
	else
		log_info("board", "%s at PCI 00:%02x.0, BAR 0 at %#llx",
			 d->ops->name, v->pci.pci.slot,
			 (unsigned long long)pci_cfg_bar_addr(&v->pci.pci.cfg,
							      0));
	return r;
}

/* 10. the virtio devices, in their documented order. */
static int board_virtio_devices(struct board *b, char *err, size_t errlen)
{
	int r = 0;

	if (b->cfg->rng) {
		struct virtio_rng *rng;
		r = virtio_rng_create(&rng, &b->vm->mem);
		if (r)
			snprintf(err, errlen, "virtio-rng: %s", strerror(-r));
		else
			r = board_add_virtio(b, &rng->vdev, err, errlen);
	}
	for (unsigned int i = 0; !r && i < b->cfg->ndisks; i++) {
		const struct virtio_blk_opts o = {
			.serial = b->cfg->disk[i].serial,
			.num_queues = b->cfg->cpus,
		};
		struct virtio_blk *blk;
		r = virtio_blk_create(&blk, &b->vm->mem, b->disks[i], &o, err,
				      errlen);
		if (!r)
			r = board_add_virtio(b, &blk->vdev, err, errlen);
	}
	for (unsigned int i = 0; !r && i < b->cfg->nnet; i++) {
		struct virtio_net *net;
		r = virtio_net_create(&net, &b->vm->mem, &b->cfg->net[i], err,
				      errlen);
		if (!r)
			r = board_add_virtio(b, &net->vdev, err, errlen);
	}
	if (!r && b->cfg->vconsole != CONFIG_SERIAL_OFF) {
		r = virtio_console_create(&b->vcon, &b->vm->mem, b->vcon_in_fd,
					  b->vcon_out_fd, b->vcon_cols,
					  b->vcon_rows);
		if (r)
			snprintf(err, errlen, "virtio-console: %s",
				 strerror(-r));
		else
			r = board_add_virtio(b, &b->vcon->vdev, err, errlen);
	}
	if (!r && b->cfg->vsock_cid) {
		struct virtio_vsock *vs;
		r = virtio_vsock_create(&vs, &b->vm->mem, b->cfg->vsock_cid,
					b->cfg->vsock_path, err, errlen);
		if (!r)
			r = board_add_virtio(b, &vs->vdev, err, errlen);
	}
	return r;
}

int board_start(struct board *b, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < b->nvirtio; i++) {
		int r = virtio_dev_start(b->virtio[i].dev);
		if (r) {
			snprintf(err, errlen, "%s: cannot start its thread: %s",
				 b->virtio[i].dev->ops->name, strerror(-r));
			return r;
		}
	}
	return 0;
}

void board_init(struct board *b, struct vm *vm, const struct hyve_config *cfg)
{
	memset(b, 0, sizeof(*b));
	b->vm = vm;
	b->cfg = cfg;
	b->wake_fd = -1;
	b->vcon_in_fd = b->vcon_out_fd = -1;
}

int board_wire(struct board *b, int serial_fd, char *err, size_t errlen)
{
	const struct hyve_config *cfg = b->cfg;
	struct vm *vm = b->vm;
	int r;

	/* 3. COM1 */
	r = com_init(&b->com1, "com1", serial_fd, vm->stop_fd, board_com1_irq,
		     b);
	if (r) {
		snprintf(err, errlen, "COM1: %s", strerror(-r));
		return r;
	}
	b->com1_made = true;
	r = board_add(b, PORT_COM1, COM_PORTS, &b->com1.dev, err, errlen);
	/* 4. RTC */
	b->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!r && b->wake_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "RTC: eventfd: %s", strerror(-r));
	}
	rtc_cmos_init(&b->rtc, &board_rtc_be, b);
	b->rtc_made = true;
	rtc_cmos_set_ram_sizes(&b->rtc, vm->mem.region[0].size,
			       vm->mem.ram_bytes - vm->mem.region[0].size);
	if (!r)
		r = board_add(b, PORT_RTC, 2, &b->rtc.dev, err, errlen);
	/* 5. ACPI PM */
	acpi_pm_init(&b->pm, &board_pm_be, b, BOARD_S5_SLP_TYP);
	b->pm_made = true;
	if (!r)
		r = board_add(b, PORT_ACPI_PM, ACPI_PM_LEN, &b->pm.dev, err,
			      errlen);
	/* 6. reset sources */
	reset_cf9_init(&b->cf9, board_reset, b);
	reset_i8042_init(&b->kbc, board_reset, b);
	if (!r && reset_i8042_attach(&b->kbc, &vm->bus)) {
		snprintf(err, errlen, "i8042 at 0x60/0x64: ports taken");
		r = -EEXIST;
	}
	/* 7. fw_cfg */
	if (!r) {
		r = fw_cfg_init(&b->fw);
		b->fw_made = r == 0;
		if (r)
			snprintf(err, errlen, "fw_cfg: %s", strerror(-r));
	}
	if (!r)
		r = board_add(b, PORT_FW_CFG, FW_CFG_PORTS, &b->fw.dev, err,
			      errlen);
	/* 8. debug-exit */
	if (!r && cfg->debug_exit) {
		debug_exit_init(&b->dbg, board_debug_exit, b);
		r = iobus_register(&vm->bus, IOBUS_PIO, cfg->debug_exit_port,
				   cfg->debug_exit_size, &b->dbg.dev);
		if (r == -EEXIST)
			snprintf(err, errlen,
				 "--debug-exit iobase=%#x: the ports are "
				 "taken by another device",
				 cfg->debug_exit_port);
		else if (r)
			snprintf(err, errlen, "debug-exit: %s", strerror(-r));
	}
	/* 9. PCI bus 0; it owns 0xcf9 (reset control, 6). */
	if (!r) {
		const struct pci_bus_config pc = board_pci_config(b);
		pci_bus_init(&b->pci, &pc);
		b->pci_made = true;
		r = pci_bus_attach(&b->pci, &vm->bus, err, errlen);
	}
	/* 10. virtio devices */
	if (!r)
		r = board_virtio_devices(b, err, errlen);
	return r;
}

int board_acpi(struct board *b, char *err, size_t errlen)
{
	struct acpi_config ac = {
		.ncpus = b->cfg->cpus,
		.lapic_addr = (uint32_t)MEMMAP_LAPIC,
		.ioapic_addr = (uint32_t)MEMMAP_IOAPIC,
		.ioapic_id = (uint8_t)b->cfg->cpus,
		.pic = true,
		.pm1a_evt = PORT_ACPI_PM,
		.pm1a_cnt = PORT_ACPI_PM + 4,
		.pm_tmr = PORT_ACPI_PM + 8,
		.sci_irq = IRQ_SCI,
		.reset_port = PORT_RESET,
		.reset_value = RESET_CF9_FADT_VALUE,
		.s5_slp_typ = BOARD_S5_SLP_TYP,
		.com1 = true,
		.rtc = true,
		.rtc_century = RTC_CMOS_CENTURY,
		.i8042 = false,
		.vga = false,
		.power_button = true,
		.oem_id = "HYVE",
	};
	const struct pci_bus_config pc = board_pci_config(b);
	uint8_t *buf =
		mem_ptr(&b->vm->mem, MEMMAP_FIRMWARE, MEMMAP_FIRMWARE_SIZE);
	size_t used;
	int r;

	if (!buf) {
		snprintf(err, errlen, "no RAM for the ACPI tables");
		return -EFAULT;
	}
	ac.pci = (struct acpi_pci){
		.present = true,
		.ecam_base = pc.ecam_base,
		.bus_start = 0,
		.bus_end = 0,
		.mmio32_base = pc.mmio32_base,
		.mmio32_size = pc.mmio32_size,
		.mmio64_base = pc.mmio64_base,
		.mmio64_size = pc.mmio64_size,
		.io_base = BOARD_PCI_IO_BASE,
		.io_size = BOARD_PCI_IO_SIZE,
	};
	memcpy(ac.pci.prt_gsi, pc.intx_gsi, sizeof(ac.pci.prt_gsi));
	r = acpi_build(&ac, buf, MEMMAP_FIRMWARE_SIZE, MEMMAP_FIRMWARE,
		       &b->rsdp, &used);
	if (r)
		snprintf(err, errlen, "cannot build the ACPI tables: %s",
			 strerror(-r));
	return r;
}

/* KVM's in-kernel local APIC and I/O APIC report these versions. */
#define BOARD_LAPIC_VERSION  0x14
#define BOARD_IOAPIC_VERSION 0x11

int board_mptable(struct board *b, char *err, size_t errlen)
{
	const struct pci_bus_config pc = board_pci_config(b);
	struct mptable_config mc = {
		.ncpus = b->cfg->cpus,
		.lapic_addr = (uint32_t)MEMMAP_LAPIC,
		.lapic_version = BOARD_LAPIC_VERSION,
		.ioapic_addr = (uint32_t)MEMMAP_IOAPIC,
		.ioapic_id = (uint8_t)b->cfg->cpus,
		.ioapic_version = BOARD_IOAPIC_VERSION,
		.sci_irq = IRQ_SCI,
		.pci = true,
		.oem_id = "HYVE",
	};
	const struct guest_mem *gm = &b->vm->mem;
	uint8_t *mpc = mem_ptr(gm, MEMMAP_MPC, MEMMAP_MPC_SIZE);
	uint8_t *mpf = mem_ptr(gm, MEMMAP_MPF, MPTABLE_MPF_SIZE);
	const uint16_t bda[2] = { (uint16_t)(MEMMAP_EBDA >> 4),
				  (uint16_t)(MEMMAP_EBDA >> 10) };
	unsigned int eax, ebx, ecx, edx;
	size_t used;
	int r;

	if (!mpc || !mpf) {
		snprintf(err, errlen, "no RAM for the MP table");
		return -EFAULT;
	}
	/* The processor entries' signature and features, as CPUID leaf 1
	 * reads on the host (KVM passes family, model and stepping on). */
	if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
		mc.cpu_signature = eax;
		mc.cpu_features = edx;
	}
	for (unsigned int i = 0; i < PCI_PINS; i++)
		mc.pci_gsi[i] = (uint8_t)pc.intx_gsi[i];
	r = mptable_build(&mc, mpf, mpc, MEMMAP_MPC_SIZE, MEMMAP_MPC, &used);
	if (!r)
		r = mem_write(gm, MEMMAP_BDA_EBDA_SEG, &bda[0], sizeof(bda[0]));
	if (!r)
		r = mem_write(gm, MEMMAP_BDA_BASE_KIB, &bda[1], sizeof(bda[1]));
	if (r)
		snprintf(err, errlen, "cannot build the MP table: %s",
			 strerror(-r));
	return r;
}

int board_fw_cfg(struct board *b, const char *cmdline, char *err, size_t errlen)
{
	struct e820_entry map[E820_MAX];
	struct fw_cfg_e820_entry fe[E820_MAX];
	unsigned int n = e820_build(&b->vm->mem, map, E820_MAX);
	int r;

	for (unsigned int i = 0; i < n; i++)
		fe[i] = (struct fw_cfg_e820_entry){ .addr = map[i].addr,
						    .len = map[i].size,
						    .type = map[i].type };
	r = fw_cfg_set_cpus(&b->fw, (uint16_t)b->cfg->cpus,
			    (uint16_t)b->cfg->cpus);
	if (!r)
		r = fw_cfg_set_ram_size(&b->fw, b->vm->mem.ram_bytes);
	if (!r)
		r = fw_cfg_set_cmdline(&b->fw, cmdline);
	if (!r)
		r = fw_cfg_add_e820(&b->fw, fe, n);
	if (r)
		snprintf(err, errlen, "fw_cfg: %s", strerror(-r));
	return r;
}

bool board_power_button(struct board *b)
{
	if (!b->cfg->acpi || !b->pm_made ||
	    !acpi_pm_power_button_enabled(&b->pm))
		return false;
	acpi_pm_press_power_button(&b->pm);
	return true;
}

int board_timeout_ms(struct board *b)
{
	struct timespec now;
	int64_t when, t;

	if (!b->rtc_made || !rtc_cmos_next_event(&b->rtc, &when))
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	t = when - ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
	if (t <= 0)
		return 0;
	/*
	 * A guest write that moves the event wakes main through wake_fd;
	 * the cap only keeps a jump of the host's clock from stalling it.
	 */
	return t > 1000000000 ? 1000 : (int)((t + 999999) / 1000000);
}

int board_wake_fd(const struct board *b)
{
	return b->wake_fd;
}

void board_wake_ack(struct board *b)
{
	uint64_t v;

	if (read(b->wake_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing to acknowledge. */
	}
}

void board_tick(struct board *b)
{
	if (b->rtc_made)
		rtc_cmos_tick(&b->rtc);
}

void board_save_cmos(struct board *b, uint8_t ram[128])
{
	for (unsigned int i = 0; i < 128; i++)
		if (rtc_cmos_get_ram(&b->rtc, i, &ram[i]))
			ram[i] = 0;
}

void board_load_cmos(struct board *b, const uint8_t ram[128])
{
	for (unsigned int i = 0; i < 128; i++)
		rtc_cmos_set_ram(&b->rtc, i, ram[i]);
}

void board_teardown(struct board *b)
{
	const struct hyve_config *cfg = b->cfg;
	struct vm *vm = b->vm;

	/* Device threads first: they send interrupts and touch RAM. */
	for (unsigned int i = 0; i < b->nvirtio; i++)
		virtio_dev_stop(b->virtio[i].dev);
	for (unsigned int i = 0; i < b->nvirtio; i++) {
		if (b->virtio[i].pci_made)
			virtio_pci_destroy(&b->virtio[i].pci);
		virtio_dev_destroy(b->virtio[i].dev);
	}
	if (b->pci_made)
		pci_bus_destroy(&b->pci);
	if (b->fw_made)
		fw_cfg_destroy(&b->fw);
	if (b->pm_made)
		acpi_pm_destroy(&b->pm);
	if (b->rtc_made)
		rtc_cmos_destroy(&b->rtc);
	if (b->wake_fd >= 0)
		close(b->wake_fd);
	if (b->com1_made)
		com_destroy(&b->com1);
	b->vcon = NULL; /* freed with the other virtio devices */
	board_init(b, vm, cfg);
}
