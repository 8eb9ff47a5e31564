/** A readable, self-contained HTML training report: settings, curves, metrics (no outside resources). */
import type { TrainingSummary } from '$lib/core/cellpose/train/history';
import type { ImageDiagnostics } from '$lib/core/metrics/diagnostics';

function esc(s: string): string {
	return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

export function trainingReport(s: TrainingSummary, d: { base: ImageDiagnostics[]; trained: ImageDiagnostics[] } | null, svgs: string[]): string {
	const rows = (xs: ImageDiagnostics[], model: string) =>
		xs.map((x) => `<tr><td>${esc(x.name)}</td><td>${model}</td><td>${x.ap.map((v) => v.toFixed(3)).join('</td><td>')}</td><td>${x.trueCells}</td><td>${x.predictedCells}</td></tr>`).join('');
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mycol training report</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#1b2430}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.2rem .6rem;text-align:left}</style></head><body>
<h1>Cellpose fine-tuning report</h1>
<p>Started from <b>${esc(s.baseModel)}</b> (channels ${s.nbase.join('-')}), ${s.epochsRun} epochs on ${esc(s.backend)}${s.imagesPerPass ? ` (batches in passes of ${s.imagesPerPass} images, for memory)` : ''}${s.stopped ? ' (stopped early)' : ''}, ${Math.round(s.seconds)} s.
Training images: ${s.trainImages.map(esc).join(', ') || 'none'}. Validation images: ${s.validationImages.map(esc).join(', ') || 'none'}.
Training cells: ${s.trainMasks}. Cell diameter written into the model (diam_labels): ${s.diamLabels.toFixed(2)} px.</p>
<h2>Settings</h2><pre>${esc(JSON.stringify(s.config, null, 2))}</pre>
<h2>Curves and diagnostics</h2>${svgs.join('\n')}
${d ? `<h2>Average precision on the validation images</h2><table><tr><th>Image</th><th>Model</th><th>AP@0.5</th><th>AP@0.75</th><th>AP@0.9</th><th>True cells</th><th>Predicted cells</th></tr>${rows(d.base, 'starting')}${rows(d.trained, 'fine-tuned')}</table>` : ''}
<p>Made by Mycol in the browser; nothing was uploaded.</p></body></html>`;
}
