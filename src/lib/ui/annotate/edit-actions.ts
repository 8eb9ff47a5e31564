/**
 * Editing the current image's mask: every operation is a pure core function that returns an
 * Edit (dirty rectangle + before/after); it is applied in place, the view redraws only by version,
 * and the edit goes on the undo stack. Classes are edited the same way.
 */
import { applyEdit, type Edit } from '$lib/core/labels/edit';
import { noteDirty } from '$lib/ui/viewer/dirty';
import { cellInfo, idAt, type CellInfo } from '$lib/core/labels/select';
import { eraseStroke, paintStroke } from '$lib/core/labels/paint';
import { drawPolygonCell } from '$lib/core/labels/polygon';
import { mergeCells } from '$lib/core/labels/merge';
import { splitCell } from '$lib/core/labels/split';
import { deleteCell } from '$lib/core/labels/delete';
import { fillAllHoles, fillCellHoles } from '$lib/core/labels/fill-holes';
import { removeSmallCells } from '$lib/core/labels/remove-small';
import { composeEdits } from '$lib/core/labels/edit';
import type { Point, Rect } from '$lib/core/labels/rect';
import { placeNewCell } from '$lib/core/labels/new-cell';
import { isSamInstalled } from '$lib/runtime/sam-client';
import { segmentWorker } from '$lib/runtime/segment-client';
import { samBoxPrompt } from './sam-box';
import { toWorkerSettings } from './segment-actions.svelte';
import type { Labels } from '$lib/core/raster/types';
import { history, touchedMask } from '$lib/store/history.svelte';
import { session } from '$lib/store/session.svelte';
import type { ImageRecord, MaskRecord } from '$lib/store/types';
import { toolState } from './tools.svelte';

/** Largest id per mask (one full scan per mask object, then kept up to date from the edits). */
const maxIds = new WeakMap<Labels, number>();

function maxId(labels: Labels): number {
	let m = maxIds.get(labels);
	if (m === undefined) {
		m = 0;
		for (let i = 0; i < labels.data.length; i++) if (labels.data[i] > m) m = labels.data[i];
		maxIds.set(labels, m);
	}
	return m;
}

function noteCreated(labels: Labels, edit: Edit, extra = 0): void {
	let m = Math.max(maxId(labels), extra);
	for (const c of edit.created) m = Math.max(m, c.id);
	maxIds.set(labels, m);
}

/** The current image, given an empty mask if it has none (so drawing can start on a fresh image). */
function target(): { im: ImageRecord; mask: MaskRecord } | null {
	const im = session.selected;
	if (!im) return null;
	if (im.mask) return { im, mask: im.mask };
	const mask: MaskRecord = {
		name: 'drawn in Mycol',
		labels: { width: im.raster.width, height: im.raster.height, data: new Uint32Array(im.raster.width * im.raster.height) },
		cellCount: 0,
		editCount: 0,
		version: 0
	};
	session.updateImage(im.id, { mask });
	return { im: { ...im, mask }, mask };
}

/** Redraw after in-place changes (no recount: cheap enough for every pointer move). */
function redraw(im: ImageRecord, mask: MaskRecord): void {
	session.updateImage(im.id, { mask: { ...mask, version: (mask.version ?? 0) + 1 } });
}

/** Apply finished edits as one undo step. */
function commit(label: string, edits: Edit[]): boolean {
	const t = target();
	const real = edits.filter((e) => e.before.length > 0);
	if (!t || real.length === 0) return false;
	session.updateImage(t.im.id, { mask: touchedMask(t.mask, 1) });
	history.push({ kind: 'labels', label, imageId: t.im.id, edits: real });
	return true;
}

function applyAll(labels: Labels, edits: Edit[]): void {
	for (const e of edits) {
		applyEdit(labels, e);
		noteDirty(labels.data, e.rect);
		noteCreated(labels, e);
	}
}

/* ------------------------------------------------------------------ strokes */

let stroke: { kind: 'brush' | 'eraser'; id: number; last: Point; edit: Edit | null } | null = null;

export function strokeStart(kind: 'brush' | 'eraser', p: Point): void {
	const t = target();
	if (!t) return;
	const labels = t.mask.labels;
	// The brush paints into the selected cell, or starts a new cell that stays selected.
	let id = 0;
	if (kind === 'brush') {
		id = toolState.selected || maxId(labels) + 1;
		if (!toolState.selected) toolState.selected = id;
	}
	stroke = { kind, id, last: p, edit: null };
	strokeMove(p);
}

