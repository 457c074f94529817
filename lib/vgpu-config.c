/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* placeholder: module being written */
typedef int vgpu_placeholder_config;
