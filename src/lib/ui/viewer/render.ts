/**
 * The viewer's renderer: draws the visible part of an image with its label overlay into a canvas-
 * sized RGBA buffer, sampling nearest image pixels. Its cost depends on the canvas size, not the
 * image's, so a 4096 × 4096 (or 16000 × 16000) 16-bit image pans and zooms as fast as a small one.
 * Integer images up to 16 bits map through a per-channel lookup table rebuilt only when the
 * contrast changes. Pure typed-array code (no DOM), tested in Node.
 */
import { channelView, type PixelArray, type Raster } from '$lib/core/raster/types';
import type { View } from './view';
import { CELL_COLOURS, hexToRgb } from './palette';

export interface ChannelDisplay {
	visible: boolean;
	/** Display range: values ≤ min are black, ≥ max full colour. */
	min: number;
	max: number;
	colour: [number, number, number];
}

export interface DisplaySettings {
	channels: ChannelDisplay[];
	showImage: boolean;
	overlay: boolean;
	/** 0–1 opacity of the cell fill. */
	fillOpacity: number;
	outlines: boolean;
	/** Optional colour per cell id (0xRRGGBB); cells not in it use the cycling palette. */
	cellColours?: Map<number, number>;
}

const BACKGROUND = 0xff1b1510; // #10151b, opaque (ABGR as little-endian RGBA bytes)
const OUTLINE = 0xffffffff; // white

/** The cell palette as 0xRRGGBB numbers. */
const PALETTE_RGB = CELL_COLOURS.map((hex) => {
	const [r, g, b] = hexToRgb(hex);
	return (r << 16) | (g << 8) | b;
});

function lutRange(dtype: Raster['dtype']): { offset: number; size: number } | null {
	switch (dtype) {
		case 'uint8':
			return { offset: 0, size: 256 };
		case 'int8':
			return { offset: -128, size: 256 };
		case 'uint16':
			return { offset: 0, size: 65536 };
		case 'int16':
			return { offset: -32768, size: 65536 };
		default:
			return null;
	}
}

/** Maps a raw value to 0–255 for a display range. */
function intensity(v: number, min: number, inv: number): number {
	const t = (v - min) * inv;
	return t <= 0 ? 0 : t >= 1 ? 255 : (t * 255 + 0.5) | 0;
}

/** A rectangle of canvas pixels (exclusive max). */
export interface CanvasRect {
	x0: number;
	y0: number;
	x1: number;
	y1: number;
}

/**
 * The canvas pixels that show any pixel of an image rect (exclusive max), grown by two canvas
 * pixels each side: a changed pixel also changes the outlines its neighbours draw on their edge
 * canvas pixels (zoomed in) or the outlines of neighbouring samples (zoomed out), one pixel away.
 */
export function canvasRectOf(r: CanvasRect, view: View, width: number, height: number): CanvasRect {
	return {
		x0: Math.max(0, Math.floor(r.x0 * view.scale + view.x - 0.5) - 2),
		y0: Math.max(0, Math.floor(r.y0 * view.scale + view.y - 0.5) - 2),
		x1: Math.min(width, Math.ceil(r.x1 * view.scale + view.x - 0.5) + 2),
		y1: Math.min(height, Math.ceil(r.y1 * view.scale + view.y - 0.5) + 2)
	};
}

export class ViewRenderer {
	private luts: { key: string; table: Uint8Array }[] = [];
	private colIndex = new Int32Array(0);
	private colEdge = new Uint8Array(0);
	/** Cell ids sampled at the canvas pixels of the previous, current and next rows (zoomed out). */
	private idRows = [new Uint32Array(0), new Uint32Array(0), new Uint32Array(0)];

	private lutFor(raster: Raster, c: number, d: ChannelDisplay): Uint8Array | null {
		const range = lutRange(raster.dtype);
		if (!range) return null;
		const key = `${raster.dtype}:${d.min}:${d.max}`;
		const cached = this.luts[c];
		if (cached && cached.key === key) return cached.table;
		const table = new Uint8Array(range.size);
		const inv = d.max > d.min ? 1 / (d.max - d.min) : 0;
		for (let i = 0; i < range.size; i++) table[i] = d.max > d.min ? intensity(i + range.offset, d.min, inv) : i + range.offset > d.min ? 255 : 0;
		this.luts[c] = { key, table };
		return table;
	}