export function strokeMove(p: Point): void {
	const t = target();
	if (!t || !stroke) return;
	const labels = t.mask.labels;
	const seg = [stroke.last, p];
	const nextId = Math.max(maxId(labels), stroke.id) + 1;
	const e =
		stroke.kind === 'eraser'
			? eraseStroke(labels, seg, toolState.brushRadius, { nextId })
			: paintStroke(labels, seg, toolState.brushRadius, stroke.id, { mode: toolState.mode, nextId });
	if (e.before.length > 0) {
		stroke.edit = stroke.edit ? composeEdits(labels, stroke.edit, e) : e;
		applyEdit(labels, e);
		noteDirty(labels.data, e.rect);
		noteCreated(labels, e, stroke.id);
		redraw(t.im, t.mask);
	}
	stroke.last = p;
}

export function strokeEnd(): void {
	if (!stroke) return;
	const s = stroke;
	stroke = null;
	if (s.edit) commit(s.kind === 'eraser' ? 'erase' : `paint cell ${s.id}`, [s.edit]);
}

/* ------------------------------------------------------------------ shapes and cells */

export function lasso(points: Point[]): void {
	const t = target();
	if (!t || points.length < 3) return;
	const labels = t.mask.labels;
	const e = drawPolygonCell(labels, points, { mode: toolState.mode, nextId: maxId(labels) + 1 });
	applyAll(labels, [e]);
	if (commit('draw a cell', [e])) {
		const created = e.created.find((c) => c.from === 0);
		toolState.selected = created?.id ?? 0;
		toolState.message = created ? `New cell ${created.id}.` : 'The shape covered only existing cells (new cells fill background only).';
	}
}

/** The cell under a point (0 = background), and its size. */
export function cellAt(p: Point): CellInfo | null {
	const im = session.selected;
	if (!im?.mask) return null;
	const id = idAt(im.mask.labels, p.x, p.y);
	return id ? cellInfo(im.mask.labels, id) : null;
}

export function select(p: Point): void {
	toolState.selected = cellAt(p)?.id ?? 0;
}

export function deleteSelected(): void {
	const t = target();
	if (!t || !toolState.selected) return;
	const e = deleteCell(t.mask.labels, toolState.selected);
	applyAll(t.mask.labels, [e]);
	if (commit(`delete cell ${toolState.selected}`, [e])) {
		removeClasses(t.im.id, [toolState.selected]);
		toolState.selected = 0;
	}
}

export function mergeClick(p: Point): void {
	const t = target();
	const id = cellAt(p)?.id ?? 0;
	if (!t || !id) return;
	if (!toolState.mergeFirst || toolState.mergeFirst === id) {
		toolState.mergeFirst = id;
		toolState.selected = id;
		toolState.message = `Cell ${id} chosen: click the cell to merge into it.`;
		return;
	}
	const first = toolState.mergeFirst;
	const e = mergeCells(t.mask.labels, [first, id]);
	applyAll(t.mask.labels, [e]);
	commit(`merge cells ${first} and ${id}`, [e]);
	removeClasses(t.im.id, [id]);
	toolState.mergeFirst = 0;
	toolState.selected = first;
	toolState.message = `Merged cell ${id} into ${first}.`;
}

export function split(points: Point[]): void {
	const t = target();
	if (!t || points.length < 2) return;
	const labels = t.mask.labels;
	// The cell the line crosses most (not the selection: the line says which cell).
	const r = splitCell(labels, points, { nextId: maxId(labels) + 1 });
	if (!r.cut) {
		toolState.message = r.id ? `The line does not cut cell ${r.id} in two.` : 'The line crosses no cell.';
		return;
	}
	applyAll(labels, [r.edit]);
	commit(`split cell ${r.id}`, [r.edit]);
	copyClass(t.im.id, r.id, r.ids.slice(1));
	toolState.message = `Split cell ${r.id} into ${r.ids.join(', ')}.`;
}

export function fillHoles(): void {
	const t = target();
	if (!t) return;
	const edits = toolState.selected ? [fillCellHoles(t.mask.labels, toolState.selected)] : fillAllHoles(t.mask.labels);
	applyAll(t.mask.labels, edits);
	toolState.message = commit(toolState.selected ? `fill holes of cell ${toolState.selected}` : 'fill holes', edits) ? 'Holes filled.' : 'No holes to fill.';
}

export function removeSmall(): void {
	const t = target();
	if (!t) return;
	const edits = removeSmallCells(t.mask.labels, toolState.minSize);
	applyAll(t.mask.labels, edits);
	toolState.message = commit(`remove cells under ${toolState.minSize} px`, edits) ? `Removed ${edits.length} cells.` : 'No cell is that small.';
}

/* ------------------------------------------------------------------ classes */

