/**
 * Errors a user can cause. Each carries the file (or thing) it concerns and a plain sentence
 * saying what is wrong; `message` is the whole sentence, ready to show as it is.
 */
export class UserError extends Error {
	readonly file?: string;
	readonly reason: string;
	constructor(file: string | undefined, reason: string) {
		super(file ? `${file}: ${reason}` : reason);
		this.file = file;
		this.reason = reason;
	}
}

/** A file that cannot be read as what it claims to be. */
export class FormatError extends UserError {
	override readonly name = 'FormatError';
}

/** A model file that is not a usable model. */
export class ModelError extends UserError {
	override readonly name = 'ModelError';
}

/** A session (zip or stored) that cannot be restored. */
export class SessionError extends UserError {
	override readonly name = 'SessionError';
}

/** A parameter outside what it may be. */
export class ParamError extends UserError {
	override readonly name = 'ParamError';
}

/** Limits checked before allocating anything a file declares. */
export const LIMITS = {
	/** Largest image, in pixels per channel (2^28 ≈ 268 million, e.g. 16384 × 16384). */
	maxPixels: 2 ** 28,
	/** Largest decoded image in bytes, all channels. */
	maxBytes: 2 ** 31,
	/** Largest zip entry, uncompressed. */
	maxZipEntryBytes: 4 * 2 ** 30,
	/** Largest compression ratio of a zip entry. */
	maxCompressionRatio: 1000
};

/** Format a count with thousands separators, the way messages show numbers. */
export function formatCount(n: number): string {
	return Math.round(n).toLocaleString('en-US');
}

/** Throw a FormatError unless `width × height × channels × bytes` fits the limits. */
export function checkDeclaredSize(
	file: string,
	width: number,
	height: number,
	channels: number,
	bytesPerSample: number
): void {
	if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
		throw new FormatError(file, `the file declares an image of ${width} × ${height} pixels, which is not a valid size`);
	}
	const pixels = width * height;
	if (pixels > LIMITS.maxPixels) {
		throw new FormatError(
			file,
			`the file declares ${formatCount(width)} × ${formatCount(height)} pixels, more than the limit of ${formatCount(LIMITS.maxPixels)} pixels per image`
		);
	}
	const bytes = pixels * channels * bytesPerSample;
	if (bytes > LIMITS.maxBytes) {
		throw new FormatError(
			file,
			`the file declares ${formatCount(width)} × ${formatCount(height)} pixels × ${channels} channels (${formatCount(bytes / 2 ** 20)} MiB), more than the limit of ${formatCount(LIMITS.maxBytes / 2 ** 20)} MiB`
		);
	}
}
