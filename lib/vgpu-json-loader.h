/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - internal: json-glib, loaded on first use.
 *
 * json-glib needs GIO and GObject: linking it costs every program about
 * 2.5 million instructions and 1.3 ms of dynamic loading at each start
 * (bench/README.md, part 2), while only two things need it: reading an
 * mdevctl definition (vgpu-mdevctl.c; hosts without etc/mdevctl.d never
 * do) and printing `vgpuctl ... --json`. So libvgpu.so and vgpuctl do not
 * link it: each compiles vgpu-json-loader.c, which defines every
 * json-glib function they call as a forwarder (vgpu-lazy-forward.h) to
 * libjson-glib-1.0.so.0, opened by vgpu_json_load().
 */
#pragma once

#include <glib.h>

/* json-glib's SONAME (json-glib 1.x, Debian's libjson-glib-1.0-0) */
#define VGPU_JSON_LIBRARY "libjson-glib-1.0.so.0"

/*
 * Loads json-glib and checks that it has every function the forwarders
 * call, once per process (thread-safe); later calls return the first
 * outcome. Call it before the first json-glib function: a forwarder
 * called without it aborts the program. Returns FALSE with
 * VGPU_ERROR_SYSTEM, naming the library and the package to install, when
 * the library cannot be loaded or lacks a function.
 */
gboolean vgpu_json_load(GError **error);
