/* `primod compare|sweep --json` as a library call for bindings (pm_batch_main_json): the batch entry point
 * pm_batch_json_from_args, with a failing run's first message kept for the caller instead of printed. */
#include "primod/batch.h"

#include <stdio.h>
#include <stdlib.h>

#include "primod/notify.h"

/* Keeps the first error message of the batch (a run's failure) in ctx (PM_CFG_ERR_MAX bytes). */
static void keep_first_error(void *ctx, pm_note_kind kind, const char *cmd, const char *message)
{
    char *err = ctx;
    (void)cmd;
    if (kind == PM_NOTE_ERROR && !err[0])
        snprintf(err, PM_CFG_ERR_MAX, "%s", message);
}

int pm_batch_main_json(const char *cmd, int sweep, int argc, char **argv, char **json, char *err, size_t errcap)
{
    char msg[PM_CFG_ERR_MAX] = "", first[PM_CFG_ERR_MAX] = "";
    if (json)
        *json = NULL;
    if (!cmd || !json || argc < 1 || !argv) {
        if (err && errcap)
            snprintf(err, errcap, "pm_batch_main_json: NULL argument");
        return PM_EXIT_USAGE;
    }
    pm_notify_set_handler(keep_first_error, first);
    int rc = pm_batch_json_from_args(cmd, sweep, argc, argv, NULL, json, msg);
    pm_notify_set_handler(NULL, NULL);
    if (rc) {
        free(*json);   /* the contract: JSON only for a completed batch */
        *json = NULL;
        if (err && errcap)
            snprintf(err, errcap, "%s", first[0] ? first : msg[0] ? msg : "a run failed");
    }
    return rc;
}
