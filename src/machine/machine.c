/*
 * machine.c: a VM's life, from the command line's config to the exit
 * status.  The board (board.c) is the device list; this file is the order
 * of events around it, so that bad input is reported before anything is
 * made and nothing is left half-made after a failure:
 *
 *   1. open and check the kernel (boot/loader.c; a bzImage may be
 *      decompressed here), read the --initramfs images, open and lock the
 *      --disk images (kept, and locked, until hyve exits, across a
 *      restart): no KVM yet;
 *   2. check --memory against the host, open /dev/kvm, get the host probe
 *      (vmm/probe.c, cached) and decide the host quirks (quirks.c);
 *   3. make the VM (in-kernel irqchip and PIT) and its vCPUs, each with its
 *      CPUID; load the kernel; build the ACPI tables; set up the boot
 *      protocol's state (boot/boot.c);
 *   4. open the --serial and --virtio-console files (created with O_EXCL,
 *      so hyve knows whether to remove them on failure; an existing file
 *      is not yet truncated), wire the board's devices and fw_cfg;
 *   5. block the stop signals, start the vCPU threads (they wait), truncate
 *      old console logs, and let them go.
 *
 * main's thread then becomes the event loop: keyboard input to COM1 or
 * the virtio console (through a pipe that the device's thread reads), the
 * terminal's size for the virtio console (SIGWINCH), the
 * stop signals (the first SIGINT or SIGTERM presses the ACPI power button
 * when the guest listens to it; a second stops at once), the RTC's timed
 * interrupts, the vmcall watchdog, and the VM's stop.  A guest that resets
 * the machine ends hyve with status 14, or with --on-reboot restart boots
 * again in a fresh VM (keeping the CMOS RAM, as a PC does).
 */
#include "machine/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend/disk.h"
#include "backend/term.h"
#include "boot/boot.h"
#include "boot/initramfs.h"
#include "boot/loader.h"
#include "arch/x86/memmap.h"
#include "machine/board.h"
#include "machine/console.h"
#include "machine/quirks.h"
#include "util/log.h"
#include "vmm/exit.h"
#include "vmm/probe.h"
#include "vmm/vcpu.h"
#include "virtio/blk.h"
#include "vmm/vm.h"

#define ERRLEN 512
/* The longest command line any protocol takes, and what hyve adds. */
#define CMDLINE_SZ (MEMMAP_CMDLINE_MAX + QUIRKS_CMDLINE_MAX)

struct machine {
	const struct hyve_config *cfg;
	struct loader_file image;
	bool image_open;
	struct boot_module mods[CONFIG_MAX_INITRAMFS];
	unsigned int nmods;
	struct disk *disks[CONFIG_MAX_DISKS]; /* cfg->disk[i], once open */
	unsigned int ndisks;
	struct kvm_host kvm;
	struct probe_result probe;
	struct quirks quirks;
	struct cpuid_config cpuid;
	char cmdline[CMDLINE_SZ]; /* the guest's: --cmdline and the quirks */
	struct vm vm;
	bool vm_made;
	struct board board;
	bool board_made;
	struct console con;
	bool con_made;
	int serial_fd;	     /* -1, stdout, or a file we opened */
	bool serial_created; /* we created serial_path: remove on failure */
	int vcon_out;	     /* the virtio console's output, or -1 */
	bool vcon_created;   /* we created vconsole_path: remove on failure */
	int vcon_pipe[2];    /* stdin to the virtio console, or -1 */
	bool raw_term;
	int sig_fd;
	sigset_t stop_signals;
	sigset_t old_mask;
	bool mask_set;
	bool button_pressed; /* a first signal pressed the power button */
	uint8_t cmos[128];   /* kept across --on-reboot restart */
	bool have_cmos;
};

