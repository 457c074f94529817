// The public header must compile as C++ (extern "C", no C-only syntax).
#include <libvgpu/libvgpu.h>
#ifdef HAVE_LIBVGPU_VIRT
#include <libvgpu/libvgpu-virt.h>
#endif

int
main()
{
    g_autoptr(VgpuConfig) config = vgpu_config_new();
    return vgpu_config_get_placement(config) == VGPU_PLACEMENT_PACK ? 0 : 1;
}
