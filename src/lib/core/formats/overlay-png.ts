/**
 * The image with its cells drawn on it, as an 8-bit RGBA PNG: each cell filled with a colour at
 * some opacity, and its border pixels (those with a 4-neighbour outside the cell, the image edge
 * included) in an outline colour — the same look as the viewer's overlay.
 *
 * The PNG is written by a minimal lossless encoder (zlib from fflate, per-row filter chosen by the
 * usual minimum-sum-of-absolute-differences heuristic), so that it can carry the provenance:
 * iTXt chunks `Software`, `Description` (a methods sentence) and `mycol:provenance` (JSON), and a
 * pHYs chunk with the pixel size when it is known.
 */
import { zlibSync } from 'fflate';
import type { Labels, Raster } from '../raster/types';
import { ParamError } from './errors';
import { provenanceJson, provenanceRecord, provenanceSentence, type Provenance } from './provenance';

export type Rgb = readonly [number, number, number];

/** Paul Tol's "bright" qualitative scheme (colour-blind safe), cycled by cell id. */
export const CELL_COLORS: readonly Rgb[] = [
	[68, 119, 170],
	[238, 102, 119],
	[34, 136, 51],
	[204, 187, 68],
	[102, 204, 238],
	[170, 51, 119],
	[187, 187, 187]
];

export const cellColor = (label: number): Rgb => CELL_COLORS[(label - 1) % CELL_COLORS.length];

export interface OverlayOptions {
	/** Fill opacity 0–1 (default 0.35; 0 draws outlines only). */
	fillOpacity?: number;
	/** Draw border pixels in `outlineColor` (default true). */
	outlines?: boolean;
	/** Default white. */
	outlineColor?: Rgb;
	/** Colour of a cell (e.g. its class colour); default `cellColor`. */
	colorOf?: (label: number) => Rgb;
	/** Display range per channel (default each channel's min and max). */
	display?: readonly { min: number; max: number }[];
}

/**
 * The image as 8-bit RGB(A): one channel grey, two as red and green, three or more the first three
 * as RGB; each channel scaled linearly from its display range to 0–255. No image: black.
 */
function imageRgba(image: Raster | null, width: number, height: number, display?: readonly { min: number; max: number }[]): Uint8Array {
	const n = width * height;
	const out = new Uint8Array(4 * n);
	for (let i = 0; i < n; i++) out[4 * i + 3] = 255;
	if (!image) return out;
	if (image.width !== width || image.height !== height) {
		throw new ParamError('overlay', `the image is ${image.width} × ${image.height} but the mask ${width} × ${height}`);
	}
	const shown = Math.min(image.channels, 3);
	for (let c = 0; c < shown; c++) {
		const plane = image.data.subarray(c * n, (c + 1) * n);
		let lo = display?.[c]?.min;
		let hi = display?.[c]?.max;
		if (lo === undefined || hi === undefined) {
			lo = Infinity;
			hi = -Infinity;
			for (let i = 0; i < n; i++) {
				const v = plane[i];
				if (v < lo) lo = v;
				if (v > hi) hi = v;
			}
		}
		const scale = hi > lo ? 255 / (hi - lo) : 0;
		const targets = image.channels === 1 ? [0, 1, 2] : [c];
		for (let i = 0; i < n; i++) {
			const v = Math.round((plane[i] - lo) * scale);
			const b = v < 0 ? 0 : v > 255 ? 255 : v;
			for (const t of targets) out[4 * i + t] = b;
		}
	}
	return out;
}

/** Draw the overlay into RGBA pixels (row-major, 4 bytes per pixel). */
export function renderOverlay(image: Raster | null, labels: Labels, opts: OverlayOptions = {}): Uint8Array {
	const { width: W, height: H, data } = labels;
	if (data.length !== W * H) throw new ParamError('overlay', `a ${W} × ${H} mask must have ${W * H} ids, not ${data.length}`);
	const alpha = opts.fillOpacity ?? 0.35;
	if (!(alpha >= 0 && alpha <= 1)) throw new ParamError('overlay', `the fill opacity ${alpha} is not between 0 and 1`);
	const outlines = opts.outlines ?? true;
	const oc = opts.outlineColor ?? [255, 255, 255];
	const colorOf = opts.colorOf ?? cellColor;
	const out = imageRgba(image, W, H, opts.display);
	let lastLabel = 0;
	let col: Rgb = [0, 0, 0];
	for (let y = 0; y < H; y++) {
		for (let x = 0; x < W; x++) {
			const p = y * W + x;
			const l = data[p];
			if (l === 0) continue;
			const border = x === 0 || x === W - 1 || y === 0 || y === H - 1 || data[p - 1] !== l || data[p + 1] !== l || data[p - W] !== l || data[p + W] !== l;
			const o = 4 * p;
			if (outlines && border) {
				out[o] = oc[0];
				out[o + 1] = oc[1];
				out[o + 2] = oc[2];
				continue;
			}
			if (l !== lastLabel) {
				col = colorOf(l);
				lastLabel = l;
			}
			out[o] = Math.round(out[o] * (1 - alpha) + col[0] * alpha);
			out[o + 1] = Math.round(out[o + 1] * (1 - alpha) + col[1] * alpha);
			out[o + 2] = Math.round(out[o + 2] * (1 - alpha) + col[2] * alpha);
		}
	}
	return out;
}

