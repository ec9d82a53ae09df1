/* libFuzzer target for the CLI config loader: any INI text or --set argument must give 0 or a one-line error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "primod/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    pm_config cfg, before;
    char err[PM_CFG_ERR_MAX];
    pm_config_defaults(&cfg);
    before = cfg;
    if (pm_config_load_string(&cfg, text, "fuzz.ini", err)) {
        /* a refused file leaves the config exactly as it was and says why on one line */
        if (memcmp(&cfg, &before, sizeof cfg) || !err[0] || strchr(err, '\n'))
            abort();
    } else {
        pm_config_check(&cfg, err);
    }
    pm_config_defaults(&cfg);
    before = cfg;
    if (pm_config_set_arg(&cfg, text, err) && memcmp(&cfg, &before, sizeof cfg))
        abort();
    free(text);
    return 0;
}
