/**
 * Loading what the user drops or picks: images first, then masks paired by stem. Decoding runs in
 * the io worker; failures become messages and never touch the images already loaded.
 */
import { attachMask } from '$lib/core/dataset/attach';
import { fileStem, isReadableName, nameRole } from '$lib/core/dataset/pairing';
import { decodeInWorker, ioWorker } from '$lib/runtime/io-client';
import { session } from '$lib/store/session.svelte';
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

/** Read and add files; returns the messages it reported. */
export async function loadFiles(given: GivenFile[]): Promise<FileMessage[]> {
	const messages: FileMessage[] = [];
	const suffixes = session.maskSuffixes;
	const images: GivenFile[] = [];
	const masks: GivenFile[] = [];
	for (const f of given) {
		const name = baseName(f.name);
		if (!isReadableName(name)) {
			messages.push({ file: name, level: 'warning', text: 'not an image or mask file Mycol reads (TIFF, PNG, JPEG, .npy); ignored' });
			continue;
		}
		if (nameRole(name, suffixes).maskSuffix !== null) masks.push({ name, blob: f.blob });
		else images.push({ name, blob: f.blob });
	}
	session.loading += images.length + masks.length;
	try {
		const added: ImageRecord[] = [];
		for (const f of images) {
			try {
				if (session.images.some((im) => im.name === f.name) || added.some((im) => im.name === f.name)) {
					messages.push({ file: f.name, level: 'warning', text: 'an image with this name is already loaded; the new file was not added' });
					continue;
				}
				const record = await readImage(f, messages);
				if (record) added.push(record);
			} finally {
				session.loading--;
			}
		}
		session.addImages(added);
		for (const f of masks) {
			try {
				await readMask(f, messages);
			} finally {
				session.loading--;
			}
		}
	} finally {
		session.report(messages);
	}
	return messages;
}

async function readImage(f: GivenFile, messages: FileMessage[]): Promise<ImageRecord | null> {
	const kept = new Uint8Array(await f.blob.arrayBuffer());
	const reply = await decodeInWorker(f.name, await f.blob.arrayBuffer(), false);
	if (!reply.ok) {
		messages.push({ file: f.name, level: 'error', text: reply.message });
		return null;
	}
	if (reply.kind !== 'image') return null;
	return {
		id: newId(),
		name: f.name,
		stem: fileStem(f.name),
		format: reply.format,
		fileBytes: kept,
		raster: reply.raster,
		stats: reply.stats,
		pages: reply.pages,
		pixelSizeUm: reply.pixelSizeUm,
		pixelSizeSource: reply.pixelSizeSource,
		notes: reply.notes,
		mask: null
	};
}

async function readMask(f: GivenFile, messages: FileMessage[]): Promise<void> {
	const reply = await decodeInWorker(f.name, await f.blob.arrayBuffer(), true);
	if (!reply.ok) {
		messages.push({ file: f.name, level: 'error', text: reply.message });
		return;
	}
	if (reply.kind !== 'labels') return;
	const role = nameRole(f.name, session.maskSuffixes);
	const decision = attachMask(
		{ name: f.name, imageStem: role.imageStem, width: reply.labels.width, height: reply.labels.height },
		session.images.map((im) => ({ id: im.id, stem: im.stem, name: im.name, width: im.raster.width, height: im.raster.height }))
	);
	if (decision.kind === 'refuse') {
		messages.push({ file: f.name, level: decision.level, text: decision.text });
		return;
	}
	session.setMask(decision.imageId, { name: f.name, labels: reply.labels, cellCount: reply.cellCount });
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
				mask: { name: 'example (true cells)', labels: ex.labels, cellCount: ex.cellCount }
			}))
		);
		session.report([]);
	} finally {
		session.loading--;
	}
}
