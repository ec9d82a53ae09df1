/* Command-line helpers of the commands: --help detection, "primod CMD: ..." errors, the printing forms of the
 * library's option parsers (primod/config.h), and the handler that prints the library's messages. */
#define _POSIX_C_SOURCE 200809L /* isatty, sigaction, clock_gettime */
#include "cli_common.h"

#include <unistd.h>

#include "primod/notify.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int pm_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

void pm_cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "primod %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}


int pm_cli_next_option(const char *cmd, int argc, char **argv, int *i, char *name, size_t n, const char **value,
                       int (*takes_value)(const char *name))
{
    char err[PM_CFG_ERR_MAX];
    if (pm_args_next_option(argc, argv, i, name, n, value, takes_value, err)) {
        pm_cli_error(cmd, "%s", err);
        return -1;
    }
    return 0;
}

int pm_cli_base_config(const char *cmd, int argc, char **argv, int (*takes_value)(const char *), pm_config *cfg)
{
    char err[PM_CFG_ERR_MAX];
    int rc = pm_config_from_args(argc, argv, takes_value, cfg, err);
    if (rc)
        pm_cli_error(cmd, "%s", err);
    return rc;
}

int pm_cli_apply_config_option(const char *cmd, pm_config *cfg, const char *name, const char *value)
{
    char err[PM_CFG_ERR_MAX];
    int rc = pm_config_apply_option(cfg, name, value, err);
    if (rc)
        pm_cli_error(cmd, "%s", err);
    return rc;
}

/* The signal that asked the command to stop (SIGINT or SIGTERM), 0 while running: a handler can only set a flag
 * of this type; the run loop and the batch poll it (forwarding it to their workers, which inherit the handler). */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

const volatile sig_atomic_t *pm_cli_catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return &stop_signal;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The CLI's handler of library messages (primod/notify.h): errors and notes as "primod CMD: ..." lines; a run's
 * progress only on a terminal, redrawn in place; a batch's progress redrawn on a terminal, otherwise (batch jobs,
 * log files) one line every 10 s (PRIMOD_PROGRESS_SECONDS overrides the interval). */
static void print_note(void *ctx, pm_note_kind kind, const char *cmd, const char *message)
{
    static double last = -1;
    (void)ctx;
    int tty = isatty(STDERR_FILENO);
    if (kind == PM_NOTE_ERROR) {
        pm_cli_error(cmd, "%s", message);
    } else if (kind == PM_NOTE_INFO) {
        pm_cli_error(cmd, "note: %s", message);
    } else if (tty && (kind == PM_NOTE_PROGRESS || kind == PM_NOTE_BATCH_PROGRESS)) {
        fprintf(stderr, "\r%s   ", message);
    } else if (tty && kind == PM_NOTE_PROGRESS_END) {
        fputc('\n', stderr);
    } else if (kind == PM_NOTE_BATCH_PROGRESS) {
        const char *env = getenv("PRIMOD_PROGRESS_SECONDS");
        double every = env ? atof(env) : 10, t = now_seconds();
        if (last < 0)
            last = t;   /* the first line after one interval: short batches stay silent */
        if (t - last >= every) {
            fprintf(stderr, "primod %s: %s\n", cmd, message);
            last = t;
        }
    }
}
void pm_cli_install_notify(void)
{
    pm_notify_set_handler(print_note, NULL);
}
