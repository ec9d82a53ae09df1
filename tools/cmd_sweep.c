/* primod sweep: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int pm_cmd_sweep(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "primod sweep: not implemented yet\n");
    return 2;
}
