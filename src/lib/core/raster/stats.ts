/**
 * Per-channel statistics for display: minimum, maximum and the 1st/99th percentiles used by
 * auto-contrast. Integer images up to 16 bits use an exact histogram (one pass, no sort);
 * other dtypes sort a strided sample of at most ~1 M values, which is plenty for a contrast range.
 */
import { channelView, type PixelArray, type Raster } from './types';

export interface ChannelStats {
	min: number;
	max: number;
	/** 1st percentile (linear interpolation, as numpy's default). */
	p1: number;
	/** 99th percentile. */
	p99: number;
}

/** The value at percentile q (0–100) of sorted values, linear interpolation as numpy's default method. */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
	const n = sorted.length;
	if (n === 0) return NaN;
	const rank = ((n - 1) * q) / 100;
	const i = Math.floor(rank);
	const t = rank - i;
	const a = sorted[i];
	const b = sorted[Math.min(i + 1, n - 1)];
	const d = b - a;
	return t < 0.5 ? a + d * t : b - d * (1 - t);
}

/** Value at a 0-based rank of the data described by a histogram starting at `offset`. */
function valueAtRank(hist: Uint32Array, offset: number, rank: number): number {
	let seen = 0;
	for (let v = 0; v < hist.length; v++) {
		seen += hist[v];
		if (seen > rank) return v + offset;
	}
	return hist.length - 1 + offset;
}

function histogramStats(data: PixelArray, offset: number, size: number): ChannelStats {
	const hist = new Uint32Array(size);
	for (let i = 0; i < data.length; i++) hist[data[i] - offset]++;
	const n = data.length;
	let lo = 0;
	while (lo < size && hist[lo] === 0) lo++;
	let hi = size - 1;
	while (hi > 0 && hist[hi] === 0) hi--;
	const pct = (q: number) => {
		const rank = ((n - 1) * q) / 100;
		const i = Math.floor(rank);
		const t = rank - i;
		const a = valueAtRank(hist, offset, i);
		const b = valueAtRank(hist, offset, Math.min(i + 1, n - 1));
		return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1 - t);
	};
	return { min: lo + offset, max: hi + offset, p1: pct(1), p99: pct(99) };
}

function sampledStats(data: PixelArray): ChannelStats {
	let min = Infinity;
	let max = -Infinity;
	let finite = 0;
	for (let i = 0; i < data.length; i++) {
		const v = data[i];
		if (Number.isFinite(v)) {
			finite++;
			if (v < min) min = v;
			if (v > max) max = v;
		}
	}
	if (finite === 0) return { min: 0, max: 0, p1: 0, p99: 0 };
	const step = Math.max(1, Math.floor(data.length / 1_048_576));
	const sample = new Float64Array(Math.ceil(data.length / step));
	let k = 0;
	for (let i = 0; i < data.length; i += step) {
		const v = data[i];
		if (Number.isFinite(v)) sample[k++] = v;
	}
	const sorted = sample.subarray(0, k).sort();
	return { min, max, p1: percentileOfSorted(sorted, 1), p99: percentileOfSorted(sorted, 99) };
}

/** Statistics of one channel. */
export function channelStats(r: Raster, c: number): ChannelStats {
	const data = channelView(r, c);
	switch (r.dtype) {
		case 'uint8':
			return histogramStats(data, 0, 256);
		case 'int8':
			return histogramStats(data, -128, 256);
		case 'uint16':
			return histogramStats(data, 0, 65536);
		case 'int16':
			return histogramStats(data, -32768, 65536);
		default:
			return sampledStats(data);
	}
}

/** Statistics of every channel. */
export function rasterStats(r: Raster): ChannelStats[] {
	const out: ChannelStats[] = [];
	for (let c = 0; c < r.channels; c++) out.push(channelStats(r, c));
	return out;
}
