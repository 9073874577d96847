/*
 * interop_clnt.c -- C reference client for interop.x.
 *
 *   interop_clnt --host 127.0.0.1 --port N --transport tcp|udp   (or --transport unix --unix PATH)
 *                [--auth none|sys] [--timeout-ms MS] [--size N]
 *                --scenario NAME [--scenario NAME...]
 *
 * Scenarios:
 *   null         INTEROP_NULL
 *   echo_all     every ECHO_* procedure with edge values; the result must
 *                equal the argument
 *   bytes        ECHO_BYTES with --size N bytes (default 1000)
 *   bytes_1mib   ECHO_BYTES with 1 MiB (TCP: 17 record fragments from libtirpc)
 *   list_long    ECHO_LIST with --size N nodes (default 1000)
 *   versions     WHICH_VERSION on version 1 and 2, ECHO_INT2 on version 2
 *   errors       every error reply: unknown program, version 3 (low/high),
 *                unknown procedure, garbage arguments, and FAIL(1..5)
 *   prog_mismatch  the version-3 case of errors alone
 *   garbage_args_short  ECHO_SCALARS with a lone int, on any transport (errors
 *                skips it on UDP, where libtirpc's server cannot detect it)
 *   sleep        SLEEP_MS(--size ms, default 100); over UDP past 500 ms the call
 *                is retransmitted (same xid) and the first reply must win
 *   timeout      FAIL(FAIL_NO_REPLY): the call must time out (--timeout-ms)
 *   whoami       WHOAMI: prints the credentials the server saw
 *   all          null echo_all versions errors whoami (+ bytes_1mib on TCP/unix)
 *
 * Output: "ok NAME [key=value...]" / "fail NAME key=value..." per check,
 * then "summary ok=N fail=M"; exit code 0 when nothing failed, 3 when no
 * client could be created, 2 on bad usage.
 */
#define _GNU_SOURCE
#include "interop.h"
#include "peer_common.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG_NOT_SERVED 0x3123ffffUL /* a program the server does not export */

static struct peer_client_opts g_opts;
static struct timeval g_tv;
static CLIENT *g_clnt;  /* version 1 */
static int g_size = -1; /* --size */

/* ---- equality ---------------------------------------------------------- */

static int bits_eq(const void *a, const void *b, size_t n) { return memcmp(a, b, n) == 0; }

static int bytes_eq(u_int alen, const char *a, u_int blen, const char *b)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static int str_eq(const char *a, const char *b)
{
    return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static int scalars_eq(const scalars *a, const scalars *b)
{
    return a->i == b->i && a->u == b->u && a->h == b->h && a->uh == b->uh
        && bits_eq(&a->f, &b->f, sizeof a->f) && bits_eq(&a->d, &b->d, sizeof a->d)
        && a->b == b->b && a->c == b->c;
}

static int blobs_eq(const blobs *a, const blobs *b)
{
    u_int i;
    if (memcmp(a->fixed_op, b->fixed_op, sizeof a->fixed_op) != 0
        || !bytes_eq(a->var_op.var_op_len, a->var_op.var_op_val, b->var_op.var_op_len, b->var_op.var_op_val)
        || !bytes_eq(a->unb_op.unb_op_len, a->unb_op.unb_op_val, b->unb_op.unb_op_len, b->unb_op.unb_op_val)
        || !str_eq(a->name, b->name) || !str_eq(a->text, b->text)
        || memcmp(a->fixed_arr, b->fixed_arr, sizeof a->fixed_arr) != 0
        || a->var_arr.var_arr_len != b->var_arr.var_arr_len
        || a->many.many_len != b->many.many_len)
        return 0;
    for (i = 0; i < a->var_arr.var_arr_len; i++)
        if (a->var_arr.var_arr_val[i] != b->var_arr.var_arr_val[i])
            return 0;
    for (i = 0; i < a->many.many_len; i++)
        if (!scalars_eq(&a->many.many_val[i], &b->many.many_val[i]))
            return 0;
    return 1;
}

static int choice_eq(const choice *a, const choice *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case 1:
    case 2: return a->choice_u.number == b->choice_u.number;
    case 3: return str_eq(a->choice_u.text, b->choice_u.text);
    case 4: return scalars_eq(&a->choice_u.values, &b->choice_u.values);
    case 5: return 1;
    default: return a->choice_u.other == b->choice_u.other;
    }
}

static int painted_eq(const painted *a, const painted *b)
{
    if (a->c != b->c)
        return 0;
    switch (a->c) {
    case RED: return a->painted_u.level == b->painted_u.level;
    case GREEN:
    case BLUE: return str_eq(a->painted_u.label, b->painted_u.label);
    default: return 1;
    }
}

