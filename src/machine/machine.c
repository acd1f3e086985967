/*
 * machine.c: the board.  Devices are wired here in one explicit list, in
 * start-up order:
 *
 *   1. port 0x80 POST-code sink   (built into the I/O bus)
 *   2. COM1 16550A at 0x3f8       (always; output per --serial)
 *   3. debug-exit                 (with --debug-exit; 0x501, 2 ports)
 *
 * The order of the whole start, so that bad input is reported before
 * anything is made and nothing is left half-made after a failure:
 *
 *   1. open and check the image (boot/loader.c): no KVM needed yet;
 *   2. check --memory against the host, open /dev/kvm, make the VM and its
 *      vCPUs, load the image, set the boot vCPU's registers;
 *   3. open the --serial file (created with O_EXCL, so hyve knows whether
 *      to remove it on failure; an existing file is not yet truncated);
 *   4. wire the devices, block the stop signals, start the vCPU threads
 *      (they wait), truncate the serial file, and let them go.
 *
 * main's thread then becomes the event loop: it feeds keyboard input to
 * COM1, turns SIGINT, SIGTERM and SIGHUP into an orderly stop, and waits
 * for the VM's stop.
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
#include <unistd.h>

#include "backend/term.h"
#include "boot/boot64.h"
#include "boot/loader.h"
#include "hw/com.h"
#include "hw/debug_exit.h"
#include "machine/console.h"
#include "util/log.h"
#include "vmm/exit.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define ERRLEN 512

struct machine {
	const struct hyve_config *cfg;
	struct loader_file image;
	bool image_open;
	struct kvm_host kvm;
	struct vm vm;
	bool vm_made;
	struct com_port com1;
	bool com1_made;
	struct debug_exit dbg;
	struct console con;
	bool con_made;
	int serial_fd;	     /* -1, stdout, or a file we opened */
	bool serial_created; /* we created serial_path: remove on failure */
	bool raw_term;
	int sig_fd;
	sigset_t stop_signals;
	sigset_t old_mask;
	bool mask_set;
};

static void machine_debug_exit(void *ctx, int status)
{
	vm_request_stop(ctx, status, "the guest wrote to the debug-exit port");
}

static uint64_t machine_host_ram(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

/* Step 1: the image, before anything else is made. */
static int machine_open_image(struct machine *m,
			      const struct machine_image *demo, char *err,
			      size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	int r;

	if (cfg->kernel)
		r = loader_open_file(cfg->kernel, cfg->format, &m->image, err,
				     errlen);
	else
		r = loader_open_buffer(demo->buf, demo->len, demo->name,
				       cfg->format, &m->image, err, errlen);
	m->image_open = r == 0;
	return r;
}

/*
 * Step 3.  A FIFO is opened without waiting for a reader (one with no
 * reader is refused), and an existing file is truncated only once nothing
 * can fail any more (machine_start).
 */
static int machine_open_serial(struct machine *m, char *err, size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	const int flags = O_WRONLY | O_NONBLOCK | O_CLOEXEC;
	int r;

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
	m->serial_fd = open(cfg->serial_path, flags | O_CREAT | O_EXCL, 0644);
	m->serial_created = m->serial_fd >= 0;
	if (m->serial_fd < 0 && errno == EEXIST)
		m->serial_fd = open(cfg->serial_path, flags);
	if (m->serial_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "--serial file=%s: %s%s",
			 cfg->serial_path, strerror(-r),
			 r == -ENXIO ? " (a FIFO with no reader)" : "");
		return r;
	}
	/* Output waits for room (com.c polls), so it may block from now on. */
	if (fcntl(m->serial_fd, F_SETFL, O_WRONLY) < 0) {
		r = -errno;
		snprintf(err, errlen, "--serial file=%s: %s", cfg->serial_path,
			 strerror(-r));
		return r;
	}
	return 0;
}

