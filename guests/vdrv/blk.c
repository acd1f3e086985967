/* blk.c: virtio-blk sector I/O (test=blk).  Needs hyve's virtio-blk. */
#include "bootproto.h"
#include "vdrv.h"

void vdrv_blk_test(void)
{
	bp_check(false, "blk: not written yet");
}
