/**
 * Loading what the user drops or picks: every file is decoded in the io worker, then the images
 * are added and the masks paired with them by stem. Failures become messages and never touch the
 * images already loaded.
 */
import { attachMask } from '$lib/core/dataset/attach';
import { fileExtension, fileStem, isReadableName, nameRole } from '$lib/core/dataset/pairing';
import { applyHyperparameterCsv } from '$lib/ui/train/hyperparameters';
import { decodeInWorker, ioWorker } from '$lib/runtime/io-client';
import type { DecodeReply } from '$lib/runtime/io-types';
import { session } from '$lib/store/session.svelte';
import { replaceMask } from '$lib/store/history.svelte';
import type { FileMessage, ImageRecord } from '$lib/store/types';

export interface GivenFile {
	/** The name shown to the user (a folder path is dropped to its base name). */
	name: string;
	blob: Blob;
}

let nextId = 1;
function newId(): string {
	return `img-${Date.now().toString(36)}-${(nextId++).toString(36)}`;
}

function baseName(path: string): string {
	return path.split(/[\\/]/).pop() ?? path;
}

type Decoded = { name: string; bytes: Uint8Array; reply: DecodeReply };

/** Read and add files; returns the messages it reported. */
export async function loadFiles(given: GivenFile[]): Promise<FileMessage[]> {
	const messages: FileMessage[] = [];
	const readable: GivenFile[] = [];
	for (const f of given) {
		const name = baseName(f.name);
		if (fileExtension(name) === 'csv') {
			// A hyperparameter CSV (the original app's hyperparameter_search.csv, or ours): apply its best row.
			try {
				messages.push({ file: name, level: 'info', text: applyHyperparameterCsv(name, await f.blob.text()).replace(`${name}: `, '') });
			} catch (e) {
				messages.push({ file: name, level: 'error', text: (e as Error).message.replace(`${name}: `, '') });
			}
		} else if (isReadableName(name)) readable.push({ name, blob: f.blob });
		else messages.push({ file: name, level: 'warning', text: 'not an image or mask file Mycol reads (TIFF, PNG, JPEG, .npy); ignored' });
	}
	const suffixes = [...session.maskSuffixes];
	const decoded: Decoded[] = [];
	session.loading += readable.length;
	try {
		for (const f of readable) {
			try {
				// One copy is kept (the session file stores originals); the other goes to the worker.
				const bytes = new Uint8Array(await f.blob.arrayBuffer());
				decoded.push({ name: f.name, bytes, reply: await decodeInWorker(f.name, await f.blob.arrayBuffer(), suffixes) });
			} finally {
				session.loading--;
			}
		}
		const added: ImageRecord[] = [];
		for (const d of decoded) {
			if (!d.reply.ok) messages.push({ file: d.name, level: 'error', text: d.reply.message });
			else if (d.reply.kind === 'image') {
				if (session.images.some((im) => im.name === d.name) || added.some((im) => im.name === d.name)) {
					messages.push({ file: d.name, level: 'warning', text: 'an image with this name is already loaded; the new file was not added' });
				} else added.push(imageRecord(d.name, d.bytes, d.reply));
			}
		}
		session.addImages(added);
		for (const d of decoded) if (d.reply.ok && d.reply.kind === 'labels') attach(d.name, d.reply, suffixes, messages);
	} finally {
		session.report(messages);
	}
	return messages;
}

function imageRecord(name: string, bytes: Uint8Array, r: Extract<DecodeReply, { kind: 'image' }>): ImageRecord {
	return {
		id: newId(),
		name,
		stem: fileStem(name),
		format: r.format,
		fileBytes: bytes,
		raster: r.raster,
		stats: r.stats,
		pages: r.pages,
		pixelSizeUm: r.pixelSizeUm,
		pixelSizeSource: r.pixelSizeSource,
		notes: r.notes,
		mask: null,
		cellClasses: new Map()
	};
}

function attach(name: string, r: Extract<DecodeReply, { kind: 'labels' }>, suffixes: string[], messages: FileMessage[]): void {
	// A `_seg.npy` recognised by content may lack a suffix: its stem is then the image's.
	const role = nameRole(name, suffixes);
	const decision = attachMask(
		{ name, imageStem: role.imageStem, width: r.labels.width, height: r.labels.height },
		session.images.map((im) => ({ id: im.id, stem: im.stem, name: im.name, width: im.raster.width, height: im.raster.height }))
	);
	if (decision.kind === 'refuse') messages.push({ file: name, level: decision.level, text: decision.text });
	else replaceMask(decision.imageId, { name, labels: r.labels, cellCount: r.cellCount, editCount: 0 }, `load ${name}`);
}

/** Add the synthetic example set (made by our own code, works offline). */
export async function loadExample(): Promise<void> {
	session.loading += 1;
	try {
		const set = await ioWorker().example();
		const fresh = set.filter((ex) => !session.images.some((im) => im.name === ex.name));
		session.addImages(
			fresh.map((ex) => ({
				id: newId(),
				name: ex.name,
				stem: fileStem(ex.name),
				format: 'example',
				fileBytes: null,
				raster: ex.raster,
				stats: ex.stats,
				pages: 1,
				pixelSizeUm: ex.pixelSizeUm,
				pixelSizeSource: 'example' as const,
				notes: ['Synthetic nuclei made by Mycol (example data), with their true masks.'],
				mask: { name: 'example (true cells)', labels: ex.labels, cellCount: ex.cellCount },
				cellClasses: new Map<number, string>()
			}))
		);
		session.report([]);
	} finally {
		session.loading--;
	}
}