static uint64_t machine_host_ram(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

/* The same file as an earlier --disk's? */
static const char *machine_disk_twin(struct machine *m, const char *path)
{
	struct stat a, b;

	if (stat(path, &a) < 0)
		return NULL;
	for (unsigned int i = 0; i < m->ndisks; i++)
		if (!stat(disk_path(m->disks[i]), &b) && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return disk_path(m->disks[i]);
	return NULL;
}

/* Step 1, the --disk images: opened and locked, in order. */
static int machine_open_disks(struct machine *m, char *err, size_t errlen)
{
	static const char what[] = "--disk ";
	const size_t n = sizeof(what) - 1;
	const struct hyve_config *cfg = m->cfg;
	int r;

	for (unsigned int i = 0; i < cfg->ndisks; i++) {
		const struct config_disk *c = &cfg->disk[i];
		const struct disk_opts o = {
			.readonly = c->readonly,
			.direct = c->direct,
			.depth = VIRTIO_BLK_DISK_DEPTH,
		};
		const char *twin;

		/* Its one line, after "--disk ". */
		memcpy(err, what, n + 1);
		r = disk_open(&m->disks[i], c->path, &o, err + n, errlen - n);
		if (r) {
			twin = r == -EWOULDBLOCK ? machine_disk_twin(m, c->path)
						 : NULL;
			if (twin)
				snprintf(err, errlen,
					 "--disk %s: the same image as --disk "
					 "%s",
					 c->path, twin);
			return r;
		}
		m->ndisks++;
	}
	return 0;
}

/* Step 1: the kernel, the initramfs and disk images, before anything else. */
static int machine_open_inputs(struct machine *m,
			       const struct machine_image *demo, char *err,
			       size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	const struct loader_options opt = {
		.host_decompress = cfg->host_decompress,
	};
	char how[256];
	int r;

	if (cfg->kernel)
		r = loader_open_file(cfg->kernel, cfg->format, &opt, &m->image,
				     err, errlen);
	else
		r = loader_open_buffer(demo->buf, demo->len, demo->name,
				       cfg->format, &opt, &m->image, err,
				       errlen);
	m->image_open = r == 0;
	if (r)
		return r;
	if (m->image.format == LOADER_BZIMAGE)
		log_info("boot", "%s: %s, %s", m->image.name,
			 m->image.vmlinux
				 ? "decompressed on the host, booting by PVH"
				 : "booting the Linux boot protocol",
			 m->image.how);
	for (unsigned int i = 0; i < cfg->ninitramfs; i++) {
		r = initramfs_read(cfg->initramfs[i],
				   cfg->host_decompress &&
					   m->image.format != LOADER_MULTIBOOT,
				   &m->mods[i], how, sizeof(how), err, errlen);
		if (r)
			return r;
		m->nmods++;
		if (how[0])
			log_info("boot", "initramfs %s", how);
	}
	return machine_open_disks(m, err, errlen);
}

/* Step 2: the host, its probe and what follows from it. */
static int machine_host(struct machine *m, char *err, size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	char what[512];
	bool cached = false;
	int r;

	if (strlen(cfg->cmdline) >= MEMMAP_CMDLINE_MAX) {
		snprintf(err, errlen,
			 "--cmdline is %zu bytes; hyve takes at "
			 "most %llu",
			 strlen(cfg->cmdline), MEMMAP_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	r = config_check_memory(cfg->memory, machine_host_ram(), err, errlen);
	if (!r)
		r = kvm_open("/dev/kvm", &m->kvm, err, errlen);
	if (!r)
		r = probe_get(&m->kvm, &m->probe, &cached, err, errlen);
	if (r)
		return r;
	quirks_decide(&m->probe, m->image.is_linux, cfg->host_quirks,
		      &m->quirks);
	quirks_describe(&m->quirks, what, sizeof(what));
	log_info("machine", "host probe (%s): %s", cached ? "cached" : "fresh",
		 what);
	snprintf(m->cmdline, sizeof(m->cmdline), "%s%s", cfg->cmdline,
		 m->image.is_linux ? m->quirks.cmdline : "");
	m->cpuid = (struct cpuid_config){
		.ncpus = cfg->cpus,
		.x2apic = true,
		.tsc_deadline = m->kvm.tsc_deadline,
		.kvm_features_drop = m->quirks.kvm_features_drop,
	};
	for (unsigned int i = 0; i < m->quirks.ncpuid_drops; i++)
		m->cpuid.edits[m->cpuid.nedits++] = m->quirks.cpuid_drops[i];
	/* The user's edits come last and win. */
	if (cfg->cpu_features &&
	    cpuid_parse_edits(cfg->cpu_features, &m->cpuid, err, errlen))
		return -EINVAL;
	return 0;
}

/* Step 3, the load: kernel, ACPI and MP tables, the boot protocol's state. */
static int machine_load(struct machine *m, char *err, size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	struct loader_image img;
	struct boot_placed placed;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	int r;

	r = loader_load(&m->image, &m->vm.mem, &img, err, errlen);
	if (r)
		return r;
	log_info("boot",
		 "%s: %s image at %#" PRIx64 "..%#" PRIx64 ", entry %#" PRIx64,
		 m->image.name, loader_format_name(img.format), img.start,
		 img.end, img.entry);
	if (cfg->acpi) {
		r = board_acpi(&m->board, err, errlen);
		if (r)
			return r;
	}
	r = board_mptable(&m->board, err, errlen);
	if (r)
		return r;
	if (ioctl(m->vm.vcpu[0].fd, KVM_GET_SREGS, &sregs) < 0) {
		snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
		return -errno;
	}
	r = boot_setup(
		&m->vm.mem,
		&(struct boot_plan){ .img = &img,
				     .cmdline = m->cmdline,
				     .cmdline_added = strlen(m->cmdline) -
						      strlen(cfg->cmdline),
				     .cpus = cfg->cpus,
				     .mods = m->mods,
				     .nmods = m->nmods,
				     .rsdp = m->board.rsdp },
		&regs, &sregs, &placed, err, errlen);
	for (unsigned int i = 0; !r && i < m->nmods; i++)
		log_info("boot", "module %u: %s at %#" PRIx64 " (%zu bytes)", i,
			 m->mods[i].name, placed.mod_addr[i], m->mods[i].size);
	return r ? r
		 : vcpu_set_state(&m->vm.vcpu[0], &regs, &sregs, err, errlen);
}

/*
 * Step 4: a console's file.  A FIFO is opened without waiting for a reader
 * (one with no reader is refused), and an existing file is truncated only
 * once nothing can fail any more (machine_start).  nonblock: keep
 * O_NONBLOCK (the virtio console waits for room itself; COM1's output
 * waits in poll, so its fd may block).
 */
static int machine_open_log(const char *opt, const char *path, bool nonblock,
			    int *fd, bool *created, char *err, size_t errlen)
{
	const int flags = O_WRONLY | O_NONBLOCK | O_CLOEXEC;
	int r;

	if (*fd >= 0) /* a restart keeps its file */
		return 0;
	*fd = open(path, flags | O_CREAT | O_EXCL, 0644);
	*created = *fd >= 0;
	if (*fd < 0 && errno == EEXIST)
		*fd = open(path, flags);
	if (*fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s file=%s: %s%s", opt, path,
			 strerror(-r),
			 r == -ENXIO ? " (a FIFO with no reader)" : "");
		return r;
	}
	if (!nonblock && fcntl(*fd, F_SETFL, O_WRONLY) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s file=%s: %s", opt, path,
			 strerror(-r));
		return r;
	}
	return 0;
}

static int machine_open_serial(struct machine *m, char *err, size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;

	switch (cfg->serial) {
	case CONFIG_SERIAL_STDIO:
		m->serial_fd = STDOUT_FILENO;
		return 0;
	case CONFIG_SERIAL_OFF:
		m->serial_fd = -1;
		return 0;
	case CONFIG_SERIAL_FILE:
		break;
	}
	return machine_open_log("--serial", cfg->serial_path, false,
				&m->serial_fd, &m->serial_created, err, errlen);
}

/*
 * The virtio console writes stdout from its thread and must never block
 * there (a stalled terminal or pipe would hold hyve up at exit): it gets
 * a file description of its own with O_NONBLOCK, opened again through
 * /proc, so the shell's stays as it was.  A regular file never stalls and
 * a socket is written with MSG_DONTWAIT: those are duplicated.
 */
static int machine_stdout_nonblocking(void)
{
	struct stat st;
	int fd;

	if (fstat(STDOUT_FILENO, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) && !S_ISSOCK(st.st_mode)) {
		fd = open("/proc/self/fd/1",
			  O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		log_warn("machine",
			 "cannot reopen stdout without blocking (%s): a "
			 "stalled reader may hold the virtio console up",
			 strerror(errno));
	}
	fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	return fd < 0 ? -errno : fd;
}

/* The terminal's size, from stdin or stdout; false when neither is one. */
static bool machine_term_size(uint16_t *cols, uint16_t *rows)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		return false;
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return true;
}

/*
 * Step 4, --virtio-console: its output fd, and for stdio the pipe that
 * carries keyboard input to it.  A restart keeps them.
 */
static int machine_open_vconsole(struct machine *m, char *err, size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	int r;

	switch (cfg->vconsole) {
	case CONFIG_SERIAL_OFF:
		return 0;
	case CONFIG_SERIAL_FILE:
		return machine_open_log("--virtio-console", cfg->vconsole_path,
					true, &m->vcon_out, &m->vcon_created,
					err, errlen);
	case CONFIG_SERIAL_STDIO:
		break;
	}
	if (m->vcon_out < 0) {
		m->vcon_out = machine_stdout_nonblocking();
		if (m->vcon_out < 0) {
			r = m->vcon_out;
			snprintf(err, errlen, "--virtio-console stdio: %s",
				 strerror(-r));
			return r;
		}
	}
	if (m->vcon_pipe[0] < 0 &&
	    pipe2(m->vcon_pipe, O_CLOEXEC | O_NONBLOCK)) {
		r = -errno;
		m->vcon_pipe[0] = m->vcon_pipe[1] = -1;
		snprintf(err, errlen, "--virtio-console stdio: pipe: %s",
			 strerror(-r));
		return r;
	}
	return 0;
}

/* Steps 3 and 4: one VM, from /dev/kvm to wired devices. */
static int machine_build_vm(struct machine *m, char *err, size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	const struct vm_options opt = {
		.irqchip = true,
		.cpuid = &m->cpuid,
		.complete_insns = true,
		.vmcall_watchdog = m->quirks.vmcall_watchdog,
		.syscall_repair = m->quirks.syscall_repair,
		.profile = cfg->profile != NULL,
	};
	int r;

	r = vm_create(&m->vm, &m->kvm, cfg->memory, &opt, err, errlen);
	m->vm_made = r == 0;
	if (r)
		return r;
	m->vm.collect_stats = cfg->stats;
	board_init(&m->board, &m->vm, cfg);
	m->board.disks = m->disks;
	m->board_made = true;
	r = vm_add_vcpus(&m->vm, cfg->cpus, err, errlen);
	if (!r)
		r = machine_load(m, err, errlen);
	if (!r)
		r = machine_open_serial(m, err, errlen);
	if (!r)
		r = machine_open_vconsole(m, err, errlen);
	if (!r) {
		m->board.vcon_in_fd = m->vcon_pipe[0];
		m->board.vcon_out_fd = m->vcon_out;
		if (cfg->vconsole == CONFIG_SERIAL_STDIO)
			machine_term_size(&m->board.vcon_cols,
					  &m->board.vcon_rows);
		r = board_wire(&m->board, m->serial_fd, err, errlen);
	}
	if (!r)
		r = board_fw_cfg(&m->board, m->cmdline, err, errlen);
	if (!r && m->have_cmos)
		board_load_cmos(&m->board, m->cmos);
	if (r)
		return r;
	log_info("machine", "%" PRIu64 " MiB RAM, %u vCPU%s, serial %s%s",
		 cfg->memory >> 20, cfg->cpus, cfg->cpus == 1 ? "" : "s",
		 cfg->serial == CONFIG_SERIAL_STDIO  ? "on stdio"
		 : cfg->serial == CONFIG_SERIAL_FILE ? "to "
						     : "off",
		 cfg->serial == CONFIG_SERIAL_FILE ? cfg->serial_path : "");
	if (cfg->vconsole != CONFIG_SERIAL_OFF)
		log_info("machine", "virtio console %s%s",
			 cfg->vconsole == CONFIG_SERIAL_STDIO ? "on stdio"
							      : "to ",
			 cfg->vconsole == CONFIG_SERIAL_FILE
				 ? cfg->vconsole_path
				 : "");
	if (strcmp(m->cmdline, cfg->cmdline))
		log_info("machine", "kernel command line: %s", m->cmdline);
	return 0;
}

/*
 * SIGINT, SIGTERM and SIGHUP are blocked in every thread (the vCPU threads
 * inherit the mask) and read from a signalfd by main's loop.
 */
static int machine_block_signals(struct machine *m, char *err, size_t errlen)
{
	sigset_t old;

	sigemptyset(&m->stop_signals);
	sigaddset(&m->stop_signals, SIGINT);
	sigaddset(&m->stop_signals, SIGTERM);
	sigaddset(&m->stop_signals, SIGHUP);
	/* Not a stop signal: the terminal's size, for the virtio console. */
	if (m->cfg->vconsole == CONFIG_SERIAL_STDIO)
		sigaddset(&m->stop_signals, SIGWINCH);
	if (pthread_sigmask(SIG_BLOCK, &m->stop_signals, &old)) {
		snprintf(err, errlen, "cannot block signals");
		return -EINVAL;
	}
	if (!m->mask_set)
		m->old_mask = old;
	m->mask_set = true;
	if (m->sig_fd >= 0)
		return 0; /* a restart: the signalfd is still there */
	m->sig_fd = signalfd(-1, &m->stop_signals, SFD_CLOEXEC);
	if (m->sig_fd < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Once the VM has stopped, a stop signal means "end now": unblock them in
 * main's thread (the vCPU threads keep them blocked, so they come here), so
 * that their default action (or the terminal hook, term.c) ends hyve even
 * while it is writing the report into a full pipe.
 */
static void machine_unblock_signals(struct machine *m)
{
	if (m->mask_set)
		pthread_sigmask(SIG_UNBLOCK, &m->stop_signals, NULL);
}

static int machine_start(struct machine *m, char *err, size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	int r;

	/* stdin goes to whichever console is on stdio (never both). */
	if (cfg->vconsole == CONFIG_SERIAL_STDIO)
		r = console_init(&m->con,
				 (struct console_sink){ .fd = m->vcon_pipe[1] },
				 STDIN_FILENO, false);
	else
		r = console_init(
			&m->con,
			(struct console_sink){ .com = &m->board.com1,
					       .fd = -1 },
			cfg->serial == CONFIG_SERIAL_STDIO ? STDIN_FILENO : -1,
			false);
	if (r) {
		snprintf(err, errlen, "out of memory");
		return r;
	}
	m->con_made = true;
	r = machine_block_signals(m, err, errlen);
	if (!r)
		r = board_start(&m->board, err, errlen);
	if (r)
		return r;
	r = vm_start(&m->vm, err, errlen);
	if (r)
		return r;
	/* Nothing can fail from here on: now old console logs may go. */
	if (cfg->serial == CONFIG_SERIAL_FILE && !m->serial_created &&
	    ftruncate(m->serial_fd, 0) < 0 && errno != EINVAL) {
		/* A FIFO or a device: EINVAL, nothing to truncate. */
		log_warn("machine", "--serial file=%s: cannot truncate: %s",
			 cfg->serial_path, strerror(errno));
	}
	if (cfg->vconsole == CONFIG_SERIAL_FILE && !m->vcon_created &&
	    ftruncate(m->vcon_out, 0) < 0 && errno != EINVAL)
		log_warn("machine",
			 "--virtio-console file=%s: cannot truncate: %s",
			 cfg->vconsole_path, strerror(errno));
	m->serial_created = m->vcon_created = false; /* they are the logs */
	if (cfg->serial == CONFIG_SERIAL_STDIO ||
	    cfg->vconsole == CONFIG_SERIAL_STDIO)
		m->con.raw = m->raw_term =
			term_raw_enter(STDIN_FILENO, VCPU_KICK_SIGNAL);
	vm_go(&m->vm);
	return 0;
}

static void machine_signal(struct machine *m)
{
	struct signalfd_siginfo si;
	const char *name;

	if (read(m->sig_fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGWINCH) {
		uint16_t cols, rows;
		if (m->board.vcon && machine_term_size(&cols, &rows))
			virtio_console_resize(m->board.vcon, cols, rows);
		return;
	}
	name = si.ssi_signo == SIGINT	 ? "SIGINT"
	       : si.ssi_signo == SIGTERM ? "SIGTERM"
					 : "SIGHUP";
	log_info("machine", "%s received", strsignal((int)si.ssi_signo));
	if (si.ssi_signo != SIGHUP && !m->button_pressed &&
	    board_power_button(&m->board)) {
		m->button_pressed = true;
		log_info("machine",
			 "%s: pressed the ACPI power button; a second signal "
			 "stops the guest at once",
			 name);
		return;
	}
	vm_request_stop(&m->vm, 128 + (int)si.ssi_signo, name);
}

static int64_t machine_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define MACHINE_PROFILE_MS 10

/* How long poll may sleep: the RTC's next event, the watchdog's tick. */
static int machine_timeout(struct machine *m, int64_t next_watch)
{
	int t = board_timeout_ms(&m->board);

	if (m->vm.opt.vmcall_watchdog || m->vm.opt.profile) {
		int64_t w = next_watch - machine_now_ms();
		w = w < 0 ? 0 : w;
		if (t < 0 || w < t)
			t = (int)w;
	}
	return t;
}

/* main's thread from vm_go to the stop: input, signals, timers, the stop. */
static void machine_loop(struct machine *m)
{
	enum { P_STOP, P_SIG, P_IN, P_ROOM, P_WAKE, P_N };
	const int tick =
		m->vm.opt.profile ? MACHINE_PROFILE_MS : VM_WATCHDOG_MS;
	int64_t next_watch = machine_now_ms() + tick;

	while (!atomic_load(&m->vm.stopping)) {
		struct pollfd pfd[P_N] = {
			[P_STOP] = { .fd = m->vm.stop_fd, .events = POLLIN },
			[P_SIG] = { .fd = m->sig_fd, .events = POLLIN },
			[P_IN] = { .fd = -1, .events = POLLIN },
			[P_ROOM] = { .fd = -1, .events = POLLIN },
			[P_WAKE] = { .fd = board_wake_fd(&m->board),
				     .events = POLLIN },
		};
		if (console_wants_input(&m->con))
			pfd[P_IN].fd = m->con.fd;
		if (console_wants_room(&m->con))
			pfd[P_ROOM].fd =
				console_room_fd(&m->con, &pfd[P_ROOM].events);
		if (poll(pfd, P_N, machine_timeout(m, next_watch)) < 0 &&
		    errno != EINTR) {
			log_err("machine", "poll: %s", strerror(errno));
			vm_request_stop(&m->vm, HYVE_EXIT_KVM_ERROR,
					"the event loop failed");
			break;
		}
		if (pfd[P_SIG].revents & POLLIN)
			machine_signal(m);
		if ((pfd[P_IN].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    console_read(&m->con) == CONSOLE_QUIT)
			vm_request_stop(&m->vm, HYVE_EXIT_OK, "Ctrl-A x");
		if (pfd[P_ROOM].revents)
			console_feed(&m->con);
		if (pfd[P_WAKE].revents & POLLIN)
			board_wake_ack(&m->board);
		board_tick(&m->board);
		if ((m->vm.opt.vmcall_watchdog || m->vm.opt.profile) &&
		    machine_now_ms() >= next_watch) {
			/*
			 * vm_sample kicks every vCPU inside KVM_RUN as the
			 * watchdog does, and a kicked thread completes a
			 * vmcall at RIP whatever the kick was for: one kick.
			 */
			if (m->vm.opt.profile)
				vm_sample(&m->vm);
			else if (m->vm.opt.vmcall_watchdog)
				vm_watchdog(&m->vm);
			next_watch = machine_now_ms() + tick;
		}
	}
}

/*
 * A signal stopped a guest that had not finished: with -v, say where each
 * vCPU was, so a guest that hangs (or a test that times out) leaves a
 * trace to look up in the kernel's System.map.  The threads have been
 * joined; the vCPU fds still answer.
 */
static void machine_log_where(struct machine *m)
{
	for (unsigned int i = 0; i < m->vm.ncpus; i++) {
		struct kvm_regs r;

		if (ioctl(m->vm.vcpu[i].fd, KVM_GET_REGS, &r) == 0)
			log_info("machine",
				 "vCPU %u stopped at RIP %#llx RSP %#llx", i,
				 (unsigned long long)r.rip,
				 (unsigned long long)r.rsp);
	}
}

/*
 * Undo one VM (a restart keeps the image, the modules and the serial fd).
 * The board goes before the VM: its device threads touch guest RAM and
 * its ioeventfds and irqfds are unbound through the VM.
 */
static void machine_teardown_vm(struct machine *m)
{
	if (m->con_made)
		console_destroy(&m->con);
	m->con_made = false;
	if (m->board_made)
		board_teardown(&m->board);
	m->board_made = false;
	if (m->vm_made)
		vm_destroy(&m->vm);
	m->vm_made = false;
}

static void machine_teardown(struct machine *m, bool failed)
{
	machine_teardown_vm(m);
	if (m->serial_fd > STDERR_FILENO)
		close(m->serial_fd);
	if (failed && m->serial_created)
		unlink(m->cfg->serial_path);
	if (m->vcon_out >= 0)
		close(m->vcon_out);
	if (failed && m->vcon_created)
		unlink(m->cfg->vconsole_path);
	for (int i = 0; i < 2; i++)
		if (m->vcon_pipe[i] >= 0)
			close(m->vcon_pipe[i]);
	if (m->sig_fd >= 0)
		close(m->sig_fd);
	if (m->mask_set)
		pthread_sigmask(SIG_SETMASK, &m->old_mask, NULL);
	kvm_close(&m->kvm);
	if (m->image_open)
		loader_close(&m->image);
	for (unsigned int i = 0; i < m->nmods; i++)
		initramfs_free(&m->mods[i]);
	/* After the board: its devices' queues are gone. */
	for (unsigned int i = 0; i < m->ndisks; i++)
		disk_close(m->disks[i]);
}

/* Format the report whole, then write it at once, so nothing interleaves. */
static void machine_print_report(const struct report_state *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		report_format(stderr, st);
		return;
	}
	report_format(f, st);
	fclose(f);
	fwrite(buf, 1, len, stderr);
	fflush(stderr);
	free(buf);
}

int machine_probe(FILE *out)
{
	struct kvm_host kvm = { .fd = -1 };
	struct probe_result res;
	struct quirks q;
	char err[ERRLEN] = "", what[512];
	int r;

	r = kvm_open("/dev/kvm", &kvm, err, sizeof(err));
	if (!r)
		r = probe_run(&kvm, &res, err, sizeof(err));
	kvm_close(&kvm);
	if (r) {
		fprintf(stderr, "hyve: %s\n", err);
		return HYVE_EXIT_USAGE;
	}
	fprintf(out,
		"hyve %s: what this host's KVM does for a guest at CPL 0 "
		"(probed in %u us)\n",
		HYVE_VERSION, res.micros);
	probe_print(out, &res);
	quirks_decide(&res, true, true, &q);
	quirks_describe(&q, what, sizeof(what));
	fprintf(out, "for a Linux guest: %s\n", what);
	return HYVE_EXIT_OK;
}

/* Run one VM to its stop; returns the status. */
static int machine_run_vm(struct machine *m, char *err, size_t errlen,
			  bool *failed)
{
	int status;

	*failed = true;
	if (machine_build_vm(m, err, errlen))
		return HYVE_EXIT_USAGE;
	if (machine_start(m, err, errlen)) {
		vm_join(&m->vm);
		return HYVE_EXIT_USAGE;
	}
	*failed = false;
	machine_loop(m);
	status = vm_join(&m->vm);
	term_restore();
	machine_unblock_signals(m);
	log_info("machine", "stopped: %s", m->vm.stop_reason);
	if (status > 128)
		machine_log_where(m);
	if (status == HYVE_EXIT_TRIPLE_FAULT &&
	    m->cfg->on_reboot == CONFIG_REBOOT_RESTART) {
		/* A PC resets on a triple fault: so does --on-reboot restart. */
		log_info("machine", "triple fault: a reset, as on a PC");
		m->board.event = BOARD_RESET;
		return HYVE_EXIT_REBOOT;
	}
	if (m->vm.have_report)
		machine_print_report(&m->vm.report);
	if (m->cfg->stats)
		exit_print_stats(stderr, &m->vm);
	if (m->cfg->profile && vm_write_profile(&m->vm, m->cfg->profile))
		log_warn("machine", "--profile %s: %s", m->cfg->profile,
			 strerror(errno));
	return status;
}

int machine_run(const struct hyve_config *cfg, const struct machine_image *demo)
{
	struct machine *m = calloc(1, sizeof(*m));
	char err[ERRLEN] = "";
	bool failed = true;
	int status = HYVE_EXIT_USAGE;

	if (!m) {
		fprintf(stderr, "hyve: out of memory\n");
		return HYVE_EXIT_USAGE;
	}
	m->cfg = cfg;
	m->kvm.fd = -1;
	m->serial_fd = -1;
	m->sig_fd = -1;
	m->vcon_out = m->vcon_pipe[0] = m->vcon_pipe[1] = -1;

	if (machine_open_inputs(m, demo, err, sizeof(err)) ||
	    machine_host(m, err, sizeof(err)))
		goto out;
	for (;;) {
		status = machine_run_vm(m, err, sizeof(err), &failed);
		/* 14 comes only from a reset (status.h), whatever its source. */
		if (failed || status != HYVE_EXIT_REBOOT ||
		    cfg->on_reboot != CONFIG_REBOOT_RESTART)
			break;
		board_save_cmos(&m->board, m->cmos);
		m->have_cmos = true;
		machine_teardown_vm(m);
		m->button_pressed = false;
		log_info("machine", "restarting the guest (--on-reboot "
				    "restart)");
	}
out:
	if (failed) {
		term_restore();
		fprintf(stderr, "hyve: %s\n", err);
		status = HYVE_EXIT_USAGE;
	}
	machine_teardown(m, failed);
	free(m);
	return status;
}
