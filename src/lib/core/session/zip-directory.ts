/**
 * Reading a zip's structure without inflating anything: the end record (zip64 included), the
 * central directory, and every entry's local header, checked against each other and against
 * Mycol's limits. Only after all of it passes is any entry inflated, each with a hard cap at its
 * declared size, and its CRC-32 compared. Every failure is a SessionError with a plain sentence.
 */
import { Inflate } from 'fflate';
import { LIMITS, SessionError, formatCount } from '../formats/errors';
import { sniffFormat } from '../formats/image-file';
import { crc32 } from './crc32';
import {
	CENTRAL_SIZE,
	EOCD64_SIZE,
	EOCD_SIZE,
	FLAG_DESCRIPTOR,
	FLAG_ENCRYPTED,
	FLAG_STRONG_ENCRYPTION,
	FLAG_UTF8,
	LOCAL_SIZE,
	LOCATOR64_SIZE,
	METHOD_DEFLATED,
	METHOD_STORED,
	SIG_CENTRAL,
	SIG_EOCD,
	SIG_EOCD64,
	SIG_LOCAL,
	SIG_LOCATOR64,
	U16_MARK,
	U32_MARK,
	ZIP64_EXTRA,
	unsafeNameReason
} from './zip-format';

/** Random access to a zip's bytes: an array in memory, or a file or Blob read piece by piece. */
export interface ByteSource {
	readonly size: number;
	/** `length` bytes from `offset` (both within `size`). */
	read(offset: number, length: number): Promise<Uint8Array>;
}

/** A ByteSource over bytes already in memory (no copies). */
export function bytesSource(bytes: Uint8Array): ByteSource {
	return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) };
}

/** What `blobSource` needs of a Blob or File (so the core names no DOM type). */
export interface BlobLike {
	readonly size: number;
	slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** A ByteSource over a Blob or File: only the pieces asked for are read into memory. */
export function blobSource(blob: BlobLike): ByteSource {
	return { size: blob.size, read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()) };
}

export interface ZipEntry {
	name: string;
	method: typeof METHOD_STORED | typeof METHOD_DEFLATED;
	flags: number;
	crc: number;
	compressedSize: number;
	/** Uncompressed size, as the directory declares it. */
	size: number;
	localOffset: number;
	/** Where the entry's (compressed) data starts. */
	dataOffset: number;
	/** A folder entry (name ends in '/', no data). */
	isFolder: boolean;
}

/**
 * The most all entries may add up to, uncompressed: each entry within its own limits could still
 * add up to 1000 × the file's size (a zip bomb in many parts); no browser tab holds more anyway.
 */
export const MAX_ARCHIVE_BYTES = 16 * 2 ** 30;
/** The largest central directory read (≈ a million entries); more is not a session. */
const MAX_DIRECTORY_BYTES = 64 * 2 ** 20;
/** Compressed bytes given to the inflater at a time: bounds the overshoot past a cap. */
const INFLATE_SLICE = 1 << 16;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function u64(v: DataView, at: number): number {
	const hi = v.getUint32(at + 4, true);
	// 2^53 bytes is far beyond any file; a larger value is corrupt or hostile.
	if (hi >= 2 ** 21) return Number.POSITIVE_INFINITY;
	return hi * 2 ** 32 + v.getUint32(at, true);
}

function view(b: Uint8Array): DataView {
	return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Why a file that is not a readable zip is not one, in words. */
async function notAZip(file: string, src: ByteSource): Promise<SessionError> {
	if (src.size === 0) return new SessionError(file, 'the file is empty; a Mycol session is a .zip file');
	const head = await src.read(0, Math.min(src.size, 16));
	if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
		return new SessionError(
			file,
			`the zip file is truncated: its directory, which belongs at the end, is missing (${formatCount(src.size)} bytes; an interrupted download or copy?)`
		);
	}
	const fmt = sniffFormat(head);
	if (fmt) return new SessionError(file, `this is a${fmt === 'npy' ? ' NumPy .npy' : ` ${fmt.toUpperCase()}`} file, not a Mycol session (a .zip file from “Download session”)`);
	return new SessionError(file, 'this is not a zip file, so not a Mycol session (a .zip file from “Download session”)');
}

