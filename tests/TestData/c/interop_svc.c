/*
 * interop_svc.c -- C reference server for interop.x (INTEROP_PROG 1 and 2).
 *
 *   interop_svc --port N --transport tcp|udp|both [--rpcbind] [--udp-bufsize N]
 *
 * Every ECHO_* procedure returns its argument unchanged: the rpcgen
 * dispatcher sends the reply before it frees the decoded arguments, so
 * returning the argument's address is safe. FAIL(code) answers with the
 * error reply named by the FAIL_* constants; WHOAMI reports the caller's
 * credentials; SLEEP_MS blocks the (single-threaded) server.
 */
#include "interop.h"
#include "peer_common.h"

#include <string.h>
#include <unistd.h>

void interop_prog_1(struct svc_req *rqstp, SVCXPRT *transp);
void interop_prog_2(struct svc_req *rqstp, SVCXPRT *transp);

static char g_void_result; /* non-NULL "result" for void procedures */

void *interop_null_1_svc(void *argp, struct svc_req *rqstp) { return &g_void_result; }
int *echo_int_1_svc(int *argp, struct svc_req *rqstp) { return argp; }
u_int *echo_uint_1_svc(u_int *argp, struct svc_req *rqstp) { return argp; }
quad_t *echo_hyper_1_svc(quad_t *argp, struct svc_req *rqstp) { return argp; }
u_quad_t *echo_uhyper_1_svc(u_quad_t *argp, struct svc_req *rqstp) { return argp; }
float *echo_float_1_svc(float *argp, struct svc_req *rqstp) { return argp; }
double *echo_double_1_svc(double *argp, struct svc_req *rqstp) { return argp; }
bool_t *echo_bool_1_svc(bool_t *argp, struct svc_req *rqstp) { return argp; }
color *echo_color_1_svc(color *argp, struct svc_req *rqstp) { return argp; }
interop_text *echo_text_1_svc(interop_text *argp, struct svc_req *rqstp) { return argp; }
interop_bytes *echo_bytes_1_svc(interop_bytes *argp, struct svc_req *rqstp) { return argp; }
scalars *echo_scalars_1_svc(scalars *argp, struct svc_req *rqstp) { return argp; }
blobs *echo_blobs_1_svc(blobs *argp, struct svc_req *rqstp) { return argp; }
choice *echo_choice_1_svc(choice *argp, struct svc_req *rqstp) { return argp; }
painted *echo_painted_1_svc(painted *argp, struct svc_req *rqstp) { return argp; }
list *echo_list_1_svc(list *argp, struct svc_req *rqstp) { return argp; }
record *echo_record_1_svc(record *argp, struct svc_req *rqstp) { return argp; }

/* Returning NULL tells the rpcgen dispatcher not to send a reply: the error
 * reply has already been sent (or, for FAIL_NO_REPLY, none is wanted). */
int *fail_1_svc(int *argp, struct svc_req *rqstp)
{
    SVCXPRT *xprt = rqstp->rq_xprt;
    switch (*argp) {
    case FAIL_SYSTEM_ERR:
        svcerr_systemerr(xprt);
        return NULL;
    case FAIL_GARBAGE_ARGS:
        svcerr_decode(xprt);
        return NULL;
    case FAIL_AUTH_TOOWEAK:
        svcerr_auth(xprt, AUTH_TOOWEAK);
        return NULL;
    case FAIL_AUTH_BADCRED:
        svcerr_auth(xprt, AUTH_BADCRED);
        return NULL;
    case FAIL_PROC_UNAVAIL:
        svcerr_noproc(xprt);
        return NULL;
    case FAIL_NO_REPLY:
        return NULL;
    default:
        return argp; /* any other code: a normal reply carrying the code */
    }
}

creds *whoami_1_svc(void *argp, struct svc_req *rqstp)
{
    static creds result;
    static char empty[] = "";
    memset(&result, 0, sizeof result);
    result.flavor = (int)rqstp->rq_cred.oa_flavor;
    result.machine = empty;
    if (rqstp->rq_cred.oa_flavor == AUTH_SYS && rqstp->rq_clntcred != NULL) {
        struct authunix_parms *aup = (struct authunix_parms *)rqstp->rq_clntcred;
        result.stamp = (u_int)aup->aup_time;
        result.machine = aup->aup_machname != NULL ? aup->aup_machname : empty;
        result.uid = (u_int)aup->aup_uid;
        result.gid = (u_int)aup->aup_gid;
        result.gids.gids_len = aup->aup_len;
        result.gids.gids_val = (u_int *)aup->aup_gids;
    }
    return &result;
}

u_int *sleep_ms_1_svc(u_int *argp, struct svc_req *rqstp)
{
    usleep((useconds_t)(*argp > 60000 ? 60000 : *argp) * 1000);
    return argp;
}

u_int *which_version_1_svc(void *argp, struct svc_req *rqstp)
{
    static u_int v = 1;
    return &v;
}

void *interop_null2_2_svc(void *argp, struct svc_req *rqstp) { return &g_void_result; }
int *echo_int2_2_svc(int *argp, struct svc_req *rqstp) { return argp; }

u_int *which_version2_2_svc(void *argp, struct svc_req *rqstp)
{
    static u_int v = 2;
    return &v;
}

int main(int argc, char **argv)
{
    struct peer_server_opts opts;
    struct peer_program programs[] = {
        { INTEROP_PROG, INTEROP_V1, interop_prog_1 },
        { INTEROP_PROG, INTEROP_V2, interop_prog_2 },
    };
    peer_server_parse(argc, argv, &opts, NULL);
    return peer_serve(&opts, programs, 2);
}
