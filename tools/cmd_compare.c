/* primod compare: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int pm_cmd_compare(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "primod compare: not implemented yet\n");
    return 2;
}
