/* Bounded reading of input files (primod/files.h): a size limit per kind and no devices, so that a hostile path
 * such as /dev/zero or a 100 GB file fails at once with a message instead of filling the memory. */
#define _POSIX_C_SOURCE 200809L /* fileno */
#include "primod/files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "primod/config.h"

static const char *file_kind(mode_t m)
{
    return S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
         : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

FILE *pm_file_open(const char *path, long max_bytes, const char *what, int *is_pipe, char *err)
{
    struct stat st;
    if (is_pipe)
        *is_pipe = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    /* fstat on the opened stream: what is checked is what is read (no race with a rename in between) */
    if (fstat(fileno(f), &st)) {
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: %s", path, strerror(errno));
        fclose(f);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: cannot read: %s (a %s is read from a regular file)", path,
                 strerror(EISDIR), what);
        fclose(f);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: %s, not a regular file (a %s is read from a file)", path,
                 file_kind(st.st_mode), what);
        fclose(f);
        return NULL;
    }
    if (S_ISREG(st.st_mode) && st.st_size > max_bytes) {
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: %lld bytes, larger than the limit of %ld bytes for a %s", path,
                 (long long)st.st_size, max_bytes, what);
        fclose(f);
        return NULL;
    }
    if (is_pipe)
        *is_pipe = S_ISFIFO(st.st_mode);
    return f;
}

int pm_file_read(const char *path, long max_bytes, const char *what, char **text, size_t *len, char *err)
{
    FILE *f = pm_file_open(path, max_bytes, what, NULL, err);
    if (!f)
        return -1;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = 0;
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n > (size_t)max_bytes) {   /* a pipe (or a file that grew since the check) */
            snprintf(err, PM_CFG_ERR_MAX, "%.300s: larger than the limit of %ld bytes for a %s", path, max_bytes,
                     what);
            rc = -1;
            break;
        }
        if (n + 1 < cap)
            break;
        char *b = realloc(buf, cap * 2);
        if (!b)
            break;
        buf = b;
        cap *= 2;
    }
    if (!rc && !buf)
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: out of memory", path), rc = -1;
    else if (!rc && n + 1 >= cap)
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: out of memory", path), rc = -1;
    else if (!rc && ferror(f))
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: cannot read: %s", path, strerror(errno)), rc = -1;
    fclose(f);
    if (rc) {
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *text = buf;
    if (len)
        *len = n;
    return 0;
}

int pm_file_getline(FILE *f, char *buf, size_t cap, long *total, long max_bytes, const char *path, long line_no,
                    const char *what, char *err)
{
    size_t n = 0;
    int c = EOF;
    /* byte by byte (not fgets): a NUL inside a line must not hide how much was read */
    while (n + 1 < cap && (c = getc(f)) != EOF) {
        buf[n++] = (char)c;
        if (c == '\n')
            break;
    }
    buf[n] = '\0';
    if (n == 0)
        return 0;
    *total += (long)n;
    if (*total > max_bytes) {
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: larger than the limit of %ld bytes for a %s", path, max_bytes, what);
        return -1;
    }
    if (n + 1 == cap && buf[n - 1] != '\n') {
        snprintf(err, PM_CFG_ERR_MAX, "%.300s:%ld: line longer than the limit of %zu bytes for a %s", path, line_no,
                 cap - 2, what);
        return -1;
    }
    return 1;
}
