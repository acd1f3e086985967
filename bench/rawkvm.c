/*
 * rawkvm: the smallest KVM runner that can run hyve's flat benchmark guests.
 *
 * It is the baseline that bench/run compares hyve against, so it does only
 * what any monitor must: create a VM with one memory slot, load a flat binary
 * at 1 MiB, enter it in 64-bit long mode at CPL 0, and loop on KVM_RUN.
 * Port 0x501 ends the process with status (v << 1) | 1, as QEMU's
 * isa-debug-exit does; every other port write is dropped.  No error is
 * decorated: this is a measuring stick, not a tool.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define LOAD_ADDR 0x100000UL
#define PML4_ADDR 0x10000UL

static void die(const char *what)
{
	perror(what);
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t mem_size = 1UL << 30;
	if (argc < 2) {
		fprintf(stderr, "usage: rawkvm FLAT-BINARY [MEMORY-MIB]\n");
		return 2;
	}
	if (argc > 2)
		mem_size = strtoull(argv[2], NULL, 0) << 20;

	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	uint8_t *mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem_size,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");

	int fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		die(argv[1]);
	ssize_t n = read(fd, mem + LOAD_ADDR, mem_size - LOAD_ADDR);
	if (n <= 0)
		die("read");
	close(fd);

	/* Identity map of the first 1 GiB with 2 MiB pages. */
	uint64_t *pml4 = (uint64_t *)(mem + PML4_ADDR);
	uint64_t *pdpt = (uint64_t *)(mem + PML4_ADDR + 0x1000);
	uint64_t *pd = (uint64_t *)(mem + PML4_ADDR + 0x2000);
	pml4[0] = (PML4_ADDR + 0x1000) | 3;
	pdpt[0] = (PML4_ADDR + 0x2000) | 3;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | 0x83;

	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	struct kvm_sregs sregs;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	struct kvm_segment cs = {
		.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 11,
		.present = 1, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment ds = cs;
	ds.selector = 0x10;
	ds.type = 3;
	ds.l = 0;
	ds.db = 1;
	sregs.cs = cs;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = ds;
	sregs.cr3 = PML4_ADDR;
	sregs.cr4 = 0x20;		/* PAE */
	sregs.cr0 = 0x80050033;		/* PG WP NE ET MP PE */
	sregs.efer = 0x500;		/* LMA LME */
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");
	struct kvm_regs regs = {
		.rip = LOAD_ADDR, .rsp = 0x80000, .rflags = 2,
	};
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			die("KVM_RUN");
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "rawkvm: exit reason %u\n", run->exit_reason);
			return 2;
		}
		if (run->io.port == 0x501 && run->io.direction == KVM_EXIT_IO_OUT) {
			uint8_t v = *((uint8_t *)run + run->io.data_offset);
			return (v << 1) | 1;
		}
	}
}
