/* Model files: a versioned, explicitly little-endian, CRC-checked binary image of a network, saved atomically. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fsync, fdopen, fchmod */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32.h"
#include "net_internal.h"
#include "setup_internal.h"

/* Format version 1, every integer little-endian, every double as its IEEE-754 bits in a little-endian u64:
 *
 *   offset        size      field
 *   0             8         magic "PMNET" 0x00 0x0D 0x0A (the CR LF catches text-mode mangling)
 *   8             4         u32 format version (1)
 *   12            4         u32 n_inputs
 *   16            4         u32 n_layers (L)
 *   20            4         u32 activation (pm_activation)
 *   24            4         u32 use_bias (0 or 1)
 *   28            4         u32 init (pm_init)
 *   32            8         u64 seed
 *   40            8         f64 init_scale
 *   48            8         f64 first_layer_scale
 *   56            4 L       u32 layer_sizes[L]
 *   56 + 4L       8         u64 n_weights (W, biases included; must match the sizes)
 *   64 + 4L       8 W       f64 weights, layer by layer, row-major (n_out, n_in + bias)
 *   64 + 4L + 8W  8 W       f64 initial (reference) weights, same layout
 *   end - 4       4         u32 CRC-32 of every byte before it
 */
static const unsigned char MAGIC[8] = {'P', 'M', 'N', 'E', 'T', 0x00, 0x0D, 0x0A};
enum { FORMAT_VERSION = 1, FIXED_HEADER = 56, HEADER_MAX = FIXED_HEADER + 4 * PM_NET_MAX_LAYERS + 8 };

/* ---- encoder: one writer for memory and files ------------------------------------------------------------------- */

typedef struct {
    unsigned char *buf; /* memory sink (NULL with f set, or when only counting) */
    size_t cap;         /* bytes available in buf */
    FILE *f;            /* file sink, or NULL */
    size_t pos;         /* bytes produced so far (counted even past cap) */
    uint32_t crc;       /* CRC-32 of the bytes produced so far */
    int io_error;       /* a file write failed */
} writer;

static void put_bytes(writer *w, const unsigned char *b, size_t n)
{
    w->crc = pm_crc32_update(w->crc, b, n);
    if (w->f != NULL) {
        if (fwrite(b, 1, n, w->f) != n)
            w->io_error = 1;
    } else if (w->buf != NULL && w->pos + n <= w->cap) {
        memcpy(w->buf + w->pos, b, n);
    }
    w->pos += n;
}

static void put_u32(writer *w, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put_bytes(w, b, 4);
}

static void put_u64(writer *w, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put_bytes(w, b, 8);
}

static void put_f64(writer *w, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof v); /* the IEEE-754 bit pattern */
    put_u64(w, v);
}

/* Writes one weight array of net (w or w0) in the file's order: layer by layer, row-major, whatever the storage. */
static void put_weights(writer *w, const pm_net *net, const double *arr)
{
    for (int l = 0; l < net->n_layers; l++)
        for (int j = 0; j < net->sizes[l]; j++)
            for (int i = 0; i < pm_net_cols_(net, l); i++)
                put_f64(w, arr[pm_net_widx_(net, l, j, i)]);
}

/* Writes the whole image of net (format above) into w. */
static void encode(const pm_net *net, writer *w)
{
    const pm_net_config *c = &net->cfg;
    put_bytes(w, MAGIC, sizeof MAGIC);
    put_u32(w, FORMAT_VERSION);
    put_u32(w, (uint32_t)net->n_inputs);
    put_u32(w, (uint32_t)net->n_layers);
    put_u32(w, (uint32_t)c->activation);
    put_u32(w, (uint32_t)net->bias);
    put_u32(w, (uint32_t)c->init);
    put_u64(w, (uint64_t)c->seed);
    put_f64(w, c->init_scale);
    put_f64(w, c->first_layer_scale);
    for (int l = 0; l < net->n_layers; l++)
        put_u32(w, (uint32_t)net->sizes[l]);
    put_u64(w, (uint64_t)net->n_weights);
    put_weights(w, net, net->w);
    put_weights(w, net, net->w0);
    put_u32(w, w->crc); /* over everything before it */
}

