/* primod impulse: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int pm_cmd_impulse(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "primod impulse: not implemented yet\n");
    return 2;
}
