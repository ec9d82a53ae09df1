/* C entry points of the CLI layer for foreign callers: `primod run|compare|sweep --json` as functions, struct sizes. */
#include "primod/capi.h"

#include <stdlib.h>
#include <string.h>

#include "primod/batch.h"
#include "primod/loop.h"
#include "primod/sim.h"
#include "primod/run.h"

int pm_capi_run_json(int argc, char **argv, char **json, char *err, size_t errcap)
{
    char msg[PM_CFG_ERR_MAX] = "";
    int rc = PM_EXIT_USAGE;
    if (json)
        *json = NULL;
    if (!json || argc < 1 || !argv) {
        snprintf(msg, sizeof msg, "pm_capi_run_json: NULL argument");
        goto out;
    }
    pm_run_options opt;
    int json_flag;   /* always JSON here */
    if ((rc = pm_run_parse_args(argc, argv, &opt, &json_flag, msg)))
        goto out;
    opt.progress = 0;   /* a library call prints nothing, not even on a terminal */
    pm_run_result res;
    if ((rc = pm_run(&opt, &res, msg)))
        goto out;
    pm_json j;
    pm_json_init(&j);
    pm_run_result_json(&res, &opt.cfg, &j);
    size_t n = strlen(pm_json_text(&j)) + 1;
    if (j.failed || !(*json = malloc(n))) {
        snprintf(msg, sizeof msg, "out of memory");
        rc = PM_EXIT_FAILURE;
    } else {
        memcpy(*json, pm_json_text(&j), n);
    }
    pm_json_free(&j);
out:
    if (rc && err && errcap)
        snprintf(err, errcap, "%s", msg);
    return rc;
}

int pm_capi_batch_json(const char *cmd, int argc, char **argv, char **json, char *err, size_t errcap)
{
    if (json)
        *json = NULL;
    if (!cmd || (strcmp(cmd, "compare") && strcmp(cmd, "sweep"))) {
        if (err && errcap)
            snprintf(err, errcap, "pm_capi_batch_json: unknown command '%.100s' (compare, sweep)", cmd ? cmd : "NULL");
        return PM_EXIT_USAGE;
    }
    return pm_batch_main_json(cmd, !strcmp(cmd, "sweep"), argc, argv, json, err, errcap);
}

void pm_capi_free(void *p) { free(p); }

size_t pm_capi_sizeof(const char *type)
{
    static const struct {
        const char *name;
        size_t size;
    } table[] = {
        {"pm_net_config", sizeof(pm_net_config)},     {"pm_filter_config", sizeof(pm_filter_config)},
        {"pm_loop_config", sizeof(pm_loop_config)},   {"pm_loop_input", sizeof(pm_loop_input)},
        {"pm_loop_output", sizeof(pm_loop_output)},   {"pm_success_config", sizeof(pm_success_config)},
        {"pm_sim_config", sizeof(pm_sim_config)},     {"pm_sim_reading", sizeof(pm_sim_reading)},
    };
    for (size_t i = 0; type && i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(type, table[i].name))
            return table[i].size;
    return 0;
}
