/**
 * The DenseNet classifier from the page: labelled patches (cut in the io worker), training in the
 * classify worker with live curves, stop/resume, diagnostics, export; loading a user's model; and
 * "Classify all cells", which gives every cell a class and a confidence (one undo step per image).
 */
import type { EpochRecord, TrainingSummary } from '$lib/core/classify/train/history';
import type { ClassifierTrainConfig } from '$lib/core/classify/train/config';
import { bundle } from '$lib/core/formats/export-bundle';
import { ioWorker } from '$lib/runtime/io-client';
import { classifyWorker, proxy, transfer } from '$lib/runtime/train-client';
import { history } from '$lib/store/history.svelte';
import { session } from '$lib/store/session.svelte';
import type { CellClass } from '$lib/store/types';
import { saveBlob } from '$lib/ui/download';
import { OKABE_ITO } from '$lib/ui/viewer/palette';

export interface ClassifierState {
	modelId: string | null;
	classNames: string[];
	source: string | null;
	training: boolean;
	classifying: boolean;
	epochs: EpochRecord[];
	summary: TrainingSummary | null;
	/** The validation patches' pixels for the misclassified examples (a copy kept on the page). */
	patches: { data: Float32Array; size: number } | null;
	progress: string;
	error: string | null;
	message: string | null;
}

export const clf = $state<ClassifierState>({
	modelId: null,
	classNames: [],
	source: null,
	training: false,
	classifying: false,
	epochs: [],
	summary: null,
	patches: null,
	progress: '',
	error: null,
	message: null
});

let next = 1;

/** Labelled cells per class name, over all images. */
export function labelledCounts(): Map<string, number> {
	const name = new Map(session.classes.map((c) => [c.id, c.name]));
	const counts = new Map<string, number>();
	for (const im of session.images) for (const cid of im.cellClasses.values()) {
		const n = name.get(cid);
		if (n) counts.set(n, (counts.get(n) ?? 0) + 1);
	}
	return counts;
}

export async function trainClassifier(config: Partial<ClassifierTrainConfig>): Promise<void> {
	if (clf.training) return;
	const counts = labelledCounts();
	const classNames = session.classes.map((c) => c.name).filter((n) => (counts.get(n) ?? 0) > 0);
	if (classNames.length < 2 || classNames.some((n) => (counts.get(n) ?? 0) < 2)) {
		clf.error = 'Label at least two cells in each of at least two classes first (Annotate page, Classes).';
		return;
	}
	Object.assign(clf, { training: true, epochs: [], summary: null, error: null, message: null, progress: 'Cutting cell patches…' });
	try {
		const name = new Map(session.classes.map((c) => [c.id, c.name]));
		const images = session.images
			.filter((im) => im.mask && im.cellClasses.size > 0)
			.map((im) => ({
				name: im.name,
				image: im.raster,
				labels: im.mask!.labels,
				classes: new Map([...im.cellClasses].map(([cell, cid]) => [cell, name.get(cid) ?? ''] as [number, string]).filter(([, n]) => classNames.includes(n)))
			}));
		const size = config.inputSize ?? 64;
		const p = await ioWorker().patches(images, classNames, { size });
		if (!p.ok) throw new Error(p.message);
		clf.patches = { data: p.value.patches.slice(), size };
		const id = `clf-${Date.now().toString(36)}-${next++}`;
		clf.progress = 'Training…';
		const reply = await classifyWorker().train(
			id,
			transfer({ patches: p.value.patches, labels: p.value.labels, size, classNames, config }, [p.value.patches.buffer as ArrayBuffer, p.value.labels.buffer as ArrayBuffer]),
			proxy((e: EpochRecord) => {
				clf.epochs = [...clf.epochs, e];
				clf.progress = `Epoch ${e.epoch}: validation accuracy ${(e.valAccuracy * 100).toFixed(0)} %`;
			})
		);
		if (!reply.ok) {
			clf.error = reply.message;
			return;
		}
		Object.assign(clf, { summary: reply.value, modelId: id, classNames, source: 'trained here' });
	} catch (e) {
		clf.error = (e as Error).message;
	} finally {
		clf.training = false;
		clf.progress = '';
	}
}

export async function resumeClassifier(maxEpochs: number): Promise<void> {
	if (!clf.modelId || clf.training) return;
	clf.training = true;
	try {
		const reply = await classifyWorker().resume(clf.modelId, proxy((e: EpochRecord) => void (clf.epochs = [...clf.epochs, e])), maxEpochs);
		if (reply.ok) clf.summary = reply.value;
		else clf.error = reply.message;
	} finally {
		clf.training = false;
	}
}

