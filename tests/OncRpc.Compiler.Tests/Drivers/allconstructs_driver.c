/*
 * C side of the allconstructs interop test: built at test time against the XDR routines
 * `rpcgen -N -c` generates from tests/TestData/x/allconstructs.x.
 *   driver encode      prints the sample value's XDR encoding as hex
 *   driver reencode    reads hex on stdin, decodes it, encodes it again, prints hex
 * The sample must stay identical to Driver.Sample() in AllConstructsDriver.cs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rpc/rpc.h>
#include "allconstructs.h"

static char buffer[1 << 16];

static void print_hex(const char *data, unsigned int length)
{
    for (unsigned int i = 0; i < length; i++)
        printf("%02X", (unsigned char)data[i]);
    printf("\n");
}

static int encode(everything *value)
{
    XDR xdr;
    xdrmem_create(&xdr, buffer, sizeof buffer, XDR_ENCODE);
    if (!xdr_everything(&xdr, value)) {
        fprintf(stderr, "encode failed\n");
        return 1;
    }
    print_hex(buffer, xdr_getpos(&xdr));
    return 0;
}

static void sample(everything *e)
{
    static char fixed_bytes[3] = {1, 2, 3};
    static char var_bytes[5] = {4, 5, 6, 7, 8};
    static char blob[2] = {(char)0xAA, (char)0xBB};
    static int var_ints[2] = {10, 20};
    static int any_ints[1] = {-1};
    static point more_points[1] = {{5, 6}};
    static name_t names[2] = {"a", "bc"};
    static handle_t handles[1] = {{0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18}};
    static color colors[3] = {RED, NEGATIVE, BIG};
    static point maybe_point = {7, 8};
    static int maybe_int = 99;
    static node second = {2, "two", NULL};
    static node first = {1, "one", &second};
    static struct link link2 = {11, NULL};
    static struct link link1 = {10, &link2};
    static result results[2];

    memset(e, 0, sizeof *e);
    e->i = -123456;
    e->u = 4000000000u;
    e->bare = 7;
    e->h = -1234567890123LL;
    e->uh = 18000000000000000000ULL;
    e->f = 1.5f;
    e->d = -2.25;
    e->b = 1;
    e->c = BLUE;
    e->s = SQUARE;
    e->alias = 42;
    e->counter = 9;
    e->unbounded = "hello";
    e->bounded = "bounded";
    e->name = "name";
    memcpy(e->fixed_bytes, fixed_bytes, 3);
    e->var_bytes.var_bytes_len = 5;
    e->var_bytes.var_bytes_val = var_bytes;
    e->any_bytes.any_bytes_len = 0;
    e->any_bytes.any_bytes_val = NULL;
    for (int i = 0; i < 8; i++)
        e->handle[i] = (char)(i + 1);
    e->blob.blob_t_len = 2;
    e->blob.blob_t_val = blob;
    e->fixed_ints[0] = 1;
    e->fixed_ints[1] = 2;
    e->fixed_ints[2] = 3;
    e->var_ints.var_ints_len = 2;
    e->var_ints.var_ints_val = var_ints;
    e->any_ints.ints_t_len = 1;
    e->any_ints.ints_t_val = any_ints;
    e->points[0].x = 1;
    e->points[0].y = 2;
    e->points[1].x = 3;
    e->points[1].y = 4;
    e->more_points.more_points_len = 1;
    e->more_points.more_points_val = more_points;
    e->names.names_len = 2;
    e->names.names_val = names;
    e->handles.handles_len = 1;
    e->handles.handles_val = handles;
    e->colors.colors_len = 3;
    e->colors.colors_val = colors;
    e->maybe_point = &maybe_point;
    e->maybe_point2 = NULL;
    e->maybe_int = &maybe_int;
    e->maybe_color = NULL;
    e->list = &first;
    e->links = &link1;
    e->res.status = GREEN;
    e->res.result_u.where.x = 9;
    e->res.result_u.where.y = 10;
    e->flag.present = 1;
    e->flag.flag_union_u.amount = 5000000000LL;
    e->num.kind = FIXED_LEN;
    memcpy(e->num.number_union_u.raw, "\1\2\3\4\5", 5);
    e->uns.which = 7;
    e->uns.unsigned_union_u.tiny = -3;
    results[0].status = RED;
    results[0].result_u.code = -7;
    results[1].status = BIG;
    results[1].result_u.message = "big";
    e->results.results_len = 2;
    e->results.results_val = results;
}

static int reencode(void)
{
    static char hex[1 << 17];
    static char input[1 << 16];
    if (!fgets(hex, sizeof hex, stdin))
        return 2;
    unsigned int length = 0;
    for (char *p = hex; p[0] && p[1] && p[0] != '\n'; p += 2) {
        unsigned int byte;
        sscanf(p, "%2X", &byte);
        input[length++] = (char)byte;
    }
    everything value;
    memset(&value, 0, sizeof value);
    XDR xdr;
    xdrmem_create(&xdr, input, length, XDR_DECODE);
    if (!xdr_everything(&xdr, &value) || xdr_getpos(&xdr) != length) {
        fprintf(stderr, "decode failed\n");
        return 1;
    }
    return encode(&value);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "encode") == 0) {
        everything e;
        sample(&e);
        return encode(&e);
    }
    if (argc > 1 && strcmp(argv[1], "reencode") == 0)
        return reencode();
    fprintf(stderr, "usage: driver encode|reencode\n");
    return 2;
}
