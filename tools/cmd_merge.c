/* primod merge: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int pm_cmd_merge(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "primod merge: not implemented yet\n");
    return 2;
}