static int nodes_eq(const node *a, const node *b)
{
    for (; a != NULL && b != NULL; a = a->next, b = b->next)
        if (a->value != b->value)
            return 0;
    return a == NULL && b == NULL;
}

static int record_eq(const record *a, const record *b)
{
    u_int i;
    if (!scalars_eq(&a->s, &b->s) || !blobs_eq(&a->b, &b->b) || !choice_eq(&a->ch, &b->ch)
        || !painted_eq(&a->p, &b->p) || !nodes_eq(a->list, b->list)
        || a->palette.palette_len != b->palette.palette_len
        || a->choices.choices_len != b->choices.choices_len)
        return 0;
    for (i = 0; i < a->palette.palette_len; i++)
        if (a->palette.palette_val[i] != b->palette.palette_val[i])
            return 0;
    for (i = 0; i < a->choices.choices_len; i++)
        if (!choice_eq(&a->choices.choices_val[i], &b->choices.choices_val[i]))
            return 0;
    return 1;
}

static int eq_int(const void *a, const void *b) { return bits_eq(a, b, sizeof(int)); }
static int eq_u_int(const void *a, const void *b) { return bits_eq(a, b, sizeof(u_int)); }
static int eq_quad(const void *a, const void *b) { return bits_eq(a, b, sizeof(quad_t)); }
static int eq_u_quad(const void *a, const void *b) { return bits_eq(a, b, sizeof(u_quad_t)); }
static int eq_float(const void *a, const void *b) { return bits_eq(a, b, sizeof(float)); }
static int eq_double(const void *a, const void *b) { return bits_eq(a, b, sizeof(double)); }
static int eq_bool(const void *a, const void *b) { return *(const bool_t *)a == *(const bool_t *)b; }
static int eq_color(const void *a, const void *b) { return *(const color *)a == *(const color *)b; }
static int eq_text(const void *a, const void *b) { return str_eq(*(char *const *)a, *(char *const *)b); }
static int eq_bytes(const void *a, const void *b)
{
    const interop_bytes *x = a, *y = b;
    return bytes_eq(x->interop_bytes_len, x->interop_bytes_val, y->interop_bytes_len, y->interop_bytes_val);
}
static int eq_scalars(const void *a, const void *b) { return scalars_eq(a, b); }
static int eq_blobs(const void *a, const void *b) { return blobs_eq(a, b); }
static int eq_choice(const void *a, const void *b) { return choice_eq(a, b); }
static int eq_painted(const void *a, const void *b) { return painted_eq(a, b); }
static int eq_list(const void *a, const void *b) { return nodes_eq(((const list *)a)->head, ((const list *)b)->head); }
static int eq_record(const void *a, const void *b) { return record_eq(a, b); }

/* ---- calls ------------------------------------------------------------- */

/* Calls proc with arg, expects a successful reply equal to arg. */
static void echo_case(const char *name, u_long proc, xdrproc_t xdr, void *arg, size_t size,
                      int (*eq)(const void *, const void *))
{
    char err[256];
    void *res = calloc(1, size);
    enum clnt_stat st;
    unsigned long long t0 = peer_now_ns();
    st = clnt_call(g_clnt, proc, xdr, (caddr_t)arg, xdr, (caddr_t)res, g_tv);
    if (st != RPC_SUCCESS) {
        peer_format_error(g_clnt, st, err, sizeof err);
        peer_fail(name, "%s", err);
    } else if (!eq(arg, res)) {
        peer_fail(name, "mismatch=1");
    } else {
        peer_ok(name, "us=%llu", (peer_now_ns() - t0) / 1000ULL);
    }
    if (st == RPC_SUCCESS)
        xdr_free(xdr, (char *)res);
    free(res);
}

static char *repeat_text(size_t n)
{
    char *s = malloc(n + 1);
    size_t i;
    for (i = 0; i < n; i++)
        s[i] = (char)('a' + i % 26);
    s[n] = '\0';
    return s;
}

static void fill_pattern(char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (char)((i * 7 + 3) & 0xff);
}

static void sample_scalars(scalars *s, int k)
{
    memset(s, 0, sizeof *s);
    s->i = k == 0 ? INT_MIN : -12345 * k;
    s->u = k == 0 ? UINT_MAX : 0x80000000u + (u_int)k;
    s->h = k == 0 ? INT64_MIN : (quad_t)0x0123456789abcdefLL * -k;
    s->uh = k == 0 ? UINT64_MAX : 0xfedcba9876543210ULL + (u_quad_t)k;
    s->f = k == 0 ? -0.0f : 1.5f * (float)k;
    s->d = k == 0 ? M_PI : -2.25 * k;
    s->b = k % 2 == 0;
    s->c = k % 2 == 0 ? BLACK : BLUE;
}

