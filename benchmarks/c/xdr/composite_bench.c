/*
 * The composite record (tests/TestData/xdr/composite.h: struct + union + optional linked list
 * of 16 nodes + strings) through libtirpc's xdrmem stream, for comparison with
 * benchmarks/Xdr/CompositeBenchmarks.cs. Prints ns/op for encode and decode.
 * Decode includes xdr_free of what the decoder allocated, as the .NET decoder's garbage is
 * included in its figure too. Built and run by run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <rpc/rpc.h>
#include "composite.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * The machine is shared (2 vCPUs, other builds running): long timing loops mostly measure
 * preemption. So each figure is the minimum over many short batches (16 operations, tens of
 * microseconds, shorter than a scheduler slice), the same method as the .NET side's minimum.
 */
#define BATCH 16

int main(int argc, char **argv)
{
    long batches = argc > 1 ? atol(argv[1]) : 20000;
    static char buffer[4096];
    struct composite value;
    struct node nodes[16];
    char names[16][16];
    composite_sample(&value, nodes, names, 16, GREEN);

    XDR xdrs;
    xdrmem_create(&xdrs, buffer, sizeof buffer, XDR_ENCODE);
    if (!xdr_composite(&xdrs, &value)) {
        fprintf(stderr, "encode failed\n");
        return 1;
    }
    u_int size = xdr_getpos(&xdrs);
    xdr_destroy(&xdrs);

    double best_encode = 1e300, best_decode = 1e300;
    for (long b = 0; b < batches; b++) {
        double start = now_ns();
        for (int i = 0; i < BATCH; i++) {
            xdrmem_create(&xdrs, buffer, sizeof buffer, XDR_ENCODE);
            if (!xdr_composite(&xdrs, &value))
                return 1;
            xdr_destroy(&xdrs);
        }
        double encode = (now_ns() - start) / BATCH;

        start = now_ns();
        for (int i = 0; i < BATCH; i++) {
            struct composite decoded;
            memset(&decoded, 0, sizeof decoded);
            xdrmem_create(&xdrs, buffer, size, XDR_DECODE);
            if (!xdr_composite(&xdrs, &decoded))
                return 1;
            xdr_destroy(&xdrs);
            xdr_free((xdrproc_t)xdr_composite, (char *)&decoded);
        }
        double decode = (now_ns() - start) / BATCH;
        if (encode < best_encode)
            best_encode = encode;
        if (decode < best_decode)
            best_decode = decode;
    }
    printf("bytes %u\n", size);
    printf("encode_ns %.1f\n", best_encode);
    printf("decode_ns %.1f\n", best_decode);
    return 0;
}
