/* primod compare: several rules x seeds (x tracks) in worker processes, summarised per rule. */
#include "batch_cli.h"
#include "commands.h"

int pm_cmd_compare(int argc, char **argv)
{
    return pm_batch_main("compare", 0, argc, argv);
}