static node *make_list(int n)
{
    node *head = NULL;
    int i;
    for (i = n - 1; i >= 0; i--) {
        node *x = malloc(sizeof *x);
        x->value = i * 3 - 7;
        x->next = head;
        head = x;
    }
    return head;
}

static void free_list(node *n)
{
    while (n != NULL) {
        node *next = n->next;
        free(n);
        n = next;
    }
}

/* Encodes the start of a blobs whose bounded var_op<16> claims 1000 bytes. */
static bool_t xdr_garbage_blobs(XDR *xdrs, void *unused)
{
    char fixed_op[INTEROP_FIXED_OPAQUE];
    u_int len = 1000;
    memset(fixed_op, 0, sizeof fixed_op);
    return xdr_opaque(xdrs, fixed_op, sizeof fixed_op) && xdr_u_int(xdrs, &len);
}

/* Expected-failure helper: the call on clnt must fail with want. */
static void expect_error(const char *name, CLIENT *clnt, u_long proc, xdrproc_t xa, void *arg,
                         enum clnt_stat want, int want_low, int want_high, int want_why)
{
    char err[256];
    int res = 0;
    struct rpc_err e;
    enum clnt_stat st = clnt_call(clnt, proc, xa, (caddr_t)arg, (xdrproc_t)xdr_int, (caddr_t)&res, g_tv);
    peer_format_error(clnt, st, err, sizeof err);
    memset(&e, 0, sizeof e);
    clnt_geterr(clnt, &e);
    if (st != want) {
        peer_fail(name, "expected=%s %s", peer_clnt_stat_name(want), err);
        return;
    }
    if (want_low >= 0 && ((int)e.re_vers.low != want_low || (int)e.re_vers.high != want_high)) {
        peer_fail(name, "expected_low=%d expected_high=%d %s", want_low, want_high, err);
        return;
    }
    if (want_why >= 0 && (int)e.re_why != want_why) {
        peer_fail(name, "expected_why=%s %s", peer_auth_stat_name((enum auth_stat)want_why), err);
        return;
    }
    peer_ok(name, "%s", err);
}

/* ---- scenarios ---------------------------------------------------------- */

static void scenario_null(void)
{
    char err[256];
    enum clnt_stat st = clnt_call(g_clnt, INTEROP_NULL, (xdrproc_t)xdr_void, NULL,
                                  (xdrproc_t)xdr_void, NULL, g_tv);
    if (st == RPC_SUCCESS)
        peer_ok("null", NULL);
    else {
        peer_format_error(g_clnt, st, err, sizeof err);
        peer_fail("null", "%s", err);
    }
}

static void scenario_bytes_size(const char *name, size_t n)
{
    interop_bytes b;
    b.interop_bytes_len = (u_int)n;
    b.interop_bytes_val = malloc(n > 0 ? n : 1);
    fill_pattern(b.interop_bytes_val, n);
    echo_case(name, ECHO_BYTES, (xdrproc_t)xdr_interop_bytes, &b, sizeof b, eq_bytes);
    free(b.interop_bytes_val);
}

static void scenario_list_long(int n)
{
    list l;
    char name[64];
    snprintf(name, sizeof name, "list_long.%d", n);
    l.head = make_list(n);
    echo_case(name, ECHO_LIST, (xdrproc_t)xdr_list, &l, sizeof l, eq_list);
    free_list(l.head);
}

