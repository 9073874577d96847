/*
 * Golden XDR vectors from the C reference (libtirpc's xdrmem stream). Prints one vector per
 * line, "name hex". The C# tests encode the same values and compare with golden.txt, and a test
 * rebuilds this program to check that golden.txt still matches the installed libtirpc:
 *
 *   gcc -I/usr/include/tirpc golden.c -ltirpc -o golden && ./golden > golden.txt
 */
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <limits.h>
#include <float.h>
#include <rpc/rpc.h>
#include "composite.h"

static char buffer[8192];
static XDR enc;

static void begin(void) { xdrmem_create(&enc, buffer, sizeof buffer, XDR_ENCODE); }

static void end(const char *name, bool_t ok)
{
    if (!ok) {
        fprintf(stderr, "encoding %s failed\n", name);
        exit(1);
    }
    printf("%s ", name);
    for (u_int i = 0; i < xdr_getpos(&enc); i++)
        printf("%02x", (unsigned char)buffer[i]);
    printf("\n");
    xdr_destroy(&enc);
}

static void v_int(const char *name, int v) { begin(); end(name, xdr_int(&enc, &v)); }
static void v_uint(const char *name, u_int v) { begin(); end(name, xdr_u_int(&enc, &v)); }
static void v_hyper(const char *name, quad_t v) { begin(); end(name, xdr_hyper(&enc, &v)); }
static void v_uhyper(const char *name, u_quad_t v) { begin(); end(name, xdr_u_hyper(&enc, &v)); }
static void v_bool(const char *name, bool_t v) { begin(); end(name, xdr_bool(&enc, &v)); }
static void v_enum(const char *name, enum_t v) { begin(); end(name, xdr_enum(&enc, &v)); }

static void v_float_bits(const char *name, uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    begin();
    end(name, xdr_float(&enc, &f));
}

static void v_double_bits(const char *name, uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    begin();
    end(name, xdr_double(&enc, &d));
}

/* Opaque test data is bytes 0x01, 0x02, ... so padding (zero) is visible. */
static char data[64];

static void v_opaque(const char *name, u_int n) { begin(); end(name, xdr_opaque(&enc, data, n)); }

static void v_bytes(const char *name, u_int n, u_int max)
{
    char *p = data;
    begin();
    end(name, xdr_bytes(&enc, &p, &n, max));
}

static void v_string(const char *name, char *s, u_int max) { begin(); end(name, xdr_string(&enc, &s, max)); }

static int ints[16];

static void v_array(const char *name, u_int n, u_int max)
{
    char *p = (char *)ints;
    begin();
    end(name, xdr_array(&enc, &p, &n, max, sizeof(int), (xdrproc_t)xdr_int));
}

static void v_composite(const char *name, int items, enum color kind)
{
    struct composite c;
    struct node nodes[16];
    char names[16][16];
    composite_sample(&c, nodes, names, items, kind);
    begin();
    end(name, xdr_composite(&enc, &c));
}

int main(void)
{
    for (int i = 0; i < (int)sizeof data; i++)
        data[i] = (char)(i + 1);
    for (int i = 0; i < 16; i++)
        ints[i] = (i % 2 ? -1 : 1) * i * 65537;

    v_int("int_zero", 0);
    v_int("int_one", 1);
    v_int("int_minus_one", -1);
    v_int("int_min", INT_MIN);
    v_int("int_max", INT_MAX);
    v_uint("uint_zero", 0);
    v_uint("uint_high_bit", 0x80000000u);
    v_uint("uint_max", UINT_MAX);
    v_hyper("hyper_zero", 0);
    v_hyper("hyper_minus_one", -1);
    v_hyper("hyper_min", LLONG_MIN);
    v_hyper("hyper_max", LLONG_MAX);
    v_hyper("hyper_pattern", 0x0102030405060708LL);
    v_uhyper("uhyper_max", ULLONG_MAX);
    v_uhyper("uhyper_high_bit", 0x8000000000000000ULL);

    v_float_bits("float_zero", 0x00000000u);
    v_float_bits("float_negative_zero", 0x80000000u);
    v_float_bits("float_one_and_half", 0x3fc00000u);
    v_float_bits("float_infinity", 0x7f800000u);
    v_float_bits("float_negative_infinity", 0xff800000u);
    v_float_bits("float_quiet_nan_payload", 0x7fc12345u);
    v_float_bits("float_signaling_nan_payload", 0xff800001u);
    v_float_bits("float_min_subnormal", 0x00000001u);
    v_float_bits("float_max", 0x7f7fffffu);
    v_double_bits("double_zero", 0x0000000000000000ULL);
    v_double_bits("double_negative_zero", 0x8000000000000000ULL);
    v_double_bits("double_pi", 0x400921fb54442d18ULL);
    v_double_bits("double_infinity", 0x7ff0000000000000ULL);
    v_double_bits("double_negative_infinity", 0xfff0000000000000ULL);
    v_double_bits("double_quiet_nan_payload", 0x7ff8000000abcdefULL);
    v_double_bits("double_signaling_nan_payload", 0xfff0000000000001ULL);
    v_double_bits("double_min_subnormal", 0x0000000000000001ULL);
    v_double_bits("double_max", 0x7fefffffffffffffULL);

    v_bool("bool_false", FALSE);
    v_bool("bool_true", TRUE);
    v_enum("enum_red", RED);
    v_enum("enum_blue", BLUE);
    v_enum("enum_negative", -7);

    v_opaque("opaque_fixed_0", 0);
    v_opaque("opaque_fixed_1", 1);
    v_opaque("opaque_fixed_3", 3);
    v_opaque("opaque_fixed_4", 4);
    v_opaque("opaque_fixed_5", 5);
    v_bytes("opaque_var_empty", 0, 16);
    v_bytes("opaque_var_1", 1, 16);
    v_bytes("opaque_var_6", 6, 16);
    v_bytes("opaque_var_max_16", 16, 16);
    v_string("string_empty", "", 32);
    v_string("string_a", "a", 32);
    v_string("string_hello", "hello", 32);
    v_string("string_utf8", "\xc3\xa9t\xc3\xa9", 32);
    v_string("string_max_32", "abcdefghijklmnopqrstuvwxyz012345", 32);

    v_array("array_empty", 0, 16);
    v_array("array_3", 3, 16);
    v_array("array_max_16", 16, 16);
    {
        quad_t h[2] = { -2, 0x7fffffff00000001LL };
        begin();
        end("vector_hyper_2", xdr_vector(&enc, (char *)h, 2, sizeof h[0], (xdrproc_t)xdr_hyper));
        begin();
        end("vector_int_4", xdr_vector(&enc, (char *)ints, 4, sizeof(int), (xdrproc_t)xdr_int));
    }
    {
        int value = 77, *present = &value, *absent = NULL;
        begin();
        end("pointer_null", xdr_pointer(&enc, (char **)&absent, sizeof(int), (xdrproc_t)xdr_int));
        begin();
        end("pointer_int", xdr_pointer(&enc, (char **)&present, sizeof(int), (xdrproc_t)xdr_int));
    }
    {
        struct shape s;
        s.kind = RED; s.u.radius = -42;
        begin(); end("union_red", xdr_shape(&enc, &s));
        s.kind = GREEN; s.u.label = "green";
        begin(); end("union_green", xdr_shape(&enc, &s));
        s.kind = BLUE;
        begin(); end("union_blue_default_void", xdr_shape(&enc, &s));
    }

    v_composite("composite_red_list_0", 0, RED);
    v_composite("composite_green_list_3", 3, GREEN);
    v_composite("composite_blue_list_16", 16, BLUE);
    return 0;
}
