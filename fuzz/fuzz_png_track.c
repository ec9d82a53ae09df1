/* libFuzzer target: arbitrary bytes into the PNG track loader must never crash, leak or misbehave. */
#include <stddef.h>
#include <stdint.h>

#include "primod/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pm_world *w = NULL;
    if (pm_world_load_png_mem(data, size, 4.0, &w) == PM_OK) {
        /* a loaded world must be self-consistent: every pixel in [0, 1], some pixel dark */
        const float *px = pm_world_pixels(w);
        size_t n = (size_t)pm_world_width_px(w) * (size_t)pm_world_height_px(w);
        int dark = 0;
        for (size_t i = 0; i < n; i++) {
            if (!(px[i] >= 0.0f && px[i] <= 1.0f))
                __builtin_trap();
            dark |= px[i] < PM_WORLD_LINE_GREY;
        }
        if (!dark)
            __builtin_trap();
        pm_world_destroy(w);
    }
    return 0;
}