static void scenario_echo_all(void)
{
    static const int ints[] = { 0, 1, -1, INT_MIN, INT_MAX };
    static const char *int_names[] = { "0", "1", "minus1", "min", "max" };
    static const u_int uints[] = { 0, 1, 0x80000000u, UINT_MAX };
    static const char *uint_names[] = { "0", "1", "high_bit", "max" };
    static const quad_t hypers[] = { 0, -1, INT64_MIN, INT64_MAX, 0x0123456789abcdefLL };
    static const char *hyper_names[] = { "0", "minus1", "min", "max", "pattern" };
    static const u_quad_t uhypers[] = { 0, UINT64_MAX, 0x8000000000000000ULL, 0xfedcba9876543210ULL };
    static const char *uhyper_names[] = { "0", "max", "high_bit", "pattern" };
    float floats[] = { 0.0f, -0.0f, 1.5f, FLT_MAX, FLT_MIN, 1e-45f, INFINITY, -INFINITY, NAN };
    static const char *float_names[] = { "0", "minus0", "1.5", "max", "min", "denormal", "inf", "minus_inf", "nan" };
    double doubles[] = { 0.0, -0.0, M_PI, DBL_MAX, DBL_MIN, 5e-324, INFINITY, NAN };
    static const char *double_names[] = { "0", "minus0", "pi", "max", "min", "denormal", "inf", "nan" };
    static const color colors[] = { RED, GREEN, BLUE, BLACK };
    static const char *color_names[] = { "red", "green", "blue", "black" };
    static const size_t text_lens[] = { 0, 1, 2, 3, 4, 5, 1000 };
    static const size_t byte_lens[] = { 0, 1, 2, 3, 4, 5, 1000 };
    char name[96];
    size_t i;

    for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        int v = ints[i];
        snprintf(name, sizeof name, "echo_int.%s", int_names[i]);
        echo_case(name, ECHO_INT, (xdrproc_t)xdr_int, &v, sizeof v, eq_int);
    }
    for (i = 0; i < sizeof uints / sizeof uints[0]; i++) {
        u_int v = uints[i];
        snprintf(name, sizeof name, "echo_uint.%s", uint_names[i]);
        echo_case(name, ECHO_UINT, (xdrproc_t)xdr_u_int, &v, sizeof v, eq_u_int);
    }
    for (i = 0; i < sizeof hypers / sizeof hypers[0]; i++) {
        quad_t v = hypers[i];
        snprintf(name, sizeof name, "echo_hyper.%s", hyper_names[i]);
        echo_case(name, ECHO_HYPER, (xdrproc_t)xdr_quad_t, &v, sizeof v, eq_quad);
    }
    for (i = 0; i < sizeof uhypers / sizeof uhypers[0]; i++) {
        u_quad_t v = uhypers[i];
        snprintf(name, sizeof name, "echo_uhyper.%s", uhyper_names[i]);
        echo_case(name, ECHO_UHYPER, (xdrproc_t)xdr_u_quad_t, &v, sizeof v, eq_u_quad);
    }
    for (i = 0; i < sizeof floats / sizeof floats[0]; i++) {
        float v = floats[i];
        snprintf(name, sizeof name, "echo_float.%s", float_names[i]);
        echo_case(name, ECHO_FLOAT, (xdrproc_t)xdr_float, &v, sizeof v, eq_float);
    }
    for (i = 0; i < sizeof doubles / sizeof doubles[0]; i++) {
        double v = doubles[i];
        snprintf(name, sizeof name, "echo_double.%s", double_names[i]);
        echo_case(name, ECHO_DOUBLE, (xdrproc_t)xdr_double, &v, sizeof v, eq_double);
    }
    for (i = 0; i < 2; i++) {
        bool_t v = i == 0 ? FALSE : TRUE;
        snprintf(name, sizeof name, "echo_bool.%s", i == 0 ? "false" : "true");
        echo_case(name, ECHO_BOOL, (xdrproc_t)xdr_bool, &v, sizeof v, eq_bool);
    }
    for (i = 0; i < sizeof colors / sizeof colors[0]; i++) {
        color v = colors[i];
        snprintf(name, sizeof name, "echo_color.%s", color_names[i]);
        echo_case(name, ECHO_COLOR, (xdrproc_t)xdr_color, &v, sizeof v, eq_color);
    }
    for (i = 0; i < sizeof text_lens / sizeof text_lens[0]; i++) {
        interop_text v = repeat_text(text_lens[i]);
        snprintf(name, sizeof name, "echo_text.len%zu", text_lens[i]);
        echo_case(name, ECHO_TEXT, (xdrproc_t)xdr_interop_text, &v, sizeof v, eq_text);
        free(v);
    }
    {
        /* UTF-8 passes through as bytes. */
        interop_text v = (char *)"h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac";
        echo_case("echo_text.utf8", ECHO_TEXT, (xdrproc_t)xdr_interop_text, &v, sizeof v, eq_text);
    }
    for (i = 0; i < sizeof byte_lens / sizeof byte_lens[0]; i++) {
        snprintf(name, sizeof name, "echo_bytes.len%zu", byte_lens[i]);
        scenario_bytes_size(name, byte_lens[i]);
    }
    for (i = 0; i < 3; i++) {
        scalars v;
        sample_scalars(&v, (int)i);
        snprintf(name, sizeof name, "echo_scalars.%zu", i);
        echo_case(name, ECHO_SCALARS, (xdrproc_t)xdr_scalars, &v, sizeof v, eq_scalars);
    }
    {
        /* Every field populated, odd lengths so padding is exercised. */
        blobs v;
        char var_op[5] = { 1, 2, 3, 4, 5 };
        char unb_op[7] = { 9, 8, 7, 6, 5, 4, 3 };
        int var_arr[8] = { 1, -2, 3, -4, 5, -6, 7, INT_MIN };
        scalars many[2];
        memset(&v, 0, sizeof v);
        fill_pattern(v.fixed_op, sizeof v.fixed_op);
        v.var_op.var_op_len = 5;
        v.var_op.var_op_val = var_op;
        v.unb_op.unb_op_len = 7;
        v.unb_op.unb_op_val = unb_op;
        v.name = (char *)"abcdefghijklmnopqrstuvwxyz012345"; /* exactly the 32-byte bound */
        v.text = (char *)"text";
        v.fixed_arr[0] = 10;
        v.fixed_arr[1] = -20;
        v.fixed_arr[2] = INT_MAX;
        v.var_arr.var_arr_len = 8;
        v.var_arr.var_arr_val = var_arr;
        sample_scalars(&many[0], 1);
        sample_scalars(&many[1], 2);
        v.many.many_len = 2;
        v.many.many_val = many;
        echo_case("echo_blobs.full", ECHO_BLOBS, (xdrproc_t)xdr_blobs, &v, sizeof v, eq_blobs);
        /* Every variable part empty. */
        memset(&v, 0, sizeof v);
        v.name = (char *)"";
        v.text = (char *)"";
        echo_case("echo_blobs.empty", ECHO_BLOBS, (xdrproc_t)xdr_blobs, &v, sizeof v, eq_blobs);
    }
    {
        static const int kinds[] = { 1, 2, 3, 4, 5, 99, -7 };
        for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
            choice v;
            memset(&v, 0, sizeof v);
            v.kind = kinds[i];
            switch (v.kind) {
            case 1:
            case 2: v.choice_u.number = 1000 + v.kind; break;
            case 3: v.choice_u.text = (char *)"three"; break;
            case 4: sample_scalars(&v.choice_u.values, 4); break;
            case 5: break;
            default: v.choice_u.other = INT64_MIN + v.kind + 100; break;
            }
            snprintf(name, sizeof name, "echo_choice.kind%d", kinds[i]);
            echo_case(name, ECHO_CHOICE, (xdrproc_t)xdr_choice, &v, sizeof v, eq_choice);
        }
    }
    for (i = 0; i < sizeof colors / sizeof colors[0]; i++) {
        painted v;
        memset(&v, 0, sizeof v);
        v.c = colors[i];
        if (v.c == RED)
            v.painted_u.level = -42;
        else if (v.c == GREEN || v.c == BLUE)
            v.painted_u.label = (char *)color_names[i];
        snprintf(name, sizeof name, "echo_painted.%s", color_names[i]);
        echo_case(name, ECHO_PAINTED, (xdrproc_t)xdr_painted, &v, sizeof v, eq_painted);
    }
    {
        static const int lens[] = { 0, 1, 2, 500 };
        for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
            list v;
            v.head = make_list(lens[i]);
            snprintf(name, sizeof name, "echo_list.len%d", lens[i]);
            echo_case(name, ECHO_LIST, (xdrproc_t)xdr_list, &v, sizeof v, eq_list);
            free_list(v.head);
        }
    }
    {
        record v;
        color palette[4] = { RED, GREEN, BLUE, BLACK };
        choice choices[3];
        char var_op[3] = { 'x', 'y', 'z' };
        memset(&v, 0, sizeof v);
        memset(choices, 0, sizeof choices);
        sample_scalars(&v.s, 7);
        fill_pattern(v.b.fixed_op, sizeof v.b.fixed_op);
        v.b.var_op.var_op_len = 3;
        v.b.var_op.var_op_val = var_op;
        v.b.name = (char *)"record";
        v.b.text = (char *)"a record with everything";
        v.b.fixed_arr[0] = 1;
        v.b.fixed_arr[1] = 2;
        v.b.fixed_arr[2] = 3;
        v.ch.kind = 3;
        v.ch.choice_u.text = (char *)"chosen";
        v.p.c = GREEN;
        v.p.painted_u.label = (char *)"leaf";
        v.list = make_list(5);
        v.palette.palette_len = 4;
        v.palette.palette_val = palette;
        choices[0].kind = 1;
        choices[0].choice_u.number = 11;
        choices[1].kind = 5;
        choices[2].kind = 77;
        choices[2].choice_u.other = 1234567890123LL;
        v.choices.choices_len = 3;
        v.choices.choices_val = choices;
        echo_case("echo_record.full", ECHO_RECORD, (xdrproc_t)xdr_record, &v, sizeof v, eq_record);
        free_list(v.list);
    }
}

