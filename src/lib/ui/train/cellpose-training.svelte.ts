/**
 * Fine-tuning Cellpose from the page: the run's state (live epochs, stop, resume), the trained
 * model joining the model picker, and the diagnostics on the validation images (AP, matched IoUs,
 * counts) for the trained model against the one it started from.
 */
import type { EpochRecord, TrainingSummary } from '$lib/core/cellpose/train/history';
import type { TrainConfig } from '$lib/core/cellpose/train/config';
import type { TrainingItem } from '$lib/core/cellpose/train/data';
import { imageDiagnostics, type ImageDiagnostics } from '$lib/core/metrics/diagnostics';
import { runSegmentation } from '$lib/runtime/segment-client';
import { proxy, trainWorker, transfer } from '$lib/runtime/train-client';
import type { TrainCheckpoint } from '$lib/runtime/tfjs/train-loop';
import { session } from '$lib/store/session.svelte';
import type { ImageRecord, ModelEntry } from '$lib/store/types';
import { addModelBytes } from '$lib/ui/annotate/models';
import { toWorkerSettings } from '$lib/ui/annotate/segment-actions.svelte';

export interface CellposeRun {
	running: boolean;
	backend: string | null;
	epochs: EpochRecord[];
	progress: string;
	summary: TrainingSummary | null;
	checkpoint: TrainCheckpoint | null;
	error: string | null;
	/** The trained model, once exported into the session. */
	modelId: string | null;
	pth: { name: string; bytes: Uint8Array } | null;
	diagnostics: { base: ImageDiagnostics[]; trained: ImageDiagnostics[] } | null;
	diagnosing: boolean;
}

export const run = $state<CellposeRun>({
	running: false,
	backend: null,
	epochs: [],
	progress: '',
	summary: null,
	checkpoint: null,
	error: null,
	modelId: null,
	pth: null,
	diagnostics: null,
	diagnosing: false
});

/** The starting model's bytes: a user's .pth from the session, or the built-in file from the app. */
async function modelBytes(m: ModelEntry): Promise<ArrayBuffer> {
	if (m.bytes) return m.bytes.slice().buffer;
	const card = m.card as { file?: string } | null;
	const res = await fetch(`models/${card?.file ?? ''}`, { cache: 'no-store' });
	if (!res.ok) throw new Error(`${m.name}: the model file could not be read (HTTP ${res.status})`);
	return res.arrayBuffer();
}

function items(images: ImageRecord[]): TrainingItem[] {
	// Copies: the page keeps its own pixels and masks.
	return images.map((im) => ({ name: im.name, raster: { ...im.raster, data: im.raster.data.slice() }, labels: im.mask ? { ...im.mask.labels, data: im.mask.labels.data.slice() } : null }));
}

function buffers(list: TrainingItem[]): Transferable[] {
	return list.flatMap((it) => [it.raster.data.buffer as ArrayBuffer, ...(it.labels ? [it.labels.data.buffer as ArrayBuffer] : [])]);
}

const onEpoch = (e: EpochRecord) => void (run.epochs = [...run.epochs, e]);
const onProgress = (p: { epoch: number; phase: string; batch: number; batches: number }) =>
	void (run.progress = `epoch ${p.epoch + 1}: ${p.phase} batch ${p.batch} of ${p.batches}`);

export async function startTraining(base: ModelEntry | null, images: ImageRecord[], config: Partial<TrainConfig>): Promise<void> {
	if (run.running) return;
	Object.assign(run, { running: true, epochs: [], summary: null, checkpoint: null, error: null, pth: null, diagnostics: null, progress: 'Starting…' });
	await whileRunning(async () => {
		const w = trainWorker();
		run.backend = await w.init();
		const model = base ? { kind: 'file' as const, name: base.name, bytes: await modelBytes(base) } : { kind: 'scratch' as const };
		const list = items(images);
		const reply = await w.start(transfer({ model, config, items: list }, [...buffers(list), ...(model.kind === 'file' ? [model.bytes] : [])]), proxy(onEpoch), proxy(onProgress));
		await finish(reply, base);
	});
}

export async function resumeTraining(base: ModelEntry | null, images: ImageRecord[]): Promise<void> {
	if (run.running || !run.checkpoint) return;
	Object.assign(run, { running: true, error: null, progress: 'Resuming…' });
	const checkpoint = run.checkpoint;
	await whileRunning(async () => {
		const list = items(images);
		const reply = await trainWorker().resume(checkpoint, transfer(list, buffers(list)), proxy(onEpoch), proxy(onProgress));
		await finish(reply, base);
	});
}

/** Run a training call: its error goes to the page, and the run ends however it ends. */
async function whileRunning(work: () => Promise<void>): Promise<void> {
	try {
		await work();
	} catch (e) {
		run.error = (e as Error).message;
	} finally {
		run.running = false;
		run.progress = '';
	}
}

export function stopTraining(): void {
	void trainWorker().stop();
}

async function finish(reply: Awaited<ReturnType<ReturnType<typeof trainWorker>['start']>>, base: ModelEntry | null): Promise<void> {
	if (!reply.ok) {
		run.error = reply.message;
		return;
	}
	run.summary = reply.value.summary;
	run.checkpoint = reply.value.checkpoint;
	const name = `${(base?.name ?? 'cellpose').replace(/\.(pth|pt)$/i, '')}_finetuned`;
	const exported = await trainWorker().exportPth(name);
	if (!exported.ok) {
		run.error = exported.message;
		return;
	}
	run.pth = { name: exported.value.name, bytes: exported.value.bytes };
	const entry = await addModelBytes(exported.value.name, exported.value.bytes);
	run.modelId = entry.id;
}

/** AP, matched IoUs and counts on the validation images, for the starting and the trained model. */
export async function diagnose(baseId: string | null): Promise<void> {
	const summary = run.summary;
	if (!summary || !run.modelId) return;
	run.diagnosing = true;
	try {
		const names = summary.validationImages.length > 0 ? summary.validationImages : summary.trainImages;
		const images = session.images.filter((im) => names.includes(im.name) && im.mask);
		const settings = toWorkerSettings(session.segmentation);
		const evaluate = async (modelId: string) => {
			const out: ImageDiagnostics[] = [];
			for (const im of images) {
				const r = await runSegmentation(modelId, im.raster, settings, () => {});
				if (r.ok) out.push(imageDiagnostics(im.name, im.mask!.labels, r.masks));
			}
			return out;
		};
		const trained = await evaluate(run.modelId);
		const before = baseId ? await evaluate(baseId) : [];
		run.diagnostics = { base: before, trained };
	} catch (e) {
		run.error = (e as Error).message;
	} finally {
		run.diagnosing = false;
	}
}
