/* Camera frame sources (SPEC §7): V4L2 mmap streaming through libv4l2, a directory of images for replay, or a
 * stream of binary PGM frames on a pipe/FIFO (any frame producer, e.g. the robot twin's rendered camera). */
#define _DEFAULT_SOURCE /* DT_* and strcasecmp */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libv4l2.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <linux/videodev2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "primod/camera.h"

#define CAM_N_BUFFERS 4

typedef enum { CAM_V4L2, CAM_DIR, CAM_STREAM } cam_kind;

struct pm_camera {
    cam_kind kind;
    int width, height;            /* px */
    /* V4L2 */
    int fd;
    unsigned pixfmt;              /* V4L2_PIX_FMT_GREY or V4L2_PIX_FMT_YUYV */
    unsigned bytesperline;        /* bytes per image row in the driver's buffers */
    void *buf_start[CAM_N_BUFFERS];
    size_t buf_len[CAM_N_BUFFERS];
    unsigned n_buffers;
    long last_sequence;           /* V4L2 sequence of the last frame returned, -1 before the first */
    long dropped;
    /* directory */
    char **names;                 /* (count) full paths, sorted; point into this object's one allocation */
    long count, next;
    /* PGM stream: bytes read but not yet parsed, the newest complete frame, and the resync state */
    uint8_t *in;                  /* (in_cap) bytes, in_len of them valid */
    size_t in_cap, in_len;
    uint8_t *newest;              /* (height, width) the newest complete frame, valid if has_new */
    int has_new;
    unsigned long long skip;      /* payload bytes of a frame of another size still to discard */
    int got_bytes, eof;           /* eof: the producer closed its end after sending something */
    long bad_frames;              /* frames refused (bad header, other size) */
};

/* ------------------------------------------------------------------ directory source */

static int is_image_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && (!strcasecmp(name + n - 4, ".pgm") || !strcasecmp(name + n - 4, ".png"));
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Counts the image entries of dir and the bytes their full paths need. -1 if the directory cannot be read. */
static int scan_dir(const char *dir, long *count, size_t *bytes)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    size_t dlen = strlen(dir);
    *count = 0;
    *bytes = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (is_image_name(e->d_name)) {
            (*count)++;
            *bytes += dlen + 1 + strlen(e->d_name) + 1;
        }
    closedir(d);
    return 0;
}

pm_status pm_camera_open_dir(const char *dir, pm_camera **out)
{
    if (!dir || !out)
        return PM_ERR_ARG;
    long count;
    size_t bytes;
    if (scan_dir(dir, &count, &bytes))
        return PM_ERR_IO;
    if (count == 0)
        return PM_ERR_FORMAT;
    /* one allocation: the object, the name table (count), the path strings */
    pm_camera *c = calloc(1, sizeof *c + (size_t)count * sizeof(char *) + bytes);
    if (!c)
        return PM_ERR_NOMEM;
    c->kind = CAM_DIR;
    c->fd = -1;
    c->names = (char **)(c + 1);
    char *p = (char *)(c->names + count), *end = p + bytes;
    DIR *d = opendir(dir);
    if (!d) {
        free(c);
        return PM_ERR_IO;
    }
    long n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < count;) {
        if (!is_image_name(e->d_name))
            continue;
        size_t need = strlen(dir) + 1 + strlen(e->d_name) + 1;
        if (p + need > end)
            break; /* the directory grew between the two scans: play what fits */
        c->names[n++] = p;
        strcpy(p, dir);
        strcat(p, "/");
        strcat(p, e->d_name);
        p += need;
    }
    closedir(d);
    c->count = n;
    qsort(c->names, (size_t)n, sizeof(char *), cmp_names);
    pm_status st = n > 0 ? pm_image_size(c->names[0], &c->width, &c->height) : PM_ERR_FORMAT;
    if (st) {
        free(c);
        return st == PM_ERR_IO ? PM_ERR_FORMAT : st;
    }
    *out = c;
    return PM_OK;
}

