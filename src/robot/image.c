/* Grey image files for the camera replay source: a small binary PGM reader/writer and PNG through libpng. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic_file.h"
#include "primod/camera.h"

/* Reads one header token of a PGM (skipping whitespace and # comments) as a non-negative integer. */
static int pgm_header_int(FILE *f, long *out)
{
    int c = fgetc(f);
    for (;;) {
        while (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            c = fgetc(f);
        if (c != '#')
            break;
        while (c != '\n' && c != EOF)
            c = fgetc(f);
    }
    if (c < '0' || c > '9')
        return -1;
    long v = 0;
    while (c >= '0' && c <= '9') {
        if (v > 1000000)
            return -1; /* no image of ours is that large: refuse instead of overflowing */
        v = v * 10 + (c - '0');
        c = fgetc(f);
    }
    /* exactly one whitespace byte ends the token (the one before the raster matters) */
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        return -1;
    *out = v;
    return 0;
}

/* Opens a PGM and parses its header. Returns the file positioned at the raster, or NULL with *st set. */
static FILE *pgm_open(const char *path, long *w, long *h, long *maxval, pm_status *st)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *st = PM_ERR_IO;
        return NULL;
    }
    char magic[2];
    if (fread(magic, 1, 2, f) != 2 || magic[0] != 'P' || magic[1] != '5' || pgm_header_int(f, w) ||
        pgm_header_int(f, h) || pgm_header_int(f, maxval) || *w < 1 || *h < 1 || *maxval < 1 || *maxval > 255) {
        fclose(f);
        *st = PM_ERR_FORMAT;
        return NULL;
    }
    *st = PM_OK;
    return f;
}

static int has_png_signature(const char *path, pm_status *st)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *st = PM_ERR_IO;
        return 0;
    }
    unsigned char sig[8];
    size_t n = fread(sig, 1, 8, f);
    fclose(f);
    *st = PM_OK;
    return n == 8 && !png_sig_cmp(sig, 0, 8);
}

pm_status pm_image_size(const char *path, int *width, int *height)
{
    if (!path || !width || !height)
        return PM_ERR_ARG;
    pm_status st;
    if (has_png_signature(path, &st)) {
        png_image img;
        memset(&img, 0, sizeof img);
        img.version = PNG_IMAGE_VERSION;
        if (!png_image_begin_read_from_file(&img, path))
            return PM_ERR_FORMAT;
        *width = (int)img.width;
        *height = (int)img.height;
        png_image_free(&img);
        return PM_OK;
    }
    if (st)
        return st;
    long w, h, maxval;
    FILE *f = pgm_open(path, &w, &h, &maxval, &st);
    if (!f)
        return st;
    fclose(f);
    *width = (int)w;
    *height = (int)h;
    return PM_OK;
}

static pm_status png_load(const char *path, uint8_t *grey, int width, int height)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path))
        return PM_ERR_FORMAT;
    if ((int)img.width != width || (int)img.height != height) {
        png_image_free(&img);
        return PM_ERR_FORMAT;
    }
    img.format = PNG_FORMAT_GRAY; /* libpng converts any colour type to 8-bit grey (sRGB luminance) */
    if (!png_image_finish_read(&img, NULL, grey, width, NULL)) {
        png_image_free(&img);
        return PM_ERR_FORMAT;
    }
    return PM_OK;
}

static pm_status pgm_load(const char *path, uint8_t *grey, int width, int height)
{
    long w, h, maxval;
    pm_status st;
    FILE *f = pgm_open(path, &w, &h, &maxval, &st);
    if (!f)
        return st;
    size_t n = (size_t)width * (size_t)height;
    if (w != width || h != height || fread(grey, 1, n, f) != n) {
        fclose(f);
        return PM_ERR_FORMAT;
    }
    fclose(f);
    if (maxval != 255)
        for (size_t i = 0; i < n; i++) /* rescale to 0..255, rounding; values above maxval saturate */
            grey[i] = grey[i] >= maxval ? 255 : (uint8_t)((grey[i] * 255L + maxval / 2) / maxval);
    return PM_OK;
}

pm_status pm_image_load(const char *path, uint8_t *grey, int width, int height)
{
    if (!path || !grey || width < 1 || height < 1)
        return PM_ERR_ARG;
    pm_status st;
    if (has_png_signature(path, &st))
        return png_load(path, grey, width, height);
    return st ? st : pgm_load(path, grey, width, height);
}

/* One binary PGM (P5, maxval 255) for pm_atomic_write. */
typedef struct {
    const uint8_t *grey;   /* (height, width) row-major */
    int width, height;
} pgm_job;

static pm_status pgm_write(FILE *f, void *arg)
{
    const pgm_job *j = arg;
    size_t n = (size_t)j->width * (size_t)j->height;
    int ok = fprintf(f, "P5\n%d %d\n255\n", j->width, j->height) > 0 && fwrite(j->grey, 1, n, f) == n;
    return ok ? PM_OK : PM_ERR_IO;
}

pm_status pm_image_save_pgm(const char *path, const uint8_t *grey, int width, int height)
{
    if (!path || !grey || width < 1 || height < 1)
        return PM_ERR_ARG;
    pgm_job job = {grey, width, height};
    return pm_atomic_write(path, pgm_write, &job);
}
