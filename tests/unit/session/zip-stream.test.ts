// The streaming zip writer: memory bounded by one slice's deflate output whatever the archive's
// size, entries made only when reached, and archives that other readers open (fflate, and
// Python's zipfile in roundtrip.test.ts).
import { crc32 } from 'node:zlib';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { collectZip, zipStream, type ZipEntryInput } from '../../../src/lib/core/session';
import { noise } from './fixtures';

/** `count` entries of `size` bytes each, made lazily; half incompressible noise, half a smooth ramp. */
function lazyEntries(count: number, size: number, log: string[] = []): ZipEntryInput[] {
	return Array.from({ length: count }, (_, i) => ({
		name: `e${i}.bin`,
		deflate: true,
		data: () => {
			log.push(`make ${i}`);
			if (i % 2 === 0) return noise(size, i + 1);
			const b = new Uint8Array(size);
			for (let k = 0; k < size; k++) b[k] = (k >> 10) & 255;
			return b;
		}
	}));
}

describe('zipStream', () => {
	it('never queues more than one input slice of deflated output, however large the archive', async () => {
		const peaks: number[] = [];
		const totals: number[] = [];
		for (const count of [2, 16]) {
			const stream = zipStream(lazyEntries(count, 4 * 2 ** 20));
			let largestChunk = 0;
			for await (const c of stream) largestChunk = Math.max(largestChunk, c.length);
			peaks.push(stream.stats.peakQueuedBytes);
			totals.push(stream.stats.bytesOut);
			// Chunks handed out are bounded too: a slice's deflate output or a 1 MiB stored piece.
			expect(largestChunk).toBeLessThanOrEqual(2 ** 20);
		}
		// 8 MiB and 64 MiB of input: noise does not compress, so the archives are ~4 and ~32 MiB.
		expect(totals[1]).toBeGreaterThan(30 * 2 ** 20);
		// 64 KiB slices of noise deflate to a little over 64 KiB (stored blocks); the bound is the same for both.
		for (const p of peaks) {
			expect(p).toBeGreaterThan(0);
			expect(p).toBeLessThanOrEqual(2 ** 16 + 2 ** 15);
		}
		expect(peaks[1]).toBeLessThanOrEqual(peaks[0] + 1024);
	});

	it('makes each entry only when the consumer reaches it', async () => {
		const log: string[] = [];
		const stream = zipStream(lazyEntries(3, 200_000, log));
		let entriesSeen = -1;
		for await (const chunk of stream) {
			// A local header signature marks the start of the next entry.
			if (chunk.length >= 4 && chunk[0] === 0x50 && chunk[1] === 0x4b && chunk[2] === 3 && chunk[3] === 4) {
				entriesSeen++;
				log.push(`header ${entriesSeen}`);
			}
		}
		expect(log).toEqual(['make 0', 'header 0', 'make 1', 'header 1', 'make 2', 'header 2']);
	});

	it('writes stored and deflated entries that fflate unzips to the same bytes and CRCs', async () => {
		const data = [noise(100_000, 3), new Uint8Array(50_000).fill(7), new Uint8Array(0), new TextEncoder().encode('µm – naïve')];
		const entries: ZipEntryInput[] = data.map((d, i) => ({ name: `dir/é${i}.bin`, data: d, deflate: i % 2 === 1 }));
		for (const forceZip64 of [false, true]) {
			const zip = await collectZip(zipStream(entries, { forceZip64, mtime: new Date(2024, 0, 2, 3, 4, 6) }));
			const files = unzipSync(zip);
			expect(Object.keys(files)).toEqual(entries.map((e) => e.name));
			data.forEach((d, i) => {
				expect(files[`dir/é${i}.bin`]).toEqual(d);
				expect(crc32(files[`dir/é${i}.bin`])).toBe(crc32(d));
			});
		}
	});

	it('refuses unsafe or duplicate names (a programming error, not a file error)', async () => {
		await expect(collectZip(zipStream([{ name: '../x', data: new Uint8Array(1), deflate: false }]))).rejects.toThrow("climbs out");
		const twice = [
			{ name: 'a', data: new Uint8Array(1), deflate: false },
			{ name: 'a', data: new Uint8Array(1), deflate: false }
		];
		await expect(collectZip(zipStream(twice))).rejects.toThrow("two entries are named 'a'");
	});
});
