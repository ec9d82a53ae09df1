/* PNG track loader: any PNG decoded with libpng (setjmp error handling) into a grey world texture. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/world_internal.h"

/* Bytes being decoded, read sequentially by libpng through mem_read. */
typedef struct {
    const unsigned char *data;
    size_t n, pos;
} mem_source;

static void mem_read(png_structp png, png_bytep out, size_t len)
{
    mem_source *m = png_get_io_ptr(png);
    if (len > m->n - m->pos)
        png_error(png, "truncated");  /* longjmps back to decode() */
    memcpy(out, m->data + m->pos, len);
    m->pos += len;
}

/* libpng reports warnings through this; the library never prints. */
static void quiet_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void quiet_error(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_longjmp(png, 1);
}

/* Decoding state that must survive a longjmp: kept outside decode()'s automatic variables. */
typedef struct {
    png_structp png;
    png_infop info;
    pm_world *world;  /* allocated by decode(), freed by the caller on failure */
    pm_status nomem;  /* PM_ERR_NOMEM/PM_ERR_ARG if our allocation failed, else PM_OK */
} decode_state;

/* Reads the PNG into st->world as 8-bit grey bytes packed at the start of its pixel array, then widens them
 * to floats in place. Returns PM_ERR_FORMAT on any libpng error. */
static pm_status decode(decode_state *st, double ppu)
{
    png_structp png = st->png;
    png_infop info = st->info;
    if (setjmp(png_jmpbuf(png)))
        return st->nomem ? st->nomem : PM_ERR_FORMAT;
    png_set_user_limits(png, PM_WORLD_MAX_SIDE, PM_WORLD_MAX_SIDE);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* fuzzing: accept bad CRCs so mutated inputs reach the decoder instead of failing the checksum */
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
#endif
    png_read_info(png, info);
    int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16)
        png_set_strip_16(png);
    if (color & PNG_COLOR_MASK_ALPHA)
        png_set_strip_alpha(png);
    if (color == PNG_COLOR_TYPE_PALETTE || (color & PNG_COLOR_MASK_COLOR))
        png_set_rgb_to_gray_fixed(png, 1, -1, -1);  /* default (Rec. 709) weights, no warnings */
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (png_get_channels(png, info) != 1 || png_get_bit_depth(png, info) != 8 || png_get_rowbytes(png, info) != w)
        png_error(png, "unexpected transform result");
    st->nomem = pm_world_alloc_((int)w, (int)h, ppu, "png", &st->world);
    if (st->nomem)
        png_error(png, "allocation");
    /* The float array holds 4 bytes per pixel: use its first w*h bytes as the 8-bit image. Interlaced images
     * are combined pass by pass into the same rows. */
    unsigned char *bytes = (unsigned char *)st->world->px;
    for (int p = 0; p < passes; p++)
        for (png_uint_32 y = 0; y < h; y++)
            png_read_row(png, bytes + (size_t)y * w, NULL);
    png_read_end(png, NULL);
    /* Widen from the last pixel down: float i overwrites bytes 4i..4i+3, all >= i, already consumed. */
    for (size_t i = (size_t)w * h; i-- > 0;)
        st->world->px[i] = (float)bytes[i] / 255.0f;
    return PM_OK;
}

/* 1 if the texture has a line to follow: some pixel darker than PM_WORLD_LINE_GREY AND some light ground. An
 * all-dark image has no line either: both reflex sensors would read black, E would stay exactly 0 and a run could
 * even report "success" while following nothing. */
static int has_line(const pm_world *w)
{
    size_t n = (size_t)w->w * (size_t)w->h;
    int dark = 0, light = 0;
    for (size_t i = 0; i < n && !(dark && light); i++) {
        dark |= w->px[i] < PM_WORLD_LINE_GREY;
        light |= w->px[i] >= PM_WORLD_LINE_GREY;
    }
    return dark && light;
}

pm_status pm_world_load_png_mem(const void *data, size_t n, double ppu, pm_world **out)
{
    if (!data || !out || !pm_world_ppu_ok_(ppu))
        return PM_ERR_ARG;
    if (n < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0)
        return PM_ERR_FORMAT;
    decode_state st = {NULL, NULL, NULL, PM_OK};
    st.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, quiet_error, quiet_warning);
    if (!st.png)
        return PM_ERR_NOMEM;
    st.info = png_create_info_struct(st.png);
    if (!st.info) {
        png_destroy_read_struct(&st.png, NULL, NULL);
        return PM_ERR_NOMEM;
    }
    mem_source src = {data, n, 0};
    png_set_read_fn(st.png, &src, mem_read);
    pm_status rc = decode(&st, ppu);
    png_destroy_read_struct(&st.png, &st.info, NULL);
    if (rc == PM_OK && !has_line(st.world))
        rc = PM_ERR_FORMAT;  /* "track has no line" */
    if (rc) {
        pm_world_destroy(st.world);
        return rc;
    }
    pm_world_guess_start_(st.world);
    *out = st.world;
    return PM_OK;
}

/* Largest PNG file accepted (bytes): far above any sensible track, keeps the whole-file read bounded. */
#define MAX_PNG_FILE (1L << 30)

pm_status pm_world_load_png(const char *path, double ppu, pm_world **out)
{
    if (!path || !out || !pm_world_ppu_ok_(ppu))
        return PM_ERR_ARG;
    FILE *f = fopen(path, "rb");
    if (!f)
        return PM_ERR_IO;
    pm_status rc = PM_ERR_IO;
    unsigned char *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        if (size > MAX_PNG_FILE)
            rc = PM_ERR_FORMAT;
        else if (!(buf = malloc(size > 0 ? (size_t)size : 1)))
            rc = PM_ERR_NOMEM;
        else if (fread(buf, 1, (size_t)size, f) == (size_t)size)
            rc = pm_world_load_png_mem(buf, (size_t)size, ppu, out);
    }
    free(buf);
    fclose(f);
    return rc;
}
