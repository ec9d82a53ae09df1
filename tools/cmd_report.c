/* primod report: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int pm_cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "primod report: not implemented yet\n");
    return 2;
}
