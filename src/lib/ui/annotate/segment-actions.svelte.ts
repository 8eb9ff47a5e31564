/**
 * Segmenting images with the selected model: backend timing on first use, an estimate before
 * starting (and a refusal when an image will not fit in memory), progress with ETA, cancel.
 */
import { medianCellDiameter } from '$lib/core/cellpose/diameter';
import { formatCount } from '$lib/core/formats/errors';
import { cellInfo } from '$lib/core/labels/select';
import { backendLabel, type BackendInfo } from '$lib/runtime/backend-info';
import { calibrate, cancelSegmentation, runSegmentation, segmentWorker } from '$lib/runtime/segment-client';
import type { SegmentSettings } from '$lib/runtime/segment-types';
import { session } from '$lib/store/session.svelte';
import { replaceMask } from '$lib/store/history.svelte';
import type { ImageRecord, SegmentationSettings } from '$lib/store/types';

/** Largest working memory we let one segmentation take (the browser tab dies above ~4 GiB). */
const MEMORY_BUDGET = 3 * 2 ** 30;

export interface RunState {
	running: boolean;
	/** 0–1 overall. */
	fraction: number;
	label: string;
	etaSeconds: number | null;
	message: string | null;
	error: string | null;
	backend: string | null;
	msPerTile: number | null;
}

export const runState = $state<RunState>({
	running: false,
	fraction: 0,
	label: '',
	etaSeconds: null,
	message: null,
	error: null,
	backend: null,
	msPerTile: null
});

let backendInfo: BackendInfo | null = null;

export function toWorkerSettings(s: SegmentationSettings): SegmentSettings {
	return {
		diameter: s.diameter && s.diameter > 0 ? s.diameter : null,
		flowThreshold: s.flowThreshold,
		cellprobThreshold: s.cellprobThreshold,
		minSize: s.minSize,
		niter: s.niter && s.niter > 0 ? s.niter : null,
		augment: s.augment,
		channels: [s.channels[0], s.channels[1]]
	};
}

/**
 * A cell diameter from the mask, as Cellpose's `utils.diameters` computes it: of the selected cell
 * when there is one (draw a typical cell with the lasso: it stays selected), else the median over
 * the image's cells.
 */
export function diameterFromMask(im: ImageRecord, selected = 0): number | null {
	if (!im.mask || im.mask.cellCount === 0) return null;
	const d = im.mask.labels.data;
	if (selected) {
		const n = cellInfo(im.mask.labels, selected)?.area ?? 0;
		if (n > 0) return Math.round((Math.sqrt(n) / (Math.sqrt(Math.PI) / 2)) * 10) / 10;
	}
	return Math.round(medianCellDiameter(d) * 10) / 10;
}

async function ensureBackend(modelId: string): Promise<number> {
	backendInfo ??= await segmentWorker().backends();
	if (runState.msPerTile === null) {
		runState.label = 'Timing one tile on each backend…';
		const c = await calibrate(modelId);
		runState.msPerTile = c.msPerTile[c.chosen] ?? null;
		runState.backend = backendLabel(c.chosen, backendInfo.threads);
	}
	return runState.msPerTile ?? 1000;
}

/** Estimated seconds for one image, or a sentence saying why it cannot run. */
export async function estimateSeconds(im: ImageRecord): Promise<{ seconds: number } | { refusal: string }> {
	const model = session.model;
	if (!model) return { refusal: 'no model is loaded' };
	const r = await segmentWorker().estimate(model.id, im.raster.width, im.raster.height, toWorkerSettings(session.segmentation));
	if (!r.ok) return { refusal: r.message };
	if (r.estimate.workingBytes > MEMORY_BUDGET) {
		return {
			refusal: `${im.name} would need about ${formatCount(r.estimate.workingBytes / 2 ** 20)} MiB of memory at this diameter, more than a browser tab can use; crop the image or give a larger cell diameter`
		};
	}
	const ms = runState.msPerTile ?? 1000;
	const dynamics = (im.raster.width * im.raster.height) / 1e6; // about a second per megapixel
	return { seconds: (r.estimate.tiles * ms) / 1000 + dynamics };
}

/** Segment images one after another; each result replaces that image's masks. */
export async function segmentImages(images: ImageRecord[]): Promise<void> {
	const model = session.model;
	if (!model || images.length === 0 || runState.running) return;
	Object.assign(runState, { running: true, fraction: 0, etaSeconds: null, message: null, error: null });
	const settings = { ...session.segmentation, channels: [...session.segmentation.channels] as [number, number] };
	const started = performance.now();
	try {
		await ensureBackend(model.id);
		for (let k = 0; k < images.length; k++) {
			const im = images[k];
			const est = await estimateSeconds(im);
			if ('refusal' in est) {
				runState.error = est.refusal;
				continue;
			}
			runState.label = images.length > 1 ? `Image ${k + 1} of ${images.length}: ${im.name}` : im.name;
			const t0 = performance.now();
			const reply = await runSegmentation(model.id, im.raster, toWorkerSettings(settings), (p) => {
				const within = p.tilesTotal > 0 ? p.tilesDone / p.tilesTotal : 0;
				runState.fraction = (k + (p.stage === 'masks' || p.stage === 'done' ? 0.95 : 0.9 * within)) / images.length;
				const elapsed = (performance.now() - t0) / 1000;
				runState.etaSeconds = within > 0.05 ? Math.max(0, (elapsed / within) * (1 - within)) + (images.length - k - 1) * est.seconds : est.seconds;
			});
			if (!reply.ok) {
				if (reply.cancelled) {
					runState.message = 'Cancelled; the masks of the images not yet segmented are unchanged.';
					return;
				}
				runState.error = `${im.name}: ${reply.message}`;
				continue;
			}
			replaceMask(
				im.id,
				{
					name: `segmented with ${model.name}`,
					labels: reply.masks,
					cellCount: reply.cellCount,
					editCount: 0,
					segmentedWith: { modelId: model.id, modelName: model.name, sha256: model.sha256, settings, rescale: reply.rescale, niter: reply.niter }
				},
				`segment ${im.name}`
			);
		}
		const seconds = (performance.now() - started) / 1000;
		runState.message = `${images.length === 1 ? 'Segmented' : `Segmented ${images.length} images`} in ${seconds.toFixed(1)} s on ${runState.backend}.`;
	} catch (e) {
		runState.error = (e as Error).message;
	} finally {
		runState.running = false;
		runState.fraction = 0;
		runState.etaSeconds = null;
	}
}

export function cancel(): void {
	void cancelSegmentation();
}
