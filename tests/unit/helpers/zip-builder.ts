/**
 * A tiny zip *writer* for tests: STORED (or deflated) entries, local headers, central directory,
 * end record. Stored data can be padded to 64-byte boundaries as torch does.
 */
import { deflateSync } from 'fflate';

export interface ZipInput {
	name: string;
	data: Uint8Array;
	/** Deflate the entry (default: stored). */
	deflate?: boolean;
	/** Write this uncompressed size in the directory instead of the true one (hostile tests). */
	declaredSize?: number;
}

const CRC_TABLE = (() => {
	const t = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		t[n] = c >>> 0;
	}
	return t;
})();

function crc32(b: Uint8Array): number {
	let c = 0xffffffff;
	for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 255] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

export function buildZip(entries: ZipInput[], align = 64): Uint8Array {
	const enc = new TextEncoder();
	const parts: Uint8Array[] = [];
	const central: Uint8Array[] = [];
	let offset = 0;
	for (const e of entries) {
		const name = enc.encode(e.name);
		const body = e.deflate ? deflateSync(e.data) : e.data;
		const headerLen = 30 + name.length;
		const pad = e.deflate ? 0 : (align - ((offset + headerLen + 4) % align)) % align;
		const extraLen = e.deflate ? 0 : 4 + pad;
		const local = new Uint8Array(headerLen + extraLen);
		const lv = new DataView(local.buffer);
		const crc = crc32(e.data);
		const size = e.declaredSize ?? e.data.length;
		lv.setUint32(0, 0x04034b50, true);
		lv.setUint16(4, 20, true);
		lv.setUint16(8, e.deflate ? 8 : 0, true);
		lv.setUint32(14, crc, true);
		lv.setUint32(18, body.length, true);
		lv.setUint32(22, size, true);
		lv.setUint16(26, name.length, true);
		lv.setUint16(28, extraLen, true);
		local.set(name, 30);
		if (extraLen) {
			lv.setUint16(30 + name.length, 0x4246, true); // torch's padding field id ("FB")
			lv.setUint16(32 + name.length, pad, true);
		}
		const cd = new Uint8Array(46 + name.length);
		const cv = new DataView(cd.buffer);
		cv.setUint32(0, 0x02014b50, true);
		cv.setUint16(4, 20, true);
		cv.setUint16(6, 20, true);
		cv.setUint16(10, e.deflate ? 8 : 0, true);
		cv.setUint32(16, crc, true);
		cv.setUint32(20, body.length, true);
		cv.setUint32(24, size, true);
		cv.setUint16(28, name.length, true);
		cv.setUint32(42, offset, true);
		cd.set(name, 46);
		parts.push(local, body);
		central.push(cd);
		offset += local.length + body.length;
	}
	const cdSize = central.reduce((a, c) => a + c.length, 0);
	const end = new Uint8Array(22);
	const ev = new DataView(end.buffer);
	ev.setUint32(0, 0x06054b50, true);
	ev.setUint16(8, entries.length, true);
	ev.setUint16(10, entries.length, true);
	ev.setUint32(12, cdSize, true);
	ev.setUint32(16, offset, true);
	const all = [...parts, ...central, end];
	const out = new Uint8Array(all.reduce((a, c) => a + c.length, 0));
	let p = 0;
	for (const c of all) {
		out.set(c, p);
		p += c.length;
	}
	return out;
}
