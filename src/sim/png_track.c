/* PNG track loader: any PNG decoded with libpng (setjmp error handling) into a grey world texture. */
#define _POSIX_C_SOURCE 200809L /* open flags, fstat */
#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
        png_error(png, "file truncated");  /* longjmps back to decode() */
    memcpy(out, m->data + m->pos, len);
    m->pos += len;
}

/* Decoding state that must survive a longjmp: kept outside decode()'s automatic variables. */
typedef struct {
    png_structp png;
    png_infop info;
    pm_world *world;     /* allocated by decode(), freed by the caller on failure */
    pm_status own;       /* our own failure (PM_ERR_NOMEM, _LIMIT, _CANCELLED, _ARG) if not PM_OK, else libpng's */
    const pm_setup *opt;
    char png_msg[160];   /* libpng's error message, for the "damaged" detail */
} decode_state;

/* libpng reports warnings through this; the library never prints. */
static void quiet_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* libpng errors: keep the message for the detail, then longjmp back to decode(). */
static void quiet_error(png_structp png, png_const_charp msg)
{
    decode_state *st = png_get_error_ptr(png);
    snprintf(st->png_msg, sizeof st->png_msg, "%s", msg ? msg : "unknown error");
    png_longjmp(png, 1);
}

/* Reads the PNG into st->world as 8-bit grey + alpha byte pairs packed at the start of its pixel array, then
 * composites them over white into floats in place. PM_ERR_FORMAT on any libpng error (detail: libpng's message). */
static pm_status decode(decode_state *st, double ppu)
{
    png_structp png = st->png;
    png_infop info = st->info;
    if (setjmp(png_jmpbuf(png))) {
        if (st->own)
            return st->own;  /* detail already written */
        return pm_setup_fail_(st->opt, PM_ERR_FORMAT, "damaged or truncated PNG (%s)", st->png_msg);
    }
    png_set_user_limits(png, PM_WORLD_MAX_SIDE, PM_WORLD_MAX_SIDE);  /* second guard; the caller checked IHDR */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* fuzzing: accept bad CRCs so mutated inputs reach the decoder instead of failing the checksum */
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
#endif
    png_read_info(png, info);
    int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    int trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    /* Every colour type ends as 8-bit grey + alpha: a transparent background is then composited over white below
     * instead of revealing whatever colour the transparent pixels happen to store (often black). */
    if (color == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (trns)
        png_set_tRNS_to_alpha(png);
    if (depth == 16)
        png_set_strip_16(png);
    if (color == PNG_COLOR_TYPE_PALETTE || (color & PNG_COLOR_MASK_COLOR))
        png_set_rgb_to_gray_fixed(png, 1, -1, -1);  /* default (Rec. 709) weights, no warnings */
    if (!(color & PNG_COLOR_MASK_ALPHA) && !trns)
        png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);  /* opaque */
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (png_get_channels(png, info) != 2 || png_get_bit_depth(png, info) != 8 ||
        png_get_rowbytes(png, info) != 2 * (size_t)w)
        png_error(png, "unexpected transform result");
    st->own = pm_world_alloc_((int)w, (int)h, ppu, "png", st->opt, "PNG", &st->world);
    if (st->own)
        png_error(png, "allocation");
    /* The float array holds 4 bytes per pixel: its first 2 w h bytes take the grey/alpha image. Interlaced images
     * are combined pass by pass into the same rows. */
    unsigned char *bytes = (unsigned char *)st->world->px;
    for (int p = 0; p < passes; p++)
        for (png_uint_32 y = 0; y < h; y++) {
            if (pm_setup_cancelled_(st->opt)) {
                st->own = pm_setup_fail_(st->opt, PM_ERR_CANCELLED, "cancelled while decoding the PNG");
                png_error(png, "cancelled");
            }
            png_read_row(png, bytes + 2 * (size_t)y * w, NULL);
        }
    png_read_end(png, NULL);
    /* Composite over white and widen, from the last pixel down: float i overwrites bytes 4i..4i+3, and every pair
     * still to be read (j < i, bytes 2j, 2j+1) lies below 2i <= 4i. grey = (g a + 255 (255 - a)) / 255^2, which is
     * exactly g / 255 for an opaque pixel (both are the correctly rounded quotient of the same rational). */
    for (size_t i = (size_t)w * h; i-- > 0;) {
        unsigned g = bytes[2 * i], a = bytes[2 * i + 1];
        st->world->px[i] = (float)(g * a + 255u * (255u - a)) / 65025.0f;
    }
    return PM_OK;
}

/* PM_OK if the texture has a line to follow: some pixel darker than PM_WORLD_LINE_GREY AND some light ground. An
 * all-dark image has no line either: both reflex sensors would read black, E would stay exactly 0 and a run could
 * even report "success" while following nothing. */
static pm_status check_line(const pm_world *w, const pm_setup *opt)
{
    size_t n = (size_t)w->w * (size_t)w->h;
    int dark = 0, light = 0;
    for (size_t i = 0; i < n && !(dark && light); i++) {
        dark |= w->px[i] < PM_WORLD_LINE_GREY;
        light |= w->px[i] >= PM_WORLD_LINE_GREY;
    }
    if (!dark)
        return pm_setup_fail_(opt, PM_ERR_FORMAT, "no dark line: no pixel is darker than %g grey "
                              "(a track is a dark line on light ground; transparent pixels count as white)",
                              PM_WORLD_LINE_GREY);
    if (!light)
        return pm_setup_fail_(opt, PM_ERR_FORMAT, "no light ground: every pixel is darker than %g grey "
                              "(a track is a dark line on light ground)", PM_WORLD_LINE_GREY);
    return PM_OK;
}

