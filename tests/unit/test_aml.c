/*
 * test_aml.c: the AML builder (arch/x86/aml.c) checked byte for byte:
 * package lengths and integers at each encoding boundary, name strings,
 * EISAID, resource descriptors, a small device that the ASL compiler
 * (iasl 20200925, -on) encodes to the same bytes, and the sticky errors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/aml.h"

#define SMALL 256

struct expect {
	uint64_t v;
	size_t n;
	uint8_t bytes[9];
};

/* The builder holds exactly the n bytes at want, and no error. */
static void expect_bytes(const struct aml *a, const uint8_t *want, size_t n)
{
	assert_int_equal(aml_error(a), 0);
	assert_int_equal(a->len, n);
	assert_memory_equal(a->buf, want, n);
}

static void test_pkglen_values(void **state)
{
	static const struct expect cases[] = {
		{ 0, 1, { 0x00 } },
		{ 63, 1, { 0x3f } },
		{ 64, 2, { 0x40, 0x04 } },
		{ 4095, 2, { 0x4f, 0xff } },
		{ 4096, 3, { 0x80, 0x00, 0x01 } },
		{ 0xfffff, 3, { 0x8f, 0xff, 0xff } },
		{ 0x100000, 4, { 0xc0, 0x00, 0x00, 0x01 } },
		{ 0x0fffffff, 4, { 0xcf, 0xff, 0xff, 0xff } },
	};
	uint8_t buf[SMALL];
	struct aml a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_pkglen(&a, cases[i].v);
		expect_bytes(&a, cases[i].bytes, cases[i].n);
	}
	aml_init(&a, buf, sizeof(buf));
	aml_pkglen(&a, 0x10000000);
	assert_int_equal(aml_error(&a), -EINVAL);
	assert_int_equal(a.len, 0);
}

/*
 * aml_end() picks the field size that holds the body plus the field: a
 * Scope whose body (the 4-byte name and filler) is each size in turn.
 */
static void test_pkglen_end(void **state)
{
	static const struct expect cases[] = {
		{ 62, 1, { 0x3f } },		   /* 63 */
		{ 63, 2, { 0x41, 0x04 } },	   /* 65 */
		{ 4093, 2, { 0x4f, 0xff } },	   /* 4095 */
		{ 4094, 3, { 0x81, 0x00, 0x01 } }, /* 4097 */
		{ 0xffffc, 3, { 0x8f, 0xff, 0xff } },
		{ 0xffffd, 4, { 0xc1, 0x00, 0x00, 0x01 } },
	};
	size_t cap = 0x100010;
	uint8_t *buf = malloc(cap);
	struct aml a;

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t body = cases[i].v, n = cases[i].n, m;

		aml_init(&a, buf, cap);
		m = aml_scope(&a, "_SB");
		for (size_t j = 4; j < body; j++)
			aml_byte(&a, (uint8_t)j);
		aml_end(&a, m);
		assert_int_equal(aml_error(&a), 0);
		assert_int_equal(a.len, 1 + n + body);
		assert_int_equal(buf[0], 0x10); /* ScopeOp */
		assert_memory_equal(buf + 1, cases[i].bytes, n);
		assert_memory_equal(buf + 1 + n, "_SB_", 4);
		assert_int_equal(buf[a.len - 1], (uint8_t)(body - 1));
	}
	free(buf);
}

static void test_integers(void **state)
{
	static const struct expect cases[] = {
		{ 0, 1, { 0x00 } },
		{ 1, 1, { 0x01 } },
		{ 2, 2, { 0x0a, 0x02 } },
		{ 0xff, 2, { 0x0a, 0xff } },
		{ 0x100, 3, { 0x0b, 0x00, 0x01 } },
		{ 0xffff, 3, { 0x0b, 0xff, 0xff } },
		{ 0x10000, 5, { 0x0c, 0x00, 0x00, 0x01, 0x00 } },
		{ 0xffffffff, 5, { 0x0c, 0xff, 0xff, 0xff, 0xff } },
		{ 0x100000000, 9, { 0x0e, 0, 0, 0, 0, 1, 0, 0, 0 } },
		{ UINT64_MAX - 1,
		  9,
		  { 0x0e, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ UINT64_MAX, 1, { 0xff } },
	};
	uint8_t buf[SMALL];
	struct aml a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_int(&a, cases[i].v);
		expect_bytes(&a, cases[i].bytes, cases[i].n);
	}
}

