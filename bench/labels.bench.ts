/**
 * Benchmark of the label-editing operations on a 4096 × 4096 label image with ~10,000 cells (a
 * 102 × 102 grid of 40-px tiles, discs of radius 12–18 px with jittered centres, every tenth with
 * a 3 × 3 hole). Each sample is one operation plus `applyEdit` (what the UI does per mouse event);
 * the image is restored with `revertEdit` between samples (not timed). "FullScan" rows scan the
 * whole image (as before the cell index); "AsTheAppDoes" rows give no hint, so the cell index
 * (core/labels/cell-index.ts, built once: `cellIndexBuildMs`) bounds the scan. Run:
 * `npx tsx bench/labels.bench.ts`. Prints one JSON object with p50/p95 in milliseconds.
 */
import {
	allCells,
	applyEdit,
	applyEdits,
	cellInfo,
	cellRect,
	deleteCell,
	drawPolygonCell,
	editBytes,
	eraseStroke,
	fillAllHoles,
	fillCellHoles,
	fullRect,
	mergeCells,
	paintNewCell,
	paintStroke,
	revertEdit,
	revertEdits,
	selectAt,
	splitCell,
	unionRect,
	type CellInfo,
	type Edit,
	type Point
} from '../src/lib/core/labels/index';
import { maxLabelOf } from '../src/lib/core/cellpose/labels-util';

const W = 4096;
const H = 4096;
const TILE = 40;

let seed = 20261127;
const rand = (): number => {
	seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
	return seed / 4294967296;
};

function makeLabels(): { width: number; height: number; data: Uint32Array } {
	const data = new Uint32Array(W * H);
	let id = 0;
	const n = Math.floor(W / TILE);
	for (let ty = 0; ty < n; ty++) {
		for (let tx = 0; tx < n; tx++) {
			id++;
			const r = 12 + rand() * 6;
			const cy = ty * TILE + TILE / 2 + (rand() - 0.5) * 4;
			const cx = tx * TILE + TILE / 2 + (rand() - 0.5) * 4;
			for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) {
				for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) {
					if (x < 0 || y < 0 || x >= W || y >= H) continue;
					const dd = (y + 0.5 - cy) ** 2 + (x + 0.5 - cx) ** 2;
					if (dd <= r * r && !(id % 10 === 0 && dd <= 2.5)) data[y * W + x] = id;
				}
			}
		}
	}
	return { width: W, height: H, data };
}

const labels = makeLabels();
const cells = allCells(labels);
const byId = new Map<number, CellInfo>(cells.map((c) => [c.id, c]));
const nextId = maxLabelOf(labels.data) + 1;
const perRow = Math.floor(W / TILE);

function pct(xs: number[], q: number): number {
	const s = [...xs].sort((a, b) => a - b);
	return Number(s[Math.min(s.length - 1, Math.floor((s.length - 1) * q))].toFixed(3));
}

/** Time `runs` samples of `make` (returning the edit) + apply; revert after each. */
function bench(runs: number, make: (k: number) => Edit): { p50: number; p95: number; maxBytes: number } {
	for (let k = 0; k < 20; k++) {
		const e = make(k);
		applyEdit(labels, e);
		revertEdit(labels, e);
	}
	const t: number[] = [];
	let maxBytes = 0;
	for (let k = 0; k < runs; k++) {
		const t0 = performance.now();
		const e = make(k);
		applyEdit(labels, e);
		t.push(performance.now() - t0);
		maxBytes = Math.max(maxBytes, editBytes(e));
		revertEdit(labels, e);
	}
	return { p50: pct(t, 0.5), p95: pct(t, 0.95), maxBytes };
}

const centre = (c: CellInfo): Point => ({ x: (c.bbox.x0 + c.bbox.x1) / 2, y: (c.bbox.y0 + c.bbox.y1) / 2 });
const cellAtTile = (k: number): CellInfo => cells[(k * 7919) % cells.length];
const circle = (cx: number, cy: number, r: number, n: number): Point[] =>
	Array.from({ length: n }, (_, i) => ({ x: cx + r * Math.cos((2 * Math.PI * i) / n), y: cy + r * Math.sin((2 * Math.PI * i) / n) }));