static void scenario_versions(void)
{
    char err[256];
    u_int v = 0;
    int x = -99, y = 0;
    enum clnt_stat st;
    CLIENT *c2;

    st = clnt_call(g_clnt, WHICH_VERSION, (xdrproc_t)xdr_void, NULL, (xdrproc_t)xdr_u_int, (caddr_t)&v, g_tv);
    if (st != RPC_SUCCESS) {
        peer_format_error(g_clnt, st, err, sizeof err);
        peer_fail("versions.v1", "%s", err);
    } else if (v != 1)
        peer_fail("versions.v1", "version=%u", v);
    else
        peer_ok("versions.v1", "version=%u", v);

    c2 = peer_client_create(&g_opts, INTEROP_PROG, INTEROP_V2);
    if (c2 == NULL) {
        peer_fail("versions.v2", "create=failed");
        return;
    }
    v = 0;
    st = clnt_call(c2, WHICH_VERSION2, (xdrproc_t)xdr_void, NULL, (xdrproc_t)xdr_u_int, (caddr_t)&v, g_tv);
    if (st != RPC_SUCCESS) {
        peer_format_error(c2, st, err, sizeof err);
        peer_fail("versions.v2", "%s", err);
    } else if (v != 2)
        peer_fail("versions.v2", "version=%u", v);
    else
        peer_ok("versions.v2", "version=%u", v);
    st = clnt_call(c2, ECHO_INT2, (xdrproc_t)xdr_int, (caddr_t)&x, (xdrproc_t)xdr_int, (caddr_t)&y, g_tv);
    if (st != RPC_SUCCESS) {
        peer_format_error(c2, st, err, sizeof err);
        peer_fail("versions.v2_echo_int", "%s", err);
    } else if (x != y)
        peer_fail("versions.v2_echo_int", "mismatch=1");
    else
        peer_ok("versions.v2_echo_int", NULL);
    clnt_destroy(c2);
}