/* ---- decoder ---------------------------------------------------------------------------------------------------- */

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static double get_f64(const unsigned char *p)
{
    uint64_t v = get_u64(p);
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

/* A parsed and validated header: the config to create the net from and the exact expected file length. */
typedef struct {
    pm_net_config cfg;
    int sizes[PM_NET_MAX_LAYERS];
    uint64_t n_weights;
    uint64_t weights_at; /* offset of the first weight */
    uint64_t total;      /* exact length of a valid file */
} header;

/* Parses the header from the first len bytes (len may be less than the whole file). Checks magic, version, enums,
 * every size against net.h's limits and the declared weight count against the sizes, all before any allocation.
 * PM_ERR_FORMAT on anything wrong or missing. */
static pm_status parse_header(const unsigned char *b, size_t len, header *h)
{
    memset(h, 0, sizeof *h);
    if (len < FIXED_HEADER || memcmp(b, MAGIC, sizeof MAGIC) != 0 || get_u32(b + 8) != FORMAT_VERSION)
        return PM_ERR_FORMAT;
    const uint32_t n_in = get_u32(b + 12), L = get_u32(b + 16), act = get_u32(b + 20), bias = get_u32(b + 24),
                   init = get_u32(b + 28);
    if (n_in < 1 || n_in > PM_NET_MAX_WIDTH || L < 1 || L > PM_NET_MAX_LAYERS || act > PM_ACT_RELU || bias > 1 ||
        init > PM_INIT_ZERO)
        return PM_ERR_FORMAT;
    h->cfg.n_inputs = (int)n_in;
    h->cfg.n_layers = (int)L;
    h->cfg.activation = (pm_activation)act;
    h->cfg.use_bias = (int)bias;
    h->cfg.init = (pm_init)init;
    h->cfg.seed = (unsigned long long)get_u64(b + 32);
    h->cfg.init_scale = get_f64(b + 40);
    h->cfg.first_layer_scale = get_f64(b + 48);
    if (!(h->cfg.init_scale > 0 && isfinite(h->cfg.init_scale)) ||
        !(h->cfg.first_layer_scale > 0 && isfinite(h->cfg.first_layer_scale)))
        return PM_ERR_FORMAT; /* a saved config is always resolved: scales are positive */
    if (len < (size_t)FIXED_HEADER + 4 * (size_t)L + 8)
        return PM_ERR_FORMAT;
    uint64_t nw = 0, prev = n_in;
    for (uint32_t l = 0; l < L; l++) {
        uint32_t n = get_u32(b + FIXED_HEADER + 4 * (size_t)l);
        if (n < 1 || n > PM_NET_MAX_WIDTH)
            return PM_ERR_FORMAT;
        nw += (uint64_t)n * (prev + bias); /* each term <= 1e12 and we stop past 1e8: no overflow */
        if (nw > (uint64_t)PM_NET_MAX_WEIGHTS)
            return PM_ERR_FORMAT;
        h->sizes[l] = (int)n;
        prev = n;
    }
    h->cfg.layer_sizes = h->sizes;
    h->n_weights = get_u64(b + FIXED_HEADER + 4 * (size_t)L);
    if (h->n_weights != nw)
        return PM_ERR_FORMAT;
    h->weights_at = FIXED_HEADER + 4 * (uint64_t)L + 8;
    h->total = h->weights_at + 16 * nw + 4;
    return PM_OK;
}

pm_status pm_net_load_mem(const void *buf, size_t size, pm_net **out)
{
    if (buf == NULL || out == NULL)
        return PM_ERR_ARG;
    const unsigned char *b = buf;
    header h;
    if (parse_header(b, size, &h) != PM_OK || (uint64_t)size != h.total)
        return PM_ERR_FORMAT;
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION /* fuzzers skip the checksum to reach the checks behind it */
    if (pm_crc32_update(0, b, size - 4) != get_u32(b + size - 4))
        return PM_ERR_FORMAT;
#endif
    const unsigned char *wp = b + h.weights_at;
    for (uint64_t i = 0; i < 2 * h.n_weights; i++) /* weights and initial weights, all finite */
        if (!isfinite(get_f64(wp + 8 * i)))
            return PM_ERR_FORMAT;
    pm_net *net = NULL;
    pm_status st = pm_net_create(&h.cfg, &net); /* the header was checked against the same limits */
    if (st != PM_OK)
        return st == PM_ERR_NOMEM ? PM_ERR_NOMEM : PM_ERR_FORMAT;
    size_t k = 0; /* file order: layer by layer, row-major */
    for (int l = 0; l < net->n_layers; l++)
        for (int j = 0; j < net->sizes[l]; j++)
            for (int i = 0; i < pm_net_cols_(net, l); i++, k++) {
                const long at = pm_net_widx_(net, l, j, i);
                net->w[at] = get_f64(wp + 8 * k);
                net->w0[at] = get_f64(wp + 8 * ((size_t)net->n_weights + k));
            }
    pm_net_refresh_bound_(net);
    *out = net;
    return PM_OK;
}

pm_status pm_net_save_mem(const pm_net *net, void *buf, size_t *size)
{
    if (net == NULL || size == NULL)
        return PM_ERR_ARG;
    writer w = {.buf = buf, .cap = buf ? *size : 0};
    encode(net, &w);
    const int fits = buf != NULL && w.pos <= *size;
    *size = w.pos; /* bytes used, or needed */
    return fits ? PM_OK : PM_ERR_ARG;
}

/* ---- files ------------------------------------------------------------------------------------------------------ */

/* fsync the directory holding path so the rename itself is durable (best effort: some systems refuse it). */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096] = ".";
    if (slash != NULL) {
        size_t n = slash == path ? 1 : (size_t)(slash - path); /* "/x" -> "/" */
        if (n >= sizeof dir)
            return;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

pm_status pm_net_save(const pm_net *net, const char *path)
{
    if (net == NULL || path == NULL || path[0] == '\0')
        return PM_ERR_ARG;
    struct stat target;
    if (stat(path, &target) == 0 && !S_ISREG(target.st_mode) && !S_ISDIR(target.st_mode)) {
        /* a FIFO or device (/dev/stdout, /dev/null): written in place; a rename would replace it with a file */
        FILE *f = fopen(path, "wb");
        if (f == NULL)
            return PM_ERR_IO;
        writer w = {.f = f};
        encode(net, &w);
        int bad = w.io_error || fflush(f) != 0;
        bad |= fclose(f) != 0;
        return bad ? PM_ERR_IO : PM_OK;
    }
    static const char suffix[] = ".tmp.XXXXXX";
    size_t n = strlen(path);
    char *tmp = malloc(n + sizeof suffix);
    if (tmp == NULL)
        return PM_ERR_NOMEM;
    memcpy(tmp, path, n);
    memcpy(tmp + n, suffix, sizeof suffix);
    int fd = mkstemp(tmp); /* same directory as path, so rename is atomic */
    if (fd < 0) {
        free(tmp);
        return PM_ERR_IO;
    }
    (void)fchmod(fd, 0644); /* mkstemp creates 0600; a model file is ordinary data */
    FILE *f = fdopen(fd, "wb");
    if (f == NULL) {
        close(fd);
        goto fail_unlink;
    }
    writer w = {.f = f};
    encode(net, &w);
    int bad = w.io_error || fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0)
        goto fail_unlink;
    free(tmp);
    sync_parent_dir(path);
    return PM_OK;
fail_unlink:
    remove(tmp);
    free(tmp);
    return PM_ERR_IO;
}

