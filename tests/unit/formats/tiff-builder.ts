/**
 * Test helper: build small TIFF files byte by byte, in any byte order and layout, so tests can
 * cover cases the shared data lacks (big-endian, tiles, planar, signed/float samples, palettes,
 * predictors, odd compressions, hostile headers). Written straight from the TIFF 6.0 spec; its
 * output is cross-checked against geotiff (an independent decoder) in tiff.test.ts.
 */
import { zlibSync } from 'fflate';

export interface TiffPageSpec {
	width: number;
	height: number;
	/** Logical sample values, channel-planar (C, H, W). */
	samples?: ArrayLike<number>;
	spp?: number;
	bits: 1 | 2 | 4 | 8 | 16 | 32 | 64;
	/** 1 unsigned (default), 2 signed, 3 float. */
	sampleFormat?: 1 | 2 | 3;
	photometric?: number;
	planar?: 1 | 2;
	/** 1 none (default), 5 LZW, 8 Deflate, 32773 PackBits; any other code writes the raw bytes under that code. */
	compression?: number;
	predictor?: 1 | 2 | 3;
	tile?: [number, number];
	rowsPerStrip?: number;
	description?: string;
	xResolution?: [number, number];
	yResolution?: [number, number];
	resolutionUnit?: number;
	/** 3 × 2^bits 16-bit entries: all reds, all greens, all blues. */
	colorMap?: number[];
	extraSamples?: number[];
	/** Leave out StripByteCounts/TileByteCounts. */
	omitByteCounts?: boolean;
	/** Declare this width/height in the tags instead of the real one (hostile files). */
	declaredWidth?: number;
	declaredHeight?: number;
}

export interface BuildOptions {
	littleEndian?: boolean;
	bigTiff?: boolean;
}

/** Encode one sample value into `out` at byte `p`, in the given byte order. */
function putSample(dv: DataView, p: number, v: number, bits: number, fmt: number, le: boolean): void {
	if (bits === 8) {
		if (fmt === 2) dv.setInt8(p, v);
		else dv.setUint8(p, v);
	} else if (bits === 16) {
		if (fmt === 2) dv.setInt16(p, v, le);
		else dv.setUint16(p, v, le);
	} else if (bits === 32) {
		if (fmt === 3) dv.setFloat32(p, v, le);
		else if (fmt === 2) dv.setInt32(p, v, le);
		else dv.setUint32(p, v, le);
	} else {
		dv.setFloat64(p, v, le);
	}
}

/** The raw (uncompressed, predicted) bytes of one block: rows × blockWidth pixels of `spb` samples. */
function blockBytes(s: TiffPageSpec, le: boolean, x0: number, y0: number, bw: number, rows: number, plane: number): Uint8Array {
	const spp = s.spp ?? 1;
	const planar = s.planar ?? 1;
	const spb = planar === 1 ? spp : 1;
	const fmt = s.sampleFormat ?? 1;
	const n = s.width * s.height;
	const value = (c: number, x: number, y: number): number =>
		x < s.width && y < s.height && s.samples ? s.samples[c * n + y * s.width + x] : 0;
	const rowBytes = Math.ceil((bw * spb * s.bits) / 8);
	const out = new Uint8Array(rows * rowBytes);
	const dv = new DataView(out.buffer);
	for (let r = 0; r < rows; r++) {
		const vals: number[] = [];
		for (let x = 0; x < bw; x++) for (let k = 0; k < spb; k++) vals.push(value(planar === 1 ? k : plane, x0 + x, y0 + r));
		if (s.predictor === 2) {
			// Horizontal differencing, wrapped to the sample width.
			for (let i = vals.length - 1; i >= spb; i--) {
				let d = vals[i] - vals[i - spb];
				if (fmt === 2 || fmt === 1) {
					const m = 2 ** s.bits;
					d = ((d % m) + m) % m;
					if (fmt === 2 && d >= m / 2) d -= m;
				}
				vals[i] = d;
			}
		}
		if (s.bits < 8) {
			for (let i = 0; i < vals.length; i++) {
				const bit = i * s.bits;
				out[r * rowBytes + (bit >> 3)] |= vals[i] << (8 - s.bits - (bit & 7));
			}
		} else if (s.predictor === 3) {
			// Floating-point predictor: big-endian bytes as byte planes, then byte differencing.
			const bps = s.bits / 8;
			const tmp = new Uint8Array(rowBytes);
			const one = new DataView(new ArrayBuffer(8));
			for (let w = 0; w < vals.length; w++) {
				putSample(one, 0, vals[w], s.bits, fmt, false);
				for (let b = 0; b < bps; b++) tmp[b * vals.length + w] = one.getUint8(b);
			}
			for (let i = tmp.length - 1; i >= spb; i--) tmp[i] = (tmp[i] - tmp[i - spb]) & 0xff;
			out.set(tmp, r * rowBytes);
		} else {
			const bps = s.bits / 8;
			for (let i = 0; i < vals.length; i++) putSample(dv, r * rowBytes + i * bps, vals[i], s.bits, fmt, le);
		}
	}
	return out;
}