interface EndRecord {
	count: number;
	cdOffset: number;
	cdSize: number;
	/** Where the end records begin: the directory must end at or before here. */
	endStart: number;
}

async function readEnd(file: string, src: ByteSource): Promise<EndRecord> {
	const n = src.size;
	if (n < EOCD_SIZE) throw await notAZip(file, src);
	const tailLen = Math.min(n, EOCD_SIZE + 0xffff + LOCATOR64_SIZE);
	const tailStart = n - tailLen;
	const tail = await src.read(tailStart, tailLen);
	const tv = view(tail);
	// The last end signature whose comment length reaches exactly to the end of the file.
	let at = -1;
	for (let p = tail.length - EOCD_SIZE; p >= 0; p--) {
		if (tv.getUint32(p, true) === SIG_EOCD && p + EOCD_SIZE + tv.getUint16(p + 20, true) === tail.length) {
			at = p;
			break;
		}
	}
	if (at < 0) throw await notAZip(file, src);
	const diskNo = tv.getUint16(at + 4, true);
	const cdDisk = tv.getUint16(at + 6, true);
	let count = tv.getUint16(at + 10, true);
	const countHere = tv.getUint16(at + 8, true);
	let cdSize = tv.getUint32(at + 12, true);
	let cdOffset = tv.getUint32(at + 16, true);
	let endStart = tailStart + at;
	if ((diskNo !== 0 && diskNo !== U16_MARK) || (cdDisk !== 0 && cdDisk !== U16_MARK) || countHere !== count) {
		throw new SessionError(file, 'the zip archive is split across several files (a multi-part zip); Mycol opens a session saved as one .zip file');
	}
	const hasLocator = at >= LOCATOR64_SIZE && tv.getUint32(at - LOCATOR64_SIZE, true) === SIG_LOCATOR64;
	if (hasLocator) {
		const lp = at - LOCATOR64_SIZE;
		const recAt = u64(tv, lp + 8);
		if (tv.getUint32(lp + 16, true) > 1 || tv.getUint32(lp + 4, true) !== 0) {
			throw new SessionError(file, 'the zip archive is split across several files (a multi-part zip); Mycol opens a session saved as one .zip file');
		}
		if (!(recAt + EOCD64_SIZE <= tailStart + lp)) throw new SessionError(file, 'the zip64 end record lies outside the file (the zip is damaged)');
		const rec = await src.read(recAt, EOCD64_SIZE);
		const rv = view(rec);
		if (rv.getUint32(0, true) !== SIG_EOCD64) throw new SessionError(file, 'the zip64 end record is missing where its locator points (the zip is damaged)');
		if (rv.getUint32(16, true) !== 0 || rv.getUint32(20, true) !== 0) {
			throw new SessionError(file, 'the zip archive is split across several files (a multi-part zip); Mycol opens a session saved as one .zip file');
		}
		count = u64(rv, 32);
		cdSize = u64(rv, 40);
		cdOffset = u64(rv, 48);
		endStart = recAt;
	} else if (count === U16_MARK || cdSize === U32_MARK || cdOffset === U32_MARK) {
		throw new SessionError(file, 'the zip needs a zip64 end record but has none (the zip is damaged or truncated)');
	}
	if (!(cdOffset + cdSize <= endStart)) {
		throw new SessionError(
			file,
			`the zip directory claims to lie at bytes ${formatCount(cdOffset)}–${formatCount(cdOffset + cdSize)}, beyond the ${formatCount(endStart)} bytes before its end record (the zip is damaged or truncated)`
		);
	}
	if (cdSize > MAX_DIRECTORY_BYTES) {
		throw new SessionError(file, `the zip directory is ${formatCount(cdSize)} bytes, more than the ${formatCount(MAX_DIRECTORY_BYTES)} a session's directory can need`);
	}
	if (count * CENTRAL_SIZE > cdSize) {
		throw new SessionError(file, `the zip claims ${formatCount(count)} entries, more than its ${formatCount(cdSize)}-byte directory can hold (the zip is damaged)`);
	}
	return { count, cdOffset, cdSize, endStart };
}

