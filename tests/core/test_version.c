/* Tests of the version macros and pm_version(): one number, consistent everywhere, equal to the CMake project's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "primod/version.h"

/* The linked library answers the header's version. */
static void test_runtime_matches_header(void **state)
{
    (void)state;
    assert_non_null(pm_version());
    assert_string_equal(pm_version(), PM_VERSION_STRING);
}

/* The string is "MAJOR.MINOR.PATCH" of the three number macros, and the ordering number combines them. */
static void test_parts_agree(void **state)
{
    (void)state;
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", PM_VERSION_MAJOR, PM_VERSION_MINOR, PM_VERSION_PATCH);
    assert_string_equal(PM_VERSION_STRING, expect);
    assert_int_equal(PM_VERSION_NUMBER, PM_VERSION_MAJOR * 10000 + PM_VERSION_MINOR * 100 + PM_VERSION_PATCH);
}

/* The header agrees with project(primod VERSION x.y.z) in the top-level CMakeLists.txt (read from the source
 * tree, whose path ctest passes as PRIMOD_SOURCE_DIR), so a release bump cannot forget one of them. */
static void test_matches_cmake_project(void **state)
{
    (void)state;
    const char *src = getenv("PRIMOD_SOURCE_DIR");
    if (!src)
        skip();
    char path[1024], line[512], want[64];
    snprintf(path, sizeof path, "%s/CMakeLists.txt", src);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    snprintf(want, sizeof want, "project(primod VERSION %s ", PM_VERSION_STRING);
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strncmp(line, want, strlen(want)) == 0;
    fclose(f);
    assert_true(found);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runtime_matches_header),
        cmocka_unit_test(test_parts_agree),
        cmocka_unit_test(test_matches_cmake_project),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
