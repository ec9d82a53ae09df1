/* Camera frame sources for the robot (SPEC §7): a V4L2 device, a directory of PGM/PNG images for replay, or a
 * stream of PGM frames on a pipe or FIFO. */
#ifndef PRIMOD_CAMERA_H
#define PRIMOD_CAMERA_H

#include <stdint.h>

#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pm_camera pm_camera;

/* What a grab produced. */
typedef enum {
    PM_CAMERA_FRAME = 0, /* a new image was written */
    PM_CAMERA_LATE,      /* no image within the timeout (image buffer untouched): skip this step */
    PM_CAMERA_END        /* a directory has played its last image, or a stream's producer closed it (untouched) */
} pm_camera_result;

/* Opens a V4L2 capture device through libv4l2 (mmap streaming), asking for width x height grey (GREY, else YUYV
 * whose luma is used). PM_ERR_IO if the device cannot be opened or streamed, PM_ERR_FORMAT if it offers neither
 * format at that size, PM_ERR_ARG for NULL or a size < 1. Free with pm_camera_destroy. */
pm_status pm_camera_open_v4l2(const char *device, int width, int height, pm_camera **out);
/* Opens a directory of *.pgm / *.png images (case-insensitive), played in byte order of their names (strcmp).
 * The first image fixes the size. PM_ERR_IO if the directory cannot be read, PM_ERR_FORMAT if it holds no image
 * or the first is unreadable, PM_ERR_ARG for NULL. Free with pm_camera_destroy. */
pm_status pm_camera_open_dir(const char *dir, pm_camera **out);
/* Opens a stream of binary PGM frames (P5, maxval 1..255, one after another, no separator) of exactly
 * width x height from path: "-" is standard input, anything else is opened non-blocking (a FIFO, a pipe such as
 * /dev/stdin). Nothing piles up on disk: a grab drains what the producer wrote and returns the newest complete
 * frame (older complete ones are superseded and counted by pm_camera_dropped), LATE if none completed within the
 * timeout, END once the producer closed its end (a FIFO not yet opened by a producer is LATE, not END). A frame
 * of another size is skipped and a malformed header resynchronised on the next 'P' (memory stays bounded: two
 * frames of input); such a grab returns PM_ERR_FORMAT. PM_ERR_ARG for NULL or a side outside 1..16384,
 * PM_ERR_IO if path cannot be opened, PM_ERR_NOMEM. Free with pm_camera_destroy. */
pm_status pm_camera_open_pgm_stream(const char *path, int width, int height, pm_camera **out);
/* Opens path as a PGM stream if it is "-", a FIFO/pipe or a socket, else as a V4L2 device (the functions above,
 * same errors): the robot's one entry point for its [camera] device. */
pm_status pm_camera_open(const char *path, int width, int height, pm_camera **out);
/* Frees the source and closes the device; NULL does nothing. */
void pm_camera_destroy(pm_camera *cam);

int pm_camera_width(const pm_camera *cam);
int pm_camera_height(const pm_camera *cam);
/* Images in a directory source; -1 for a device. */
long pm_camera_count(const pm_camera *cam);
/* Frames the device dropped between our grabs (V4L2 sequence gaps, plus stale frames discarded so that a grab
 * returns the newest one); 0 for a directory. */
long pm_camera_dropped(const pm_camera *cam);
/* Frames a PGM stream refused (malformed header, another size); 0 for other sources. */
long pm_camera_bad_frames(const pm_camera *cam);

/* Gets the next image into grey: (height, width) row-major, 0 = black, 255 = white. A device waits up to
 * timeout_ms (>= 0) and returns its newest frame; a directory returns its next image at once (timeout unused);
 * a PGM stream waits up to timeout_ms for a complete frame and returns the newest.
 * PM_ERR_IO when the device has gone, PM_ERR_FORMAT for an unreadable or mis-sized image (a directory source
 * has then moved past it), PM_ERR_ARG for NULL. *res tells FRAME, LATE or END. */
pm_status pm_camera_grab(pm_camera *cam, int timeout_ms, uint8_t *grey, pm_camera_result *res);

/* Reads the size of a PGM (binary P5, maxval 1..255) or PNG file. PM_ERR_IO / PM_ERR_FORMAT / PM_ERR_ARG. */
pm_status pm_image_size(const char *path, int *width, int *height);
/* Loads a PGM or PNG file (any PNG colour type, converted to grey) of exactly width x height into grey
 * (height, width); PGM values are scaled from maxval to 0..255. PM_ERR_FORMAT if the size differs or the file is
 * damaged (grey may then be partly written), PM_ERR_IO if unreadable, PM_ERR_ARG for NULL or a size < 1. */
pm_status pm_image_load(const char *path, uint8_t *grey, int width, int height);
/* Writes grey (height, width) as a binary PGM, atomically (temp file in the same directory, then rename). */
pm_status pm_image_save_pgm(const char *path, const uint8_t *grey, int width, int height);

#ifdef __cplusplus
}
#endif
#endif