function decodeName(file: string, bytes: Uint8Array, flags: number): string {
	let ascii = true;
	for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) ascii = false;
	if (ascii && !(flags & FLAG_UTF8)) return String.fromCharCode(...bytes);
	try {
		return utf8.decode(bytes);
	} catch {
		throw new SessionError(file, 'the zip has an entry whose name is not valid UTF-8 (it was not written by Mycol)');
	}
}

/**
 * The zip's entries, every name, size, ratio and header checked, nothing inflated. Folder entries
 * are returned too (flagged), so a caller can ignore them.
 */
export async function readZipDirectory(file: string, src: ByteSource): Promise<ZipEntry[]> {
	const end = await readEnd(file, src);
	const cd = await src.read(end.cdOffset, end.cdSize);
	const cv = view(cd);
	const entries: ZipEntry[] = [];
	const rawNames: Uint8Array[] = [];
	const names = new Set<string>();
	let total = 0;
	let p = 0;
	for (let i = 0; i < end.count; i++) {
		if (p + CENTRAL_SIZE > cd.length || cv.getUint32(p, true) !== SIG_CENTRAL) {
			throw new SessionError(file, `the zip directory is damaged at entry ${i + 1} of ${formatCount(end.count)}`);
		}
		const flags = cv.getUint16(p + 8, true);
		const method = cv.getUint16(p + 10, true);
		const crc = cv.getUint32(p + 16, true);
		let compressedSize = cv.getUint32(p + 20, true);
		let size = cv.getUint32(p + 24, true);
		const nameLen = cv.getUint16(p + 28, true);
		const extraLen = cv.getUint16(p + 30, true);
		const commentLen = cv.getUint16(p + 32, true);
		const disk = cv.getUint16(p + 34, true);
		let localOffset = cv.getUint32(p + 42, true);
		const recLen = CENTRAL_SIZE + nameLen + extraLen + commentLen;
		if (p + recLen > cd.length) throw new SessionError(file, `the zip directory is damaged at entry ${i + 1} of ${formatCount(end.count)}`);
		const rawName = cd.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLen);
		const name = decodeName(file, rawName, flags);
		// zip64 values for whichever 32-bit fields are marked, in APPNOTE order.
		const wantSize = size === U32_MARK;
		const wantCompressed = compressedSize === U32_MARK;
		const wantOffset = localOffset === U32_MARK;
		if (wantSize || wantCompressed || wantOffset) {
			const got = zip64Fields(cd.subarray(p + CENTRAL_SIZE + nameLen, p + CENTRAL_SIZE + nameLen + extraLen));
			const need = +wantSize + +wantCompressed + +wantOffset;
			if (got === null || got.length < need) throw new SessionError(file, `the zip entry '${name}' has a damaged zip64 size field`);
			let k = 0;
			if (wantSize) size = got[k++];
			if (wantCompressed) compressedSize = got[k++];
			if (wantOffset) localOffset = got[k++];
		}
		p += recLen;

		const unsafe = unsafeNameReason(name);
		if (unsafe) throw new SessionError(file, `the zip entry '${name}' ${unsafe}; Mycol refuses to open it`);
		if (names.has(name)) throw new SessionError(file, `the zip holds two entries named '${name}'; a session has each file once`);
		names.add(name);
		if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) throw new SessionError(file, `the zip entry '${name}' is encrypted; Mycol opens unencrypted sessions`);
		if (disk !== 0 && disk !== U16_MARK) throw new SessionError(file, 'the zip archive is split across several files (a multi-part zip); Mycol opens a session saved as one .zip file');
		if (method !== METHOD_STORED && method !== METHOD_DEFLATED) {
			throw new SessionError(file, `the zip entry '${name}' uses compression method ${method}; Mycol reads stored and deflated entries`);
		}
		if (size > LIMITS.maxZipEntryBytes) {
			throw new SessionError(
				file,
				`the zip entry '${name}' declares ${formatCount(size)} bytes uncompressed, more than Mycol's limit of ${formatCount(LIMITS.maxZipEntryBytes)} bytes per entry (a zip bomb?)`
			);
		}
		if (size > Math.max(1, compressedSize) * LIMITS.maxCompressionRatio) {
			throw new SessionError(
				file,
				`the zip entry '${name}' would expand from ${formatCount(compressedSize)} to ${formatCount(size)} bytes, more than ${formatCount(LIMITS.maxCompressionRatio)} times its compressed size (a zip bomb?)`
			);
		}
		if (method === METHOD_STORED && size !== compressedSize) {
			throw new SessionError(file, `the zip entry '${name}' is stored uncompressed but declares two different sizes (the zip is damaged)`);
		}
		const isFolder = name.endsWith('/');
		if (isFolder && size !== 0) throw new SessionError(file, `the zip entry '${name}' is a folder but holds ${formatCount(size)} bytes`);
		entries.push({ name, method, flags, crc, compressedSize, size, localOffset, dataOffset: 0, isFolder });
		rawNames.push(rawName);
		total += size;
	}
	if (total > MAX_ARCHIVE_BYTES) {
		throw new SessionError(
			file,
			`the zip's entries add up to ${formatCount(total)} bytes uncompressed, more than Mycol's limit of ${formatCount(MAX_ARCHIVE_BYTES)} bytes for a session (a zip bomb?)`
		);
	}
	await checkLocalHeaders(file, src, entries, rawNames, end.cdOffset);
	return entries;
}

