/* libFuzzer target for the run-log reader of `primod render` (pm_trace_read_log_mem): any bytes give a trace of
 * finite numbers or a one-line error, within the log's line and size bounds. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "primod/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pm_trace *t = NULL;
    char err[PM_CFG_ERR_MAX] = "";
    if (pm_trace_read_log_mem(data, size, "fuzz.tsv", &t, err)) {
        if (t || !err[0] || strchr(err, '\n'))   /* refused: nothing returned, one line saying why */
            abort();
        return 0;
    }
    if (!t || t->n < 1 || t->n > t->cap || t->n_layers < 0 || t->n_layers > PM_TRACE_MAX_LAYERS)
        abort();
    for (long i = 0; i < t->n; i++) {
        const double v[] = {t->step[i], t->x[i], t->y[i], t->heading[i], t->error[i], t->abs_error[i],
                            t->relevance[i], t->steering[i]};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            if (!isfinite(v[k]))
                abort();
        if (t->abs_error[i] != fabs(t->error[i]))
            abort();
        for (int l = 0; l < t->n_layers; l++)
            if (!isfinite(t->dist[i * t->n_layers + l]))
                abort();
    }
    pm_trace_destroy(t);
    return 0;
}