static void scenario_prog_mismatch(void)
{
    CLIENT *c3 = peer_client_create(&g_opts, INTEROP_PROG, 3);
    if (c3 == NULL) {
        peer_fail("errors.prog_mismatch", "create=failed");
        return;
    }
    expect_error("errors.prog_mismatch", c3, INTEROP_NULL, (xdrproc_t)xdr_void, NULL,
                 RPC_PROGVERSMISMATCH, 1, 2, -1);
    clnt_destroy(c3);
}

static void scenario_errors(void)
{
    CLIENT *other;
    int code;
    static const struct {
        int code;
        const char *name;
        enum clnt_stat want;
        int why;
    } fails[] = {
        { FAIL_SYSTEM_ERR, "errors.fail_system_err", RPC_SYSTEMERROR, -1 },
        { FAIL_GARBAGE_ARGS, "errors.fail_garbage_args", RPC_CANTDECODEARGS, -1 },
        { FAIL_AUTH_TOOWEAK, "errors.fail_auth_tooweak", RPC_AUTHERROR, AUTH_TOOWEAK },
        { FAIL_AUTH_BADCRED, "errors.fail_auth_badcred", RPC_AUTHERROR, AUTH_BADCRED },
        { FAIL_PROC_UNAVAIL, "errors.fail_proc_unavail", RPC_PROCUNAVAIL, -1 },
    };
    size_t i;

    other = peer_client_create(&g_opts, PROG_NOT_SERVED, 1);
    if (other == NULL && g_opts.port == 0 && rpc_createerr.cf_stat == RPC_PROGNOTREGISTERED)
        /* Through rpcbind an unknown program never reaches the server. */
        peer_ok("errors.prog_unavail", "stat=%s(%d) via=rpcbind",
                peer_clnt_stat_name(RPC_PROGNOTREGISTERED), (int)RPC_PROGNOTREGISTERED);
    else if (other == NULL)
        peer_fail("errors.prog_unavail", "create=failed");
    else {
        expect_error("errors.prog_unavail", other, 0, (xdrproc_t)xdr_void, NULL, RPC_PROGUNAVAIL, -1, -1, -1);
        clnt_destroy(other);
    }
    scenario_prog_mismatch();
    expect_error("errors.proc_unavail", g_clnt, 99, (xdrproc_t)xdr_void, NULL, RPC_PROCUNAVAIL, -1, -1, -1);
    {
        /* A procedure of version 1 that version 2 does not have. */
        CLIENT *c2 = peer_client_create(&g_opts, INTEROP_PROG, INTEROP_V2);
        if (c2 == NULL)
            peer_fail("errors.proc_unavail_v2", "create=failed");
        else {
            expect_error("errors.proc_unavail_v2", c2, ECHO_SCALARS, (xdrproc_t)xdr_void, NULL,
                         RPC_PROCUNAVAIL, -1, -1, -1);
            clnt_destroy(c2);
        }
    }
    /* Real garbage, 1: ECHO_SCALARS with a lone int, too short for scalars.
     * Stream transports only: libtirpc's UDP server decodes from its whole receive buffer,
     * not the datagram's length, so it reads stale bytes instead of failing. */
    if (strcmp(g_opts.transport, "udp") != 0) {
        code = 7;
        expect_error("errors.garbage_args_short", g_clnt, ECHO_SCALARS, (xdrproc_t)xdr_int, &code,
                     RPC_CANTDECODEARGS, -1, -1, -1);
    }
    /* Real garbage, 2: ECHO_BLOBS whose var_op<16> claims 1000 bytes. */
    expect_error("errors.garbage_args_bound", g_clnt, ECHO_BLOBS, (xdrproc_t)xdr_garbage_blobs, NULL,
                 RPC_CANTDECODEARGS, -1, -1, -1);
    for (i = 0; i < sizeof fails / sizeof fails[0]; i++) {
        code = fails[i].code;
        expect_error(fails[i].name, g_clnt, FAIL, (xdrproc_t)xdr_int, &code, fails[i].want, -1, -1, fails[i].why);
    }
    {
        /* Any other code: a normal reply carrying it. */
        char err[256];
        int arg = 42, res = 0;
        enum clnt_stat st = clnt_call(g_clnt, FAIL, (xdrproc_t)xdr_int, (caddr_t)&arg,
                                      (xdrproc_t)xdr_int, (caddr_t)&res, g_tv);
        if (st != RPC_SUCCESS) {
            peer_format_error(g_clnt, st, err, sizeof err);
            peer_fail("errors.fail_none", "%s", err);
        } else if (res != 42)
            peer_fail("errors.fail_none", "result=%d", res);
        else
            peer_ok("errors.fail_none", "result=%d", res);
    }
    /* The connection survives every error reply. */
    scenario_null();
}