/** PackBits encoder: runs of 3+ equal bytes as repeats, the rest as literals. */
export function packBits(src: Uint8Array): Uint8Array {
	const out: number[] = [];
	let i = 0;
	while (i < src.length) {
		let run = 1;
		while (i + run < src.length && run < 128 && src[i + run] === src[i]) run++;
		if (run >= 3) {
			out.push(257 - run, src[i]);
			i += run;
			continue;
		}
		const start = i;
		while (i < src.length && i - start < 128) {
			if (i + 2 < src.length && src[i] === src[i + 1] && src[i] === src[i + 2]) break;
			i++;
		}
		out.push(i - start - 1, ...src.subarray(start, i));
	}
	return Uint8Array.from(out);
}

/** TIFF LZW encoder (MSB-first codes, early change), emitting Clear first and when the table fills. */
export function lzwEncode(src: Uint8Array): Uint8Array {
	const out: number[] = [];
	let acc = 0;
	let nacc = 0;
	let width = 9;
	const emit = (code: number): void => {
		acc = (acc << width) | code;
		nacc += width;
		while (nacc >= 8) {
			out.push((acc >>> (nacc - 8)) & 0xff);
			nacc -= 8;
		}
		acc &= (1 << nacc) - 1;
	};
	let dict = new Map<string, number>();
	let next = 258;
	emit(256);
	let w = '';
	for (let i = 0; i < src.length; i++) {
		const k = String.fromCharCode(src[i]);
		const wk = w + k;
		if (w === '' || (wk.length > 1 ? dict.has(wk) : true)) {
			w = wk;
			continue;
		}
		emit(w.length === 1 ? w.charCodeAt(0) : (dict.get(w) as number));
		dict.set(wk, next++);
		// The decoder adds its entry one code later, and widens when its next code is 2^width - 1.
		if (next >= 1 << width && width < 12) width++;
		if (next >= 4093) {
			emit(256);
			dict = new Map();
			next = 258;
			width = 9;
		}
		w = k;
	}
	if (w !== '') {
		emit(w.length === 1 ? w.charCodeAt(0) : (dict.get(w) as number));
		// The decoder adds an entry for this last code too, and may widen before EndOfInformation.
		next++;
		if (next >= 1 << width && width < 12) width++;
	}
	emit(257);
	if (nacc > 0) out.push((acc << (8 - nacc)) & 0xff);
	return Uint8Array.from(out);
}

interface Tag {
	tag: number;
	type: number;
	values: number[] | Uint8Array;
}

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 16: 8 };

