/**
 * A zip builder for tests, written independently of the session writer, that can also make
 * zips no honest writer makes: any name (duplicates, `../`, absolute), lying sizes (zip64 fields
 * for declared sizes over 4 GiB), a local header that disagrees with the directory, flags.
 */
import { crc32 } from 'node:zlib';
import { deflateSync, unzipSync } from 'fflate';

export interface RawEntry {
	name: string;
	data: Uint8Array;
	/** Deflate the data (default: stored). */
	deflate?: boolean;
	/** The uncompressed size to declare instead of the true one. */
	declaredSize?: number;
	/** A different name for the local header. */
	localName?: string;
	/** Extra general-purpose flag bits. */
	flags?: number;
	/** A CRC to declare instead of the true one. */
	crc?: number;
	/** Bytes to store as the entry's deflated data as they are (with `deflate`), e.g. junk. */
	rawCompressed?: Uint8Array;
}

const enc = new TextEncoder();

function u64(v: DataView, at: number, x: number): void {
	v.setUint32(at, x >>> 0, true);
	v.setUint32(at + 4, Math.floor(x / 2 ** 32), true);
}

export function buildRawZip(entries: RawEntry[]): Uint8Array {
	const parts: Uint8Array[] = [];
	const central: Uint8Array[] = [];
	let offset = 0;
	for (const e of entries) {
		const name = enc.encode(e.name);
		const localName = enc.encode(e.localName ?? e.name);
		const body = e.rawCompressed ?? (e.deflate ? deflateSync(e.data) : e.data);
		const size = e.declaredSize ?? e.data.length;
		const big = size >= 0xffffffff;
		const crc = e.crc ?? crc32(e.data);
		const method = e.deflate ? 8 : 0;
		const flags = 0x800 | (e.flags ?? 0);
		const localExtra = big ? 20 : 0;
		const local = new Uint8Array(30 + localName.length + localExtra);
		const lv = new DataView(local.buffer);
		lv.setUint32(0, 0x04034b50, true);
		lv.setUint16(4, big ? 45 : 20, true);
		lv.setUint16(6, flags, true);
		lv.setUint16(8, method, true);
		lv.setUint32(14, crc, true);
		lv.setUint32(18, big ? 0xffffffff : body.length, true);
		lv.setUint32(22, big ? 0xffffffff : size, true);
		lv.setUint16(26, localName.length, true);
		lv.setUint16(28, localExtra, true);
		local.set(localName, 30);
		if (big) {
			lv.setUint16(30 + localName.length, 1, true);
			lv.setUint16(32 + localName.length, 16, true);
			u64(lv, 34 + localName.length, size);
			u64(lv, 42 + localName.length, body.length);
		}
		const cdExtra = big ? 20 : 0;
		const cd = new Uint8Array(46 + name.length + cdExtra);
		const cv = new DataView(cd.buffer);
		cv.setUint32(0, 0x02014b50, true);
		cv.setUint16(4, 45, true);
		cv.setUint16(6, big ? 45 : 20, true);
		cv.setUint16(8, flags, true);
		cv.setUint16(10, method, true);
		cv.setUint32(16, crc, true);
		cv.setUint32(20, big ? 0xffffffff : body.length, true);
		cv.setUint32(24, big ? 0xffffffff : size, true);
		cv.setUint16(28, name.length, true);
		cv.setUint16(30, cdExtra, true);
		cv.setUint32(42, offset, true);
		cd.set(name, 46);
		if (big) {
			cv.setUint16(46 + name.length, 1, true);
			cv.setUint16(48 + name.length, 16, true);
			u64(cv, 50 + name.length, size);
			u64(cv, 58 + name.length, body.length);
		}
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

/** A zip's entries in order, read by fflate's own unzip (not our reader). */
export function unzipEntries(zip: Uint8Array): RawEntry[] {
	const files = unzipSync(zip);
	return Object.keys(files).map((name) => ({ name, data: files[name], deflate: name.endsWith('.json') || name.endsWith('.csv') }));
}

export const text = (s: string): Uint8Array => enc.encode(s);