static void scenario_timeout(void)
{
    int code = FAIL_NO_REPLY;
    unsigned long long t0 = peer_now_ns();
    char err[256];
    int res = 0;
    enum clnt_stat st = clnt_call(g_clnt, FAIL, (xdrproc_t)xdr_int, (caddr_t)&code,
                                  (xdrproc_t)xdr_int, (caddr_t)&res, g_tv);
    unsigned long long ms = (peer_now_ns() - t0) / 1000000ULL;
    peer_format_error(g_clnt, st, err, sizeof err);
    if (st == RPC_TIMEDOUT)
        peer_ok("timeout", "%s ms=%llu", err, ms);
    else
        peer_fail("timeout", "expected=RPC_TIMEDOUT %s ms=%llu", err, ms);
    /* libtirpc's TCP client is unusable after a timeout (later calls on it
     * time out too), so start over with a fresh one. */
    clnt_destroy(g_clnt);
    g_clnt = peer_client_create(&g_opts, INTEROP_PROG, INTEROP_V1);
    if (g_clnt == NULL) {
        peer_fail("timeout.reconnect", "create=failed");
        exit(peer_summary());
    }
}

static void scenario_whoami(void)
{
    char err[256], gids[512];
    creds c;
    enum clnt_stat st;
    u_int i;
    size_t n = 0;
    memset(&c, 0, sizeof c);
    st = clnt_call(g_clnt, WHOAMI, (xdrproc_t)xdr_void, NULL, (xdrproc_t)xdr_creds, (caddr_t)&c, g_tv);
    if (st != RPC_SUCCESS) {
        peer_format_error(g_clnt, st, err, sizeof err);
        peer_fail("whoami", "%s", err);
        return;
    }
    gids[0] = '\0';
    for (i = 0; i < c.gids.gids_len && n + 16 < sizeof gids; i++)
        n += (size_t)snprintf(gids + n, sizeof gids - n, "%s%u", i == 0 ? "" : ",", c.gids.gids_val[i]);
    if (g_opts.auth_sys && (c.flavor != AUTH_SYS || c.uid != (u_int)geteuid()))
        peer_fail("whoami", "flavor=%d uid=%u expected_flavor=1 expected_uid=%u", c.flavor, c.uid, (u_int)geteuid());
    else if (!g_opts.auth_sys && c.flavor != AUTH_NONE)
        peer_fail("whoami", "flavor=%d expected_flavor=0", c.flavor);
    else
        peer_ok("whoami", "flavor=%d uid=%u gid=%u gids=%s machine=%s",
                c.flavor, c.uid, c.gid, gids[0] != '\0' ? gids : "-",
                c.machine != NULL && c.machine[0] != '\0' ? c.machine : "-");
    xdr_free((xdrproc_t)xdr_creds, (char *)&c);
}

