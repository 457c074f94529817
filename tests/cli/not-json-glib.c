/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A library with json-glib's file name (libjson-glib-1.0.so.0) and none of
 * its functions: test-vgpuctl-no-libvirt.sh puts it first on
 * LD_LIBRARY_PATH to see what vgpuctl says when json-glib cannot serve
 * (vgpu_json_load(), lib/vgpu-json-loader.c).
 */
int vgpu_test_not_json_glib = 1;
