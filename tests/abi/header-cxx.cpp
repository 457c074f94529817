// The public header must compile as C++ (extern "C", no C-only syntax).
#include <libvgpu/libvgpu.h>

int
main()
{
    g_autoptr(VgpuConfig) config = vgpu_config_new();
    return vgpu_config_get_placement(config) == VGPU_PLACEMENT_PACK ? 0 : 1;
}