static pm_status dir_grab(pm_camera *c, uint8_t *grey, pm_camera_result *res)
{
    if (c->next >= c->count) {
        *res = PM_CAMERA_END;
        return PM_OK;
    }
    pm_status st = pm_image_load(c->names[c->next++], grey, c->width, c->height);
    *res = st ? PM_CAMERA_LATE : PM_CAMERA_FRAME; /* a bad image is a lost frame: no learning from it */
    return st;
}

/* ------------------------------------------------------------------ V4L2 source */

static int xioctl(int fd, unsigned long req, void *arg)
{
    int r;
    do
        r = v4l2_ioctl(fd, req, arg);
    while (r == -1 && errno == EINTR);
    return r;
}

/* Asks for width x height in pixfmt; 0 if the driver (or libv4l2's conversion) accepted exactly that. */
static int try_format(pm_camera *c, unsigned pixfmt)
{
    struct v4l2_format fmt;
    memset(&fmt, 0, sizeof fmt);
    fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    fmt.fmt.pix.width = (unsigned)c->width;
    fmt.fmt.pix.height = (unsigned)c->height;
    fmt.fmt.pix.pixelformat = pixfmt;
    fmt.fmt.pix.field = V4L2_FIELD_ANY;
    if (xioctl(c->fd, VIDIOC_S_FMT, &fmt) == -1 || fmt.fmt.pix.pixelformat != pixfmt ||
        fmt.fmt.pix.width != (unsigned)c->width || fmt.fmt.pix.height != (unsigned)c->height)
        return -1;
    unsigned min_bpl = (unsigned)c->width * (pixfmt == V4L2_PIX_FMT_YUYV ? 2u : 1u);
    c->pixfmt = pixfmt;
    c->bytesperline = fmt.fmt.pix.bytesperline >= min_bpl ? fmt.fmt.pix.bytesperline : min_bpl;
    return 0;
}

static void v4l2_release(pm_camera *c)
{
    if (c->fd < 0)
        return;
    enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    xioctl(c->fd, VIDIOC_STREAMOFF, &type);
    for (unsigned i = 0; i < c->n_buffers; i++)
        if (c->buf_start[i] && c->buf_start[i] != MAP_FAILED)
            v4l2_munmap(c->buf_start[i], c->buf_len[i]);
    v4l2_close(c->fd);
    c->fd = -1;
}

static pm_status v4l2_start(pm_camera *c)
{
    if (try_format(c, V4L2_PIX_FMT_GREY) && try_format(c, V4L2_PIX_FMT_YUYV))
        return PM_ERR_FORMAT;
    struct v4l2_requestbuffers req;
    memset(&req, 0, sizeof req);
    req.count = CAM_N_BUFFERS;
    req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    req.memory = V4L2_MEMORY_MMAP;
    if (xioctl(c->fd, VIDIOC_REQBUFS, &req) == -1 || req.count < 1)
        return PM_ERR_IO;
    c->n_buffers = req.count < CAM_N_BUFFERS ? req.count : CAM_N_BUFFERS;
    for (unsigned i = 0; i < c->n_buffers; i++) {
        struct v4l2_buffer b;
        memset(&b, 0, sizeof b);
        b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        b.memory = V4L2_MEMORY_MMAP;
        b.index = i;
        if (xioctl(c->fd, VIDIOC_QUERYBUF, &b) == -1)
            return PM_ERR_IO;
        c->buf_len[i] = b.length;
        c->buf_start[i] = v4l2_mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, b.m.offset);
        if (c->buf_start[i] == MAP_FAILED || b.length < c->bytesperline * (size_t)c->height)
            return PM_ERR_IO;
        if (xioctl(c->fd, VIDIOC_QBUF, &b) == -1)
            return PM_ERR_IO;
    }
    enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    return xioctl(c->fd, VIDIOC_STREAMON, &type) == -1 ? PM_ERR_IO : PM_OK;
}