/** Build a (multi-page) TIFF from page specs. */
export function buildTiff(pages: TiffPageSpec | TiffPageSpec[], opts: BuildOptions = {}): Uint8Array {
	const list = Array.isArray(pages) ? pages : [pages];
	const le = opts.littleEndian ?? true;
	const big = opts.bigTiff ?? false;
	const chunks: Uint8Array[] = [];
	let size = big ? 16 : 8;
	const add = (b: Uint8Array): number => {
		const at = size;
		chunks.push(b);
		size += b.length;
		if (size & 1) {
			chunks.push(new Uint8Array(1));
			size++;
		}
		return at;
	};
	const ifdOffsets: number[] = [];
	const ifdPatches: { at: number; bytes: Uint8Array }[] = [];
	for (const s of list) {
		const spp = s.spp ?? 1;
		const planar = s.planar ?? 1;
		const comp = s.compression ?? 1;
		const [bw, bh] = s.tile ?? [s.width, Math.min(s.rowsPerStrip ?? s.height, s.height)];
		const across = Math.ceil(s.width / bw);
		const down = Math.ceil(s.height / bh);
		const offsets: number[] = [];
		const counts: number[] = [];
		for (let p = 0; p < (planar === 2 ? spp : 1); p++) {
			for (let by = 0; by < down; by++) {
				for (let bx = 0; bx < across; bx++) {
					const rows = s.tile ? bh : Math.min(bh, s.height - by * bh);
					let b = blockBytes(s, le, bx * bw, by * bh, bw, rows, p);
					if (comp === 8) b = zlibSync(b);
					else if (comp === 32773) b = packBits(b);
					else if (comp === 5) b = lzwEncode(b);
					offsets.push(add(b));
					counts.push(b.length);
				}
			}
		}
		const tags: Tag[] = [
			{ tag: 256, type: 4, values: [s.declaredWidth ?? s.width] },
			{ tag: 257, type: 4, values: [s.declaredHeight ?? s.height] },
			{ tag: 258, type: 3, values: new Array<number>(spp).fill(s.bits) },
			{ tag: 259, type: 3, values: [comp] },
			{ tag: 262, type: 3, values: [s.photometric ?? (spp >= 3 ? 2 : 1)] },
			{ tag: 277, type: 3, values: [spp] },
			{ tag: 284, type: 3, values: [planar] }
		];
		if (s.description !== undefined) tags.push({ tag: 270, type: 2, values: new TextEncoder().encode(s.description + '\0') });
		if (s.tile) {
			tags.push({ tag: 322, type: 3, values: [bw] }, { tag: 323, type: 3, values: [bh] });
			tags.push({ tag: 324, type: big ? 16 : 4, values: offsets });
			if (!s.omitByteCounts) tags.push({ tag: 325, type: big ? 16 : 4, values: counts });
		} else {
			tags.push({ tag: 273, type: big ? 16 : 4, values: offsets }, { tag: 278, type: 4, values: [bh] });
			if (!s.omitByteCounts) tags.push({ tag: 279, type: big ? 16 : 4, values: counts });
		}
		if (s.predictor && s.predictor !== 1) tags.push({ tag: 317, type: 3, values: [s.predictor] });
		if (s.sampleFormat && s.sampleFormat !== 1) tags.push({ tag: 339, type: 3, values: new Array<number>(spp).fill(s.sampleFormat) });
		if (s.xResolution) tags.push({ tag: 282, type: 5, values: s.xResolution });
		if (s.yResolution) tags.push({ tag: 283, type: 5, values: s.yResolution });
		if (s.resolutionUnit !== undefined) tags.push({ tag: 296, type: 3, values: [s.resolutionUnit] });
		if (s.colorMap) tags.push({ tag: 320, type: 3, values: s.colorMap });
		if (s.extraSamples) tags.push({ tag: 338, type: 3, values: s.extraSamples });
		tags.sort((a, b) => a.tag - b.tag);

		// Out-of-line values first, then the directory itself.
		const inline = big ? 8 : 4;
		const valueAt = new Map<number, number>();
		const encode = (t: Tag): Uint8Array => {
			if (t.type === 2) return t.values as Uint8Array;
			const sz = TYPE_SIZE[t.type];
			const vals = t.values as number[];
			const n = t.type === 5 ? vals.length / 2 : vals.length;
			const b = new Uint8Array(n * sz);
			const dv = new DataView(b.buffer);
			for (let i = 0; i < vals.length; i++) {
				if (t.type === 3) dv.setUint16(2 * i, vals[i], le);
				else if (t.type === 16) dv.setBigUint64(8 * i, BigInt(vals[i]), le);
				else if (t.type === 1) dv.setUint8(i, vals[i]);
				else dv.setUint32(4 * i, vals[i], le);
			}
			return b;
		};
		const encoded = tags.map(encode);
		encoded.forEach((b, i) => {
			if (b.length > inline) valueAt.set(i, add(b));
		});
		const entry = big ? 20 : 12;
		const ifd = new Uint8Array((big ? 8 : 2) + tags.length * entry + (big ? 8 : 4));
		const dv = new DataView(ifd.buffer);
		if (big) dv.setBigUint64(0, BigInt(tags.length), le);
		else dv.setUint16(0, tags.length, le);
		tags.forEach((t, i) => {
			const p = (big ? 8 : 2) + i * entry;
			const count = t.type === 2 ? (t.values as Uint8Array).length : t.type === 5 ? (t.values as number[]).length / 2 : (t.values as number[]).length;
			dv.setUint16(p, t.tag, le);
			dv.setUint16(p + 2, t.type, le);
			if (big) dv.setBigUint64(p + 4, BigInt(count), le);
			else dv.setUint32(p + 4, count, le);
			const at = valueAt.get(i);
			const vp = p + (big ? 12 : 8);
			if (at !== undefined) {
				if (big) dv.setBigUint64(vp, BigInt(at), le);
				else dv.setUint32(vp, at, le);
			} else {
				ifd.set(encoded[i], vp);
			}
		});
		const at = add(ifd);
		ifdOffsets.push(at);
		ifdPatches.push({ at: at + ifd.length - (big ? 8 : 4), bytes: ifd });
	}
	const out = new Uint8Array(size);
	const dv = new DataView(out.buffer);
	let pos = big ? 16 : 8;
	for (const c of chunks) {
		out.set(c, pos);
		pos += c.length;
	}
	out[0] = out[1] = le ? 0x49 : 0x4d;
	dv.setUint16(2, big ? 43 : 42, le);
	if (big) {
		dv.setUint16(4, 8, le);
		dv.setBigUint64(8, BigInt(ifdOffsets[0]), le);
	} else {
		dv.setUint32(4, ifdOffsets[0], le);
	}
	// Chain the pages: each directory's last field points at the next.
	ifdPatches.forEach((p, i) => {
		const next = i + 1 < ifdOffsets.length ? ifdOffsets[i + 1] : 0;
		if (big) dv.setBigUint64(p.at, BigInt(next), le);
		else dv.setUint32(p.at, next, le);
	});
	return out;
}

/** Logical samples 0..n-1 mapped through f, as a plain array. */
export function ramp(n: number, f: (i: number) => number): number[] {
	return Array.from({ length: n }, (_, i) => f(i));
}
