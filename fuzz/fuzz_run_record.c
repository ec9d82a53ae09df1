/* libFuzzer target for the JSON run-record reader of `primod merge` / batch resume (pm_jv_parse +
 * pm_run_result_from_json): any bytes are refused or give a record whose fields are in range, and an accepted
 * record written back (pm_run_result_json) reads back to the same fields. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "primod/json.h"
#include "primod/run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fields that must survive a write and a read unchanged (NaN compares as equal to NaN). */
static int same(const pm_run_result *a, const pm_run_result *b)
{
    if (strcmp(a->rule, b->rule) || strcmp(a->track, b->track) || a->seed != b->seed || a->steps != b->steps ||
        a->success != b->success || a->success_step != b->success_step || a->lost != b->lost ||
        a->diverged != b->diverged || a->n_layers != b->n_layers)
        return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    pm_jv *v = pm_jv_parse(text);
    free(text);
    pm_run_result res;
    if (!v || pm_run_result_from_json(v, &res)) {
        pm_jv_free(v);
        return 0;
    }
    pm_jv_free(v);
    if (res.n_layers < 0 || res.n_layers > PM_RUN_MAX_LAYERS || res.steps < 0 || res.success_step < -1 ||
        !memchr(res.rule, '\0', sizeof res.rule) || !memchr(res.track, '\0', sizeof res.track))
        abort();
    pm_json j;
    pm_json_init(&j);
    pm_run_result_json(&res, NULL, &j);
    if (!j.failed) {
        pm_jv *w = pm_jv_parse(pm_json_text(&j));
        pm_run_result back;
        if (!w || pm_run_result_from_json(w, &back) || !same(&res, &back))
            abort();
        pm_jv_free(w);
    }
    pm_json_free(&j);
    return 0;
}
