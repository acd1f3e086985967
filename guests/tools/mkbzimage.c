/*
 * mkbzimage: wrap a flat 64-bit test guest (linked at 1 MiB + 0x200, see
 * guests/rt/linux64.ld) in a Linux bzImage that a boot loader must take
 * through the 64-bit boot protocol (Documentation/arch/x86/boot.rst):
 *
 *   0x000  the boot sector: MKBZ_FILL bytes, then the setup header from
 *          0x1f1 (setup_sects, syssize, boot_flag 0xaa55 at 0x1fe, the
 *          jump at 0x200 whose offset byte at 0x201 ends the header at
 *          MKBZ_HDR_END, "HdrS", version 2.15, loadflags LOADED_HIGH,
 *          code32_start, initrd_addr_max, kernel_alignment, relocatable 0,
 *          xloadflags XLF_KERNEL_64, cmdline_size, payload_offset/length,
 *          pref_address, init_size), MKBZ_FILL bytes after it
 *   0x400  the protected-mode code: 0x200 bytes where the 32-bit entry
 *          would be, code that writes 0x7d to the debug-exit port (hyve
 *          exits with 251) should a loader enter there, in 32- or 64-bit
 *          mode, then HLTs; the guest's flat binary (the 64-bit entry); and
 *          optionally a payload that payload_offset/length point at.
 *
 * Usage: mkbzimage [-p FILE | -g | -z] GUEST.bin OUT
 *   -p FILE  the payload is FILE (a compressed vmlinux, say)
 *   -g       the payload is text in no compression format anyone knows
 *   -z       the payload claims to be gzip (1f 8b 08) but is corrupt
 * Without one, payload_offset and payload_length are 0.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mkbzimage.h"

#define SECTOR 512

/* mov al, 0x7d; mov dx, 0x501; out dx, al: the same in 32- and 64-bit. */
static const uint8_t wrong_entry[] = {
	0xb0, 0x7d, 0x66, 0xba, 0x01, 0x05, 0xee
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static int slurp(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -EIO;
	}
	*len = (size_t)n;
	*buf = malloc(*len ? *len : 1);
	if (!*buf || fread(*buf, 1, *len, f) != *len) {
		free(*buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: mkbzimage [-p FILE | -g | -z] GUEST.bin OUT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const size_t setup = (MKBZ_SETUP_SECTS + 1) * SECTOR;
	uint8_t *guest = NULL, *payload = NULL, *img;
	size_t glen = 0, plen = 0, pm, pay_off, total;
	const char *payload_file = NULL;
	int opt, kind = 0;
	FILE *out;

	while ((opt = getopt(argc, argv, "p:gz")) != -1) {
		switch (opt) {
		case 'p':
			payload_file = optarg;
			kind = 'p';
			break;
		case 'g':
		case 'z':
			kind = opt;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	if (slurp(argv[optind], &guest, &glen)) {
		fprintf(stderr, "mkbzimage: cannot read %s\n", argv[optind]);
		return 1;
	}
	if (kind == 'p' && slurp(payload_file, &payload, &plen)) {
		fprintf(stderr, "mkbzimage: cannot read %s\n", payload_file);
		return 1;
	}
	if (kind == 'g' || kind == 'z') {
		static const char text[] = "hyve test payload: not compressed ";

		plen = 4096;
		payload = malloc(plen);
		if (!payload)
			return 1;
		for (size_t i = 0; i < plen; i++)
			payload[i] = (uint8_t)text[i % (sizeof(text) - 1)];
		if (kind == 'z')
			memcpy(payload, "\x1f\x8b\x08\x00", 4);
	}

	/* The protected-mode code: the 32-bit entry, the guest, a payload. */
	pay_off = (MKBZ_ENTRY64 + glen + 15) & ~(size_t)15;
	pm = plen ? pay_off + plen : MKBZ_ENTRY64 + glen;
	total = setup + pm;
	img = calloc(1, total);
	if (!img)
		return 1;
	memset(img, MKBZ_FILL, setup);
	memset(img + setup, 0xf4, MKBZ_ENTRY64); /* hlt */
	memcpy(img + setup, wrong_entry, sizeof(wrong_entry));
	memcpy(img + setup + MKBZ_ENTRY64, guest, glen);
	if (plen)
		memcpy(img + setup + pay_off, payload, plen);

	/* The setup header (boot.rst), from 0x1f1 to MKBZ_HDR_END. */
	memset(img + 0x1f1, 0, MKBZ_HDR_END - 0x1f1);
	img[0x1f1] = MKBZ_SETUP_SECTS;
	put32(img + 0x1f4, (uint32_t)((pm + 15) / 16)); /* syssize */
	put16(img + 0x1fe, 0xaa55);
	img[0x200] = 0xeb; /* jmp short: the header ends where it lands */
	img[0x201] = (uint8_t)(MKBZ_HDR_END - 0x202);
	memcpy(img + 0x202, "HdrS", 4);
	put16(img + 0x206, MKBZ_VERSION);
	img[0x211] = MKBZ_LOADFLAGS;
	put32(img + 0x214, MKBZ_CODE32_START);
	put32(img + 0x22c, MKBZ_INITRD_ADDR_MAX);
	put32(img + 0x230, MKBZ_KERNEL_ALIGN);
	img[0x234] = 0; /* relocatable_kernel */
	img[0x235] = MKBZ_MIN_ALIGNMENT;
	put16(img + 0x236, MKBZ_XLOADFLAGS);
	put32(img + 0x238, MKBZ_CMDLINE_SIZE);
	put32(img + 0x248, plen ? (uint32_t)pay_off : 0);
	put32(img + 0x24c, (uint32_t)plen);
	put64(img + 0x258, MKBZ_PREF_ADDRESS);
	put32(img + 0x260, MKBZ_INIT_SIZE);

	out = fopen(argv[optind + 1], "wb");
	if (!out || fwrite(img, 1, total, out) != total || fclose(out)) {
		fprintf(stderr, "mkbzimage: cannot write %s\n",
			argv[optind + 1]);
		return 1;
	}
	free(img);
	free(guest);
	free(payload);
	return 0;
}
