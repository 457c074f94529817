// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu_lab_vf - a lab-only stand-in for NVIDIA's vendor-specific VFIO
 * driver (NVIDIA vGPU 17+ on kernel >= 6.8), for libvgpu's VM lab.
 *
 * A VFIO PCI variant driver on vfio-pci-core, modelled on the kernel's
 * drivers/vfio/pci/vfio_pci.c (6.12).  It has no id table: VFs are bound
 * to it through driver_override.  Each bound VF gets the attribute group
 * "nvidia" (the driver's dev_groups) with the two files NVIDIA's driver has there:
 *
 *   nvidia/creatable_vgpu_types  "ID    : vGPU Name", then "<id> : <name>"
 *                                for each type the VF can create now
 *   nvidia/current_vgpu_type     the VF's type id, 0 = none; write an id
 *                                to create a vGPU, 0 to destroy it
 *
 * with the rules of libvgpu's sysfs emulator (tests/sim/sim-model.c):
 * the default (homogeneous) mode allows one type per physical GPU (the
 * VFs' PF) up to the type's max instances per GPU; a VF that holds a type
 * lists none; writing an id that is not creatable now fails with EINVAL,
 * writing another id while the VF holds one with EBUSY (re-typing goes
 * through 0), writing the id it holds is a no-op, writing 0 while the VF
 * is open (QEMU) fails with EBUSY.  Like the real driver, a VF without a
 * vGPU cannot be opened (ENODEV): nothing can use it until someone (the
 * hook) programs it.
 *
 * The type table is the L40S one of tests/sim/scenarios/l40s2.conf.
 */
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sysfs.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

struct lab_vgpu_type {
	unsigned int id;
	const char *name;
	unsigned int max_instances; /* per physical GPU */
};

static const struct lab_vgpu_type lab_types[] = {
	{ 1145, "NVIDIA L40S-1B", 32 },  { 1148, "NVIDIA L40S-1Q", 32 },
	{ 1149, "NVIDIA L40S-2Q", 24 },  { 1150, "NVIDIA L40S-4Q", 12 },
	{ 1151, "NVIDIA L40S-6Q", 8 },   { 1152, "NVIDIA L40S-8Q", 6 },
	{ 1153, "NVIDIA L40S-12Q", 4 },  { 1154, "NVIDIA L40S-24Q", 2 },
	{ 1155, "NVIDIA L40S-48Q", 1 },
};

struct lab_vf {
	struct vfio_pci_core_device core; /* first: vfio_alloc_device */
	struct list_head node;            /* in lab_vfs */
	struct pci_dev *gpu;              /* the PF, or the device itself */
	unsigned int current_type;        /* 0: no vGPU */
	bool open;                        /* open by a user (QEMU) */
};

/* All bound VFs; the lock also guards their current_type and open. */
static LIST_HEAD(lab_vfs);
static DEFINE_MUTEX(lab_lock);

static struct lab_vf *lab_vf_of_dev(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static const struct lab_vgpu_type *lab_find_type(unsigned int id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lab_types); i++)
		if (lab_types[i].id == id)
			return &lab_types[i];
	return NULL;
}

/* How many more vGPUs of @type @gpu can host: one type per GPU. */
static unsigned int lab_room(struct pci_dev *gpu,
			     const struct lab_vgpu_type *type)
{
	struct lab_vf *vf;
	unsigned int same = 0;

	lockdep_assert_held(&lab_lock);
	list_for_each_entry(vf, &lab_vfs, node) {
		if (vf->gpu != gpu || vf->current_type == 0)
			continue;
		if (vf->current_type != type->id)
			return 0;
		same++;
	}
	return same >= type->max_instances ? 0 : type->max_instances - same;
}

static bool lab_can_create(struct lab_vf *vf, const struct lab_vgpu_type *type)
{
	return vf->current_type == 0 && lab_room(vf->gpu, type) > 0;
}

static ssize_t creatable_vgpu_types_show(struct device *dev,
					 struct device_attribute *attr,
					 char *buf)
{
	struct lab_vf *vf = lab_vf_of_dev(dev);
	ssize_t len;
	size_t i;

	len = sysfs_emit(buf, "ID    : vGPU Name\n");
	mutex_lock(&lab_lock);
	for (i = 0; i < ARRAY_SIZE(lab_types); i++)
		if (lab_can_create(vf, &lab_types[i]))
			len += sysfs_emit_at(buf, len, "%-5u : %s\n",
					     lab_types[i].id, lab_types[i].name);
	mutex_unlock(&lab_lock);
	return len;
}
static DEVICE_ATTR_RO(creatable_vgpu_types);

static ssize_t current_vgpu_type_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct lab_vf *vf = lab_vf_of_dev(dev);
	unsigned int id;

	mutex_lock(&lab_lock);
	id = vf->current_type;
	mutex_unlock(&lab_lock);
	return sysfs_emit(buf, "%u\n", id);
}