/* Step 2, the load: the image into RAM, the boot vCPU's registers. */
static int machine_load(struct machine *m, char *err, size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	struct loader_image img;
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
	r = boot64_setup(&m->vm.mem, cfg->cpus, cfg->cmdline, err, errlen);
	if (r)
		return r;
	if (ioctl(m->vm.vcpu[0].fd, KVM_GET_SREGS, &sregs) < 0) {
		snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
		return -errno;
	}
	boot64_cpu_state(img.entry, &regs, &sregs);
	return vcpu_set_state(&m->vm.vcpu[0], &regs, &sregs, err, errlen);
}

/* Step 4, the device list, in start-up order (see the file comment). */
static int machine_wire(struct machine *m, char *err, size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	int r;

	r = com_init(&m->com1, "com1", m->serial_fd, m->vm.stop_fd);
	if (r) {
		snprintf(err, errlen, "COM1: %s", strerror(-r));
		return r;
	}
	m->com1_made = true;
	r = iobus_register(&m->vm.bus, IOBUS_PIO, COM1_BASE, COM_PORTS,
			   &m->com1.dev);
	if (!r && cfg->debug_exit) {
		debug_exit_init(&m->dbg, machine_debug_exit, &m->vm);
		r = iobus_register(&m->vm.bus, IOBUS_PIO, cfg->debug_exit_port,
				   cfg->debug_exit_size, &m->dbg.dev);
		if (r == -EEXIST) {
			snprintf(err, errlen,
				 "--debug-exit iobase=%#x: the ports are "
				 "taken by another device",
				 cfg->debug_exit_port);
			return r;
		}
	}
	if (r) {
		snprintf(err, errlen, "cannot wire devices: %s", strerror(-r));
		return r;
	}
	return 0;
}

static int machine_build(struct machine *m, const struct machine_image *demo,
			 char *err, size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	int r;

	r = machine_open_image(m, demo, err, errlen);
	if (!r)
		r = config_check_memory(cfg->memory, machine_host_ram(), err,
					errlen);
	if (!r)
		r = kvm_open("/dev/kvm", &m->kvm, err, errlen);
	if (!r) {
		r = vm_create(&m->vm, &m->kvm, cfg->memory, err, errlen);
		m->vm_made = r == 0;
	}
	if (r)
		return r;
	m->vm.collect_stats = cfg->stats;
	r = vm_add_vcpus(&m->vm, cfg->cpus, err, errlen);
	if (!r)
		r = machine_load(m, err, errlen);
	if (!r)
		r = machine_open_serial(m, err, errlen);
	if (!r)
		r = machine_wire(m, err, errlen);
	if (r)
		return r;
	log_info("machine", "%" PRIu64 " MiB RAM, %u vCPU%s, serial %s%s",
		 cfg->memory >> 20, cfg->cpus, cfg->cpus == 1 ? "" : "s",
		 cfg->serial == CONFIG_SERIAL_STDIO  ? "on stdio"
		 : cfg->serial == CONFIG_SERIAL_FILE ? "to "
						     : "off",
		 cfg->serial == CONFIG_SERIAL_FILE ? cfg->serial_path : "");
	return 0;
}

/*
 * SIGINT, SIGTERM and SIGHUP are blocked in every thread (the vCPU threads
 * inherit the mask) and read from a signalfd by main's loop.
 */
static int machine_block_signals(struct machine *m, char *err, size_t errlen)
{
	sigemptyset(&m->stop_signals);
	sigaddset(&m->stop_signals, SIGINT);
	sigaddset(&m->stop_signals, SIGTERM);
	sigaddset(&m->stop_signals, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &m->stop_signals, &m->old_mask)) {
		snprintf(err, errlen, "cannot block signals");
		return -EINVAL;
	}
	m->mask_set = true;
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

	r = console_init(&m->con, &m->com1,
			 cfg->serial == CONFIG_SERIAL_STDIO ? STDIN_FILENO : -1,
			 false);
	if (r) {
		snprintf(err, errlen, "out of memory");
		return r;
	}
	m->con_made = true;
	r = machine_block_signals(m, err, errlen);
	if (r)
		return r;
	r = vm_start(&m->vm, err, errlen);
	if (r)
		return r;
	/* Nothing can fail from here on: now an old serial log may go. */
	if (cfg->serial == CONFIG_SERIAL_FILE && !m->serial_created &&
	    ftruncate(m->serial_fd, 0) < 0 && errno != EINVAL) {
		/* A FIFO or a device: EINVAL, nothing to truncate. */
		log_warn("machine", "--serial file=%s: cannot truncate: %s",
			 cfg->serial_path, strerror(errno));
	}
	if (cfg->serial == CONFIG_SERIAL_STDIO)
		m->con.raw = m->raw_term =
			term_raw_enter(STDIN_FILENO, VCPU_KICK_SIGNAL);
	vm_go(&m->vm);
	return 0;
}