	/**
	 * Draw into `out` (width × height pixels, RGBA bytes viewed as Uint32 little-endian).
	 * `labels` must be raster.width × raster.height, or null. With `clip` (canvas pixels, exclusive
	 * max) only those pixels are drawn: after an edit, the canvas pixels its dirty rect covers.
	 */
	render(
		out: Uint32Array,
		width: number,
		height: number,
		raster: Raster,
		labels: Uint32Array | null,
		view: View,
		settings: DisplaySettings,
		clip?: CanvasRect
	): void {
		const cx0 = Math.max(0, clip?.x0 ?? 0);
		const cy0 = Math.max(0, clip?.y0 ?? 0);
		const cx1 = Math.min(width, clip?.x1 ?? width);
		const cy1 = Math.min(height, clip?.y1 ?? height);
		if (cx1 <= cx0 || cy1 <= cy0) return;
		const W = raster.width;
		const H = raster.height;
		if (this.colIndex.length < width) {
			this.colIndex = new Int32Array(width);
			this.colEdge = new Uint8Array(width);
		}
		// Outline thickness: one canvas pixel, in image pixels (whole pixels when zoomed out).
		const t = Math.min(1, 1 / view.scale);
		const colIndex = this.colIndex;
		const colEdge = this.colEdge;
		for (let sx = 0; sx < width; sx++) {
			const fx = (sx + 0.5 - view.x) / view.scale;
			const col = Math.floor(fx);
			colIndex[sx] = col >= 0 && col < W ? col : -1;
			const f = fx - col;
			colEdge[sx] = (f < t ? 1 : 0) | (f >= 1 - t ? 2 : 0);
		}

		const channels = this.visibleChannels(raster, settings);
		const offset = lutRange(raster.dtype)?.offset ?? 0;
		const overlay = settings.overlay ? labels : null;
		const alpha = Math.round(Math.max(0, Math.min(1, settings.fillOpacity)) * 256);
		const drawOutlines = overlay !== null && settings.outlines;
		const colours = settings.cellColours;
		// A single channel through its lookup table is the common case: a tight loop of its own.
		const single = channels.length === 1 && channels[0].lut !== null ? channels[0] : null;
		// Zoomed out (a canvas pixel covers ≥ 1 image pixel), a cell's outline is where its sampled id
		// differs from the neighbouring canvas pixels' samples: one-pixel lines read from three row
		// buffers instead of four scattered reads of the big label image per pixel.
		const sampled = drawOutlines && view.scale <= 1;
		if (sampled && this.idRows[0].length < width + 2) this.idRows = [0, 1, 2].map(() => new Uint32Array(width + 2));
		let [prevIds, curIds, nextIds] = this.idRows;
		const sampleRow = (sy: number, into: Uint32Array) => {
			const row = Math.floor((sy + 0.5 - view.y) / view.scale);
			into.fill(0);
			if (row < 0 || row >= H || sy < 0 || sy >= height) return;
			const b = row * W;
			const lab = overlay as Uint32Array;
			for (let sx = 0; sx < width; sx++) if (colIndex[sx] >= 0) into[sx + 1] = lab[b + colIndex[sx]];
		};
		if (sampled) {
			sampleRow(cy0 - 1, prevIds);
			sampleRow(cy0, curIds);
			sampleRow(cy0 + 1, nextIds);
		}

		for (let sy = cy0; sy < cy1; sy++) {
			if (sampled && sy > cy0) {
				[prevIds, curIds, nextIds] = [curIds, nextIds, prevIds];
				sampleRow(sy + 1, nextIds);
			}
			const fy = (sy + 0.5 - view.y) / view.scale;
			const row = Math.floor(fy);
			const o = sy * width;
			if (row < 0 || row >= H) {
				out.fill(BACKGROUND, o + cx0, o + cx1);
				continue;
			}
			const f = fy - row;
			const rowEdge = (f < t ? 1 : 0) | (f >= 1 - t ? 2 : 0);
			const base = row * W;
			let lastCol = -2;
			let colour = 0; // the pixel's colour before any outline (ABGR)
			let id = 0;
			for (let sx = cx0; sx < cx1; sx++) {
				const col = colIndex[sx];
				if (col < 0) {
					out[o + sx] = BACKGROUND;
					continue;
				}
				const i = base + col;
				// Zoomed in, neighbouring canvas pixels show the same image pixel: compute it once.
				if (col !== lastCol) {
					lastCol = col;
					let r = 0;
					let g = 0;
					let b = 0;
					if (single !== null) {
						const v = (single.lut as Uint8Array)[single.data[i] - offset];
						r = v * single.r;
						g = v * single.g;
						b = v * single.b;
					} else {
						for (let k = 0; k < channels.length; k++) {
							const ch = channels[k];
							const v = ch.lut ? ch.lut[ch.data[i] - offset] : intensity(ch.data[i], ch.min, ch.inv);
							r += v * ch.r;
							g += v * ch.g;
							b += v * ch.b;
						}
					}
					id = overlay !== null ? overlay[i] : 0;
					if (id !== 0 && alpha > 0) {
						const c = colours?.get(id) ?? PALETTE_RGB[(id - 1) % PALETTE_RGB.length];
						r += ((((c >> 16) & 255) - r) * alpha) / 256;
						g += ((((c >> 8) & 255) - g) * alpha) / 256;
						b += (((c & 255) - b) * alpha) / 256;
					}
					colour = 0xff000000 | (Math.min(255, b | 0) << 16) | (Math.min(255, g | 0) << 8) | Math.min(255, r | 0);
				}
				// Outlines lie on the cell's own border pixels, so neighbouring cells keep both lines.
				if (id !== 0 && sampled) {
					const k = sx + 1;
					if (curIds[k - 1] !== id || curIds[k + 1] !== id || prevIds[k] !== id || nextIds[k] !== id) {
						out[o + sx] = OUTLINE;
						continue;
					}
				} else if (id !== 0 && drawOutlines) {
					const lab = overlay as Uint32Array;
					const ce = colEdge[sx];
					if (
						((ce & 1) !== 0 && (col === 0 || lab[i - 1] !== id)) ||
						((ce & 2) !== 0 && (col === W - 1 || lab[i + 1] !== id)) ||
						((rowEdge & 1) !== 0 && (row === 0 || lab[i - W] !== id)) ||
						((rowEdge & 2) !== 0 && (row === H - 1 || lab[i + W] !== id))
					) {
						out[o + sx] = OUTLINE;
						continue;
					}
				}
				out[o + sx] = colour;
			}
		}
		this.idRows = [prevIds, curIds, nextIds];
	}

