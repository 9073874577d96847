/*
 * log_svc.c -- C reference server for log.x (LOG_PROG 1).
 *
 *   log_svc --port N --transport tcp|udp|both [--rpcbind] [--log FILE]
 *
 * RLOG appends the message and a newline to FILE (flushed per call) and
 * returns 0; -1 when the file cannot be written. Without --log the message
 * is only counted.
 */
#include "log.h"
#include "peer_common.h"

#include <string.h>

void log_prog_1(struct svc_req *rqstp, SVCXPRT *transp);

static const char *g_log_path;
static FILE *g_log;

static int parse_extra(int argc, char **argv, int i)
{
    if (strcmp(argv[i], "--log") == 0 && i + 1 < argc) {
        g_log_path = argv[i + 1];
        return 2;
    }
    return 0;
}

int *rlog_1_svc(char **argp, struct svc_req *rqstp)
{
    static int result;
    (void)rqstp;
    result = 0;
    if (g_log_path != NULL) {
        if (g_log == NULL)
            g_log = fopen(g_log_path, "a");
        if (g_log == NULL || fprintf(g_log, "%s\n", *argp) < 0 || fflush(g_log) != 0)
            result = -1;
    }
    return &result;
}

int main(int argc, char **argv)
{
    struct peer_server_opts opts;
    struct peer_program programs[] = {
        { LOG_PROG, LOG_VER, log_prog_1 },
    };
    int rc;
    peer_server_parse(argc, argv, &opts, parse_extra);
    rc = peer_serve(&opts, programs, 1);
    if (g_log != NULL)
        fclose(g_log);
    return rc;
}
