/* C entry points of the CLI layer for foreign callers (the Python package via ctypes): run/batch JSON, struct sizes. */
#ifndef PRIMOD_CAPI_H
#define PRIMOD_CAPI_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Does what `primod run --json ARGS` does, without printing: argv[0] is ignored (the command name), argv[1..]
 * are run's options, parsed by the same pm_run_parse_args as the CLI (every config option and shorthand,
 * --log/--save-model/--load-model; --json and --quiet are accepted and change nothing; no --help).
 * Returns the exit code run would return (0 ok, 1 runtime failure, 2 usage/config error). On 0, *json gets a
 * malloc'd NUL-terminated JSON object (free with pm_capi_free), identical to run's --json line without the
 * newline; otherwise *json is NULL and err (errcap bytes, may be NULL) gets one line. */
int pm_capi_run_json(int argc, char **argv, char **json, char *err, size_t errcap);

/* Does what `primod compare --json ARGS` (cmd "compare") or `primod sweep --json ARGS` (cmd "sweep") does, without
 * printing (pm_batch_main_json): argv[0] is ignored, argv[1..] are the command's options. Returns its exit code
 * (0, 1, 2; an unknown cmd is 2); on 0 *json gets a malloc'd JSON object (free with pm_capi_free), identical to the
 * command's --json line without the newline; otherwise *json is NULL and err (errcap bytes, may be NULL) gets one
 * line. */
int pm_capi_batch_json(const char *cmd, int argc, char **argv, char **json, char *err, size_t errcap);

/* Frees memory returned by this API; NULL does nothing. */
void pm_capi_free(void *p);

/* sizeof of a public struct of the library by its name ("pm_net_config", "pm_filter_config", "pm_loop_config",
 * "pm_loop_input", "pm_loop_output", "pm_success_config", "pm_sim_config", "pm_sim_reading"); 0 if unknown.
 * Lets bindings check their mirrored layouts against the compiled headers. */
size_t pm_capi_sizeof(const char *type);

#ifdef __cplusplus
}
#endif

#endif
