/**
 * TIFF strip/tile codecs and predictors. Each decoder writes into a buffer of the size the page
 * geometry says a strip or tile must have, so a decompression bomb cannot grow memory: output
 * beyond that size is dropped. Each returns how many bytes it wrote.
 */
import { inflateSync, unzlibSync } from 'fflate';

/** Thrown for damaged compressed data; the caller turns it into a FormatError naming the strip. */
export class CodecError extends Error {}

/** PackBits (Apple/TIFF 32773): n < 128 copies n+1 bytes, n > 128 repeats the next byte 257-n times, 128 is a no-op. */
export function unpackBits(src: Uint8Array, out: Uint8Array): number {
	const n = src.length;
	const outLen = out.length;
	let i = 0;
	let o = 0;
	while (i < n && o < outLen) {
		const h = src[i++];
		if (h < 128) {
			const count = Math.min(h + 1, n - i, outLen - o);
			out.set(src.subarray(i, i + count), o);
			i += h + 1;
			o += count;
		} else if (h > 128) {
			if (i >= n) break;
			const v = src[i++];
			const end = Math.min(o + 257 - h, outLen);
			out.fill(v, o, end);
			o = end;
		}
	}
	return o;
}

/**
 * TIFF LZW (compression 5) as libtiff's `LZWDecode`: codes MSB first, 9 to 12 bits, Clear = 256,
 * EndOfInformation = 257, and the code width grows one code early ("early change").
 */
export function lzwDecode(src: Uint8Array, out: Uint8Array): number {
	if (src.length >= 2 && src[0] === 0 && (src[1] & 1) !== 0) {
		throw new CodecError('it uses the old (pre-1992) LZW variant, which Mycol does not read');
	}
	const prefix = new Int16Array(4096);
	const suffix = new Uint8Array(4096);
	const first = new Uint8Array(4096);
	const length = new Uint16Array(4096);
	for (let i = 0; i < 256; i++) {
		prefix[i] = -1;
		suffix[i] = i;
		first[i] = i;
		length[i] = 1;
	}
	const n = src.length;
	const outLen = out.length;
	let pos = 0;
	let bits = 0;
	let nbits = 0;
	let width = 9;
	let next = 258;
	let old = -1;
	let o = 0;
	while (o < outLen) {
		while (nbits < width) {
			if (pos >= n) return o; // no EndOfInformation code: accept what was decoded, as libtiff does
			bits = ((bits << 8) | src[pos++]) & 0xffffff;
			nbits += 8;
		}
		const code = (bits >>> (nbits - width)) & ((1 << width) - 1);
		nbits -= width;
		if (code === 257) break;
		if (code === 256) {
			width = 9;
			next = 258;
			old = -1;
			continue;
		}
		if (old === -1) {
			if (code > 255) throw new CodecError('its LZW data is damaged (a string code follows a Clear code)');
			out[o++] = code;
			old = code;
			continue;
		}
		let k: number;
		let len: number;
		let fc: number;
		if (code < next) {
			k = code;
			len = length[code];
			fc = first[code];
		} else if (code === next && next < 4096) {
			// The KwKwK case: the string of the previous code plus its own first byte.
			k = old;
			len = length[old] + 1;
			fc = first[old];
			if (o + len - 1 < outLen) out[o + len - 1] = fc;
		} else {
			throw new CodecError(`its LZW data is damaged (code ${code} is not yet defined)`);
		}
		let p = o + length[k] - 1;
		while (k !== -1) {
			if (p < outLen) out[p] = suffix[k];
			p--;
			k = prefix[k];
		}
		o += len;
		if (next < 4096) {
			prefix[next] = old;
			suffix[next] = fc;
			first[next] = first[old];
			length[next] = length[old] + 1;
			next++;
			if (next + 1 >= 1 << width && width < 12) width++;
		}
		old = code;
	}
	return Math.min(o, outLen);
}

/** Deflate (compression 8 and 32946): zlib-wrapped as the spec says, raw deflate accepted too. */
export function inflateInto(src: Uint8Array, out: Uint8Array): number {
	const zlib = src.length >= 2 && (src[0] & 0x0f) === 8 && ((src[0] << 8) | src[1]) % 31 === 0;
	try {
		const r = zlib ? unzlibSync(src, { out }) : inflateSync(src, { out });
		return Math.min(r.length, out.length);
	} catch (e) {
		throw new CodecError(`its Deflate data is damaged (${e instanceof Error ? e.message : String(e)})`);
	}
}

/** Undo horizontal differencing (Predictor 2) on one row of samples, `stride` samples per pixel. */
export function undoHorizontalDifferencing(
	row: Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array,
	stride: number
): void {
	for (let i = stride; i < row.length; i++) row[i] += row[i - stride];
}

/**
 * Undo the floating-point predictor (Predictor 3) on one row, as libtiff's `fpAcc`: the bytes are
 * differenced across the row, then stored as byte planes, most significant first. The result is
 * written little-endian into `out` (whatever the file's byte order, the planes fix the order).
 */
export function undoFloatPredictor(row: Uint8Array, stride: number, bytesPerSample: number, out: Uint8Array): void {
	for (let i = stride; i < row.length; i++) row[i] = (row[i] + row[i - stride]) & 0xff;
	const words = row.length / bytesPerSample;
	for (let w = 0; w < words; w++) {
		for (let b = 0; b < bytesPerSample; b++) {
			out[w * bytesPerSample + b] = row[(bytesPerSample - 1 - b) * words + w];
		}
	}
}
