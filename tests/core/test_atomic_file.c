/* Tests of pm_atomic_write (src/core/atomic_file.h): whole file or nothing, no temporary left behind. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/atomic_file.h"

typedef struct {
    const char *text;     /* written first */
    pm_status result;     /* then returned */
} writer;

static pm_status write_text(FILE *f, void *ctx)
{
    const writer *w = ctx;
    fputs(w->text, f);
    return w->result;
}

static int make_dir(void **state)
{
    char *dir = strdup("/tmp/pm-atomic.XXXXXX");
    if (!dir || !mkdtemp(dir))
        return -1;
    *state = dir;
    return 0;
}

/* Removes every entry of the scratch directory (files only; the tests make a subdirectory "sub" too). */
static int remove_dir(void **state)
{
    char *dir = *state, path[512];
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (remove(path))
                rmdir(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
    free(dir);
    return 0;
}

static int count_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static void read_back(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t got = fread(buf, 1, n - 1, f);
    buf[got] = '\0';
    fclose(f);
}

static void test_writes_whole_file_shareable(void **state)
{
    const char *dir = *state;
    char path[512], buf[64];
    snprintf(path, sizeof path, "%s/a.txt", dir);
    writer w = {"hello\n", PM_OK};
    assert_int_equal(pm_atomic_write(path, write_text, &w), PM_OK);
    read_back(path, buf, sizeof buf);
    assert_string_equal(buf, "hello\n");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);   /* not mkstemp's 0600 */
    assert_int_equal(count_entries(dir), 1);      /* the temporary was renamed, nothing else left */
    w.text = "replaced";
    assert_int_equal(pm_atomic_write(path, write_text, &w), PM_OK);
    read_back(path, buf, sizeof buf);
    assert_string_equal(buf, "replaced");
}

/* A failing writer: its status comes back, the old file stays as it was, the half temporary is gone. */
static void test_failed_writer_keeps_old_file(void **state)
{
    const char *dir = *state;
    char path[512], buf[64];
    snprintf(path, sizeof path, "%s/b.txt", dir);
    writer ok = {"old", PM_OK}, bad = {"half writ", PM_ERR_FORMAT};
    assert_int_equal(pm_atomic_write(path, write_text, &ok), PM_OK);
    assert_int_equal(pm_atomic_write(path, write_text, &bad), PM_ERR_FORMAT);
    read_back(path, buf, sizeof buf);
    assert_string_equal(buf, "old");
    assert_int_equal(count_entries(dir), 1);
}

static void test_io_and_argument_errors(void **state)
{
    const char *dir = *state;
    char path[512];
    writer w = {"x", PM_OK};
    snprintf(path, sizeof path, "%s/missing/c.txt", dir);
    assert_int_equal(pm_atomic_write(path, write_text, &w), PM_ERR_IO);   /* no such directory */
    snprintf(path, sizeof path, "%s/sub", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(pm_atomic_write(path, write_text, &w), PM_ERR_IO);   /* rename onto a directory fails */
    assert_int_equal(count_entries(dir), 1);                               /* only "sub": temporary removed */
    assert_int_equal(pm_atomic_write(NULL, write_text, &w), PM_ERR_ARG);
    assert_int_equal(pm_atomic_write("", write_text, &w), PM_ERR_ARG);
    assert_int_equal(pm_atomic_write(path, NULL, &w), PM_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writes_whole_file_shareable, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_failed_writer_keeps_old_file, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_io_and_argument_errors, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
