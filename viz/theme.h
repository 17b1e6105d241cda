/*
 * theme.h — one look for every picture iommulab draws (SDL viewer and
 * Graphviz exports): colours by owner and by unit, fonts, the fault red.
 * Colours are chosen to stay distinguishable in greyscale print (each
 * owner colour has a different lightness) and on a projector.
 *
 * The font is WenQuanYi Micro Hei (Debian: fonts-wqy-microhei), which has
 * Latin and CJK glyphs; DejaVu Sans is the Latin-only fallback.
 */
#ifndef IOMMULAB_THEME_H
#define IOMMULAB_THEME_H

#include <stdint.h>

struct rgb {
	uint8_t r, g, b;
};

/* Background, panels, text */
#define THEME_BG    ((struct rgb){0xF7, 0xF5, 0xF0})
#define THEME_PANEL ((struct rgb){0xFF, 0xFF, 0xFF})
#define THEME_INK   ((struct rgb){0x22, 0x26, 0x2E})
#define THEME_MUTED ((struct rgb){0x6B, 0x72, 0x80})
#define THEME_GRID  ((struct rgb){0xD9, 0xD6, 0xCE})
/* Layers of the source Q&A's first figure */
#define THEME_LAYER_USER   ((struct rgb){0xE8, 0xF1, 0xFB})
#define THEME_LAYER_KERNEL ((struct rgb){0xEE, 0xF7, 0xEA})
#define THEME_LAYER_HW     ((struct rgb){0xF6, 0xEE, 0xE3})
/* Units */
#define THEME_CPU    ((struct rgb){0x2F, 0x6D, 0xB5}) /* blue: CPU, MMU, TLB */
#define THEME_EPT    ((struct rgb){0x7B, 0x4F, 0xB0}) /* violet: EPT */
#define THEME_IOMMU  ((struct rgb){0x1F, 0x8A, 0x70}) /* teal: IOMMU, IOTLB */
#define THEME_DEVICE ((struct rgb){0xC7, 0x6B, 0x12}) /* orange: NIC, DMA controller */
#define THEME_MEMORY ((struct rgb){0x55, 0x5F, 0x6D}) /* slate: memory */
#define THEME_KERNEL ((struct rgb){0x3E, 0x8E, 0x41}) /* green: kernel, drivers, DMA API */
/* States */
#define THEME_FAULT  ((struct rgb){0xD3, 0x2F, 0x2F}) /* faults, isolation breaches */
#define THEME_HIT    ((struct rgb){0x2E, 0x9D, 0x4F}) /* TLB/IOTLB hits */
#define THEME_ACTIVE ((struct rgb){0xF2, 0xB7, 0x05}) /* the element the current event touches */
#define THEME_STALE  ((struct rgb){0xE0, 0x7A, 0x00}) /* stale IOTLB entries (lazy mode) */

/* Owner colours: host, then one per VM, then devices (cycled). */
struct rgb theme_owner(int entity_kind, int index);
/* "#RRGGBB" into buf (8 bytes). */
void theme_hex(struct rgb c, char *buf);

#define THEME_FONT_CJK   "WenQuanYi Micro Hei"
#define THEME_FONT_LATIN "DejaVu Sans"
#define THEME_FONT_MONO  "DejaVu Sans Mono"
/* Font files searched at run time, in order. */
extern const char *const theme_font_files[];
extern const char *const theme_mono_font_files[];

#endif
