/**
 * A streaming zip writer: entries go out one after another as chunks, so a consumer can pipe them
 * to a file or collect Blob parts, and memory holds at most one entry's bytes plus the deflate
 * output of one input slice. Entry data may be given lazily (a function called when the entry is
 * reached), so only one generated entry exists at a time.
 *
 * Layout (PKWARE APPNOTE 6.3.10): stored entries carry their CRC and sizes in the local header;
 * deflated entries, whose compressed size is known only afterwards, set flag bit 3 and follow
 * their data with a data descriptor. zip64 records are written where a size, offset or count
 * does not fit 32 (16) bits, or everywhere when `forceZip64` is set. Compression is fflate's
 * streaming `Deflate`; the container is written here because fflate's `Zip` has no zip64.
 */
import { Deflate } from 'fflate';
import { crc32 } from './crc32';
import {
	CENTRAL_SIZE,
	EOCD64_SIZE,
	EOCD_SIZE,
	FLAG_DESCRIPTOR,
	FLAG_UTF8,
	LOCAL_SIZE,
	LOCATOR64_SIZE,
	METHOD_DEFLATED,
	METHOD_STORED,
	SIG_CENTRAL,
	SIG_DESCRIPTOR,
	SIG_EOCD,
	SIG_EOCD64,
	SIG_LOCAL,
	SIG_LOCATOR64,
	U16_MARK,
	U32_MARK,
	ZIP64_EXTRA,
	dosDateTime,
	unsafeNameReason
} from './zip-format';

export interface ZipEntryInput {
	/** The entry's path inside the zip (`/`-separated, relative). */
	name: string;
	/** The bytes, or a function that makes them when the entry is reached. */
	data: Uint8Array | (() => Uint8Array | Promise<Uint8Array>);
	/** Deflate the entry (true), or store it as is (false: for data that is already compressed). */
	deflate: boolean;
}

export interface ZipStreamOptions {
	/** Modification time written for every entry (default: now). */
	mtime?: Date;
	/**
	 * Deflate level, 1 (fast) to 9 (small); default 1: on microscopy images fflate's level 6 saves
	 * about 3 % more but runs at half the speed, and a download should not keep the user waiting.
	 */
	level?: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
	/** Write zip64 records even where 32 bits suffice (for tools and tests that want them). */
	forceZip64?: boolean;
	/** Called with each entry's bytes as it is written (e.g. to hash them). */
	onEntry?: (name: string, data: Uint8Array) => void;
}

export interface ZipStreamStats {
	/** Bytes handed to the consumer so far. */
	bytesOut: number;
	/** Entries written so far. */
	entries: number;
	/** The most deflated bytes ever waiting to be handed out at once (one input slice's output). */
	peakQueuedBytes: number;
}

/** Uncompressed bytes given to the deflater at a time, and the size of stored chunks handed out. */
const SLICE = 1 << 16;
const STORED_CHUNK = 1 << 20;
/** Entries this close to 4 GiB get zip64 sizes: deflate may grow incompressible data slightly. */
const ZIP64_SIZE = U32_MARK - (1 << 24);

/** What the central directory needs to know about a written entry. */
interface Written {
	name: Uint8Array;
	method: number;
	flags: number;
	crc: number;
	compressedSize: number;
	size: number;
	offset: number;
	zip64Sizes: boolean;
}

const VERSION_MADE_BY = (3 << 8) | 45; // Unix, APPNOTE 4.5
const FILE_ATTRIBUTES = (0o100644 << 16) >>> 0; // a regular file, rw-r--r--

/** A zip archive being written: iterate it to receive the chunks, in order. */
export class ZipStream implements AsyncIterable<Uint8Array> {
	readonly stats: ZipStreamStats = { bytesOut: 0, entries: 0, peakQueuedBytes: 0 };
	private started = false;

	constructor(
		private readonly entries: Iterable<ZipEntryInput> | AsyncIterable<ZipEntryInput>,
		private readonly opts: ZipStreamOptions = {}
	) {}

	[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
		if (this.started) throw new Error('ZipStream: a zip can be iterated only once');
		this.started = true;
		return this.generate();
	}

