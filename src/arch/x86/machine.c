/*
 * machine.c: the board.  Devices are wired here in one explicit list, in
 * start-up order:
 *
 *   1. port 0x80 POST-code sink   (built into the I/O bus)
 *   2. COM1 16550A at 0x3f8       (always; output per --serial)
 *   3. debug-exit at 0x501        (with --debug-exit)
 *
 * Then the guest is loaded, vCPU 0 gets the boot state, and main's thread
 * becomes the event loop: it feeds keyboard input to COM1, turns SIGINT,
 * SIGTERM and SIGHUP into an orderly stop, and waits for the VM's stop.
 */
#include "arch/x86/machine.h"

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
#include "util/log.h"
#include "vmm/exit.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define ERRLEN 512

struct machine {
	const struct hyve_config *cfg;
	struct kvm_host kvm;
	struct vm vm;
	bool vm_made;
	struct com_port com1;
	bool com1_made;
	struct debug_exit dbg;
	int serial_fd;	     /* -1, stdout, or a file we opened */
	bool serial_created; /* we created serial_path: remove on failure */
	bool raw_term;
	struct term_escape esc;
	uint8_t pending[256]; /* input the UART had no room for yet */
	size_t npending;
	bool stdin_open;
	int sig_fd;
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

static int machine_open_serial(struct machine *m, char *err, size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	struct stat st;

	switch (cfg->serial) {
	case CLI_SERIAL_STDIO:
		m->serial_fd = STDOUT_FILENO;
		return 0;
	case CLI_SERIAL_OFF:
		m->serial_fd = -1;
		return 0;
	case CLI_SERIAL_FILE:
		m->serial_created = stat(cfg->serial_path, &st) < 0;
		m->serial_fd =
			open(cfg->serial_path,
			     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (m->serial_fd < 0) {
			m->serial_created = false;
			snprintf(err, errlen, "--serial file=%s: %s",
				 cfg->serial_path, strerror(errno));
			return -errno;
		}
		return 0;
	}
	return -EINVAL;
}

static int machine_load(struct machine *m, const struct machine_image *demo,
			char *err, size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	struct loader_image img;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	int r;

	if (cfg->kernel)
		r = loader_load_file(cfg->kernel, cfg->format, &m->vm.mem, &img,
				     err, errlen);
	else
		r = loader_load_buffer(demo->buf, demo->len, demo->name,
				       cfg->format, &m->vm.mem, &img, err,
				       errlen);
	if (r)
		return r;
	log_info("boot",
		 "%s: %s image at %#" PRIx64 "..%#" PRIx64 ", entry %#" PRIx64,
		 cfg->kernel ? cfg->kernel : demo->name,
		 loader_format_name(img.format), img.start, img.end, img.entry);
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

static int machine_build(struct machine *m, const struct machine_image *demo,
			 char *err, size_t errlen)
{
	const struct hyve_config *cfg = m->cfg;
	uint64_t host_ram = machine_host_ram();
	int r;

	r = cli_check_memory(cfg->memory, host_ram, err, errlen);
	if (r)
		return r;
	r = kvm_open("/dev/kvm", &m->kvm, err, errlen);
	if (r)
		return r;
	r = vm_create(&m->vm, &m->kvm, cfg->memory, err, errlen);
	if (r)
		return r;
	m->vm_made = true;
	m->vm.collect_stats = cfg->stats;
	r = vm_add_vcpus(&m->vm, cfg->cpus, err, errlen);
	if (r)
		return r;
	/* Load first: a bad image must not leave a serial file behind. */
	r = machine_load(m, demo, err, errlen);
	if (r)
		return r;
	r = machine_open_serial(m, err, errlen);
	if (r)
		return r;

	/* The device list, in start-up order (see the file comment). */
	com_init(&m->com1, "com1", m->serial_fd, m->vm.stop_fd);
	m->com1_made = true;
	r = iobus_register(&m->vm.bus, IOBUS_PIO, COM1_BASE, COM_PORTS,
			   &m->com1.dev);
	if (!r && cfg->debug_exit) {
		debug_exit_init(&m->dbg, machine_debug_exit, &m->vm);
		r = iobus_register(&m->vm.bus, IOBUS_PIO, DEBUG_EXIT_PORT,
				   DEBUG_EXIT_LEN, &m->dbg.dev);
	}
	if (r) {
		snprintf(err, errlen, "cannot wire devices: %s", strerror(-r));
		return r;
	}
	log_info("machine", "%" PRIu64 " MiB RAM, %u vCPU%s, serial %s%s",
		 cfg->memory >> 20, cfg->cpus, cfg->cpus == 1 ? "" : "s",
		 cfg->serial == CLI_SERIAL_STDIO  ? "on stdio"
		 : cfg->serial == CLI_SERIAL_FILE ? "to "
						  : "off",
		 cfg->serial == CLI_SERIAL_FILE ? cfg->serial_path : "");
	return 0;
}

/* Read keyboard input, run it through the Ctrl-A filter, feed COM1. */
static void machine_read_input(struct machine *m)
{
	uint8_t in[sizeof(m->pending)], keys[sizeof(m->pending)];
	enum term_escape_event ev = TERM_ESCAPE_NONE;
	ssize_t n = read(STDIN_FILENO, in, sizeof(in));
	size_t nkeys, room;

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			m->stdin_open = false;
		return;
	}
	if (m->raw_term) {
		nkeys = term_escape_filter(&m->esc, in, (size_t)n, keys, &ev);
	} else {
		nkeys = (size_t)n;
		memcpy(keys, in, nkeys);
	}
	/*
	 * Keys the guest has no room for are dropped, as a full UART would;
	 * stdin is always read so that Ctrl-A x works whatever the guest does.
	 */
	room = sizeof(m->pending) - m->npending;
	if (nkeys > room)
		nkeys = room;
	memcpy(m->pending + m->npending, keys, nkeys);
	m->npending += nkeys;
	if (ev == TERM_ESCAPE_QUIT)
		vm_request_stop(&m->vm, HYVE_EXIT_OK, "Ctrl-A x");
	else if (ev == TERM_ESCAPE_HELP)
		fputs("\nhyve: Ctrl-A x quit, Ctrl-A a send Ctrl-A, "
		      "Ctrl-A h this help\n",
		      stderr);
}

static void machine_feed_input(struct machine *m)
{
	size_t took = com_input(&m->com1, m->pending, m->npending);

	memmove(m->pending, m->pending + took, m->npending - took);
	m->npending -= took;
}

/* main's thread from vm_start to the stop: input, signals, the stop. */
static void machine_loop(struct machine *m)
{
	while (!atomic_load(&m->vm.stopping)) {
		struct pollfd pfd[3] = {
			{ .fd = m->vm.stop_fd, .events = POLLIN },
			{ .fd = m->sig_fd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
		};
		if (m->stdin_open)
			pfd[2].fd = STDIN_FILENO;
		if (poll(pfd, 3, m->npending ? 10 : -1) < 0 && errno != EINTR) {
			log_err("machine", "poll: %s", strerror(errno));
			vm_request_stop(&m->vm, HYVE_EXIT_KVM_ERROR,
					"the event loop failed");
			break;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(m->sig_fd, &si, sizeof(si)) == sizeof(si))
				vm_request_stop(&m->vm, 128 + (int)si.ssi_signo,
						"a signal");
		}
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
			machine_read_input(m);
		if (m->npending)
			machine_feed_input(m);
	}
}

static int machine_signals(struct machine *m, char *err, size_t errlen)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	/* Blocked here, so every vCPU thread inherits the block. */
	if (pthread_sigmask(SIG_BLOCK, &set, &m->old_mask)) {
		snprintf(err, errlen, "cannot block signals");
		return -EINVAL;
	}
	m->mask_set = true;
	m->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (m->sig_fd < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static void machine_teardown(struct machine *m, bool failed)
{
	if (m->vm_made)
		vm_destroy(&m->vm);
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
	m->stdin_open = cfg->serial == CLI_SERIAL_STDIO;

	if (machine_build(m, demo, err, sizeof(err)) ||
	    machine_signals(m, err, sizeof(err)))
		goto fail;
	if (cfg->serial == CLI_SERIAL_STDIO)
		m->raw_term = term_raw_enter(STDIN_FILENO);
	if (vm_start(&m->vm, err, sizeof(err))) {
		vm_join(&m->vm);
		goto fail;
	}
	machine_loop(m);
	status = vm_join(&m->vm);
	term_restore();

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