struct name_case {
	const char *path;
	const char *bytes; /* may hold NUL, so with a length */
	size_t n;
};

#define NAME(p, b)                                                             \
	{                                                                      \
		p, b, sizeof(b) - 1                                            \
	}

static void test_name_strings(void **state)
{
	static const struct name_case good[] = {
		NAME("_SB", "_SB_"),
		NAME("_S5", "_S5_"),
		NAME("PCI0", "PCI0"),
		NAME("\\_SB", "\\_SB_"),
		NAME("\\", "\\\0"),
		NAME("", "\0"),
		NAME("^FOO", "^FOO_"),
		NAME("^^A", "^^A___"),
		NAME("\\_SB.PCI0", "\\\x2e_SB_PCI0"),
		NAME("\\_SB.PCI0.S00", "\\\x2f\x03_SB_PCI0S00_"),
		NAME("A.B.C.D", "\x2f\x04"
				"A___B___C___D___"),
	};
	static const char *const bad[] = {
		"1ABC",	 "abcd", "ABCDE", "A..B", "A.",	 ".A",
		"\\\\A", "A^B",	 "A B",	  "^\\A", "A-B", NULL,
	};
	uint8_t buf[SMALL];
	struct aml a;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_name_string(&a, good[i].path);
		expect_bytes(&a, (const uint8_t *)good[i].bytes, good[i].n);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_name_string(&a, bad[i]);
		assert_int_equal(aml_error(&a), -EINVAL);
		assert_int_equal(a.len, 0);
	}
}

static void test_eisaid(void **state)
{
	static const uint8_t com1[] = { 0x0c, 0x41, 0xd0, 0x05, 0x01 };
	uint8_t buf[SMALL];
	struct aml a;
	uint32_t v = 0;

	(void)state;
	assert_int_equal(aml_eisaid_value("PNP0501", &v), 0);
	assert_int_equal(v, 0x0105d041);
	assert_int_equal(aml_eisaid_value("PNP0B00", &v), 0);
	assert_int_equal(v, 0x000bd041);
	assert_int_equal(aml_eisaid_value("PNP0A08", &v), 0);
	assert_int_equal(v, 0x080ad041);
	assert_int_equal(aml_eisaid_value("PNP0A03", &v), 0);
	assert_int_equal(v, 0x030ad041);

	assert_int_equal(aml_eisaid_value("pnp0501", &v), -EINVAL);
	assert_int_equal(aml_eisaid_value("PNP050", &v), -EINVAL);
	assert_int_equal(aml_eisaid_value("PNP05011", &v), -EINVAL);
	assert_int_equal(aml_eisaid_value("PNP05G1", &v), -EINVAL);
	assert_int_equal(aml_eisaid_value(NULL, &v), -EINVAL);

	aml_init(&a, buf, sizeof(buf));
	aml_eisaid(&a, "PNP0501");
	expect_bytes(&a, com1, sizeof(com1));
	aml_eisaid(&a, "PNP05G1");
	assert_int_equal(aml_error(&a), -EINVAL);
}

static void test_strings(void **state)
{
	static const uint8_t want[] = { 0x0d, 'A', 'C', 'P',  'I',  '0',
					'0',  '0', '7', 0x00, 0x0d, 0x00 };
	uint8_t buf[SMALL];
	struct aml a;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_string(&a, "ACPI0007");
	aml_string(&a, "");
	expect_bytes(&a, want, sizeof(want));
	aml_string(&a, "\x80");
	assert_int_equal(aml_error(&a), -EINVAL);
	assert_int_equal(a.len, sizeof(want));
}

