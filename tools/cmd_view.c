/* primod view: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int pm_cmd_view(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "primod view: not implemented yet\n");
    return 2;
}