static unsigned long be32(const unsigned char *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

pm_status pm_world_load_png_mem_ex(const void *data, size_t n, double ppu, const pm_setup *opt, pm_world **out)
{
    if (!data || !out || !pm_world_ppu_ok_(ppu))
        return PM_ERR_ARG;
    const unsigned char *b = data;
    if (n < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0)
        return pm_setup_fail_(opt, PM_ERR_FORMAT, "not a PNG file (no PNG signature)");
    /* The image size from the IHDR chunk (always first: signature, length, "IHDR", width, height), checked before
     * libpng allocates anything for the rows, so a tiny file declaring a huge image costs nothing. */
    if (n >= 24 && memcmp(b + 12, "IHDR", 4) == 0) {
        unsigned long iw = be32(b + 16), ih = be32(b + 20);
        if (iw > PM_WORLD_MAX_SIDE || ih > PM_WORLD_MAX_SIDE)
            return pm_setup_fail_(opt, PM_ERR_LIMIT, "PNG is %lu x %lu px, over the limit of %d px a side", iw, ih,
                                  PM_WORLD_MAX_SIDE);
        size_t need = pm_world_estimate_bytes((int)iw, (int)ih, NULL), budget = pm_setup_budget_(opt);
        if (iw > 0 && ih > 0 && need > budget)
            return pm_setup_fail_(opt, PM_ERR_LIMIT,
                                  "PNG is %lu x %lu px: its texture and sensor map need %llu MiB, over the %llu MiB "
                                  "budget", iw, ih, pm_setup_mib_(need), pm_setup_mib_(budget));
    }
    decode_state st = {.opt = opt};
    st.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, quiet_error, quiet_warning);
    if (!st.png)
        return pm_setup_fail_(opt, PM_ERR_NOMEM, "out of memory for the PNG decoder");
    st.info = png_create_info_struct(st.png);
    if (!st.info) {
        png_destroy_read_struct(&st.png, NULL, NULL);
        return pm_setup_fail_(opt, PM_ERR_NOMEM, "out of memory for the PNG decoder");
    }
    mem_source src = {data, n, 0};
    png_set_read_fn(st.png, &src, mem_read);
    pm_status rc = decode(&st, ppu);
    png_destroy_read_struct(&st.png, &st.info, NULL);
    if (rc == PM_OK)
        rc = check_line(st.world, opt);
    if (rc) {
        pm_world_destroy(st.world);
        return rc;
    }
    pm_world_guess_start_(st.world);
    *out = st.world;
    return PM_OK;
}

pm_status pm_world_load_png_mem(const void *data, size_t n, double ppu, pm_world **out)
{
    return pm_world_load_png_mem_ex(data, n, ppu, NULL, out);
}

/* Reads the whole regular file path (at most PM_WORLD_MAX_PNG_FILE bytes) into *buf, *n. Non-blocking open, so a
 * FIFO named by mistake is refused instead of waiting for a writer forever. Detail without the path. */
static pm_status read_png_file(const char *path, const pm_setup *opt, unsigned char **buf, size_t *n)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return pm_setup_fail_(opt, PM_ERR_IO, "cannot open: %s", strerror(errno));
    struct stat sb;
    pm_status rc = PM_OK;
    if (fstat(fd, &sb) != 0)
        rc = pm_setup_fail_(opt, PM_ERR_IO, "cannot read: %s", strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        rc = pm_setup_fail_(opt, PM_ERR_IO, "not a regular file (a PNG track must be a file)");
    else if (sb.st_size > PM_WORLD_MAX_PNG_FILE)
        rc = pm_setup_fail_(opt, PM_ERR_LIMIT, "file is %lld bytes, over the %ld MiB limit for PNG tracks",
                            (long long)sb.st_size, PM_WORLD_MAX_PNG_FILE >> 20);
    else if (!(*buf = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1)))
        rc = pm_setup_fail_(opt, PM_ERR_NOMEM, "out of memory for %lld bytes", (long long)sb.st_size);
    size_t got = 0, want = rc ? 0 : (size_t)sb.st_size;
    while (!rc && got < want) {
        if (pm_setup_cancelled_(opt)) {
            rc = pm_setup_fail_(opt, PM_ERR_CANCELLED, "cancelled while reading");
            break;
        }
        size_t chunk = want - got > (1u << 20) ? (1u << 20) : want - got;
        ssize_t r = read(fd, *buf + got, chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {  /* the file shrank under us, or a read error */
            rc = pm_setup_fail_(opt, PM_ERR_IO, "cannot read: %s", r < 0 ? strerror(errno) : "file shrank");
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    if (rc) {
        free(*buf);
        *buf = NULL;
        return rc;
    }
    *n = want;
    return PM_OK;
}

pm_status pm_world_load_png_ex(const char *path, double ppu, const pm_setup *opt, pm_world **out)
{
    if (!path || !out || !pm_world_ppu_ok_(ppu))
        return PM_ERR_ARG;
    /* Details are produced without the path, then prefixed with it for the caller. */
    char msg[256] = "";
    pm_setup local = opt ? *opt : (pm_setup){0};
    local.detail = msg;
    local.detail_size = sizeof msg;
    unsigned char *buf = NULL;
    size_t n = 0;
    pm_status rc = read_png_file(path, &local, &buf, &n);
    if (!rc)
        rc = pm_world_load_png_mem_ex(buf, n, ppu, &local, out);
    free(buf);
    if (rc)
        pm_setup_fail_(opt, rc, "%s: %s", path, msg[0] ? msg : pm_status_str(rc));
    return rc;
}

pm_status pm_world_load_png(const char *path, double ppu, pm_world **out)
{
    return pm_world_load_png_ex(path, ppu, NULL, out);
}
