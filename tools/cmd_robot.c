/* primod robot: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int pm_cmd_robot(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "primod robot: not implemented yet\n");
    return 2;
}
