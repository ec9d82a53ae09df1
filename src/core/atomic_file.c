/* Whole-or-nothing file writing: a temporary file beside the target, renamed over it once complete. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fchmod, fdopen */
#include "atomic_file.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

pm_status pm_atomic_write(const char *path, pm_status (*write)(FILE *f, void *ctx), void *ctx)
{
    if (!path || !*path || !write)
        return PM_ERR_ARG;
    size_t len = strlen(path);
    char *tmp = malloc(len + 8);
    if (!tmp)
        return PM_ERR_NOMEM;
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".XXXXXX", 8);   /* same directory as path: rename() is then atomic */
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        return PM_ERR_IO;
    }
    fchmod(fd, 0644);   /* mkstemp makes 0600; these files (pictures, images) are meant to be shared */
    pm_status st = write(f, ctx);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (!st && (bad || rename(tmp, path) != 0))
        st = PM_ERR_IO;
    if (st)
        unlink(tmp);
    free(tmp);
    return st;
}