static const char *g_scenarios[32];
static int g_nscenarios;

static int parse_extra(int argc, char **argv, int i)
{
    if (strcmp(argv[i], "--scenario") == 0 && i + 1 < argc) {
        if (g_nscenarios < (int)(sizeof g_scenarios / sizeof g_scenarios[0]))
            g_scenarios[g_nscenarios++] = argv[i + 1];
        return 2;
    }
    if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
        g_size = atoi(argv[i + 1]);
        return 2;
    }
    return 0;
}

static void run(const char *s)
{
    int stream = strcmp(g_opts.transport, "udp") != 0; /* tcp or unix */
    if (strcmp(s, "null") == 0)
        scenario_null();
    else if (strcmp(s, "echo_all") == 0)
        scenario_echo_all();
    else if (strcmp(s, "bytes") == 0) {
        char name[64];
        int n = g_size >= 0 ? g_size : 1000;
        snprintf(name, sizeof name, "bytes.%d", n);
        scenario_bytes_size(name, (size_t)n);
    } else if (strcmp(s, "bytes_1mib") == 0)
        scenario_bytes_size("bytes_1mib", 1u << 20);
    else if (strcmp(s, "list_long") == 0)
        scenario_list_long(g_size >= 0 ? g_size : 1000);
    else if (strcmp(s, "versions") == 0)
        scenario_versions();
    else if (strcmp(s, "errors") == 0)
        scenario_errors();
    else if (strcmp(s, "prog_mismatch") == 0)
        scenario_prog_mismatch();
    else if (strcmp(s, "sleep") == 0) {
        /* SLEEP_MS(--size ms): over UDP a sleep past the 500 ms retry interval makes
         * libtirpc retransmit with the same xid; the first reply wins. */
        char err[256];
        u_int ms = g_size >= 0 ? (u_int)g_size : 100, res = 0;
        unsigned long long t0 = peer_now_ns();
        enum clnt_stat st = clnt_call(g_clnt, SLEEP_MS, (xdrproc_t)xdr_u_int, (caddr_t)&ms,
                                      (xdrproc_t)xdr_u_int, (caddr_t)&res, g_tv);
        unsigned long long took = (peer_now_ns() - t0) / 1000000ULL;
        if (st != RPC_SUCCESS) {
            peer_format_error(g_clnt, st, err, sizeof err);
            peer_fail("sleep", "%s ms=%llu", err, took);
        } else if (res != ms)
            peer_fail("sleep", "result=%u ms=%llu", res, took);
        else
            peer_ok("sleep", "result=%u ms=%llu", res, took);
    } else if (strcmp(s, "garbage_args_short") == 0) {
        /* On any transport (errors runs it on TCP only, see there). */
        int code = 7;
        expect_error("errors.garbage_args_short", g_clnt, ECHO_SCALARS, (xdrproc_t)xdr_int, &code,
                     RPC_CANTDECODEARGS, -1, -1, -1);
    }
    else if (strcmp(s, "timeout") == 0)
        scenario_timeout();
    else if (strcmp(s, "whoami") == 0)
        scenario_whoami();
    else if (strcmp(s, "all") == 0) {
        run("null");
        run("echo_all");
        run("versions");
        run("errors");
        run("whoami");
        if (stream)
            run("bytes_1mib");
    } else
        peer_die("unknown scenario %s", s);
}

int main(int argc, char **argv)
{
    int i;
    peer_client_parse(argc, argv, &g_opts, parse_extra);
    if (g_nscenarios == 0)
        peer_die("usage: interop_clnt --host H --port N --transport tcp|udp --scenario NAME "
                 "(null echo_all bytes bytes_1mib list_long versions errors prog_mismatch garbage_args_short sleep timeout whoami all)");
    g_tv.tv_sec = g_opts.timeout_ms / 1000;
    g_tv.tv_usec = (g_opts.timeout_ms % 1000) * 1000;
    g_clnt = peer_client_create(&g_opts, INTEROP_PROG, INTEROP_V1);
    if (g_clnt == NULL)
        return 3;
    for (i = 0; i < g_nscenarios; i++)
        run(g_scenarios[i]);
    clnt_destroy(g_clnt);
    return peer_summary();
}