// --- a minimal PNG encoder -------------------------------------------------------------------

const CRC_TABLE = (() => {
	const t = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		t[n] = c >>> 0;
	}
	return t;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
	let c = 0xffffffff;
	for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
	const out = new Uint8Array(12 + body.length);
	const v = new DataView(out.buffer);
	v.setUint32(0, body.length);
	for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
	out.set(body, 8);
	v.setUint32(8 + body.length, crc32(out, 4, 8 + body.length));
	return out;
}

const utf8 = new TextEncoder();

/** An uncompressed iTXt chunk body: keyword (Latin-1, 1–79 chars), flags, empty language tags, UTF-8 text. */
function itxt(keyword: string, text: string): Uint8Array {
	if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new ParamError('PNG text', `"${keyword}" is not a valid PNG keyword`);
	const t = utf8.encode(text);
	const out = new Uint8Array(keyword.length + 5 + t.length);
	for (let i = 0; i < keyword.length; i++) out[i] = keyword.charCodeAt(i);
	// NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL.
	out.set(t, keyword.length + 5);
	return out;
}

export interface PngTextEntry {
	keyword: string;
	text: string;
}

/** Encode 8-bit RGBA pixels as a PNG, with iTXt text chunks and, optionally, a pixel size. */
export function encodeRgbaPng(rgba: Uint8Array, width: number, height: number, text: readonly PngTextEntry[] = [], pixelSizeUm: number | null = null): Uint8Array {
	if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || rgba.length !== 4 * width * height) {
		throw new ParamError('PNG', `${rgba.length} bytes are not ${width} × ${height} RGBA pixels`);
	}
	const stride = 4 * width;
	const raw = new Uint8Array((stride + 1) * height);
	const cand = [new Uint8Array(stride), new Uint8Array(stride), new Uint8Array(stride)];
	for (let y = 0; y < height; y++) {
		const row = rgba.subarray(y * stride, (y + 1) * stride);
		const up = y > 0 ? rgba.subarray((y - 1) * stride, y * stride) : null;
		// Filters 0 (None), 1 (Sub), 2 (Up); keep the one with the smallest sum of |signed bytes|.
		let best = 0;
		let bestCost = Infinity;
		for (let f = 0; f < 3; f++) {
			const c = cand[f];
			let cost = 0;
			for (let i = 0; i < stride; i++) {
				const pred = f === 1 ? (i >= 4 ? row[i - 4] : 0) : f === 2 ? (up ? up[i] : 0) : 0;
				const v = (row[i] - pred) & 0xff;
				c[i] = v;
				cost += v < 128 ? v : 256 - v;
			}
			if (cost < bestCost) {
				bestCost = cost;
				best = f;
			}
		}
		raw[y * (stride + 1)] = best;
		raw.set(cand[best], y * (stride + 1) + 1);
	}
	const ihdr = new Uint8Array(13);
	const hv = new DataView(ihdr.buffer);
	hv.setUint32(0, width);
	hv.setUint32(4, height);
	ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit, RGBA, deflate, adaptive filtering, no interlace
	const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
	if (pixelSizeUm !== null) {
		const ppm = Math.round(1e6 / pixelSizeUm);
		if (!(ppm >= 1 && ppm <= 0xffffffff)) throw new ParamError('PNG', `${pixelSizeUm} µm is not a pixel size a PNG can record`);
		const phys = new Uint8Array(9);
		const pv = new DataView(phys.buffer);
		pv.setUint32(0, ppm);
		pv.setUint32(4, ppm);
		phys[8] = 1; // unit: metre
		parts.push(chunk('pHYs', phys));
	}
	for (const t of text) parts.push(chunk('iTXt', itxt(t.keyword, t.text)));
	parts.push(chunk('IDAT', zlibSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0)));
	const total = parts.reduce((s, p) => s + p.length, 0);
	const out = new Uint8Array(total);
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}

/** The overlay as a PNG carrying the provenance (see the module comment). */
export function writeOverlayPng(image: Raster | null, labels: Labels, opts: OverlayOptions & { provenance: Provenance }): Uint8Array {
	const rec = provenanceRecord(opts.provenance);
	const rgba = renderOverlay(image, labels, opts);
	return encodeRgbaPng(
		rgba,
		labels.width,
		labels.height,
		[
			{ keyword: 'Software', text: `${rec.app} ${rec.app_version}` },
			{ keyword: 'Description', text: provenanceSentence(opts.provenance) },
			{ keyword: 'mycol:provenance', text: provenanceJson(opts.provenance, 0) }
		],
		rec.pixel_size_um
	);
}