const runs = 300;
const result = {
	bench: 'labels',
	image: `${W}x${H}`,
	cells: cells.length,
	runs,
	unit: 'ms',
	brushDabIntoCell: bench(runs, (k) => {
		const c = cellAtTile(k);
		const p = centre(c);
		return paintStroke(labels, [{ x: p.x + 10, y: p.y }], 5, c.id, { nextId });
	}),
	brushSegmentNewCellBackgroundOnly: bench(runs, (k) => {
		const p = centre(cellAtTile(k));
		return paintNewCell(labels, [{ x: p.x + 15, y: p.y - 20 }, { x: p.x + 25, y: p.y + 20 }], 5, { mode: 'background-only', nextId });
	}),
	eraserDab: bench(runs, (k) => eraseStroke(labels, [centre(cellAtTile(k))], 5, { nextId })),
	eraserStrokeCuttingCell: bench(runs, (k) => {
		const p = centre(cellAtTile(k));
		return eraseStroke(labels, [{ x: p.x, y: p.y - 25 }, { x: p.x, y: p.y + 25 }], 2, { nextId });
	}),
	lasso200pxCell: bench(runs, (k) => {
		const p = centre(cellAtTile(k));
		return drawPolygonCell(labels, circle(p.x + 20, p.y + 20, 8, 48), { mode: 'background-only', nextId });
	}),
	lassoRadius150Replace: bench(100, (k) => {
		const p = centre(cellAtTile(k));
		return drawPolygonCell(labels, circle(p.x, p.y, 150, 400), { mode: 'replace', nextId });
	}),
	mergeTwoCellsWithBbox: bench(runs, (k) => {
		const a = cellAtTile(k);
		const b = byId.get(a.id % perRow === 0 ? a.id - 1 : a.id + 1)!;
		return mergeCells(labels, [a.id, b.id], { within: unionRect(a.bbox, b.bbox) });
	}),
	mergeTwoCellsFullScan: bench(30, (k) => {
		const a = cellAtTile(k);
		return mergeCells(labels, [a.id, a.id % perRow === 0 ? a.id - 1 : a.id + 1], { within: fullRect(W, H) });
	}),
	cellIndexBuildMs: (() => {
		const t0 = performance.now();
		cellRect(labels, 1);
		return Number((performance.now() - t0).toFixed(1));
	})(),
	mergeTwoCellsAsTheAppDoes: bench(runs, (k) => {
		const a = cellAtTile(k);
		return mergeCells(labels, [a.id, a.id % perRow === 0 ? a.id - 1 : a.id + 1]);
	}),
	deleteCellAsTheAppDoes: bench(runs, (k) => deleteCell(labels, cellAtTile(k).id)),
	splitCell: bench(runs, (k) => {
		const c = cellAtTile(k);
		const p = centre(c);
		return splitCell(labels, [{ x: p.x - 25, y: p.y + 0.3 }, { x: p.x + 25, y: p.y - 0.3 }], { id: c.id, nextId }).edit;
	}),
	fillHolesOneCell: bench(runs, (k) => {
		const c = cells[((k * 7919) % Math.floor(cells.length / 10)) * 10 + 9];
		return fillCellHoles(labels, c.id, { within: c.bbox });
	}),
	deleteCellWithBbox: bench(runs, (k) => {
		const c = cellAtTile(k);
		return deleteCell(labels, c.id, { within: c.bbox });
	}),
	selectAtFullScan: (() => {
		const t: number[] = [];
		for (let k = 0; k < 30; k++) {
			const p = centre(cellAtTile(k));
			const t0 = performance.now();
			selectAt(labels, p.x, p.y, fullRect(W, H));
			t.push(performance.now() - t0);
		}
		return { p50: pct(t, 0.5), p95: pct(t, 0.95) };
	})(),
	selectAtAsTheAppDoes: (() => {
		const t: number[] = [];
		for (let k = 0; k < runs; k++) {
			const p = centre(cellAtTile(k));
			const t0 = performance.now();
			selectAt(labels, p.x, p.y);
			t.push(performance.now() - t0);
		}
		return { p50: pct(t, 0.5), p95: pct(t, 0.95) };
	})(),
	selectAtWithBbox: (() => {
		const t: number[] = [];
		for (let k = 0; k < runs; k++) {
			const c = cellAtTile(k);
			const t0 = performance.now();
			cellInfo(labels, c.id, c.bbox);
			t.push(performance.now() - t0);
		}
		return { p50: pct(t, 0.5), p95: pct(t, 0.95) };
	})(),
	fillAllHolesMs: (() => {
		const t0 = performance.now();
		const es = fillAllHoles(labels);
		applyEdits(labels, es);
		const ms = performance.now() - t0;
		revertEdits(labels, es);
		return { ms: Number(ms.toFixed(1)), edits: es.length };
	})(),
	node: process.version
};
console.log(JSON.stringify(result));
