/**
 * Image rects changed in place since the viewer last drew, per label array: the edit actions and
 * undo/redo note the rect of every edit they write, and the viewer takes the union at its next
 * frame to redraw only the canvas pixels that show it. A label change nobody noted (a new mask,
 * a segmentation) leaves nothing here, and the viewer then redraws everything.
 */
import { unionRect, type Rect } from '$lib/core/labels/rect';

const pending = new WeakMap<Uint32Array, Rect>();

export function noteDirty(labels: Uint32Array, r: Rect): void {
	const p = pending.get(labels);
	pending.set(labels, p ? unionRect(p, r) : r);
}

/** The union of the rects noted for `labels` since the last call, or null (then redraw all). */
export function takeDirty(labels: Uint32Array): Rect | null {
	const p = pending.get(labels) ?? null;
	pending.delete(labels);
	return p;
}
