/* The public header must compile as strict C99 (-std=c99 -pedantic). */
#include <libvgpu/libvgpu.h>
#ifdef HAVE_LIBVGPU_VIRT
#include <libvgpu/libvgpu-virt.h>
#endif

int
main(void)
{
    return vgpu_uuid_is_valid("9d2e9b5e-1c4a-4f7e-8a3b-0123456789ab") ? 0 : 1;
}
