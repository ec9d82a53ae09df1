/* Command-line helpers of the commands: --help detection, "primod CMD: ..." errors, the printing forms of the
 * library's option parsers (primod/config.h), and the handler that prints the library's messages. */
#define _POSIX_C_SOURCE 200809L /* isatty */
#include "cli_common.h"

#include <unistd.h>

#include "primod/notify.h"

#include <stdarg.h>
#include <string.h>

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

/* The CLI's handler of library messages (primod/notify.h): errors and notes as "primod CMD: ..." lines; progress
 * only on a terminal, redrawn in place. */
static void print_note(void *ctx, pm_note_kind kind, const char *cmd, const char *message)
{
    (void)ctx;
    switch (kind) {
    case PM_NOTE_ERROR:
        pm_cli_error(cmd, "%s", message);
        break;
    case PM_NOTE_INFO:
        pm_cli_error(cmd, "note: %s", message);
        break;
    case PM_NOTE_PROGRESS:
        if (isatty(STDERR_FILENO))
            fprintf(stderr, "\r%s   ", message);
        break;
    case PM_NOTE_PROGRESS_END:
        if (isatty(STDERR_FILENO))
            fputc('\n', stderr);
        break;
    }
}

void pm_cli_install_notify(void)
{
    pm_notify_set_handler(print_note, NULL);
}