pm_status pm_camera_open_v4l2(const char *device, int width, int height, pm_camera **out)
{
    if (!device || !out || width < 1 || height < 1)
        return PM_ERR_ARG;
    pm_camera *c = calloc(1, sizeof *c);
    if (!c)
        return PM_ERR_NOMEM;
    c->kind = CAM_V4L2;
    c->width = width;
    c->height = height;
    c->last_sequence = -1;
    c->fd = v4l2_open(device, O_RDWR | O_NONBLOCK);
    if (c->fd < 0) {
        free(c);
        return PM_ERR_IO;
    }
    pm_status st = v4l2_start(c);
    if (st) {
        v4l2_release(c);
        free(c);
        return st;
    }
    *out = c;
    return PM_OK;
}

/* Dequeues one filled buffer without waiting: 1 got one, 0 none ready, -1 device error. */
static int dequeue(pm_camera *c, struct v4l2_buffer *b)
{
    memset(b, 0, sizeof *b);
    b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b->memory = V4L2_MEMORY_MMAP;
    if (xioctl(c->fd, VIDIOC_DQBUF, b) == 0)
        return b->index < c->n_buffers ? 1 : -1;
    return errno == EAGAIN ? 0 : -1;
}

static void copy_luma(const pm_camera *c, const uint8_t *src, uint8_t *grey)
{
    for (int y = 0; y < c->height; y++) {
        const uint8_t *row = src + (size_t)y * c->bytesperline;
        uint8_t *dst = grey + (size_t)y * (size_t)c->width;
        if (c->pixfmt == V4L2_PIX_FMT_GREY)
            memcpy(dst, row, (size_t)c->width);
        else
            for (int x = 0; x < c->width; x++)
                dst[x] = row[2 * x]; /* YUYV: Y0 U Y1 V, luma at even bytes */
    }
}

static pm_status v4l2_grab(pm_camera *c, int timeout_ms, uint8_t *grey, pm_camera_result *res)
{
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(c->fd, &fds);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    int r = select(c->fd + 1, &fds, NULL, NULL, &tv);
    *res = PM_CAMERA_LATE;
    if (r == 0 || (r < 0 && errno == EINTR))
        return PM_OK; /* late (or interrupted by a signal the caller will look at) */
    if (r < 0)
        return PM_ERR_IO;
    struct v4l2_buffer b, newer;
    int got = dequeue(c, &b);
    if (got <= 0)
        return got < 0 ? PM_ERR_IO : PM_OK;
    /* keep only the newest frame: acting on an old one would be acting on stale data */
    while ((got = dequeue(c, &newer)) == 1) {
        xioctl(c->fd, VIDIOC_QBUF, &b);
        c->dropped++;
        b = newer;
    }
    if (got < 0)
        return PM_ERR_IO;
    if (c->last_sequence >= 0 && (long)b.sequence > c->last_sequence + 1)
        c->dropped += (long)b.sequence - c->last_sequence - 1;
    c->last_sequence = (long)b.sequence;
    copy_luma(c, c->buf_start[b.index], grey);
    if (xioctl(c->fd, VIDIOC_QBUF, &b) == -1)
        return PM_ERR_IO;
    *res = PM_CAMERA_FRAME;
    return PM_OK;
}


/* ------------------------------------------------------------------ PGM stream source */

/* A header is "P5", width, height, maxval as decimal numbers separated by whitespace (with # comments), then
 * exactly one whitespace byte; anything longer than this is not a header (bounded parse on garbage). */
#define PGM_HEADER_MAX 256
#define PGM_SIDE_MAX 16384 /* the same bound as a PNG track: a larger "frame" is a broken header, not a frame */

/* Parses a header at b[0..n). Returns the header length (> 0), 0 if more bytes are needed, -1 if it is not a
 * valid P5 header. */