export function stopClassifier(): void {
	void classifyWorker().stop();
}

/** Load a classifier: Mycol's tfjs files (model.json, weights.bin, classifier.json) or a PyTorch .pth. */
export async function loadClassifierFiles(files: File[], typedNames: string): Promise<void> {
	clf.error = null;
	const id = `clf-${Date.now().toString(36)}-${next++}`;
	const names = typedNames
		.split(/[,\n]/)
		.map((s) => s.trim())
		.filter(Boolean);
	const list = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
	const reply = await classifyWorker().loadModel(id, list, names.length ? names : undefined);
	if (!reply.ok) {
		clf.error = reply.message;
		return;
	}
	Object.assign(clf, { modelId: id, classNames: reply.value.classNames, source: files.map((f) => f.name).join(', '), summary: null, epochs: [] });
	clf.message = reply.value.notes.join(' ') || null;
}

export async function downloadClassifier(): Promise<void> {
	if (!clf.modelId) return;
	const r = await classifyWorker().exportFiles(clf.modelId, 'all');
	if (!r.ok) {
		clf.error = r.message;
		return;
	}
	const file = bundle(r.value, 'classifier.zip');
	saveBlob(file.name, new Blob([file.bytes as Uint8Array<ArrayBuffer>]));
}

/** The session class for a model class name (created when missing, in Okabe–Ito colours). */
function classIdFor(name: string): string {
	const existing = session.classes.find((c) => c.name === name);
	if (existing) return existing.id;
	const used = new Set(session.classes.map((c) => c.colour.toLowerCase()));
	const c: CellClass = { id: `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`, name, colour: OKABE_ITO.find((x) => !used.has(x.toLowerCase())) ?? '#999999' };
	session.classes = [...session.classes, c];
	return c.id;
}

/** Classify every cell of every image with a mask; each image's result is one undo step. */
export async function classifyAll(): Promise<void> {
	if (!clf.modelId || clf.classifying) return;
	Object.assign(clf, { classifying: true, error: null, message: null, progress: 'Classifying…' });
	try {
		const images = session.images.filter((im) => im.mask);
		const items = images.map((im) => ({ key: im.id, image: im.raster, labels: im.mask!.labels }));
		const reply = await classifyWorker().classify(
			clf.modelId,
			items,
			proxy((p: { done: number; total: number }) => (clf.progress = `Classified ${p.done} of ${p.total} cells`))
		);
		if (!reply.ok) {
			clf.error = reply.cancelled ? null : reply.message;
			clf.message = reply.cancelled ? 'Classification cancelled; cells keep their classes.' : null;
			return;
		}
		const ids = clf.classNames.map(classIdFor);
		let cells = 0;
		for (const r of reply.value) {
			const im = session.images.find((x) => x.id === r.key);
			if (!im) continue;
			const next = new Map(im.cellClasses);
			const conf = new Map<number, number>();
			const before: (string | null)[] = [];
			const after: (string | null)[] = [];
			r.ids.forEach((cell, k) => {
				before.push(im.cellClasses.get(cell) ?? null);
				const cid = ids[r.classIndex[k]];
				next.set(cell, cid);
				conf.set(cell, r.confidence[k]);
				after.push(cid);
			});
			cells += r.ids.length;
			session.updateImage(im.id, { cellClasses: next, classConfidence: conf });
			history.push({ kind: 'cell-classes', label: `classify ${im.name}`, imageId: im.id, cells: Uint32Array.from(r.ids), before, after });
		}
		clf.message = `Classified ${cells} cells in ${reply.value.length} image${reply.value.length === 1 ? '' : 's'}.`;
	} catch (e) {
		clf.error = (e as Error).message;
	} finally {
		clf.classifying = false;
		clf.progress = '';
	}
}

export function cancelClassify(): void {
	void classifyWorker().cancel();
}

/** Cells whose class the classifier gave with a confidence below `threshold`, least confident first. */
export function lowConfidence(threshold: number): { imageId: string; image: string; cell: number; confidence: number; cls: string | null }[] {
	const out: { imageId: string; image: string; cell: number; confidence: number; cls: string | null }[] = [];
	for (const im of session.images) {
		for (const [cell, c] of im.classConfidence ?? []) if (c < threshold) out.push({ imageId: im.id, image: im.name, cell, confidence: c, cls: session.className(im.cellClasses.get(cell)) });
	}
	return out.sort((a, b) => a.confidence - b.confidence);
}