pm_status pm_net_load_ex(const char *path, const pm_setup *opt, pm_net **out)
{
    if (path == NULL || out == NULL)
        return PM_ERR_ARG;
    /* non-blocking open: a FIFO named by mistake is refused below instead of waiting for a writer forever */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return pm_setup_fail_(opt, PM_ERR_IO, "model %s: cannot open: %s", path, strerror(errno));
    struct stat sb = {0};
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        pm_status st = pm_setup_fail_(opt, PM_ERR_IO, "model %s: %s", path,
                                      S_ISDIR(sb.st_mode) ? "is a directory, not a model file"
                                                          : "not a regular file (a model must be a file)");
        close(fd);
        return st;
    }
    if (sb.st_size > PM_NET_MAX_FILE) {
        close(fd);
        return pm_setup_fail_(opt, PM_ERR_LIMIT, "model %s: file is %lld bytes, over the %ld MiB limit of a model "
                              "(%d layers, %ld weights)", path, (long long)sb.st_size, PM_NET_MAX_FILE >> 20,
                              PM_NET_MAX_LAYERS, PM_NET_MAX_WEIGHTS);
    }
    FILE *f = fdopen(fd, "rb");
    if (f == NULL) {
        close(fd);
        return pm_setup_fail_(opt, PM_ERR_NOMEM, "model %s: out of memory", path);
    }
    pm_status st = PM_ERR_FORMAT;
    const char *why = "not a primod model file, or an unknown version, or damaged (bad header)";
    unsigned char head[HEADER_MAX];
    size_t got = fread(head, 1, sizeof head, f);
    header h;
    unsigned char *buf = NULL;
    if (ferror(f)) {
        st = PM_ERR_IO;
        why = "read error";
        goto done;
    }
    if (parse_header(head, got, &h) != PM_OK)
        goto done;
    /* the file must be exactly as long as its validated header says, before we allocate that much */
    if ((uint64_t)sb.st_size != h.total || h.total > (uint64_t)(SIZE_MAX / 2)) {
        why = (uint64_t)sb.st_size < h.total ? "truncated (shorter than its header says)"
                                             : "damaged (longer than its header says)";
        goto done;
    }
    buf = malloc((size_t)h.total);
    if (buf == NULL) {
        st = PM_ERR_NOMEM;
        why = "out of memory";
        goto done;
    }
    for (size_t pos = 0; pos < (size_t)h.total;) { /* in 1 MiB chunks, polling the cancel flag */
        if (pm_setup_cancelled_(opt)) {
            st = PM_ERR_CANCELLED;
            why = "cancelled while reading";
            goto done;
        }
        size_t chunk = (size_t)h.total - pos > (1u << 20) ? (1u << 20) : (size_t)h.total - pos;
        if ((pos == 0 && fseek(f, 0, SEEK_SET) != 0) || fread(buf + pos, 1, chunk, f) != chunk) {
            st = PM_ERR_IO;
            why = "read error";
            goto done;
        }
        pos += chunk;
    }
    st = pm_net_load_mem(buf, (size_t)h.total, out);
    why = st == PM_ERR_FORMAT ? "damaged (checksum mismatch or non-finite weights)" : pm_status_str(st);
