/* primod sweep: a cartesian grid of config values x rules x seeds, summarised per (rule, grid point). */
#include "batch_cli.h"
#include "commands.h"

int pm_cmd_sweep(int argc, char **argv)
{
    return pm_batch_main("sweep", 1, argc, argv);
}
