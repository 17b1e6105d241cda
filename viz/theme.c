/* theme.c — see theme.h. */
#include "theme.h"

#include <stdio.h>

const char *const theme_font_files[] = {
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    NULL,
};

const char *const theme_mono_font_files[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    NULL,
};

struct rgb theme_owner(int entity_kind, int index)
{
	static const struct rgb vms[] = {
	    {0x8E, 0xC5, 0xF0}, {0xF4, 0xA6, 0xB8}, {0xB5, 0xD9, 0x8C}, {0xF6, 0xD0, 0x7A},
	    {0xC9, 0xB3, 0xEB}, {0x9F, 0xDD, 0xD3}, {0xF2, 0xB2, 0x8C}, {0xD0, 0xD0, 0xD0},
	};
	static const struct rgb devs[] = {
	    {0xE8, 0x9B, 0x4C},
	    {0xD9, 0x7B, 0x9F},
	    {0x6F, 0xB8, 0xA8},
	    {0xB0, 0x8F, 0x5A},
	};
	switch (entity_kind) {
	case 0: /* host */
		return (struct rgb){0xC9, 0xCE, 0xD6};
	case 1: /* VM */
		return vms[index % 8];
	default:
		return devs[index % 4];
	}
}

void theme_hex(struct rgb c, char *buf)
{
	snprintf(buf, 8, "#%02X%02X%02X", c.r, c.g, c.b);
}