done:
    free(buf);
    fclose(f);
    if (st)
        pm_setup_fail_(opt, st, "model %s: %s", path, why);
    return st;
}

pm_status pm_net_load(const char *path, pm_net **out)
{
    return pm_net_load_ex(path, NULL, out);
}

/* ---- comparing a model with a config ---------------------------------------------------------------------------- */

static const char *const ACT_NAMES[] = {"sigmoid", "tanh", "linear", "relu"};

static const char *act_name(pm_activation a)
{
    return (unsigned)a <= PM_ACT_RELU ? ACT_NAMES[a] : "unknown";
}

/* Appends "; "-separated formatted text to diff (size bytes, may be NULL); counts the differences in *n. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void add_diff(char *diff, size_t size, int *n, const char *fmt, ...)
{
    if (diff != NULL && size > 0) {
        size_t used = strlen(diff);
        if (*n > 0 && used + 2 < size) {
            memcpy(diff + used, "; ", 3);
            used += 2;
        }
        va_list ap;
        va_start(ap, fmt);
        if (used < size)
            vsnprintf(diff + used, size - used, fmt, ap);
        va_end(ap);
    }
    (*n)++;
}

pm_status pm_net_check_config(const pm_net *net, const pm_net_config *want, char *diff, size_t size)
{
    if (diff != NULL && size > 0)
        diff[0] = '\0';
    if (net == NULL || want == NULL)
        return PM_ERR_ARG;
    static const int paper[] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 2}; /* net.h: the all-zero preset */
    int n_in = want->n_inputs, n_layers = want->n_layers;
    const int *sizes = want->layer_sizes;
    if (n_layers == 0) {
        n_in = 720;
        n_layers = (int)(sizeof paper / sizeof paper[0]);
        sizes = paper;
    }
    int n = 0;
    if (n_in != net->n_inputs)
        add_diff(diff, size, &n, "inputs: model %d, config %d", net->n_inputs, n_in);
    if (n_layers != net->n_layers)
        add_diff(diff, size, &n, "layers: model %d, config %d", net->n_layers, n_layers);
    for (int l = 0; sizes != NULL && l < n_layers && l < net->n_layers; l++)
        if (sizes[l] != net->sizes[l])
            add_diff(diff, size, &n, "layer %d width: model %d, config %d", l + 1, net->sizes[l], sizes[l]);
    if (want->activation != net->cfg.activation)
        add_diff(diff, size, &n, "activation: model %s, config %s", act_name(net->cfg.activation),
                 act_name(want->activation));
    if ((want->use_bias != 0) != (net->bias != 0))
        add_diff(diff, size, &n, "bias: model %s, config %s", net->bias ? "on" : "off", want->use_bias ? "on" : "off");
    return n == 0 ? PM_OK : PM_ERR_ARG;
}
