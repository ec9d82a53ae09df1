/* Drawing helpers of primod view: a 5x7 bitmap font, ring-buffer plots, colour maps and PNG screenshots. */
#include "view.h"

#ifdef PRIMOD_HAVE_SDL2
#include <cairo.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Glyphs: 7 rows of 5 bits (bit 4 = leftmost column), in the order of font_chars. */
static const char font_chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.-+:=/|()_,%";
static const unsigned char font_rows[][PM_VIEW_GLYPH_H] = {
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}, /* 0 1 */
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}, /* 2 3 */
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}, /* 4 5 */
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}, /* 6 7 */
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}, /* 8 9 */
    {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}, /* A B */
    {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}, {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}, /* C D */
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}, {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}, /* E F */
    {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}, {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, /* G H */
    {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}, /* I J */
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}, {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}, /* K L */
    {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}, {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}, /* M N */
    {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}, /* O P */
    {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}, {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}, /* Q R */
    {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}, {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, /* S T */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}, /* U V */
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}, {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}, /* W X */
    {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}, /* Y Z */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}, {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}, /* . - */
    {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}, {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}, /* + : */
    {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00}, {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}, /* = / */
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}, /* | ( */
    {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}, /* ) _ */
    {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08}, {0x19, 0x19, 0x02, 0x04, 0x08, 0x13, 0x13}, /* , % */
};

int pm_view_text(SDL_Renderer *ren, int x, int y, int scale, const char *s)
{
    for (; *s; s++, x += (PM_VIEW_GLYPH_W + 1) * scale) {
        const char *at = strchr(font_chars, toupper((unsigned char)*s));
        if (!at || !*at)
            continue;
        const unsigned char *rows = font_rows[at - font_chars];
        for (int r = 0; r < PM_VIEW_GLYPH_H; r++)
            for (int c = 0; c < PM_VIEW_GLYPH_W; c++)
                if (rows[r] & (0x10 >> c)) {
                    SDL_Rect px = {x + c * scale, y + r * scale, scale, scale};
                    SDL_RenderFillRect(ren, &px);
                }
    }
    return x;
}

void pm_view_ring_range(const double *v, int cap, int head, int n, int stride, double *lo, double *hi)
{
    *lo = *hi = 0.0;
    for (int i = 0; i < n; i++) {
        double x = v[(size_t)((head + i) % cap) * (size_t)stride];
        if (i == 0 || x < *lo)
            *lo = x;
        if (i == 0 || x > *hi)
            *hi = x;
    }
}

void pm_view_plot_ring(SDL_Renderer *ren, pm_view_box box, const double *v, int cap, int head, int n, int stride,
                       double lo, double hi)
{
    if (n < 2 || !(hi > lo))
        return;
    int px = 0, py = 0;
    for (int i = 0; i < n; i++) {
        double t = (v[(size_t)((head + i) % cap) * (size_t)stride] - lo) / (hi - lo);
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        int x = box.x + (int)((double)i * (box.w - 1) / (cap - 1));
        int y = box.y + box.h - 1 - (int)lround(t * (box.h - 1));
        if (i)
            SDL_RenderDrawLine(ren, px, py, x, y);
        px = x;
        py = y;
    }
}

Uint32 pm_view_diverging(double t)
{
    t = t < -1 ? -1 : t > 1 ? 1 : t;
    /* white at 0, fading the other channels toward pure red (t = 1) or blue (t = -1) */
    Uint8 fade = (Uint8)lround(255.0 * (1.0 - fabs(t)));
    Uint8 r = t >= 0 ? 255 : fade, b = t <= 0 ? 255 : fade;
    return 0xFF000000u | ((Uint32)r << 16) | ((Uint32)fade << 8) | b;
}

void pm_view_palette(int k, Uint8 *r, Uint8 *g, Uint8 *b)
{
    static const Uint8 pal[][3] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},
                                   {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
                                   {188, 189, 34}, {23, 190, 207}};
    const Uint8 *c = pal[k % (int)(sizeof pal / sizeof pal[0])];
    *r = c[0];
    *g = c[1];
    *b = c[2];
}

int pm_view_save_png(SDL_Renderer *ren, int w, int h, const char *path, char *err, size_t errcap)
{
    /* ARGB8888 as native 32-bit words is cairo's RGB24 layout (alpha byte ignored) on every endianness. */
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, w);
    unsigned char *px = stride > 0 ? calloc((size_t)h, (size_t)stride) : NULL;
    if (!px) {
        snprintf(err, errcap, "screenshot: out of memory");
        return -1;
    }
    if (SDL_RenderReadPixels(ren, NULL, SDL_PIXELFORMAT_ARGB8888, px, stride)) {
        snprintf(err, errcap, "screenshot: cannot read pixels: %s", SDL_GetError());
        free(px);
        return -1;
    }
    char tmp[4096];
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        snprintf(tmp, sizeof tmp, "%s", path); /* FIFO, /dev/stdout: written in place, never renamed over */
    else
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int in_place = !strcmp(tmp, path);
    cairo_surface_t *s = cairo_image_surface_create_for_data(px, CAIRO_FORMAT_RGB24, w, h, stride);
    cairo_status_t cs = cairo_surface_write_to_png(s, tmp);
    cairo_surface_destroy(s);
    free(px);
    if (cs != CAIRO_STATUS_SUCCESS || (!in_place && rename(tmp, path))) {
        snprintf(err, errcap, "screenshot %.300s: cannot write: %s", path,
                 cs != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(cs) : strerror(errno));
        if (!in_place)
            remove(tmp);
        return -1;
    }
    return 0;
}

#endif