static void machine_signal(struct machine *m)
{
	struct signalfd_siginfo si;

	if (read(m->sig_fd, &si, sizeof(si)) != sizeof(si))
		return;
	log_info("machine", "%s received", strsignal((int)si.ssi_signo));
	vm_request_stop(&m->vm, 128 + (int)si.ssi_signo,
			si.ssi_signo == SIGINT	  ? "SIGINT"
			: si.ssi_signo == SIGTERM ? "SIGTERM"
						  : "SIGHUP");
}

/* main's thread from vm_go to the stop: input, signals, the stop. */
static void machine_loop(struct machine *m)
{
	enum { P_STOP, P_SIG, P_IN, P_ROOM, P_N };

	while (!atomic_load(&m->vm.stopping)) {
		struct pollfd pfd[P_N] = {
			[P_STOP] = { .fd = m->vm.stop_fd, .events = POLLIN },
			[P_SIG] = { .fd = m->sig_fd, .events = POLLIN },
			[P_IN] = { .fd = -1, .events = POLLIN },
			[P_ROOM] = { .fd = -1, .events = POLLIN },
		};
		if (console_wants_input(&m->con))
			pfd[P_IN].fd = m->con.fd;
		if (console_wants_room(&m->con))
			pfd[P_ROOM].fd = com_room_fd(&m->com1);
		if (poll(pfd, P_N, -1) < 0 && errno != EINTR) {
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
		if (pfd[P_ROOM].revents & POLLIN)
			console_feed(&m->con);
	}
}

static void machine_teardown(struct machine *m, bool failed)
{
	if (m->vm_made)
		vm_destroy(&m->vm);
	if (m->con_made)
		console_destroy(&m->con);
	if (m->com1_made)
		com_destroy(&m->com1);
	if (m->serial_fd > STDERR_FILENO)
		close(m->serial_fd);
	if (failed && m->serial_created)
		unlink(m->cfg->serial_path);
	if (m->sig_fd >= 0)
		close(m->sig_fd);
	if (m->mask_set)
		pthread_sigmask(SIG_SETMASK, &m->old_mask, NULL);
	kvm_close(&m->kvm);
	if (m->image_open)
		loader_close(&m->image);
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

int machine_run(const struct hyve_config *cfg, const struct machine_image *demo)
{
	struct machine *m = calloc(1, sizeof(*m));
	char err[ERRLEN] = "";
	int status;

	if (!m) {
		fprintf(stderr, "hyve: out of memory\n");
		return HYVE_EXIT_USAGE;
	}
	m->cfg = cfg;
	m->kvm.fd = -1;
	m->serial_fd = -1;
	m->sig_fd = -1;

	if (machine_build(m, demo, err, sizeof(err)))
		goto fail;
	if (machine_start(m, err, sizeof(err))) {
		vm_join(&m->vm);
		goto fail;
	}
	machine_loop(m);
	status = vm_join(&m->vm);
	term_restore();
	machine_unblock_signals(m);

	log_info("machine", "stopped: %s", m->vm.stop_reason);
	if (m->vm.have_report)
		machine_print_report(&m->vm.report);
	if (cfg->stats)
		exit_print_stats(stderr, &m->vm);
	machine_teardown(m, false);
	free(m);
	return status;
fail:
	term_restore();
	fprintf(stderr, "hyve: %s\n", err);
	machine_teardown(m, true);
	free(m);
	return HYVE_EXIT_USAGE;
}
