/** Applying a searched setting or a hyperparameter CSV (the original app's or ours) to the session. */
import { loadHyperparameterCsv } from '$lib/core/session/hyperparameter-csv';
import type { JsonObject } from '$lib/core/session/schema';
import { session } from '$lib/store/session.svelte';

export interface AppliedSetting {
	diameter: number | null;
	cellprob: number;
	flowThreshold: number;
	niter: number;
	minSize: number;
}

/** Put a setting into the segmentation parameters (diameter 0 / niter 0 mean "the default"). */
export function applySetting(s: AppliedSetting): void {
	session.segmentation.cellprobThreshold = s.cellprob;
	session.segmentation.flowThreshold = s.flowThreshold;
	session.segmentation.niter = s.niter > 0 ? s.niter : null;
	session.segmentation.minSize = s.minSize;
	if (s.diameter !== null) session.segmentation.diameter = s.diameter > 0 ? s.diameter : null;
}

/** Load a hyperparameter CSV: its best row (highest ap_iou_0.5) becomes the segmentation parameters. */
export async function loadHyperparameterFile(file: File): Promise<string> {
	return applyHyperparameterCsv(file.name, await file.text());
}

/** Apply a hyperparameter CSV's best row; returns what was applied, or throws a sentence naming the file. */
export function applyHyperparameterCsv(name: string, text: string): string {
	const file = { name };
	const current = JSON.parse(JSON.stringify(session.segmentation)) as JsonObject;
	const { best, rows } = loadHyperparameterCsv(file.name, text, current);
	applySetting({ diameter: best.diameter, cellprob: best.cellprob, flowThreshold: best.flowThreshold, niter: best.niter, minSize: best.minSize });
	const ap = best.apIou50 === null ? '' : ` (AP@0.5 ${best.apIou50.toFixed(3)})`;
	return `${file.name}: ${rows.length} setting${rows.length === 1 ? '' : 's'}; the best${ap} is applied: cell probability ${best.cellprob}, flow threshold ${best.flowThreshold}, niter ${best.niter}, min size ${best.minSize}${best.diameter !== null ? `, diameter ${best.diameter}` : ''}.`;
}
