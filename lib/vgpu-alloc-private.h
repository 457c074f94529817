/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - placement that only the library uses (private): when the
 * hook's flat listing may stop reading parents early.
 */
#pragma once

#include <libvgpu/vgpu-alloc.h>

/* What vgpu_alloc_first_fit_decides() learns over one flat listing. */
typedef struct {
    const char *type_id;
    const VgpuConfig *config;
    int once_per_gpu; /* -1 not known yet, else whether max_instance is 1 */
} VgpuFirstFit;

/* Sets @first_fit up for one listing of the parents offering @type_id,
 * placed under @config (both borrowed for the listing's time). */
void vgpu_alloc_first_fit_init(VgpuFirstFit *first_fit, const char *type_id,
                               const VgpuConfig *config);

/*
 * A #VgpuOfferStopFunc for vgpu_discovery_list_offers() (@first_fit a
 * #VgpuFirstFit): TRUE when @parent, a parent with a free instance of the
 * type, listed in name order, is what vgpu_alloc_choose_parent() chooses
 * (without a requested parent) whatever the parents after it hold, so
 * that they need not be read. That is so when a GPU holds at most one
 * instance of the type (NVIDIA `max_instance=1`, e.g. a T4-16Q or an
 * A40-48Q, from the first such parent's description: one read,
 * vgpu_discovery_read_max_instance(); types without it never stop): every GPU
 * with room then has exactly one free instance and holds no device of the type,
 * every policy ranks them equal, and the tie goes to the first by name, the
 * first allowed one the listing meets. Never for SR-IOV VF parents (a GPU's VFs
 * are placed as one, by the GPU's name).
 */
gboolean vgpu_alloc_first_fit_decides(VgpuParent *parent, gpointer first_fit);
