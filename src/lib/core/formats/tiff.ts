/**
 * TIFF images as Rasters. Which pages become channels follows the metadata microscopy software
 * writes: an ImageJ hyperstack's `channels=N` (pages in ImageJ's channel-fastest order), or
 * OME-XML `SizeC` with its DimensionOrder; RGB/RGBA pages give 3/4 channels; any other
 * multi-page file gives page 1 and says so in a note.
 */
import { FormatError, checkDeclaredSize, formatCount } from './errors';
import type { DType, Raster } from '../raster/types';
import { openTiff, type TiffContainer } from './tiff-ifd';
import { allocatePage, decodePageInto, expandPalette, readPage, type TiffPage } from './tiff-page';
import { parseImageJDescription, parseOmeXml, omeChannelPage, type ImageJInfo, type OmeInfo } from './tiff-metadata';
import { pixelSizeFromTiff, type PixelSizeSource } from './pixel-size';

export { isTiff } from './tiff-ifd';

export interface TiffReadOptions {
	/** A palette page gives its colours as RGB ('rgb', for images) or its indices ('indices', for masks). */
	palette?: 'rgb' | 'indices';
}

export interface TiffImage {
	raster: Raster;
	/** Pages (images) in the file. */
	pages: number;
	pixelSizeUm: number | null;
	pixelSizeSource: PixelSizeSource | null;
	notes: string[];
}

/** What a TIFF holds, from its directories only (no pixel data is decoded). */
export interface TiffInfo {
	width: number;
	height: number;
	dtype: DType;
	channels: number;
	pages: number;
}

interface Plan {
	first: TiffPage;
	/** Pages decoded one channel each, in channel order; null when page 1 alone gives all channels. */
	channelPages: TiffPage[] | null;
	channels: number;
	pages: number;
	notes: string[];
	imagej: ImageJInfo | null;
	ome: OmeInfo | null;
}

/** Decode a TIFF into a Raster (C, H, W), keeping its dtype. */
export function readTiff(file: string, bytes: Uint8Array, opts: TiffReadOptions = {}): TiffImage {
	const c = openTiff(file, bytes);
	const palette = opts.palette ?? 'rgb';
	const plan = planChannels(c, palette);
	const { first } = plan;
	const notes = [...plan.notes];
	let raster: Raster;
	if (first.photometric === 3) {
		const indices = allocatePage(first, 1);
		decodePageInto(c, first, indices, 0);
		if (palette === 'rgb') {
			const rgb = expandPalette(indices, first.colorMap as Float64Array, first.bitsPerSample);
			raster = { width: first.width, height: first.height, channels: 3, dtype: 'uint8', data: rgb };
			notes.push('This is a palette (indexed-colour) image; its colours are shown as RGB.');
		} else {
			raster = { width: first.width, height: first.height, channels: 1, dtype: first.dtype, data: indices };
		}
	} else {
		checkDeclaredSize(file, first.width, first.height, plan.channels, Math.max(1, first.bitsPerSample / 8));
		const data = allocatePage(first, plan.channels);
		if (plan.channelPages) plan.channelPages.forEach((p, ch) => decodePageInto(c, p, data, ch));
		else decodePageInto(c, first, data, 0);
		raster = { width: first.width, height: first.height, channels: plan.channels, dtype: first.dtype, data };
	}
	if (first.photometric === 0) notes.push('The file stores grey values inverted (WhiteIsZero); the values are kept as stored.');
	if (first.bitsPerSample < 8) notes.push(`The ${first.bitsPerSample}-bit samples are read as 8-bit values 0–${2 ** first.bitsPerSample - 1}.`);
	if (first.sampleFormat === 3 && first.bitsPerSample === 16) notes.push('The 16-bit floating-point samples are read as 32-bit floats.');
	const px = pixelSizeFromTiff({
		imagej: plan.imagej,
		ome: plan.ome,
		xResolution: first.xResolution,
		yResolution: first.yResolution,
		resolutionUnit: first.resolutionUnit
	});
	return { raster, pages: plan.pages, pixelSizeUm: px.pixelSizeUm, pixelSizeSource: px.pixelSizeSource, notes: [...notes, ...px.notes] };
}

/** Size, dtype, channels and pages of a TIFF without decoding its pixels. */
export function inspectTiff(file: string, bytes: Uint8Array, opts: TiffReadOptions = {}): TiffInfo {
	const c = openTiff(file, bytes);
	const plan = planChannels(c, opts.palette ?? 'rgb');
	const rgbPalette = plan.first.photometric === 3 && (opts.palette ?? 'rgb') === 'rgb';
	return {
		width: plan.first.width,
		height: plan.first.height,
		dtype: rgbPalette ? 'uint8' : plan.first.dtype,
		channels: plan.channels,
		pages: plan.pages
	};
}