	private async *generate(): AsyncGenerator<Uint8Array> {
		const { mtime = new Date(), level = 1, forceZip64 = false, onEntry } = this.opts;
		const dos = dosDateTime(mtime);
		const written: Written[] = [];
		const enc = new TextEncoder();
		const seen = new Set<string>();
		let offset = 0;
		const out = (chunk: Uint8Array): Uint8Array => {
			offset += chunk.length;
			this.stats.bytesOut = offset;
			return chunk;
		};
		for await (const entry of this.entries) {
			const reason = unsafeNameReason(entry.name);
			if (reason) throw new Error(`ZipStream: the entry name '${entry.name}' ${reason}`);
			if (seen.has(entry.name)) throw new Error(`ZipStream: two entries are named '${entry.name}'`);
			seen.add(entry.name);
			const data = typeof entry.data === 'function' ? await entry.data() : entry.data;
			onEntry?.(entry.name, data);
			const name = enc.encode(entry.name);
			const crc = crc32(data);
			const size = data.length;
			const zip64Sizes = forceZip64 || size >= ZIP64_SIZE;
			const w: Written = {
				name,
				method: entry.deflate ? METHOD_DEFLATED : METHOD_STORED,
				flags: FLAG_UTF8 | (entry.deflate ? FLAG_DESCRIPTOR : 0),
				crc,
				compressedSize: size,
				size,
				offset,
				zip64Sizes
			};
			yield out(localHeader(w, dos, entry.deflate));
			if (!entry.deflate) {
				for (let p = 0; p < size; p += STORED_CHUNK) yield out(data.subarray(p, Math.min(size, p + STORED_CHUNK)));
			} else {
				// The deflater's output for one slice is queued, then handed out before the next slice.
				const queue: Uint8Array[] = [];
				let queued = 0;
				let compressed = 0;
				const deflater = new Deflate({ level }, (chunk) => {
					queue.push(chunk);
					queued += chunk.length;
				});
				let p = 0;
				do {
					const end = Math.min(size, p + SLICE);
					deflater.push(data.subarray(p, end), end === size);
					p = end;
					if (queued > this.stats.peakQueuedBytes) this.stats.peakQueuedBytes = queued;
					while (queue.length > 0) {
						const chunk = queue.shift()!;
						queued -= chunk.length;
						compressed += chunk.length;
						yield out(chunk);
					}
				} while (p < size);
				w.compressedSize = compressed;
				yield out(descriptor(w));
			}
			written.push(w);
			this.stats.entries++;
		}
		yield out(centralDirectory(written, dos, offset, forceZip64));
	}
}

/** Stream a zip of the given entries (see ZipStream). */
export function zipStream(entries: Iterable<ZipEntryInput> | AsyncIterable<ZipEntryInput>, opts: ZipStreamOptions = {}): ZipStream {
	return new ZipStream(entries, opts);
}

/** Concatenate a stream's chunks (for small zips and tests; large ones should be piped instead). */
export async function collectZip(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	let n = 0;
	for await (const c of stream) {
		parts.push(c);
		n += c.length;
	}
	const all = new Uint8Array(n);
	let p = 0;
	for (const c of parts) {
		all.set(c, p);
		p += c.length;
	}
	return all;
}

function setU64(v: DataView, at: number, value: number): void {
	v.setUint32(at, value >>> 0, true);
	v.setUint32(at + 4, Math.floor(value / 2 ** 32), true);
}

function localHeader(w: Written, dos: { time: number; date: number }, deflate: boolean): Uint8Array {
	const extraLen = w.zip64Sizes ? 20 : 0;
	const b = new Uint8Array(LOCAL_SIZE + w.name.length + extraLen);
	const v = new DataView(b.buffer);
	v.setUint32(0, SIG_LOCAL, true);
	v.setUint16(4, w.zip64Sizes ? 45 : 20, true);
	v.setUint16(6, w.flags, true);
	v.setUint16(8, w.method, true);
	v.setUint16(10, dos.time, true);
	v.setUint16(12, dos.date, true);
	// With a data descriptor the CRC and sizes are zero here (APPNOTE §4.4.4).
	v.setUint32(14, deflate ? 0 : w.crc, true);
	v.setUint32(18, w.zip64Sizes ? U32_MARK : deflate ? 0 : w.compressedSize, true);
	v.setUint32(22, w.zip64Sizes ? U32_MARK : deflate ? 0 : w.size, true);
	v.setUint16(26, w.name.length, true);
	v.setUint16(28, extraLen, true);
	b.set(w.name, LOCAL_SIZE);
	if (w.zip64Sizes) {
		const at = LOCAL_SIZE + w.name.length;
		v.setUint16(at, ZIP64_EXTRA, true);
		v.setUint16(at + 2, 16, true);
		setU64(v, at + 4, deflate ? 0 : w.size);
		setU64(v, at + 12, deflate ? 0 : w.compressedSize);
	}
	return b;
}

