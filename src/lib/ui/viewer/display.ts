/** Default display settings for an image, from its statistics: auto-contrast (1–99 %) per channel. */
import type { ChannelStats } from '$lib/core/raster/stats';
import type { Raster } from '$lib/core/raster/types';
import { CHANNEL_COLOURS, hexToRgb } from './palette';
import type { ChannelDisplay, DisplaySettings } from './render';

/** Auto-contrast range of a channel: its 1st–99th percentiles (or min–max when those coincide). */
export function autoRange(s: ChannelStats): { min: number; max: number } {
	if (s.p99 > s.p1) return { min: s.p1, max: s.p99 };
	if (s.max > s.min) return { min: s.min, max: s.max };
	return { min: s.min, max: s.min + 1 };
}

/** Whether an image is most likely true colour (8-bit RGB/RGBA) rather than fluorescence channels. */
export function looksLikeRgb(r: Raster): boolean {
	return r.dtype === 'uint8' && (r.channels === 3 || r.channels === 4);
}

export function defaultDisplay(r: Raster, stats: ChannelStats[]): DisplaySettings {
	const rgb = looksLikeRgb(r);
	const channels: ChannelDisplay[] = stats.map((s, c) => {
		if (rgb) {
			const colour: [number, number, number] = c === 0 ? [255, 0, 0] : c === 1 ? [0, 255, 0] : c === 2 ? [0, 0, 255] : [0, 0, 0];
			return { visible: c < 3, min: 0, max: 255, colour };
		}
		const colour: [number, number, number] = r.channels === 1 ? [255, 255, 255] : hexToRgb(CHANNEL_COLOURS[c % CHANNEL_COLOURS.length]);
		return { visible: c < 3, ...autoRange(s), colour };
	});
	return { channels, showImage: true, overlay: true, fillOpacity: 0.35, outlines: true };
}