function setClasses(imageId: string, cells: number[], classId: string | null, label: string): void {
	const im = session.images.find((x) => x.id === imageId);
	if (!im || cells.length === 0) return;
	const before = cells.map((c) => im.cellClasses.get(c) ?? null);
	if (before.every((b) => b === classId)) return;
	const next = new Map(im.cellClasses);
	for (const c of cells) {
		if (classId === null) next.delete(c);
		else next.set(c, classId);
	}
	session.updateImage(imageId, { cellClasses: next });
	history.push({ kind: 'cell-classes', label, imageId, cells: Uint32Array.from(cells), before, after: cells.map(() => classId) });
}

function removeClasses(imageId: string, cells: number[]): void {
	const im = session.images.find((x) => x.id === imageId);
	if (!im || !cells.some((c) => im.cellClasses.has(c))) return;
	const next = new Map(im.cellClasses);
	for (const c of cells) next.delete(c);
	session.updateImage(imageId, { cellClasses: next });
}

function copyClass(imageId: string, from: number, to: number[]): void {
	const im = session.images.find((x) => x.id === imageId);
	const cls = im?.cellClasses.get(from);
	if (!im || cls === undefined) return;
	const next = new Map(im.cellClasses);
	for (const c of to) next.set(c, cls);
	session.updateImage(imageId, { cellClasses: next });
}

/** Give the active class to the cell under a point. */
export function assignAt(p: Point): void {
	const im = session.selected;
	const id = cellAt(p)?.id ?? 0;
	if (!im || !id) return;
	setClasses(im.id, [id], toolState.activeClass, `class of cell ${id}`);
	toolState.selected = id;
}

/** Give the active class to every cell with a pixel inside the box. */
export function assignInBox(a: Point, b: Point): number {
	const im = session.selected;
	if (!im?.mask) return 0;
	const { width: W, height: H, data } = im.mask.labels;
	const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x)));
	const x1 = Math.min(W, Math.ceil(Math.max(a.x, b.x)));
	const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y)));
	const y1 = Math.min(H, Math.ceil(Math.max(a.y, b.y)));
	const ids = new Set<number>();
	for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (data[y * W + x]) ids.add(data[y * W + x]);
	setClasses(im.id, [...ids], toolState.activeClass, `class of ${ids.size} cells`);
	return ids.size;
}

/** Give the active class to every cell of the image. */
export function assignAll(): void {
	const im = session.selected;
	if (!im?.mask) return;
	const ids = new Set<number>();
	for (const v of im.mask.labels.data) if (v) ids.add(v);
	setClasses(im.id, [...ids], toolState.activeClass, `class of all ${ids.size} cells`);
}

/* ------------------------------------------------------------------ box prompt */

/** Add a predicted cell (0/1 mask over `rect`) under the current new-cell rule; one undo step. */
async function addPredictedCell(mask: Uint8Array, rect: Rect, source: string): Promise<void> {
	const t = target();
	if (!t) return;
	const e = placeNewCell(t.mask.labels, mask, rect, { mode: toolState.mode, nextId: maxId(t.mask.labels) + 1 });
	applyAll(t.mask.labels, [e]);
	const created = e.created.find((c) => c.from === 0);
	if (commit(`box (${source}): new cell`, [e]) && created) {
		toolState.selected = created.id;
		toolState.message = `New cell ${created.id} from the box (${source}).`;
	} else toolState.message = 'The cell in the box lies on existing cells only (new cells fill background only).';
}

/**
 * A box dragged around one cell becomes that cell: SAM2 answers when a SAM2 model is installed,
 * otherwise the loaded Cellpose model runs on the box's region (core/cellpose/box-prompt.ts).
 */
export async function boxPrompt(a: Point, b: Point): Promise<void> {
	const im = session.selected;
	if (!im) return;
	const box = { x0: Math.min(a.x, b.x), y0: Math.min(a.y, b.y), x1: Math.max(a.x, b.x), y1: Math.max(a.y, b.y) };
	if (await isSamInstalled()) {
		toolState.message = 'Asking SAM2 for the cell in the box…';
		const r = await samBoxPrompt(im.id, im.raster, box);
		if (r === null) toolState.message = 'SAM2 found no cell in the box.';
		else if ('error' in r) toolState.message = r.error;
		else await addPredictedCell(r.mask, r.rect, 'SAM2');
		return;
	}
	const model = session.model;
	if (!model) {
		toolState.message = 'No segmentation model is loaded yet.';
		return;
	}
	const worker = segmentWorker();
	const key = `${im.id}:${im.raster.width}x${im.raster.height}`;
	toolState.message = 'Finding the cell in the box…';
	if (!(await worker.hasImage(key))) await worker.setImage(key, im.raster);
	const r = await worker.box(model.id, key, box, toWorkerSettings(session.segmentation));
	if (!r.ok) toolState.message = r.message;
	else if (!r.found) toolState.message = 'No cell was found in the box.';
	else await addPredictedCell(r.mask, r.rect, 'Cellpose');
}
