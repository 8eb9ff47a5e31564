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
import { exampleSet } from '../src/lib/core/example/synthetic';
import { measureCells } from '../src/lib/core/measure/descriptors';
import { compareGroups, type CompareOptions, type GroupValues } from '../src/lib/core/measure/stats/compare';
import type { CompareReply, DecodeReply, ExampleReply, IoApi, MeasureReply } from '../src/lib/runtime/io-types';
import type { Labels, Raster } from '../src/lib/core/raster/types';

function fail(e: unknown): DecodeReply {
	// User-caused failures carry their sentence (the page shows it after the file name);
	// anything else is a bug and is reported as such.
	if (e instanceof UserError) return { ok: false, message: e.reason };
	throw e;
}

const jpeg = browserJpegDecoder();

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
