/* libFuzzer target: pm_net_load_mem on arbitrary bytes must refuse or load; a loaded net must run and round-trip. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "primod/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pm_net *net = NULL;
    if (pm_net_load_mem(data, size, &net) != PM_OK)
        return 0;
    /* a loaded net runs: a forward pass on zeros succeeds, or is refused as overflowing (huge finite weights of a
     * linear / relu net can overflow), and the outputs never hold NaN or inf */
    double *x = calloc((size_t)pm_net_n_inputs(net), sizeof(double));
    if (x != NULL) {
        pm_status st = pm_net_forward(net, x);
        if (st != PM_OK && st != PM_ERR_NONFINITE)
            abort();
        for (int j = 0; j < pm_net_n_outputs(net); j++)
            if (!isfinite(pm_net_outputs(net)[j]))
                abort();
    }
    free(x);
    /* and saving it gives back exactly the bytes we loaded (but the CRC, which a fuzzing build does not check) */
    size_t n = 0;
    pm_net_save_mem(net, NULL, &n);
    unsigned char *buf = malloc(n);
    if (buf != NULL) {
        size_t cap = n;
        if (pm_net_save_mem(net, buf, &cap) != PM_OK || cap != size || memcmp(buf, data, size - 4) != 0)
            abort();
        free(buf);
    }
    pm_net_destroy(net);
    return 0;
}