static long pgm_parse_header(const uint8_t *b, size_t n, long *w, long *h, long *maxval)
{
    if (n >= 1 && b[0] != 'P')
        return -1;
    if (n >= 2 && b[1] != '5')
        return -1;
    size_t i = 2;
    long v[3];
    for (int k = 0; k < 3; k++) {
        for (;;) { /* whitespace and comments before a number */
            if (i >= n)
                return n >= PGM_HEADER_MAX ? -1 : 0;
            if (b[i] == '#') {
                while (i < n && b[i] != '\n')
                    i++;
                if (i >= n)
                    return n >= PGM_HEADER_MAX ? -1 : 0;
            } else if (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
                i++;
            } else {
                break;
            }
        }
        if (b[i] < '0' || b[i] > '9')
            return -1;
        v[k] = 0;
        while (i < n && b[i] >= '0' && b[i] <= '9') {
            v[k] = v[k] * 10 + (b[i] - '0');
            if (v[k] > 1000000)
                return -1;
            i++;
        }
        if (i >= n)
            return n >= PGM_HEADER_MAX ? -1 : 0;
    }
    if (!(b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
        return -1;
    *w = v[0];
    *h = v[1];
    *maxval = v[2];
    return (long)i + 1;
}

pm_status pm_camera_open_pgm_stream(const char *path, int width, int height, pm_camera **out)
{
    if (!path || !out || width < 1 || height < 1 || width > PGM_SIDE_MAX || height > PGM_SIDE_MAX)
        return PM_ERR_ARG;
    size_t frame = (size_t)width * (size_t)height;
    /* one allocation: the object, the newest frame, and an input buffer that holds two whole frames so a
     * producer ahead of us is drained in few reads */
    size_t cap = 2 * (frame + PGM_HEADER_MAX);
    pm_camera *c = calloc(1, sizeof *c + frame + cap);
    if (!c)
        return PM_ERR_NOMEM;
    c->kind = CAM_STREAM;
    c->width = width;
    c->height = height;
    c->newest = (uint8_t *)(c + 1);
    c->in = c->newest + frame;
    c->in_cap = cap;
    c->fd = !strcmp(path, "-") ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (c->fd < 0) {
        free(c);
        return PM_ERR_IO;
    }
    int fl = fcntl(c->fd, F_GETFL);
    if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        close(c->fd);
        free(c);
        return PM_ERR_IO;
    }
    *out = c;
    return PM_OK;
}

/* Consumes every complete frame in the input buffer; the last good one becomes the newest. Returns the number
 * of frames refused on the way (malformed header: resynchronised on the next 'P'; another size: skipped). */
static long stream_parse(pm_camera *c)
{
    const size_t frame = (size_t)c->width * (size_t)c->height;
    size_t pos = 0;
    long bad = 0;
    for (;;) {
        if (c->skip) {
            size_t k = c->in_len - pos < c->skip ? c->in_len - pos : (size_t)c->skip;
            pos += k;
            c->skip -= k;
            if (c->skip)
                break;
        }
        if (pos >= c->in_len)
            break;
        long w, h, maxval;
        long hl = pgm_parse_header(c->in + pos, c->in_len - pos, &w, &h, &maxval);
        if (hl == 0)
            break; /* header incomplete */
        if (hl < 0 || w < 1 || h < 1 || w > PGM_SIDE_MAX || h > PGM_SIDE_MAX || maxval < 1 || maxval > 255) {
            bad++;
            pos++; /* resynchronise on the next 'P' */
            while (pos < c->in_len && c->in[pos] != 'P')
                pos++;
            continue;
        }
        if ((size_t)w != (size_t)c->width || (size_t)h != (size_t)c->height) {
            bad++;
            pos += (size_t)hl;
            c->skip = (unsigned long long)w * (unsigned long long)h;
            continue;
        }
        if (c->in_len - pos < (size_t)hl + frame)
            break; /* frame incomplete */
        const uint8_t *px = c->in + pos + hl;
        if (c->has_new)
            c->dropped++; /* superseded before anyone grabbed it */
        if (maxval == 255) {
            memcpy(c->newest, px, frame);
        } else {
            for (size_t i = 0; i < frame; i++)
                c->newest[i] = (uint8_t)((px[i] > maxval ? maxval : px[i]) * 255L / maxval);
        }
        c->has_new = 1;
        pos += (size_t)hl + frame;
    }
    memmove(c->in, c->in + pos, c->in_len - pos);
    c->in_len -= pos;
    return bad;
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what the producer has written so far. 1 if bytes came, 0 if none are waiting, -1 on error. */
static int stream_read(pm_camera *c)
{
    int got = 0;
    while (c->in_len < c->in_cap) {
        ssize_t r = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
        if (r > 0) {
            c->in_len += (size_t)r;
            c->got_bytes = 1;
            got = 1;
            continue;
        }
        if (r == 0) {
            /* end of file; a FIFO reads so before its producer first opens it, which is not the end yet */
            if (c->got_bytes)
                c->eof = 1;
            return got;
        }
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? got : -1;
    }
    return got;
}

static pm_status stream_grab(pm_camera *c, int timeout_ms, uint8_t *grey, pm_camera_result *res)
{
    const long long deadline = mono_ms() + timeout_ms;
    long bad = 0;
    *res = PM_CAMERA_LATE;
    for (;;) {
        int r = stream_read(c);
        if (r < 0)
            return PM_ERR_IO;
        bad += stream_parse(c);
        if (c->in_len == c->in_cap && !c->skip) {
            /* a full buffer without a complete frame cannot happen with good data: drop it and resync */
            c->in_len = 0;
            bad++;
        }
        if (c->has_new) {
            memcpy(grey, c->newest, (size_t)c->width * (size_t)c->height);
            c->has_new = 0;
            c->bad_frames += bad;
            *res = PM_CAMERA_FRAME;
            return PM_OK;
        }
        c->bad_frames += bad;
        if (bad)
            return PM_ERR_FORMAT; /* reported once; the stream continues */
        if (c->eof) {
            *res = PM_CAMERA_END;
            return PM_OK;
        }
        long long left = deadline - mono_ms();
        if (left <= 0)
            return PM_OK; /* late */
        if (!c->got_bytes) {
            /* a FIFO without a producer polls as hung up at once: wait in short naps instead of spinning */
            struct timespec nap = {0, (left < 5 ? left : 5) * 1000000L};
            nanosleep(&nap, NULL);
            continue;
        }
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int pr = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (pr < 0 && errno == EINTR)
            return PM_OK; /* a signal the caller will look at */
        if (pr < 0)
            return PM_ERR_IO;
    }
}

pm_status pm_camera_open(const char *path, int width, int height, pm_camera **out)
{
    if (!path || !out)
        return PM_ERR_ARG;
    struct stat st;
    if (!strcmp(path, "-") || (stat(path, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))))
        return pm_camera_open_pgm_stream(path, width, height, out);
    return pm_camera_open_v4l2(path, width, height, out);
}

long pm_camera_bad_frames(const pm_camera *cam) { return cam ? cam->bad_frames : 0; }

/* ------------------------------------------------------------------ common */

void pm_camera_destroy(pm_camera *cam)
{
    if (!cam)
        return;
    if (cam->kind == CAM_V4L2)
        v4l2_release(cam);
    if (cam->kind == CAM_STREAM)
        close(cam->fd);
    free(cam);
}

int pm_camera_width(const pm_camera *cam) { return cam ? cam->width : 0; }
int pm_camera_height(const pm_camera *cam) { return cam ? cam->height : 0; }
long pm_camera_count(const pm_camera *cam) { return cam && cam->kind == CAM_DIR ? cam->count : -1; }
long pm_camera_dropped(const pm_camera *cam) { return cam ? cam->dropped : 0; }

pm_status pm_camera_grab(pm_camera *cam, int timeout_ms, uint8_t *grey, pm_camera_result *res)
{
    if (!cam || !grey || !res || timeout_ms < 0)
        return PM_ERR_ARG;
    if (cam->kind == CAM_DIR)
        return dir_grab(cam, grey, res);
    if (cam->kind == CAM_STREAM)
        return stream_grab(cam, timeout_ms, grey, res);
    return v4l2_grab(cam, timeout_ms, grey, res);
}
