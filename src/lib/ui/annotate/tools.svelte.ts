/** The Annotate page's editing tools: which one is active and its settings. */
import type { WriteMode } from '$lib/core/labels/patch';

export type ToolName = 'select' | 'brush' | 'eraser' | 'lasso' | 'box' | 'split' | 'merge' | 'assign';

export const TOOL_KEYS: Record<string, ToolName> = { v: 'select', b: 'brush', e: 'eraser', l: 'lasso', x: 'box', s: 'split', m: 'merge' };

export const toolState = $state({
	tool: 'select' as ToolName,
	/** Brush and eraser radius in image pixels. */
	brushRadius: 6,
	/** New cells and brush strokes: only fill background, or replace what is there. */
	mode: 'background-only' as WriteMode,
	/** The image the selection belongs to. */
	imageId: null as string | null,
	/** The selected cell (0 = none). */
	selected: 0,
	/** Merge: the first cell clicked. */
	mergeFirst: 0,
	/** The class the Assign tool gives (null: remove the class). */
	activeClass: null as string | null,
	colourByClass: false,
	/** Remove cells smaller than this (pixels). */
	minSize: 30,
	help: false,
	/** The last thing a tool did or why it did nothing. */
	message: ''
});

export function setBrush(delta: number): void {
	toolState.brushRadius = Math.max(1, Math.min(200, Math.round(toolState.brushRadius * (delta > 0 ? 1.25 : 0.8))));
}
