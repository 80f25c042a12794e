/* error.c: error codes, the per-thread error message, and logging to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "keyart/common.h"

static _Thread_local char last_message[1024];
static int log_level = KA_LOG_WARN;

const char *ka_version(void) { return KA_VERSION; }

const char *ka_strerror(int err)
{
    switch (err) {
    case KA_OK: return "success";
    case KA_EINVAL: return "invalid argument";
    case KA_ENOMEM: return "out of memory";
    case KA_EIO: return "input/output error";
    case KA_EFORMAT: return "not a readable media file";
    case KA_ENOVIDEO: return "no video stream";
    case KA_EDECODE: return "video could not be decoded";
    case KA_EEMPTY: return "empty file";
    case KA_EUNSUPPORTED: return "unsupported";
    case KA_EINTERNAL: return "internal error";
    case KA_ELOST: return "the job is no longer this worker's";
    case KA_ENOTFOUND: return "not found";
    case KA_ECONFLICT: return "conflicts with the record's state";
    default: return "unknown error";
    }
}

int ka_error(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return err;
}

const char *ka_error_message(void) { return last_message; }
void ka_error_clear(void) { last_message[0] = '\0'; }

void ka_log_set_level(int level) { log_level = level; }
int ka_log_get_level(void) { return log_level; }

void ka_log(int level, const char *fmt, ...)
{
    static const char *names[] = { "error", "warning", "info", "debug" };
    if (level > log_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "keyart: %s: ", names[level < 0 ? 0 : level > 3 ? 3 : level]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

double ka_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
