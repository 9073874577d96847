/*
 * RPCSEC_GSS peer for the interop tests, on libtirpc's own RPCSEC_GSS (rpc_gss_seccreate on the
 * client, svcauth_gss behind svc_getreq on the server) and MIT Kerberos.
 *
 *   gss_peer server <service-principal>          serves ECHO over TCP, prints "READY <tcp> 0"
 *   gss_peer client <host> <port> <service-principal> <none|integrity|privacy> <calls> [bytes]
 *                                                calls ECHO <calls> times, prints "REPLY <text>"
 *                                                for the first and "OK <calls>" when all matched
 *
 * Program 0x20000310 version 1: procedure 1 ECHO takes a string and answers
 * "<client principal>|<service>|<string>" (the server's view of the caller).
 */
#include <rpc/rpc.h>
#include <rpc/rpcsec_gss.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GSS_PROG 0x20000310
#define GSS_VERS 1
#define ECHO_PROC 1

static void dispatch(struct svc_req *rq, SVCXPRT *xprt)
{
    if (rq->rq_proc == NULLPROC) {
        svc_sendreply(xprt, (xdrproc_t)xdr_void, NULL);
        return;
    }
    if (rq->rq_proc != ECHO_PROC) {
        svcerr_noproc(xprt);
        return;
    }
    char *in = NULL;
    if (!svc_getargs(xprt, (xdrproc_t)xdr_wrapstring, (caddr_t)&in)) {
        svcerr_decode(xprt);
        return;
    }
    const char *who = "-";
    int service = 0;
    rpc_gss_rawcred_t *raw = NULL;
    if (rq->rq_cred.oa_flavor == RPCSEC_GSS && rpc_gss_getcred(rq, &raw, NULL, NULL) && raw != NULL) {
        if (raw->client_principal != NULL)
            who = raw->client_principal->name;
        service = raw->service;
    }
    size_t size = strlen(in) + strlen(who) + 32;
    char *out = malloc(size);
    snprintf(out, size, "%s|%d|%s", who, service, in);
    if (!svc_sendreply(xprt, (xdrproc_t)xdr_wrapstring, (caddr_t)&out))
        svcerr_systemerr(xprt);
    free(out);
    svc_freeargs(xprt, (xdrproc_t)xdr_wrapstring, (caddr_t)&in);
}

static int serve(char *principal)
{
    if (!rpc_gss_set_svc_name(principal, "kerberos_v5", 0, GSS_PROG, GSS_VERS)) {
        fprintf(stderr, "rpc_gss_set_svc_name(%s) failed\n", principal);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof sin;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(fd, 64) != 0
        || getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
        perror("socket");
        return 2;
    }
    /* Buffers for 64 KiB calls: the defaults (0) cap a record near 8 KiB. */
    SVCXPRT *xprt = svc_vc_create(fd, 256 * 1024, 256 * 1024);
    if (xprt == NULL || !svc_reg(xprt, GSS_PROG, GSS_VERS, dispatch, NULL)) {
        fprintf(stderr, "svc_vc_create/svc_reg failed\n");
        return 2;
    }
    printf("READY %d 0\n", ntohs(sin.sin_port));
    fflush(stdout);
    svc_run();
    return 0;
}

static int call(char *host, int port, char *principal, const char *service_name, int calls, int bytes)
{
    rpc_gss_service_t service = strcmp(service_name, "none") == 0 ? rpcsec_gss_svc_none
        : strcmp(service_name, "integrity") == 0 ? rpcsec_gss_svc_integrity : rpcsec_gss_svc_privacy;
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, host, &sin.sin_addr);
    int fd = RPC_ANYSOCK;
    CLIENT *clnt = clnttcp_create(&sin, GSS_PROG, GSS_VERS, &fd, 256 * 1024, 256 * 1024);
    if (clnt == NULL) {
        clnt_pcreateerror("clnttcp_create");
        return 2;
    }
    rpc_gss_options_ret_t ret;
    memset(&ret, 0, sizeof ret);
    AUTH *auth = rpc_gss_seccreate(clnt, principal, "kerberos_v5", service, NULL, NULL, &ret);
    if (auth == NULL) {
        fprintf(stderr, "rpc_gss_seccreate failed: major 0x%x minor 0x%x\n", ret.major_status, ret.minor_status);
        printf("FAIL seccreate\n");
        return 3;
    }
    clnt->cl_auth = auth;
    char *arg = malloc(bytes + 1);
    for (int i = 0; i < bytes; i++)
        arg[i] = 'a' + i % 26;
    arg[bytes] = 0;
    struct timeval timeout = { 30, 0 };
    int ok = 0;
    for (int i = 0; i < calls; i++) {
        char *out = NULL;
        enum clnt_stat stat = clnt_call(clnt, ECHO_PROC, (xdrproc_t)xdr_wrapstring, (caddr_t)&arg,
                                        (xdrproc_t)xdr_wrapstring, (caddr_t)&out, timeout);
        if (stat != RPC_SUCCESS) {
            struct rpc_err err;
            clnt_geterr(clnt, &err);
            printf("ERROR %d %d\n", stat, stat == RPC_AUTHERROR ? (int)err.re_why : 0);
            fflush(stdout);
            return 4;
        }
        const char *tail = strrchr(out, '|');
        if (tail != NULL && strcmp(tail + 1, arg) == 0)
            ok++;
        if (i == 0) {
            /* The server's view of the caller, without the (long) echoed text. */
            printf("REPLY %.*s\n", tail != NULL ? (int)(tail - out) : (int)strlen(out), out);
        }
        xdr_free((xdrproc_t)xdr_wrapstring, (char *)&out);
    }
    printf("OK %d\n", ok);
    fflush(stdout);
    auth_destroy(auth); /* sends RPCSEC_GSS_DESTROY */
    clnt_destroy(clnt);
    free(arg);
    return ok == calls ? 0 : 5;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "server") == 0)
        return serve(argv[2]);
    if (argc >= 7 && strcmp(argv[1], "client") == 0)
        return call(argv[2], atoi(argv[3]), argv[4], argv[5], atoi(argv[6]), argc > 7 ? atoi(argv[7]) : 16);
    fprintf(stderr, "usage: gss_peer server <principal> | client <host> <port> <principal> <none|integrity|privacy> <calls> [bytes]\n");
    return 1;
}
