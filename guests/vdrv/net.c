/* net.c: what the driver guest sends through virtio-net.  See vdrv.h. */
#include "vdrv.h"

void vdrv_net_frame(uint8_t *p, unsigned int len, uint32_t seq)
{
	static const uint8_t eth[14] = { 0x02, 0, 0, 0, 0,    0x01, 0x52,
					 0x54, 0, 0, 0, 0x02, 0x88, 0xb5 };
	uint8_t *f = p + VDRV_NET_HDR;

	for (unsigned int i = 0; i < VDRV_NET_HDR; i++)
		p[i] = 0;
	for (unsigned int i = 0; i < sizeof(eth); i++)
		f[i] = eth[i];
	for (unsigned int i = 0; i < 4; i++)
		f[14 + i] = (uint8_t)(seq >> (8 * i));
	for (unsigned int i = 18; i < len; i++)
		f[i] = (uint8_t)i;
}
