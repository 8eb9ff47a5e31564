/**
 * The Measure page's plots as Observable Plot specifications: violin, box, histogram, bar of means
 * (± SD, with every point) and scatter. Groups are classes or images; n is printed per group.
 */
import * as Plot from '@observablehq/plot';
import { densityGrid, gaussianKde } from '$lib/core/measure/density';

export type PlotKind = 'violin' | 'box' | 'histogram' | 'bar' | 'scatter';

export interface PlotGroup {
	name: string;
	colour: string;
	values: Float64Array;
	/** The x descriptor's values (scatter only), aligned with `values`. */
	xValues?: Float64Array;
}

export interface PlotInput {
	kind: PlotKind;
	yLabel: string;
	xLabel?: string;
	groups: PlotGroup[];
	width: number;
}

interface Point {
	group: string;
	y: number;
	x: number;
	k: number;
}

function finitePoints(groups: PlotGroup[]): Point[] {
	const out: Point[] = [];
	for (const g of groups) {
		for (let k = 0; k < g.values.length; k++) {
			const y = g.values[k];
			const x = g.xValues ? g.xValues[k] : 0;
			if (Number.isFinite(y) && Number.isFinite(x)) out.push({ group: g.name, y, x, k });
		}
	}
	return out;
}

function meanSd(v: number[]): { mean: number; sd: number } {
	const n = v.length;
	const mean = v.reduce((a, b) => a + b, 0) / Math.max(1, n);
	const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
	return { mean, sd };
}

/** Quantile with linear interpolation (numpy's default), NaN for no values. */
function quantile(v: number[], q: number): number {
	if (v.length === 0) return NaN;
	const s = [...v].sort((a, b) => a - b);
	const r = (s.length - 1) * q;
	const i = Math.floor(r);
	return s[i] + (s[Math.min(i + 1, s.length - 1)] - s[i]) * (r - i);
}

/** A deterministic jitter in [-0.5, 0.5) (same plot every time). */
function jitter(k: number): number {
	const s = Math.sin(k * 12.9898 + 78.233) * 43758.5453;
	return s - Math.floor(s) - 0.5;
}

export function plotOptions(input: PlotInput): Plot.PlotOptions {
	const { groups } = input;
	const names = groups.map((g) => g.name);
	const colour = { domain: names, range: groups.map((g) => g.colour) };
	const points = finitePoints(groups);
	const counts = groups.map((g) => ({ group: g.name, n: points.filter((p) => p.group === g.name).length }));
	const nLabels = Plot.text(counts, { fx: 'group', text: (d: { n: number }) => `n = ${d.n}`, frameAnchor: 'top', dy: -4, fill: '#333' });
	const base = { width: input.width, height: 420, marginTop: 30, marginBottom: 50, style: { fontSize: '12px', background: 'white' } };
	const fx = { domain: names, label: null, padding: 0.15 };

	switch (input.kind) {
		case 'violin': {
			const shapes: { group: string; y: number; d: number }[] = [];
			let peak = 0;
			for (const g of groups) {
				const vals = points.filter((p) => p.group === g.name).map((p) => p.y);
				const grid = densityGrid(vals, 80, 0);
				const dens = gaussianKde(vals, grid);
				dens.forEach((d, i) => {
					peak = Math.max(peak, d);
					shapes.push({ group: g.name, y: grid[i], d });
				});
			}
			const half = (d: { d: number }) => (peak > 0 ? d.d / peak : 0);
			const quartiles = groups.map((g) => {
				const v = points.filter((p) => p.group === g.name).map((p) => p.y);
				return { group: g.name, q1: quantile(v, 0.25), median: quantile(v, 0.5), q3: quantile(v, 0.75) };
			});
			return {
				...base,
				fx,
				x: { axis: null, domain: [-1.05, 1.05] },
				y: { label: input.yLabel, grid: true },
				color: colour,
				marks: [
					Plot.areaX(shapes, { fx: 'group', y: 'y', x1: (d) => -half(d), x2: half, fill: 'group', fillOpacity: 0.55, stroke: 'group', curve: 'basis' }),
					Plot.ruleX(quartiles, { fx: 'group', x: 0, y1: 'q1', y2: 'q3', strokeWidth: 5, stroke: '#222' }),
					Plot.dot(quartiles, { fx: 'group', x: 0, y: 'median', fill: 'white', stroke: '#222', r: 3 }),
					nLabels
				]
			};
		}
		case 'box':
			return {
				...base,
				x: { domain: names, label: null, padding: 0.3 },
				y: { label: input.yLabel, grid: true },
				color: colour,
				marks: [
					Plot.boxY(points, { x: 'group', y: 'y', fill: 'group', fillOpacity: 0.6, stroke: '#222' }),
					Plot.text(counts, { x: 'group', text: (d: { n: number }) => `n = ${d.n}`, frameAnchor: 'top', dy: -4, fill: '#333' })
				]
			};
		case 'histogram':
			return {
				...base,
				height: Math.max(240, 140 * groups.length),
				fy: { domain: names, label: null },
				x: { label: input.yLabel, grid: true },
				y: { label: 'cells', grid: true },
				color: colour,
				marks: [
					Plot.rectY(points, Plot.binX<Plot.RectYOptions>({ y: 'count' }, { fy: 'group', x: 'y', fill: 'group', fillOpacity: 0.75, thresholds: 30 })),
					Plot.text(counts, { fy: 'group', text: (d: { n: number }) => `n = ${d.n}`, frameAnchor: 'top-right', dx: -4, dy: 4 }),
					Plot.ruleY([0])
				]
			};
		case 'bar': {
			const summary = groups.map((g) => ({ group: g.name, ...meanSd(points.filter((p) => p.group === g.name).map((p) => p.y)) }));
			return {
				...base,
				fx,
				x: { axis: null, domain: [-1, 1] },
				y: { label: `${input.yLabel} (mean ± SD)`, grid: true, zero: true },
				color: colour,
				marks: [
					Plot.rectY(summary, { fx: 'group', x1: -0.6, x2: 0.6, y: 'mean', fill: 'group', fillOpacity: 0.45 }),
					Plot.ruleX(summary, { fx: 'group', x: 0, y1: (d) => d.mean - d.sd, y2: (d) => d.mean + d.sd, strokeWidth: 2 }),
					Plot.dot(points, { fx: 'group', x: (d: Point) => jitter(d.k) * 0.9, y: 'y', r: 2, fill: '#222', fillOpacity: 0.7 }),
					nLabels
				]
			};
		}
		case 'scatter':
			return {
				...base,
				x: { label: input.xLabel ?? '', grid: true },
				y: { label: input.yLabel, grid: true },
				color: colour,
				marks: [
					Plot.dot(points, { x: 'x', y: 'y', fill: 'group', r: 2.5, fillOpacity: 0.75 }),
					// The legend is drawn inside the SVG so that the SVG and PNG downloads carry it.
					...groups.map((g, i) =>
						Plot.text([g], { frameAnchor: 'top-right', dx: -6, dy: 6 + 15 * i, text: (d: PlotGroup) => `● ${d.name} (n = ${counts[i].n})`, fill: g.colour, fontWeight: 600 })
					)
				]
			};
	}
}

/** Render the plot: an <svg> element (no HTML legend, so downloads carry everything). */
export function renderPlot(input: PlotInput): SVGSVGElement | HTMLElement {
	return Plot.plot(plotOptions(input));
}
