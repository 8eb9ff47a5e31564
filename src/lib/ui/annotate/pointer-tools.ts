/** What each editing tool does with the pointer on the viewer (see Viewer's PointerTool). */
import type { ImagePoint, OverlayShape, PointerTool } from '$lib/ui/viewer/Viewer.svelte';
import { assignAt, assignInBox, boxPrompt, lasso, mergeClick, select, split, strokeEnd, strokeMove, strokeStart } from './edit-actions';
import { toolState, type ToolName } from './tools.svelte';

/** Drawing tools report their in-progress shape through this callback. */
export function pointerTool(name: ToolName, show: (shapes: OverlayShape[]) => void): PointerTool {
	let points: ImagePoint[] = [];
	const noop = () => {};
	switch (name) {
		case 'select':
			return { cursor: 'default', down: () => false, move: noop, up: noop, click: (p) => select(p) };
		case 'merge':
			return { cursor: 'copy', down: () => false, move: noop, up: noop, click: (p) => mergeClick(p) };
		case 'brush':
		case 'eraser':
			return {
				cursor: 'none',
				get radius() {
					return toolState.brushRadius;
				},
				down: (p) => (strokeStart(name, p), true),
				move: (p) => strokeMove(p),
				up: () => strokeEnd()
			};
		case 'lasso':
		case 'split':
			return {
				cursor: 'crosshair',
				down: (p) => {
					points = [p];
					return true;
				},
				move: (p) => {
					const last = points[points.length - 1];
					if (Math.hypot(p.x - last.x, p.y - last.y) >= 0.5) {
						points.push(p);
						show([{ kind: name === 'lasso' ? 'polygon' : 'polyline', points: [...points] }]);
					}
				},
				up: () => {
					show([]);
					if (name === 'lasso') lasso(points);
					else split(points);
					points = [];
				}
			};
		case 'box':
		case 'assign':
			return {
				cursor: 'crosshair',
				down: (p) => {
					points = [p, p];
					return true;
				},
				move: (p) => {
					points[1] = p;
					show([{ kind: 'rect', points: [...points] }]);
				},
				up: (p) => {
					show([]);
					const [a] = points;
					points = [];
					const small = Math.abs(p.x - a.x) < 2 && Math.abs(p.y - a.y) < 2;
					if (name === 'assign') {
						if (small) assignAt(p);
						else assignInBox(a, p);
					} else if (!small) void boxPrompt(a, p);
				}
			};
	}
}