function descriptor(w: Written): Uint8Array {
	const b = new Uint8Array(w.zip64Sizes ? 24 : 16);
	const v = new DataView(b.buffer);
	v.setUint32(0, SIG_DESCRIPTOR, true);
	v.setUint32(4, w.crc, true);
	if (w.zip64Sizes) {
		setU64(v, 8, w.compressedSize);
		setU64(v, 16, w.size);
	} else {
		v.setUint32(8, w.compressedSize, true);
		v.setUint32(12, w.size, true);
	}
	return b;
}

/** The central directory, the zip64 end records where needed, and the end record. */
function centralDirectory(written: Written[], dos: { time: number; date: number }, cdOffset: number, force: boolean): Uint8Array {
	const records: Uint8Array[] = [];
	let cdSize = 0;
	for (const w of written) {
		const bigOffset = force || w.offset >= U32_MARK;
		const extraData = (w.zip64Sizes ? 16 : 0) + (bigOffset ? 8 : 0);
		const extraLen = extraData > 0 ? 4 + extraData : 0;
		const b = new Uint8Array(CENTRAL_SIZE + w.name.length + extraLen);
		const v = new DataView(b.buffer);
		v.setUint32(0, SIG_CENTRAL, true);
		v.setUint16(4, VERSION_MADE_BY, true);
		v.setUint16(6, extraLen > 0 ? 45 : 20, true);
		v.setUint16(8, w.flags, true);
		v.setUint16(10, w.method, true);
		v.setUint16(12, dos.time, true);
		v.setUint16(14, dos.date, true);
		v.setUint32(16, w.crc, true);
		v.setUint32(20, w.zip64Sizes ? U32_MARK : w.compressedSize, true);
		v.setUint32(24, w.zip64Sizes ? U32_MARK : w.size, true);
		v.setUint16(28, w.name.length, true);
		v.setUint16(30, extraLen, true);
		v.setUint32(38, FILE_ATTRIBUTES, true);
		v.setUint32(42, bigOffset ? U32_MARK : w.offset, true);
		b.set(w.name, CENTRAL_SIZE);
		if (extraLen > 0) {
			// zip64 fields in APPNOTE order: size, compressed size, offset — each only when marked.
			let at = CENTRAL_SIZE + w.name.length;
			v.setUint16(at, ZIP64_EXTRA, true);
			v.setUint16(at + 2, extraData, true);
			at += 4;
			if (w.zip64Sizes) {
				setU64(v, at, w.size);
				setU64(v, at + 8, w.compressedSize);
				at += 16;
			}
			if (bigOffset) setU64(v, at, w.offset);
		}
		records.push(b);
		cdSize += b.length;
	}
	const count = written.length;
	const zip64 = force || count >= U16_MARK || cdSize >= U32_MARK || cdOffset >= U32_MARK;
	const tail = new Uint8Array((zip64 ? EOCD64_SIZE + LOCATOR64_SIZE : 0) + EOCD_SIZE);
	const v = new DataView(tail.buffer);
	let at = 0;
	if (zip64) {
		v.setUint32(0, SIG_EOCD64, true);
		setU64(v, 4, EOCD64_SIZE - 12);
		v.setUint16(12, VERSION_MADE_BY, true);
		v.setUint16(14, 45, true);
		setU64(v, 24, count);
		setU64(v, 32, count);
		setU64(v, 40, cdSize);
		setU64(v, 48, cdOffset);
		v.setUint32(56, SIG_LOCATOR64, true);
		setU64(v, 64, cdOffset + cdSize);
		v.setUint32(72, 1, true); // total number of disks
		at = EOCD64_SIZE + LOCATOR64_SIZE;
	}
	v.setUint32(at, SIG_EOCD, true);
	v.setUint16(at + 8, zip64 ? U16_MARK : count, true);
	v.setUint16(at + 10, zip64 ? U16_MARK : count, true);
	v.setUint32(at + 12, zip64 ? U32_MARK : cdSize, true);
	v.setUint32(at + 16, zip64 ? U32_MARK : cdOffset, true);
	const all = new Uint8Array(cdSize + tail.length);
	let p = 0;
	for (const r of records) {
		all.set(r, p);
		p += r.length;
	}
	all.set(tail, p);
	return all;
}
