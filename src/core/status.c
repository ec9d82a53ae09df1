/* The one table of status messages (DESIGN.md "Errors"): the library never prints, callers show these. */
#include "primod/status.h"

const char *pm_status_str(pm_status s)
{
    switch (s) {
    case PM_OK: return "ok";
    case PM_ERR_ARG: return "invalid argument";
    case PM_ERR_NOMEM: return "out of memory";
    case PM_ERR_IO: return "input/output error";
    case PM_ERR_FORMAT: return "bad file format (truncated, damaged, foreign or unknown version)";
    case PM_ERR_NONFINITE: return "non-finite value (NaN or infinity) refused";
    case PM_ERR_LIMIT: return "size or memory limit exceeded";
    case PM_ERR_CANCELLED: return "cancelled";
    }
    return "unknown status code";
}
