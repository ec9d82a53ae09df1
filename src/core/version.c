/* The linked library's version string (include/primod/version.h). */
#include "primod/version.h"

const char *pm_version(void)
{
    return PM_VERSION_STRING;
}
