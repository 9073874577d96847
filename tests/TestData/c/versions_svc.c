/*
 * versions_svc.c -- C reference server for versions.x: VERSIONS_PROG versions 1
 * and 2 on every transport (registered with rpcbind under --rpcbind).
 *
 *   versions_svc --port N --transport tcp|udp|both [--rpcbind] [--only 1|2]
 *
 * WHICH returns the version that served the call; ECHO (version 2) returns its
 * argument. --only serves a single version (a server "downgraded" or "upgraded").
 */
#include "versions.h"
#include "peer_common.h"

#include <stdlib.h>
#include <string.h>

void versions_prog_1(struct svc_req *rqstp, SVCXPRT *transp);
void versions_prog_2(struct svc_req *rqstp, SVCXPRT *transp);

static int g_only;

static int parse_extra(int argc, char **argv, int i)
{
    if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
        g_only = atoi(argv[i + 1]);
        return 2;
    }
    return 0;
}

u_int *which_1_svc(void *argp, struct svc_req *rqstp)
{
    static u_int result;
    (void)argp;
    result = (u_int)rqstp->rq_vers;
    return &result;
}

u_int *which_2_svc(void *argp, struct svc_req *rqstp)
{
    return which_1_svc(argp, rqstp);
}

int *echo_2_svc(int *argp, struct svc_req *rqstp)
{
    static int result;
    (void)rqstp;
    result = *argp;
    return &result;
}

int main(int argc, char **argv)
{
    struct peer_server_opts opts;
    struct peer_program all[] = {
        { VERSIONS_PROG, VERSIONS_V1, versions_prog_1 },
        { VERSIONS_PROG, VERSIONS_V2, versions_prog_2 },
    };
    peer_server_parse(argc, argv, &opts, parse_extra);
    if (g_only == 1 || g_only == 2)
        return peer_serve(&opts, &all[g_only - 1], 1);
    return peer_serve(&opts, all, 2);
}
