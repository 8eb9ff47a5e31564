/**
 * Compact storage of a label image (for the browser's database): ids narrowed to 16 bits when
 * they fit, then Deflate. Label images compress 20–100×, which keeps autosaving big masks cheap.
 * Layout: 'MLAB' magic, version 1, bytes per id (2 or 4), width, height (uint32 LE), zlib data.
 */
import { unzlibSync, zlibSync } from 'fflate';
import { FormatError } from '../formats/errors';
import type { Labels } from '../raster/types';

const MAGIC = [0x4d, 0x4c, 0x41, 0x42]; // "MLAB"
const HEADER = 16;

export function packLabels(labels: Labels): Uint8Array {
	const { width, height, data } = labels;
	let max = 0;
	for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
	const narrow = max <= 0xffff;
	const raw = narrow ? Uint16Array.from(data) : data;
	const body = zlibSync(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), { level: 1 });
	const out = new Uint8Array(HEADER + body.length);
	out.set(MAGIC, 0);
	const dv = new DataView(out.buffer);
	dv.setUint16(4, 1, true);
	dv.setUint16(6, narrow ? 2 : 4, true);
	dv.setUint32(8, width, true);
	dv.setUint32(12, height, true);
	out.set(body, HEADER);
	return out;
}

export function unpackLabels(name: string, packed: Uint8Array): Labels {
	if (packed.length < HEADER || MAGIC.some((b, i) => packed[i] !== b)) throw new FormatError(name, 'the stored mask is damaged (it does not start with its signature)');
	const dv = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
	const bytesPerId = dv.getUint16(6, true);
	const width = dv.getUint32(8, true);
	const height = dv.getUint32(12, true);
	const n = width * height;
	if (bytesPerId !== 2 && bytesPerId !== 4) throw new FormatError(name, 'the stored mask is damaged (unknown id size)');
	const raw = new Uint8Array(n * bytesPerId);
	let got: Uint8Array;
	try {
		got = unzlibSync(packed.subarray(HEADER), { out: raw });
	} catch {
		throw new FormatError(name, 'the stored mask is damaged (its compressed data is cut or corrupt)');
	}
	if (got.length !== raw.length) throw new FormatError(name, 'the stored mask is damaged (it holds fewer pixels than its size says)');
	const data = bytesPerId === 2 ? Uint32Array.from(new Uint16Array(raw.buffer)) : new Uint32Array(raw.buffer);
	return { width, height, data };
}
