/**
 * The two metadata dialects microscopy TIFFs carry in their ImageDescription tag:
 * ImageJ's `key=value` lines and OME-XML. Only what Mycol uses is parsed (stack layout and
 * pixel size); everything else is ignored.
 */

/** What an ImageJ description says, as ImageJ's `FileOpener.decodeDescriptionString` reads it. */
export interface ImageJInfo {
	version: string;
	images: number | null;
	channels: number | null;
	slices: number | null;
	frames: number | null;
	hyperstack: boolean;
	/** The spatial unit (`micron`, `um`, `nm`, `inch`, …), unescaped; null when absent. */
	unit: string | null;
	/** Z step between slices (not the pixel size). */
	spacing: number | null;
}

/**
 * Parse an ImageJ ImageDescription (`ImageJ=1.53t\nimages=3\nchannels=3\n…`); null unless it starts
 * with `ImageJ=`. Values are java.util.Properties lines, so `\uXXXX` escapes are decoded (ImageJ
 * writes µm as `\u00B5m`).
 */
export function parseImageJDescription(text: string): ImageJInfo | null {
	if (!text.startsWith('ImageJ=')) return null;
	const map = new Map<string, string>();
	for (const line of text.split(/\r?\n/)) {
		const eq = line.indexOf('=');
		if (eq <= 0) continue;
		const key = line.slice(0, eq).trim();
		if (!map.has(key)) map.set(key, unescapeJava(line.slice(eq + 1).replace(/\0+$/, '').trim()));
	}
	const int = (k: string): number | null => {
		const v = map.get(k);
		if (v === undefined) return null;
		const n = Number(v);
		return Number.isInteger(n) && n >= 0 ? n : null;
	};
	const num = (k: string): number | null => {
		const v = map.get(k);
		if (v === undefined) return null;
		const n = Number(v);
		return Number.isFinite(n) ? n : null;
	};
	const unit = map.get('unit');
	return {
		version: map.get('ImageJ') ?? '',
		images: int('images'),
		channels: int('channels'),
		slices: int('slices'),
		frames: int('frames'),
		hyperstack: map.get('hyperstack') === 'true',
		unit: unit === undefined || unit === '' ? null : unit,
		spacing: num('spacing')
	};
}

function unescapeJava(s: string): string {
	return s.replace(/\\u([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** What an OME-XML description says about its first image. */
export interface OmeInfo {
	sizeX: number;
	sizeY: number;
	sizeC: number;
	sizeZ: number;
	sizeT: number;
	/** E.g. `XYCZT`: the order of the planes (pages), fastest first after X and Y. */
	dimensionOrder: string;
	physicalSizeX: number | null;
	physicalSizeXUnit: string;
	physicalSizeY: number | null;
	physicalSizeYUnit: string;
	/** SamplesPerPixel of the first Channel (3 for an RGB channel), null when absent. */
	samplesPerPixel: number | null;
	/** Number of Image elements (series) in the file. */
	imageCount: number;
}

/** Parse OME-XML; null when the text is not OME or has no Pixels element. */
export function parseOmeXml(text: string): OmeInfo | null {
	if (!/<(?:\w+:)?OME[\s>]/.test(text)) return null;
	const pixels = /<(?:\w+:)?Pixels\b([^>]*)>/.exec(text);
	if (!pixels) return null;
	const attrs = parseAttributes(pixels[1]);
	const size = (k: string): number => {
		const n = Number(attrs.get(k));
		return Number.isInteger(n) && n > 0 ? n : 1;
	};
	const length = (k: string): number | null => {
		const v = attrs.get(k);
		if (v === undefined) return null;
		const n = Number(v);
		return Number.isFinite(n) && n > 0 ? n : null;
	};
	const after = text.slice(pixels.index);
	const channel = /<(?:\w+:)?Channel\b([^>]*)>/.exec(after);
	const spp = channel ? Number(parseAttributes(channel[1]).get('SamplesPerPixel')) : NaN;
	const order = (attrs.get('DimensionOrder') ?? 'XYCZT').toUpperCase();
	return {
		sizeX: size('SizeX'),
		sizeY: size('SizeY'),
		sizeC: size('SizeC'),
		sizeZ: size('SizeZ'),
		sizeT: size('SizeT'),
		dimensionOrder: /^XY[CZT]{3}$/.test(order) ? order : 'XYCZT',
		physicalSizeX: length('PhysicalSizeX'),
		// OME's default unit for physical sizes is the micrometre.
		physicalSizeXUnit: attrs.get('PhysicalSizeXUnit') ?? 'µm',
		physicalSizeY: length('PhysicalSizeY'),
		physicalSizeYUnit: attrs.get('PhysicalSizeYUnit') ?? 'µm',
		samplesPerPixel: Number.isInteger(spp) && spp > 0 ? spp : null,
		imageCount: (text.match(/<(?:\w+:)?Image\b[\s>]/g) ?? []).length
	};
}

/**
 * The page (IFD index) holding channel `c` at z = 0, t = 0, from the OME DimensionOrder
 * (planes are stored in that order, the first letter after XY varying fastest).
 */
export function omeChannelPage(ome: OmeInfo, c: number): number {
	const sizes: Record<string, number> = { C: ome.sizeC, Z: ome.sizeZ, T: ome.sizeT };
	let stride = 1;
	for (const axis of ome.dimensionOrder.slice(2)) {
		if (axis === 'C') return c * stride;
		stride *= sizes[axis];
	}
	return c;
}

function parseAttributes(s: string): Map<string, string> {
	const out = new Map<string, string>();
	const re = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
	for (let m = re.exec(s); m !== null; m = re.exec(s)) {
		const name = m[1].includes(':') ? m[1].slice(m[1].indexOf(':') + 1) : m[1];
		out.set(name, decodeEntities(m[2] ?? m[3] ?? ''));
	}
	return out;
}

function decodeEntities(s: string): string {
	return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_m, e: string) => {
		if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
		return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e] ?? '';
	});
}
