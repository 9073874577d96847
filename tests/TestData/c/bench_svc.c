/*
 * bench_svc.c -- C reference server for bench.x (BENCH_PROG 1).
 *
 *   bench_svc --port N --transport tcp|udp|both [--rpcbind] [--udp-bufsize N]
 *
 * The classic single-threaded libtirpc server (the svc_run loop of
 * peer_common.c): what a C service built with rpcgen does out of the box.
 */
#include "bench.h"
#include "peer_common.h"

void bench_prog_1(struct svc_req *rqstp, SVCXPRT *transp);

static char g_void_result;

void *bench_null_1_svc(void *argp, struct svc_req *rqstp) { return &g_void_result; }

int *bench_add_1_svc(add_args *argp, struct svc_req *rqstp)
{
    static int result;
    result = (int)((unsigned)argp->a + (unsigned)argp->b); /* wraps, like the .NET side */
    return &result;
}

/* The dispatcher replies before it frees the arguments, so echo in place. */
bench_bytes *bench_echo_1_svc(bench_bytes *argp, struct svc_req *rqstp) { return argp; }
bench_record *bench_echo_record_1_svc(bench_record *argp, struct svc_req *rqstp) { return argp; }

int main(int argc, char **argv)
{
    struct peer_server_opts opts;
    struct peer_program programs[] = {
        { BENCH_PROG, BENCH_VER, bench_prog_1 },
    };
    peer_server_parse(argc, argv, &opts, NULL);
    return peer_serve(&opts, programs, 1);
}
