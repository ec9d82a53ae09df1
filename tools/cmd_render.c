/* primod render: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int pm_cmd_render(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "primod render: not implemented yet\n");
    return 2;
}
