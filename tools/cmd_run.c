/* primod run: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int pm_cmd_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "primod run: not implemented yet\n");
    return 2;
}
