/* Every installed primod header in one include; `pkg-config --cflags --libs primod` links what it declares. */
#ifndef PRIMOD_PRIMOD_H
#define PRIMOD_PRIMOD_H

/* libprimod (pkg-config primod-core; CMake primod::primod): network, filters, relevance, loop, simulator. */
#include "primod/filter.h"
#include "primod/loop.h"
#include "primod/net.h"
#include "primod/quality.h"
#include "primod/relevance.h"
#include "primod/rng.h"
#include "primod/setup.h"
#include "primod/sim.h"
#include "primod/status.h"
#include "primod/version.h"

/* libprimod_robot (CMake primod::robot; needs libv4l2): camera, predictor grid, reflex calibration, link. */
#include "primod/camera.h"
#include "primod/frame.h"
#include "primod/grid.h"
#include "primod/link.h"
#include "primod/reflex.h"

/* libprimod_experiment (CMake primod::experiment; needs cairo, inih): report figures and statistics,
 * configuration, runs, batches, the study, trace pictures, the C API for bindings. */
#include "primod/batch.h"
#include "primod/capi.h"
#include "primod/config.h"
#include "primod/impulse.h"
#include "primod/json.h"
#include "primod/notify.h"
#include "primod/plot.h"
#include "primod/render.h"
#include "primod/run.h"
#include "primod/stats.h"
#include "primod/study.h"

#endif
