/* The primod release number, at compile time (macros) and at run time (pm_version) — kept equal to the
 * top-level CMakeLists.txt project(VERSION), which tests/core/test_version.c checks. */
#ifndef PRIMOD_VERSION_H
#define PRIMOD_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define PM_VERSION_MAJOR 0
#define PM_VERSION_MINOR 1
#define PM_VERSION_PATCH 0
#define PM_VERSION_STRING "0.1.0"
/* One number that orders releases: major * 10000 + minor * 100 + patch. */
#define PM_VERSION_NUMBER (PM_VERSION_MAJOR * 10000 + PM_VERSION_MINOR * 100 + PM_VERSION_PATCH)

/* The version of the library actually linked ("0.1.0"), which may differ from the header's PM_VERSION_STRING
 * when a program runs against another shared library. Never NULL, static storage. */
const char *pm_version(void);

#ifdef __cplusplus
}
#endif

#endif