/** The 64-bit values of a zip64 extra field, or null when the extra data has none. */
function zip64Fields(extra: Uint8Array): number[] | null {
	const v = view(extra);
	for (let q = 0; q + 4 <= extra.length; ) {
		const id = v.getUint16(q, true);
		const len = v.getUint16(q + 2, true);
		if (q + 4 + len > extra.length) return null;
		if (id === ZIP64_EXTRA) {
			const out: number[] = [];
			for (let k = 0; k + 8 <= len; k += 8) out.push(u64(v, q + 4 + k));
			return out;
		}
		q += 4 + len;
	}
	return null;
}

/** Each local header agrees with the directory, and no two entries' data overlap. */
async function checkLocalHeaders(file: string, src: ByteSource, entries: ZipEntry[], rawNames: Uint8Array[], cdOffset: number): Promise<void> {
	for (let i = 0; i < entries.length; i++) {
		const e = entries[i];
		if (!(e.localOffset + LOCAL_SIZE <= cdOffset)) {
			throw new SessionError(file, `the zip entry '${e.name}' is missing from where the directory says it is (the zip is damaged or truncated)`);
		}
		const head = await src.read(e.localOffset, LOCAL_SIZE);
		const hv = view(head);
		if (hv.getUint32(0, true) !== SIG_LOCAL) {
			throw new SessionError(file, `the zip entry '${e.name}' is missing from where the directory says it is (the zip is damaged)`);
		}
		const flags = hv.getUint16(6, true);
		const method = hv.getUint16(8, true);
		const nameLen = hv.getUint16(26, true);
		const extraLen = hv.getUint16(28, true);
		e.dataOffset = e.localOffset + LOCAL_SIZE + nameLen + extraLen;
		if (e.dataOffset > cdOffset) throw new SessionError(file, `the zip entry '${e.name}' runs past the end of the zip's data (the zip is damaged)`);
		const rest = await src.read(e.localOffset + LOCAL_SIZE, nameLen + extraLen);
		const localName = rest.subarray(0, nameLen);
		if (!sameBytes(localName, rawNames[i])) {
			let shown: string;
			try {
				shown = utf8.decode(localName);
			} catch {
				shown = '(not UTF-8)';
			}
			throw new SessionError(file, `the zip entry '${e.name}' is named '${shown}' in its own header; the two disagree (a damaged or tampered zip)`);
		}
		if (method !== e.method || (flags & (FLAG_ENCRYPTED | FLAG_DESCRIPTOR)) !== (e.flags & (FLAG_ENCRYPTED | FLAG_DESCRIPTOR))) {
			throw new SessionError(file, `the zip entry '${e.name}' has a header that disagrees with the zip's directory about how it is stored (a damaged or tampered zip)`);
		}
		if (!(flags & FLAG_DESCRIPTOR)) {
			let lc = hv.getUint32(18, true);
			let ls = hv.getUint32(22, true);
			if (lc === U32_MARK || ls === U32_MARK) {
				const got = zip64Fields(rest.subarray(nameLen)) ?? [];
				if (ls === U32_MARK) ls = got.shift() ?? -1;
				if (lc === U32_MARK) lc = got.shift() ?? -1;
			}
			if (hv.getUint32(14, true) !== e.crc || lc !== e.compressedSize || ls !== e.size) {
				throw new SessionError(file, `the zip entry '${e.name}' has a header whose size or checksum disagrees with the zip's directory (a damaged or tampered zip)`);
			}
		}
	}
	// Entries in file order: each one's data (and descriptor) ends before the next begins.
	const order = [...entries].sort((a, b) => a.localOffset - b.localOffset);
	for (let i = 0; i < order.length; i++) {
		const e = order[i];
		const end = e.dataOffset + e.compressedSize + (e.flags & FLAG_DESCRIPTOR ? 12 : 0);
		const next = i + 1 < order.length ? order[i + 1] : null;
		if (next && end > next.localOffset) {
			throw new SessionError(file, `the zip entries '${e.name}' and '${next.name}' overlap in the file (a zip bomb or a damaged zip)`);
		}
		if (end > cdOffset) throw new SessionError(file, `the zip entry '${e.name}' runs past the end of the zip's data (the zip is damaged or truncated)`);
	}
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

/**
 * One entry's bytes: read, inflated into a buffer of exactly its declared size (inflating stops
 * as soon as the data would run past it), and CRC-checked.
 */
export async function readZipEntry(file: string, src: ByteSource, e: ZipEntry): Promise<Uint8Array> {
	const raw = await src.read(e.dataOffset, e.compressedSize);
	let out: Uint8Array;
	if (e.method === METHOD_STORED) out = raw;
	else {
		out = new Uint8Array(e.size);
		let got = 0;
		let over = false;
		const inflater = new Inflate((chunk) => {
			if (got + chunk.length > e.size) {
				over = true;
				throw new SessionError(file, `the zip entry '${e.name}' inflates to more than the ${formatCount(e.size)} bytes it declares (a zip bomb or a damaged zip)`);
			}
			out.set(chunk, got);
			got += chunk.length;
		});
		try {
			if (raw.length === 0) inflater.push(raw, true);
			for (let p = 0; p < raw.length; p += INFLATE_SLICE) {
				const end = Math.min(raw.length, p + INFLATE_SLICE);
				inflater.push(raw.subarray(p, end), end === raw.length);
			}
		} catch (err) {
			if (over && err instanceof SessionError) throw err;
			throw new SessionError(file, `the zip entry '${e.name}' is damaged: its compressed data cannot be inflated (${(err as Error).message})`);
		}
		if (got !== e.size) {
			throw new SessionError(file, `the zip entry '${e.name}' inflates to ${formatCount(got)} bytes, not the ${formatCount(e.size)} it declares (the zip is damaged)`);
		}
	}
	if (crc32(out) !== e.crc) throw new SessionError(file, `the zip entry '${e.name}' is damaged: its CRC-32 checksum does not match its data`);
	return out;
}