/* COM1's _CRS: IO (Decode16, 0x3f8, 0x3f8, 1, 8) and IRQNoFlags () {4}. */
static void test_resource_template(void **state)
{
	static const uint8_t want[] = {
		0x11, 0x10, 0x0a, 0x0d, /* Buffer (13) */
		0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, /* IO */
		0x22, 0x10, 0x00,				/* IRQ 4 */
		0x79, 0x00,					/* End Tag */
	};
	uint8_t buf[SMALL];
	struct aml a;
	size_t r;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	r = aml_resource(&a);
	aml_res_io(&a, 0x3f8, 0x3f8, 1, 8);
	aml_res_irq(&a, 4);
	aml_resource_end(&a, r);
	expect_bytes(&a, want, sizeof(want));
}

/* A host bridge's windows, as iasl encodes them (acpiexec agrees). */
static void test_address_descriptors(void **state)
{
	static const uint8_t want[] = {
		/* WordBusNumber 0x00-0xff */
		0x88,
		0x0d,
		0x00,
		0x02,
		0x0c,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0xff,
		0x00,
		0x00,
		0x00,
		0x00,
		0x01,
		/* WordIO 0x0000-0x0cf7 */
		0x88,
		0x0d,
		0x00,
		0x01,
		0x0c,
		0x03,
		0x00,
		0x00,
		0x00,
		0x00,
		0xf7,
		0x0c,
		0x00,
		0x00,
		0xf8,
		0x0c,
		/* DWordMemory 0xc0000000-0xdfffffff */
		0x87,
		0x17,
		0x00,
		0x00,
		0x0c,
		0x01,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0xc0,
		0xff,
		0xff,
		0xff,
		0xdf,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x20,
		/* QWordMemory 0x80_0000_0000-0xff_ffff_ffff */
		0x8a,
		0x2b,
		0x00,
		0x00,
		0x0c,
		0x01,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x80,
		0x00,
		0x00,
		0x00,
		0xff,
		0xff,
		0xff,
		0xff,
		0xff,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x80,
		0x00,
		0x00,
		0x00,
	};
	uint8_t buf[SMALL];
	struct aml a;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_res_word_bus(&a, 0, 0xff);
	aml_res_word_io(&a, 0, 0xcf7);
	aml_res_dword_mem(&a, 0xc0000000, 0xdfffffff);
	aml_res_qword_mem(&a, 0x8000000000, 0xffffffffff);
	expect_bytes(&a, want, sizeof(want));

	/* Empty or reversed ranges and lengths that do not fit. */
	aml_res_word_io(&a, 5, 4);
	assert_int_equal(aml_error(&a), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_res_word_bus(&a, 0, 0xffff);
	assert_int_equal(aml_error(&a), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_res_qword_mem(&a, 0, UINT64_MAX);
	assert_int_equal(aml_error(&a), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_res_irq(&a, 16);
	assert_int_equal(aml_error(&a), -EINVAL);
	assert_int_equal(a.len, 0);
}

/*
 * The bytes iasl -on makes of:
 *   Scope (\_SB) { Device (DEV0) {
 *     Name (_HID, EisaId ("PNP0501"))  Name (_UID, 1)  Name (STR0, "hi")
 *     Method (_STA, 0, NotSerialized) { Return (0x0F) }
 *     Method (M1, 2, Serialized) { Return (0x1234) }
 *     Name (_CRS, ResourceTemplate () {
 *         Memory32Fixed (ReadWrite, 0xFED00000, 0x400) })
 *     Name (PKG, Package () { One, "a", Package () { 2 } })
 *     Name (BUF, Buffer () { 1, 2, 3 }) } }
 */
static void test_device(void **state)
{
	static const uint8_t want[] = {
		0x10, 0x41, 0x07, 0x5c, 0x5f, 0x53, 0x42, 0x5f, 0x5b, 0x82,
		0x48, 0x06, 0x44, 0x45, 0x56, 0x30, 0x08, 0x5f, 0x48, 0x49,
		0x44, 0x0c, 0x41, 0xd0, 0x05, 0x01, 0x08, 0x5f, 0x55, 0x49,
		0x44, 0x01, 0x08, 0x53, 0x54, 0x52, 0x30, 0x0d, 0x68, 0x69,
		0x00, 0x14, 0x09, 0x5f, 0x53, 0x54, 0x41, 0x00, 0xa4, 0x0a,
		0x0f, 0x14, 0x0a, 0x4d, 0x31, 0x5f, 0x5f, 0x0a, 0xa4, 0x0b,
		0x34, 0x12, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x11, 0x0a,
		0x0e, 0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0xd0, 0xfe, 0x00,
		0x04, 0x00, 0x00, 0x79, 0x00, 0x08, 0x50, 0x4b, 0x47, 0x5f,
		0x12, 0x0b, 0x03, 0x01, 0x0d, 0x61, 0x00, 0x12, 0x04, 0x01,
		0x0a, 0x02, 0x08, 0x42, 0x55, 0x46, 0x5f, 0x11, 0x06, 0x0a,
		0x03, 0x01, 0x02, 0x03,
	};
	static const uint8_t bytes[] = { 1, 2, 3 };
	uint8_t buf[SMALL];
	struct aml a;
	size_t sb, dev, m, r, pkg, inner;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	sb = aml_scope(&a, "\\_SB");
	dev = aml_device(&a, "DEV0");
	aml_name_eisaid(&a, "_HID", "PNP0501");
	aml_name_int(&a, "_UID", 1);
	aml_name_str(&a, "STR0", "hi");
	aml_method_int(&a, "_STA", 0x0f);
	m = aml_method(&a, "M1", 2, true);
	aml_return_int(&a, 0x1234);
	aml_end(&a, m);
	aml_name(&a, "_CRS");
	r = aml_resource(&a);
	aml_res_mem32_fixed(&a, true, 0xfed00000, 0x400);
	aml_resource_end(&a, r);
	aml_name(&a, "PKG");
	pkg = aml_package(&a, 3);
	aml_int(&a, 1);
	aml_string(&a, "a");
	inner = aml_package(&a, 1);
	aml_int(&a, 2);
	aml_end(&a, inner);
	aml_end(&a, pkg);
	aml_name(&a, "BUF");
	aml_buffer(&a, bytes, sizeof(bytes));
	aml_end(&a, dev);
	aml_end(&a, sb);
	expect_bytes(&a, want, sizeof(want));
}

static void test_errors(void **state)
{
	uint8_t buf[8];
	struct aml a;
	size_t m;

	(void)state;
	/* A write that does not fit writes nothing, and the error sticks. */
	aml_init(&a, buf, sizeof(buf));
	aml_int(&a, 0x100000000); /* 9 bytes */
	assert_int_equal(aml_error(&a), -ENOSPC);
	assert_int_equal(a.len, 0);
	aml_byte(&a, 0);
	assert_int_equal(a.len, 0);
	aml_name_string(&a, "1BAD");
	assert_int_equal(aml_error(&a), -ENOSPC); /* the first error */

	/* The body fits, the PkgLength inserted at the end does not. */
	aml_init(&a, buf, sizeof(buf));
	m = aml_scope(&a, "_SB");
	aml_bytes(&a, "xyz", 3);
	assert_int_equal(a.len, 8);
	assert_int_equal(aml_error(&a), 0);
	aml_end(&a, m);
	assert_int_equal(aml_error(&a), -ENOSPC);
	assert_int_equal(a.len, 8);

	/* A mark beyond the end, and bad counts. */
	aml_init(&a, buf, sizeof(buf));
	aml_end(&a, 1);
	assert_int_equal(aml_error(&a), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_package(&a, 256);
	assert_int_equal(aml_error(&a), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_method(&a, "M0", 8, false);
	assert_int_equal(aml_error(&a), -EINVAL);

	/* No buffer at all: everything is -ENOSPC. */
	aml_init(&a, NULL, 100);
	aml_byte(&a, 0);
	assert_int_equal(aml_error(&a), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkglen_values),
		cmocka_unit_test(test_pkglen_end),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_name_strings),
		cmocka_unit_test(test_eisaid),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_resource_template),
		cmocka_unit_test(test_address_descriptors),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
