/**
 * Reads image and mask files off the main thread: decoding, statistics for display, label counts.
 * Pixel buffers come back as transferables (no copies).
 */
import * as Comlink from 'comlink';
import { decodeImageFileAsync, decodeLabelFile } from '../src/lib/core/formats/image-file';
import { isMaskFile } from '../src/lib/core/formats/open-file';
import { browserJpegDecoder } from '../src/lib/runtime/browser-jpeg';
import { UserError } from '../src/lib/core/formats/errors';
import { rasterStats } from '../src/lib/core/raster/stats';
import { countLabels } from '../src/lib/core/labels/count';
import { packLabels, unpackLabels } from '../src/lib/core/labels/pack';
import { readSessionZip } from '../src/lib/core/session/zip-reader';
import { writeSessionZip } from '../src/lib/core/session/zip-writer';
import { blobSource } from '../src/lib/core/session/zip-directory';
import type { SessionData } from '../src/lib/core/session/schema';
import { bundle, exportFiles, type ExportFormat, type ExportImage } from '../src/lib/core/formats/export-bundle';
import { labelledPatches, type LabelledImage } from '../src/lib/core/classify/train/dataset';
import type { PatchOptions } from '../src/lib/core/classify/patches';
import { exampleSet } from '../src/lib/core/example/synthetic';
import { measureCells } from '../src/lib/core/measure/descriptors';
import { compareGroups, type CompareOptions, type GroupValues } from '../src/lib/core/measure/stats/compare';
import type { CompareReply, DecodeReply, ExampleReply, IoApi, MeasureReply, ReadSessionReply } from '../src/lib/runtime/io-types';
import type { Labels, Raster } from '../src/lib/core/raster/types';

function fail(e: unknown): DecodeReply {
	// User-caused failures carry their sentence (the page shows it after the file name);
	// anything else is a bug and is reported as such.
	if (e instanceof UserError) return { ok: false, message: e.reason };
	throw e;
}

const jpeg = browserJpegDecoder();

/** The part of a worker's FileSystemSyncAccessHandle used here (not in the DOM typings). */
interface SyncAccess {
	truncate(size: number): void;
	write(data: Uint8Array, options: { at: number }): number;
	flush(): void;
	close(): void;
}

const api: IoApi = {
	async decode(name: string, buffer: ArrayBuffer, maskSuffixes: string[]): Promise<DecodeReply> {
		const bytes = new Uint8Array(buffer);
		try {
			if (isMaskFile(name, bytes, maskSuffixes)) {
				const d = decodeLabelFile(name, bytes);
				const reply: DecodeReply = {
					ok: true,
					kind: 'labels',
					format: d.format,
					labels: d.labels,
					cellCount: countLabels(d.labels.data),
					pixelSizeUm: d.pixelSizeUm
				};
				return Comlink.transfer(reply, [d.labels.data.buffer as ArrayBuffer]);
			}
			const d = await decodeImageFileAsync(name, bytes, { decodeJpeg: jpeg });
			const reply: DecodeReply = {
				ok: true,
				kind: 'image',
				format: d.format,
				raster: d.raster,
				stats: rasterStats(d.raster),
				pages: d.pages,
				pixelSizeUm: d.pixelSizeUm,
				pixelSizeSource: d.pixelSizeSource,
				notes: d.notes
			};
			return Comlink.transfer(reply, [d.raster.data.buffer as ArrayBuffer]);
		} catch (e) {
			return fail(e);
		}
	},

	measure(name: string, labels: Labels, intensity: Raster | null, pixelSizeUm: number | null): MeasureReply {
		try {
			const table = measureCells(labels, { intensity: intensity ?? undefined, pixelSizeUm, file: name });
			return Comlink.transfer({ ok: true, table }, table.values.map((v) => v.buffer as ArrayBuffer));
		} catch (e) {
			if (e instanceof UserError) return { ok: false, message: e.message };
			throw e;
		}
	},

	compare(groups: GroupValues[], options: CompareOptions): CompareReply {
		try {
			return { ok: true, result: compareGroups(groups, options) };
		} catch (e) {
			if (e instanceof UserError) return { ok: false, message: e.reason };
			throw e;
		}
	},

	async writeSessionFile(data: SessionData, appVersion: string): Promise<Blob> {
		const stream = writeSessionZip(data, { appVersion });
		// Stream to a private file on disk where the browser has one (memory stays flat), else to a Blob.
		const storage = (navigator as Navigator & { storage?: StorageManager }).storage;
		if (storage?.getDirectory) {
			try {
				const dir = await storage.getDirectory();
				const handle = await dir.getFileHandle('session-download.zip', { create: true });
				const access = await (handle as FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncAccess> }).createSyncAccessHandle();
				try {
					access.truncate(0);
					let at = 0;
					for await (const chunk of stream) at += access.write(chunk as Uint8Array<ArrayBuffer>, { at });
					access.flush();
				} finally {
					access.close();
				}
				return await handle.getFile();
			} catch (e) {
				if (e instanceof UserError) throw e;
				// No private file system here (or no space): fall back to memory.
			}
		}
		const parts: Uint8Array[] = [];
		for await (const chunk of writeSessionZip(data, { appVersion })) parts.push(chunk);
		return new Blob(parts as Uint8Array<ArrayBuffer>[], { type: 'application/zip' });
	},

	async readSessionFile(name: string, file: Blob): Promise<ReadSessionReply> {
		try {
			const r = await readSessionZip(name, blobSource(file));
			return { ok: true, data: r.session, migratedFrom: r.migratedFrom };
		} catch (e) {
			if (e instanceof UserError) return { ok: false, message: e.message };
			throw e;
		}
	},

	exportMasks(format: ExportFormat, images: ExportImage[], zipName: string) {
		const file = bundle(exportFiles(format, images), zipName);
		return Comlink.transfer(file, [file.bytes.buffer as ArrayBuffer]);
	},

	patches(images: LabelledImage[], classNames: string[], opts: PatchOptions) {
		try {
			const p = labelledPatches(images, classNames, opts);
			return Comlink.transfer({ ok: true as const, value: p }, [p.patches.buffer as ArrayBuffer, p.labels.buffer as ArrayBuffer]);
		} catch (e) {
			if (e instanceof UserError) return { ok: false as const, message: e.message };
			throw e;
		}
	},

	stats(raster: Raster) {
		return rasterStats(raster);
	},

	pack(labels: Labels): Uint8Array {
		const packed = packLabels(labels);
		return Comlink.transfer(packed, [packed.buffer as ArrayBuffer]);
	},

	unpack(name: string, packed: Uint8Array): Labels | { error: string } {
		try {
			const labels = unpackLabels(name, packed);
			return Comlink.transfer(labels, [labels.data.buffer as ArrayBuffer]);
		} catch (e) {
			if (e instanceof UserError) return { error: e.message };
			throw e;
		}
	},

	example(): ExampleReply[] {
		const set = exampleSet().map((ex) => ({
			name: ex.name,
			raster: ex.raster,
			stats: rasterStats(ex.raster),
			labels: ex.labels,
			cellCount: countLabels(ex.labels.data),
			pixelSizeUm: ex.pixelSizeUm
		}));
		const buffers = set.flatMap((s) => [s.raster.data.buffer as ArrayBuffer, s.labels.data.buffer as ArrayBuffer]);
		return Comlink.transfer(set, buffers);
	}
};

Comlink.expose(api);
