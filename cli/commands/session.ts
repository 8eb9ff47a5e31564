/** `mycol session check ZIP` and `mycol session new IMAGES... --masks MASKS... --out ZIP`. */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { attachMask } from '../../src/lib/core/dataset/attach';
import { DEFAULT_MASK_SUFFIXES, fileStem, nameRole, parseSuffixList } from '../../src/lib/core/dataset/pairing';
import { FormatError, ParamError, UserError } from '../../src/lib/core/formats/errors';
import { decodeImageFile, decodeLabelFile } from '../../src/lib/core/formats/image-file';
import { isMaskFile } from '../../src/lib/core/formats/open-file';
import { countLabels } from '../../src/lib/core/labels/count';
import { defaultParameters, readSessionZip, writeSessionZip, type SessionData, type SessionImage } from '../../src/lib/core/session';
import { checkKnown, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { readInput } from '../files';

const USAGE = [
	'Usage: mycol session check ZIP',
	'       mycol session new IMAGE... [--masks MASK...] --out ZIP [--name NAME] [--mask-suffixes LIST]',
	'',
	'check  Validates a session zip completely (structure, names, sizes, checksums, manifest, masks)',
	'       and prints one JSON line: {"file","formatVersion","appVersion","images","masks","cells",',
	'       "classes","classifiedCells","models","trainingRuns"}. An invalid zip exits with status 1',
	'       and the reason on stderr.',
	'new    Builds a session zip the app opens, from image files and label masks. A mask pairs with',
	'       the image whose stem is the mask\'s stem without its suffix (_cp_masks, _masks, _seg,',
	'       _labels, or --mask-suffixes "a,b"); files among IMAGE... with a mask suffix count as masks.',
	'       --name sets the session name (default: the zip\'s file name). Prints a JSON summary.'
].join('\n');

function packageVersion(): string {
	const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
	return pkg.version ?? 'unknown';
}

async function check(argv: string[]): Promise<number> {
	const args = parseArgs(argv);
	checkKnown(args, []);
	if (args.positional.length !== 1) throw new UserError(undefined, 'give one session zip, e.g. mycol session check session.zip');
	const path = args.positional[0];
	const { bytes } = readInput(path);
	const { summary } = await readSessionZip(path, bytes);
	console.log(JSON.stringify({ file: path, ...summary }));
	return 0;
}

/** `--masks` takes every value up to the next option, which parseArgs cannot express. */
function takeMasks(argv: string[]): { rest: string[]; masks: string[] } {
	const rest: string[] = [];
	const masks: string[] = [];
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] !== '--masks') {
			rest.push(argv[i]);
			continue;
		}
		let n = 0;
		while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
			masks.push(argv[++i]);
			n++;
		}
		if (n === 0) throw new ParamError(undefined, 'the option --masks needs at least one mask file');
	}
	return { rest, masks };
}

async function create(argv: string[]): Promise<number> {
	const { rest, masks: maskPaths } = takeMasks(argv);
	const args = parseArgs(rest);
	checkKnown(args, ['out', 'name', 'mask-suffixes']);
	const out = stringOption(args, 'out');
	if (!out) throw new ParamError(undefined, 'give the zip to write with --out, e.g. --out session.zip');
	const suffixesText = stringOption(args, 'mask-suffixes');
	const suffixes = suffixesText === undefined ? [...DEFAULT_MASK_SUFFIXES] : parseSuffixList(suffixesText);
	const images: SessionImage[] = [];
	const masks: { path: string; name: string; bytes: Uint8Array }[] = [];
	for (const path of args.positional) {
		const { name, bytes } = readInput(path);
		if (isMaskFile(name, bytes, suffixes)) {
			masks.push({ path, name, bytes });
			continue;
		}
		if (images.some((im) => im.name === name)) throw new ParamError(path, `another image is also named ${name}; a session's images need different names`);
		const d = decodeImageFile(name, bytes);
		images.push({
			id: `img-${images.length + 1}`,
			name,
			stem: fileStem(name),
			format: d.format,
			bytes,
			original: true,
			width: d.raster.width,
			height: d.raster.height,
			channels: d.raster.channels,
			dtype: d.raster.dtype,
			pages: d.pages,
			pixelSizeUm: d.pixelSizeUm,
			pixelSizeSource: d.pixelSizeSource,
			notes: d.notes,
			mask: null,
			cellClasses: new Map()
		});
	}
	if (images.length === 0) throw new UserError(undefined, 'give at least one image, e.g. mycol session new cells.tif --masks cells_masks.tif --out session.zip');
	for (const path of maskPaths) masks.push({ path, ...readInput(path) });
	for (const m of masks) {
		const labels = decodeLabelFile(m.name, m.bytes).labels;
		const decision = attachMask(
			{ name: m.name, imageStem: nameRole(m.name, suffixes).imageStem, width: labels.width, height: labels.height },
			images.map((im) => ({ id: im.id, stem: im.stem, name: im.name, width: im.width, height: im.height }))
		);
		if (decision.kind === 'refuse') throw new FormatError(m.path, decision.text);
		const image = images.find((im) => im.id === decision.imageId)!;
		if (image.mask) throw new FormatError(m.path, `${image.name} already has the mask ${image.mask.sourceName}; give one mask per image`);
		image.mask = { labels, sourceName: m.name, editCount: 0 };
	}
	const now = new Date();
	const session: SessionData = {
		id: randomUUID(),
		name: stringOption(args, 'name') ?? basename(out).replace(/\.zip$/i, ''),
		created: now.toISOString(),
		modified: now.toISOString(),
		images,
		classes: [],
		models: [],
		parameters: { ...defaultParameters(), maskSuffixes: suffixes },
		histories: [],
		ui: {}
	};
	// Streamed to a temporary file, renamed into place only when complete.
	const partial = `${out}.partial`;
	let fd: number;
	try {
		fd = openSync(partial, 'w');
	} catch (e) {
		throw new FormatError(out, `cannot write the file (${(e as Error).message})`);
	}
	let bytes = 0;
	try {
		for await (const chunk of writeSessionZip(session, { appVersion: packageVersion(), now })) {
			for (let p = 0; p < chunk.length; ) p += writeSync(fd, chunk, p);
			bytes += chunk.length;
		}
		closeSync(fd);
		renameSync(partial, out);
	} catch (e) {
		try {
			closeSync(fd);
		} catch {
			// already closed
		}
		rmSync(partial, { force: true });
		if (e instanceof UserError) throw e;
		throw new FormatError(out, `cannot write the file (${(e as Error).message})`);
	}
	const withMasks = images.filter((im) => im.mask);
	const cells = withMasks.reduce((n, im) => n + countLabels(im.mask!.labels.data), 0);
	console.log(JSON.stringify({ file: out, bytes, images: images.length, masks: withMasks.length, cells }));
	return 0;
}

export const session: Command = {
	name: 'session',
	summary: 'check a session zip, or build one from images and masks',
	usage: USAGE,
	async run(argv) {
		const [sub, ...rest] = argv;
		if (sub === 'check') return check(rest);
		if (sub === 'new') return create(rest);
		throw new UserError(undefined, sub ? `unknown subcommand "${sub}"; use check or new (see mycol session --help)` : 'give a subcommand: check or new (see mycol session --help)');
	}
};