static ssize_t current_vgpu_type_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	struct lab_vf *vf = lab_vf_of_dev(dev);
	const struct lab_vgpu_type *type;
	unsigned int id;
	ssize_t ret = count;

	if (kstrtouint(buf, 10, &id))
		return -EINVAL;
	mutex_lock(&lab_lock);
	if (id == vf->current_type)
		goto out; /* no-op */
	if (id == 0) {
		if (vf->open) {
			dev_info(dev, "vGPU type %u in use, not destroyed\n",
				 vf->current_type);
			ret = -EBUSY;
			goto out;
		}
		dev_info(dev, "vGPU type %u destroyed\n", vf->current_type);
		vf->current_type = 0;
		goto out;
	}
	if (vf->current_type != 0) {
		ret = -EBUSY;
		goto out;
	}
	type = lab_find_type(id);
	if (!type || !lab_can_create(vf, type)) {
		dev_info(dev, "vGPU type %u is not creatable now\n", id);
		ret = -EINVAL;
		goto out;
	}
	vf->current_type = id;
	dev_info(dev, "vGPU type %u (%s) created\n", id, type->name);
out:
	mutex_unlock(&lab_lock);
	return ret;
}
static DEVICE_ATTR_RW(current_vgpu_type);

static struct attribute *lab_nvidia_attrs[] = {
	&dev_attr_creatable_vgpu_types.attr,
	&dev_attr_current_vgpu_type.attr,
	NULL,
};

static const struct attribute_group lab_nvidia_group = {
	.name = "nvidia",
	.attrs = lab_nvidia_attrs,
};

static const struct attribute_group *lab_groups[] = {
	&lab_nvidia_group,
	NULL,
};

/* --- VFIO device ops: vfio_pci.c's, with the vGPU checks on open/close --- */

static int lab_open_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev =
		container_of(core_vdev, struct vfio_pci_core_device, vdev);
	struct lab_vf *vf = container_of(vdev, struct lab_vf, core);
	int ret;

	mutex_lock(&lab_lock);
	if (vf->current_type == 0) {
		mutex_unlock(&lab_lock);
		pci_info(vdev->pdev, "no vGPU type set: cannot be opened\n");
		return -ENODEV;
	}
	vf->open = true;
	mutex_unlock(&lab_lock);

	ret = vfio_pci_core_enable(vdev);
	if (ret) {
		mutex_lock(&lab_lock);
		vf->open = false;
		mutex_unlock(&lab_lock);
		return ret;
	}
	vfio_pci_core_finish_enable(vdev);
	return 0;
}

static void lab_close_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev =
		container_of(core_vdev, struct vfio_pci_core_device, vdev);
	struct lab_vf *vf = container_of(vdev, struct lab_vf, core);

	vfio_pci_core_close_device(core_vdev);
	mutex_lock(&lab_lock);
	vf->open = false;
	mutex_unlock(&lab_lock);
}

static const struct vfio_device_ops lab_vfio_ops = {
	.name = "vgpu-lab-vf",
	.init = vfio_pci_core_init_dev,
	.release = vfio_pci_core_release_dev,
	.open_device = lab_open_device,
	.close_device = lab_close_device,
	.ioctl = vfio_pci_core_ioctl,
	.device_feature = vfio_pci_core_ioctl_feature,
	.read = vfio_pci_core_read,
	.write = vfio_pci_core_write,
	.mmap = vfio_pci_core_mmap,
	.request = vfio_pci_core_request,
	.match = vfio_pci_core_match,
	.bind_iommufd = vfio_iommufd_physical_bind,
	.unbind_iommufd = vfio_iommufd_physical_unbind,
	.attach_ioas = vfio_iommufd_physical_attach_ioas,
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
};

static int lab_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct lab_vf *vf;
	int ret;

	vf = vfio_alloc_device(lab_vf, core.vdev, &pdev->dev, &lab_vfio_ops);
	if (IS_ERR(vf))
		return PTR_ERR(vf);
	vf->gpu = pdev->is_virtfn ? pdev->physfn : pdev;
	dev_set_drvdata(&pdev->dev, &vf->core);

	mutex_lock(&lab_lock);
	list_add_tail(&vf->node, &lab_vfs);
	mutex_unlock(&lab_lock);

	ret = vfio_pci_core_register_device(&vf->core);
	if (ret) {
		mutex_lock(&lab_lock);
		list_del(&vf->node);
		mutex_unlock(&lab_lock);
		vfio_put_device(&vf->core.vdev);
	}
	return ret;
}

static void lab_remove(struct pci_dev *pdev)
{
	struct lab_vf *vf = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(&vf->core);
	mutex_lock(&lab_lock);
	list_del(&vf->node);
	mutex_unlock(&lab_lock);
	vfio_put_device(&vf->core.vdev);
}

static struct pci_driver lab_driver = {
	.name = "vgpu_lab_vf",
	.id_table = NULL, /* bound through driver_override only */
	.probe = lab_probe,
	.remove = lab_remove,
	.err_handler = &vfio_pci_core_err_handlers,
	.driver_managed_dma = true,
	/* the "nvidia" directory on each bound VF (pci_register_driver copies
	 * this into driver.dev_groups) */
	.dev_groups = lab_groups,
};
module_pci_driver(lab_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("libvgpu VM lab: stand-in for NVIDIA's vendor-specific VFIO driver");
