/*
 * boot_fixture.h: what the boot-layer tests share (test_bzimage.c,
 * test_multiboot.c, test_pvh.c, test_boot.c): little-endian byte access,
 * a calloc'd guest RAM, and a builder for ELF64 and ELF32 images in
 * memory (headers, program headers, segment bytes and notes).  Every
 * helper is static inline, so a test binary that does not use one does
 * not warn; each binary has its own copy of any state.
 */
#ifndef HYVE_TESTS_BOOT_FIXTURE_H
#define HYVE_TESTS_BOOT_FIXTURE_H

#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/mem.h"

#define KIB (1ULL << 10)
#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

/* Little-endian fields ------------------------------------------------ */

static inline void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static inline void assert_contains(const char *s, const char *sub)
{
	if (!strstr(s, sub))
		fail_msg("\"%s\" does not contain \"%s\"", s, sub);
}

/* Two byte ranges equal, or the first difference named. */
static inline void assert_bytes(const uint8_t *got, const uint8_t *want,
				size_t len, const char *what)
{
	for (size_t i = 0; i < len; i++)
		if (got[i] != want[i])
			fail_msg("%s: byte %#zx is %#x, not %#x", what, i,
				 got[i], want[i]);
}

/* Guest RAM ----------------------------------------------------------- */

/* RAM of len bytes from gpa 0, laid out per memmap.h, all calloc'd. */
struct ram {
	uint8_t *host;
	uint64_t len;
	struct guest_mem gm;
};

static inline int ram_new(struct ram *r, uint64_t len)
{
	memset(r, 0, sizeof(*r));
	r->host = calloc(1, len);
	if (!r->host)
		return -1;
	r->len = len;
	if (mem_layout_ram(&r->gm, r->host, len)) {
		free(r->host);
		r->host = NULL;
		return -1;
	}
	return 0;
}

static inline void ram_free(struct ram *r)
{
	free(r->host);
	r->host = NULL;
}

/* Every byte of [from, to) is v. */
static inline void ram_assert_all(const struct ram *r, uint64_t from,
				  uint64_t to, uint8_t v)
{
	for (uint64_t i = from; i < to && i < r->len; i++)
		if (r->host[i] != v)
			fail_msg("guest byte %#llx is %#x, not %#x",
				 (unsigned long long)i, r->host[i], v);
}

/* ELF images ---------------------------------------------------------- */

/*
 * An ELF being built in buf (cap bytes, zeroed): the file header, then
 * phnum program headers right after it, then whatever the test puts at
 * the offsets it chooses.  len is the file's size, cap unless changed.
 */
struct elf_build {
	uint8_t *buf;
	size_t cap, len;
	unsigned int cls; /* ELFCLASS32 or ELFCLASS64 */
};

static inline size_t elfb_ehsize(const struct elf_build *b)
{
	return b->cls == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
}

static inline size_t elfb_phsize(const struct elf_build *b)
{
	return b->cls == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
}

/* A valid executable header: x86-64 for ELF64, i386 for ELF32. */
static inline void elfb_init(struct elf_build *b, unsigned int cls,
			     unsigned int phnum, uint64_t entry, size_t cap)
{
	b->buf = calloc(1, cap);
	assert_non_null(b->buf);
	b->cap = b->len = cap;
	b->cls = cls;
	if (cls == ELFCLASS64) {
		Elf64_Ehdr eh = {
			.e_type = ET_EXEC,
			.e_machine = EM_X86_64,
			.e_version = EV_CURRENT,
			.e_entry = entry,
			.e_phoff = sizeof(Elf64_Ehdr),
			.e_ehsize = sizeof(Elf64_Ehdr),
			.e_phentsize = sizeof(Elf64_Phdr),
			.e_phnum = (Elf64_Half)phnum,
		};
		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS64;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		eh.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(b->buf, &eh, sizeof(eh));
	} else {
		Elf32_Ehdr eh = {
			.e_type = ET_EXEC,
			.e_machine = EM_386,
			.e_version = EV_CURRENT,
			.e_entry = (Elf32_Addr)entry,
			.e_phoff = sizeof(Elf32_Ehdr),
			.e_ehsize = sizeof(Elf32_Ehdr),
			.e_phentsize = sizeof(Elf32_Phdr),
			.e_phnum = (Elf32_Half)phnum,
		};
		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS32;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		eh.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(b->buf, &eh, sizeof(eh));
	}
}

static inline void elfb_free(struct elf_build *b)
{
	free(b->buf);
	b->buf = NULL;
}

/* Program header i. */
static inline void elfb_phdr(struct elf_build *b, unsigned int i, uint32_t type,
			     uint64_t offset, uint64_t paddr, uint64_t filesz,
			     uint64_t memsz)
{
	uint8_t *at = b->buf + elfb_ehsize(b) + i * elfb_phsize(b);

	if (b->cls == ELFCLASS64) {
		Elf64_Phdr p = {
			.p_type = type,
			.p_flags = PF_R | PF_X,
			.p_offset = offset,
			.p_vaddr = paddr,
			.p_paddr = paddr,
			.p_filesz = filesz,
			.p_memsz = memsz,
			.p_align = 0x1000,
		};
		memcpy(at, &p, sizeof(p));
	} else {
		Elf32_Phdr p = {
			.p_type = type,
			.p_flags = PF_R | PF_X,
			.p_offset = (Elf32_Off)offset,
			.p_vaddr = (Elf32_Addr)paddr,
			.p_paddr = (Elf32_Addr)paddr,
			.p_filesz = (Elf32_Word)filesz,
			.p_memsz = (Elf32_Word)memsz,
			.p_align = 0x1000,
		};
		memcpy(at, &p, sizeof(p));
	}
}

/* The e_entry field, in either class. */
static inline void elfb_entry(struct elf_build *b, uint64_t entry)
{
	if (b->cls == ELFCLASS64)
		le64(b->buf + offsetof(Elf64_Ehdr, e_entry), entry);
	else
		le32(b->buf + offsetof(Elf32_Ehdr, e_entry), (uint32_t)entry);
}

/* len bytes at off: seed, seed + 1, ... */
static inline void elfb_fill(struct elf_build *b, size_t off, size_t len,
			     uint8_t seed)
{
	assert_true(off + len <= b->cap);
	for (size_t k = 0; k < len; k++)
		b->buf[off + k] = (uint8_t)(seed + k);
}

/*
 * A note at off: namesz (strlen(name) + 1), descsz, type, the name and
 * the descriptor, each padded to 4 bytes.  Returns its size.
 */
static inline size_t elfb_note(struct elf_build *b, size_t off,
			       const char *name, uint32_t type,
			       const void *desc, uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	size_t nlen = (namesz + 3u) & ~3u, dlen = (descsz + 3u) & ~3u;

	assert_true(off + 12 + nlen + dlen <= b->cap);
	le32(b->buf + off, namesz);
	le32(b->buf + off + 4, descsz);
	le32(b->buf + off + 8, type);
	memcpy(b->buf + off + 12, name, namesz);
	memcpy(b->buf + off + 12 + nlen, desc, descsz);
	return 12 + nlen + dlen;
}

#endif
