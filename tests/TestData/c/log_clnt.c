/*
 * log_clnt.c -- C reference client for log.x.
 *
 *   log_clnt --host 127.0.0.1 --port N --transport tcp|udp MESSAGE...
 *
 * Calls RLOG once per MESSAGE, in order, and prints one line per call:
 *   ok rlog.<i> result=<int>
 *   fail rlog.<i> stat=<CLNT_STAT>(<n>) [...]
 * then "summary ok=N fail=M". Exit code 0 when every call succeeded and
 * returned 0. --port 0 (or none) asks rpcbind for the port.
 */
#include "log.h"
#include "peer_common.h"

#include <string.h>

int main(int argc, char **argv)
{
    struct peer_client_opts opts;
    struct timeval tv;
    CLIENT *clnt;
    int first = peer_client_parse(argc, argv, &opts, NULL), i;

    if (first >= argc)
        peer_die("usage: log_clnt --host H --port N --transport tcp|udp MESSAGE...");
    clnt = peer_client_create(&opts, LOG_PROG, LOG_VER);
    if (clnt == NULL)
        return 3;
    tv.tv_sec = opts.timeout_ms / 1000;
    tv.tv_usec = (opts.timeout_ms % 1000) * 1000;
    for (i = first; i < argc; i++) {
        char name[32], err[256];
        char *msg = argv[i];
        int result = 0;
        enum clnt_stat st;
        snprintf(name, sizeof name, "rlog.%d", i - first);
        st = clnt_call(clnt, RLOG, (xdrproc_t)xdr_wrapstring, (caddr_t)&msg,
                       (xdrproc_t)xdr_int, (caddr_t)&result, tv);
        if (st != RPC_SUCCESS) {
            peer_format_error(clnt, st, err, sizeof err);
            peer_fail(name, "%s", err);
        } else if (result != 0) {
            peer_fail(name, "result=%d", result);
        } else {
            peer_ok(name, "result=%d", result);
        }
    }
    clnt_destroy(clnt);
    return peer_summary();
}
