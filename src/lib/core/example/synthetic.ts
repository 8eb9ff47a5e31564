/**
 * Synthetic example data made by our own code, so "Load example data" works offline and ships no
 * third-party images: fluorescent-nucleus-like ellipses with blur-like soft edges, uneven
 * brightness and camera noise, plus their exact label masks.
 */
import type { Labels, Raster } from '../raster/types';
import { normal, seededRandom } from './random';

export interface ExampleImage {
	name: string;
	raster: Raster;
	labels: Labels;
	pixelSizeUm: number;
}

interface Ellipse {
	cy: number;
	cx: number;
	a: number; // semi-axis along the rotated x
	b: number;
	angle: number;
	brightness: number;
}

function placeEllipses(rand: () => number, width: number, height: number, count: number, radius: number): Ellipse[] {
	const out: Ellipse[] = [];
	let tries = 0;
	while (out.length < count && tries < count * 200) {
		tries++;
		const r = radius * (0.7 + 0.6 * rand());
		const e: Ellipse = {
			cy: rand() * height,
			cx: rand() * width,
			a: r * (1 + 0.5 * rand()),
			b: r,
			angle: rand() * Math.PI,
			brightness: 0.55 + 0.45 * rand()
		};
		// Keep cells apart by most of their size; a few touch, as real nuclei do.
		const clash = out.some((o) => Math.hypot(o.cy - e.cy, o.cx - e.cx) < 0.9 * (Math.max(o.a, o.b) + Math.max(e.a, e.b)));
		if (!clash) out.push(e);
	}
	return out;
}

/** Signed "inside" measure of a point for an ellipse: < 1 inside, 1 on the edge. */
function ellipseRadius(e: Ellipse, y: number, x: number): number {
	const dy = y - e.cy;
	const dx = x - e.cx;
	const c = Math.cos(e.angle);
	const s = Math.sin(e.angle);
	const u = (dx * c + dy * s) / e.a;
	const v = (-dx * s + dy * c) / e.b;
	return Math.sqrt(u * u + v * v);
}

/** One synthetic image of nuclei: uint16, one or two channels (cytoplasm ring + nucleus). */
export function syntheticNuclei(
	name: string,
	seed: number,
	width = 512,
	height = 512,
	count = 40,
	radius = 14,
	withCytoplasm = false
): ExampleImage {
	const rand = seededRandom(seed);
	const cells = placeEllipses(rand, width, height, count, radius);
	const n = width * height;
	const channels = withCytoplasm ? 2 : 1;
	const signal = new Float32Array(n * channels);
	const labels = new Uint32Array(n);
	cells.forEach((e, k) => {
		const reach = Math.ceil(Math.max(e.a, e.b) * (withCytoplasm ? 2.1 : 1.4));
		const y0 = Math.max(0, Math.floor(e.cy - reach));
		const y1 = Math.min(height - 1, Math.ceil(e.cy + reach));
		const x0 = Math.max(0, Math.floor(e.cx - reach));
		const x1 = Math.min(width - 1, Math.ceil(e.cx + reach));
		for (let y = y0; y <= y1; y++) {
			for (let x = x0; x <= x1; x++) {
				const i = y * width + x;
				const r = ellipseRadius(e, y, x);
				// Soft edge: a logistic fall-off around the boundary, like an optical blur.
				const nucleus = e.brightness / (1 + Math.exp((r - 1) * 8));
				if (withCytoplasm) {
					const cyto = 0.45 * e.brightness / (1 + Math.exp((r - 1.9) * 7));
					signal[i] = Math.max(signal[i], cyto);
					signal[n + i] = Math.max(signal[n + i], nucleus);
					if (r < 1.9 && labels[i] === 0) labels[i] = k + 1;
				} else {
					signal[i] = Math.max(signal[i], nucleus * (0.85 + 0.15 * Math.cos(r * 3)));
					if (r < 1 && labels[i] === 0) labels[i] = k + 1;
				}
			}
		}
	});
	// Uneven illumination, background offset and Gaussian camera noise, in 12-bit-like counts.
	const data = new Uint16Array(n * channels);
	const gy = rand() - 0.5;
	const gx = rand() - 0.5;
	for (let c = 0; c < channels; c++) {
		for (let y = 0; y < height; y++) {
			for (let x = 0; x < width; x++) {
				const i = y * width + x;
				const shade = 1 + 0.25 * (gy * (y / height - 0.5) + gx * (x / width - 0.5));
				const v = 200 + 2600 * signal[c * n + i] * shade + 40 * normal(rand);
				data[c * n + i] = Math.max(0, Math.min(65535, Math.round(v)));
			}
		}
	}
	return {
		name,
		raster: { width, height, channels, dtype: 'uint16', data },
		labels: { width, height, data: labels },
		pixelSizeUm: 0.325
	};
}

/** The example set behind "Load example data": three small images with their masks. */
export function exampleSet(): ExampleImage[] {
	return [
		syntheticNuclei('example_nuclei_sparse.tif', 1, 512, 512, 30, 13),
		syntheticNuclei('example_nuclei_dense.tif', 2, 512, 384, 70, 10),
		syntheticNuclei('example_cells_2ch.tif', 3, 384, 384, 18, 11, true)
	];
}