function planChannels(c: TiffContainer, palette: 'rgb' | 'indices'): Plan {
	const first = readPage(c, 0);
	const ifds = c.ifdOffsets.length;
	const desc = first.description ?? '';
	const imagej = parseImageJDescription(desc);
	const ome = imagej ? null : parseOmeXml(desc);
	const plan: Plan = { first, channelPages: null, channels: 1, pages: ifds, notes: [], imagej, ome };
	if (c.morePages) plan.notes.push(`The file has more than ${formatCount(ifds)} pages; only the first ${formatCount(ifds)} were counted.`);

	// ImageJ writes stacks larger than 4 GiB (and some others) as one directory followed by the
	// other images back to back; `images=` then says how many there are.
	const contiguous = imagej !== null && imagej.images !== null && imagej.images > ifds && ifds === 1 && first.compression === 1;
	if (contiguous && imagej && imagej.images !== null) plan.pages = imagej.images;

	if (first.photometric === 3) {
		plan.channels = palette === 'rgb' ? 3 : 1;
	} else if (first.samplesPerPixel > 1) {
		plan.channels = first.samplesPerPixel;
	} else if (imagej && imagej.channels !== null && imagej.channels > 1) {
		const n = imagej.channels;
		const pages = contiguous ? contiguousPages(c, first, n) : samePages(c, first, Array.from({ length: n }, (_, k) => k));
		if (pages) {
			plan.channelPages = pages;
			plan.channels = n;
			const z = imagej.slices ?? 1;
			const t = imagej.frames ?? 1;
			if (z > 1 || t > 1) {
				plan.notes.push(`This ImageJ hyperstack has ${n} channels, ${z} ${z === 1 ? 'slice' : 'slices'} and ${t} ${t === 1 ? 'frame' : 'frames'}; the channels of slice 1, frame 1 are shown.`);
			}
		} else {
			plan.notes.push(`The ImageJ description lists ${n} channels, but the pages do not match it; page 1 is shown.`);
		}
	} else if (ome && ome.sizeC > 1 && (ome.samplesPerPixel ?? 1) === 1) {
		const n = ome.sizeC;
		const pages = samePages(c, first, Array.from({ length: n }, (_, k) => omeChannelPage(ome, k)));
		if (pages) {
			plan.channelPages = pages;
			plan.channels = n;
			if (ome.sizeZ > 1 || ome.sizeT > 1) {
				plan.notes.push(`This OME-TIFF has ${n} channels, ${ome.sizeZ} z-planes and ${ome.sizeT} time points; the channels of plane 1, time point 1 are shown.`);
			}
		} else {
			plan.notes.push(`The OME metadata lists ${n} channels, but the pages do not match it; page 1 is shown.`);
		}
	}
	if (ome && ome.imageCount > 1) plan.notes.push(`The OME-TIFF holds ${ome.imageCount} images (series); the first is shown.`);
	if (plan.channelPages === null && plan.pages > 1) {
		plan.notes.push(`${formatCount(plan.pages)} pages; page 1 is shown.`);
	} else if (plan.channelPages !== null && plan.pages > plan.channels && plan.notes.length === 0) {
		plan.notes.push(`${formatCount(plan.pages)} pages; the first ${plan.channels} are shown as channels.`);
	}
	return plan;
}

/** The given pages, if each has the first page's size and sample layout; null otherwise. */
function samePages(c: TiffContainer, first: TiffPage, indices: number[]): TiffPage[] | null {
	if (indices.some((i) => i >= c.ifdOffsets.length)) return null;
	const pages = indices.map((i) => (i === 0 ? first : readPage(c, i)));
	const ok = pages.every(
		(p) =>
			p.width === first.width &&
			p.height === first.height &&
			p.dtype === first.dtype &&
			p.samplesPerPixel === 1 &&
			p.bitsPerSample === first.bitsPerSample &&
			p.photometric !== 3
	);
	return ok ? pages : null;
}

/** Pages 1..n of an ImageJ contiguous stack: page 1's strips shifted by whole images. */
function contiguousPages(c: TiffContainer, first: TiffPage, n: number): TiffPage[] | null {
	const imageBytes = (first.width * first.height * first.bitsPerSample) / 8;
	if (!Number.isInteger(imageBytes)) return null;
	const pages: TiffPage[] = [];
	for (let k = 0; k < n; k++) {
		const offsets = first.offsets.map((o) => o + k * imageBytes);
		pages.push({ ...first, index: k, offsets });
	}
	const end = pages[n - 1].offsets[0] + imageBytes;
	if (end > c.bytes.length) {
		throw new FormatError(c.file, `the file ends after ${formatCount(c.bytes.length)} bytes, but its ${n} channels need ${formatCount(end)} (truncated?)`);
	}
	return pages;
}