	private visibleChannels(raster: Raster, settings: DisplaySettings): VisibleChannel[] {
		const visible: VisibleChannel[] = [];
		if (!settings.showImage) return visible;
		settings.channels.forEach((d, c) => {
			if (!d.visible || c >= raster.channels) return;
			visible.push({
				data: channelView(raster, c),
				lut: this.lutFor(raster, c, d),
				min: d.min,
				inv: d.max > d.min ? 1 / (d.max - d.min) : 0,
				r: d.colour[0] / 255,
				g: d.colour[1] / 255,
				b: d.colour[2] / 255
			});
		});
		return visible;
	}
}

interface VisibleChannel {
	data: PixelArray;
	lut: Uint8Array | null;
	min: number;
	inv: number;
	r: number;
	g: number;
	b: number;
}

/** The values of every channel and the cell id at one image pixel. */
export function pixelInfo(raster: Raster, labels: Uint32Array | null, col: number, row: number) {
	if (col < 0 || row < 0 || col >= raster.width || row >= raster.height) return null;
	const i = row * raster.width + col;
	const n = raster.width * raster.height;
	const values: number[] = [];
	for (let c = 0; c < raster.channels; c++) values.push(raster.data[c * n + i]);
	return { col, row, values, cell: labels ? labels[i] : 0 };
}
