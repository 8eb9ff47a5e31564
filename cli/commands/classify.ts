/**
 * `mycol classify --model M --images DIR --masks DIR --out classes.csv` — every cell of every
 * image gets a class and a confidence (the softmax probability of that class) from a trained
 * DenseNet classifier; the CSV is `image,label,class,confidence`.
 */
import { writeClassesCsv, type CellClass } from '../../src/lib/core/classify/classes-csv';
import { parseClassNames } from '../../src/lib/core/classify/class-names';
import { extractPatches } from '../../src/lib/core/classify/patches';
import { DEFAULT_CROP } from '../../src/lib/core/classify/train/model-metadata';
import { UserError } from '../../src/lib/core/formats/errors';
import { classifyPatches, lowConfidenceCells } from '../../src/lib/runtime/tfjs/classifier-infer';
import { checkKnown, numberOption, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { loadClassifier, readImagesWithMasks, startTfjs } from '../classifier-io';
import { readInput, writeOutput } from '../files';

/** Below this confidence a cell is counted as needing review in the printed summary. */
const DEFAULT_REVIEW_BELOW = 0.6;

const USAGE = [
	'Usage: mycol classify --model M --images DIR --masks DIR --out classes.csv [options]',
	'',
	'Classifies every cell of every image (paired with its mask by name, as in search) and writes',
	'image,label,class,confidence — one row per cell, confidence = softmax probability of the class.',
	'',
	'--model M          a classifier saved by train-classifier (folder or .zip), a model.json, or a',
	'                   PyTorch DenseNet state dict (.pth/.pt, spec B8)',
	'--class-names F    names of a .pth model\'s outputs (JSON or CSV, as the app accepts; default Class 1…n)',
	'--batch N          cells per forward pass (default 64)',
	`--review-below X   count cells with confidence below X as needing review (default ${DEFAULT_REVIEW_BELOW})`,
	'--backend wasm|cpu (default wasm)',
	'',
	'Prints one JSON line: {"out","images","cells","classes","counts","needReview","seconds","cellsPerSecond","backend"}.'
].join('\n');

export const classify: Command = {
	name: 'classify',
	summary: 'classify every cell with a trained DenseNet classifier, writing a CSV',
	usage: USAGE,
	async run(argv) {
		const args = parseArgs(argv);
		checkKnown(args, ['model', 'images', 'masks', 'out', 'class-names', 'batch', 'review-below', 'backend']);
		if (args.positional.length > 0) throw new UserError(undefined, `unexpected argument "${args.positional[0]}"; give the folders with --images and --masks`);
		const modelPath = stringOption(args, 'model');
		const images = stringOption(args, 'images');
		const masks = stringOption(args, 'masks');
		const out = stringOption(args, 'out');
		if (!modelPath || !images || !masks || !out) {
			throw new UserError(undefined, 'give --model, --images, --masks and --out, e.g. mycol classify --model classifier --images images --masks masks --out classes.csv');
		}
		const batchSize = numberOption(args, 'batch') ?? 64;
		if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 4096) throw new UserError(undefined, `the option --batch must be a whole number from 1 to 4096, not ${batchSize}`);
		const reviewBelow = numberOption(args, 'review-below') ?? DEFAULT_REVIEW_BELOW;
		if (!(reviewBelow >= 0 && reviewBelow <= 1)) throw new UserError(undefined, `the option --review-below must be between 0 and 1, not ${reviewBelow}`);
		const namesPath = stringOption(args, 'class-names');
		let classNames: string[] | undefined;
		if (namesPath) {
			const f = readInput(namesPath);
			classNames = parseClassNames(f.name, new TextDecoder().decode(f.bytes));
		}

		const backend = await startTfjs(stringOption(args, 'backend'));
		const { model, metadata, notes } = await loadClassifier(modelPath, classNames);
		for (const n of notes) console.error(`mycol classify: ${n}`);
		const { pairs, missing } = readImagesWithMasks(images, masks);
		if (missing.length) console.error(`mycol classify: no mask for ${missing.join(', ')}; left out`);
		const crop = metadata.crop ?? DEFAULT_CROP;
		const rows: CellClass[] = [];
		const t0 = performance.now();
		let netSeconds = 0;
		try {
			for (const p of pairs) {
				const batch = extractPatches(p.image, p.labels, { ...metadata.preprocessing, margin: crop.margin, maskBackground: crop.maskBackground });
				const t1 = performance.now();
				const pred = await classifyPatches(model, batch.data, batch.count, batch.size, { batchSize });
				netSeconds += (performance.now() - t1) / 1000;
				batch.ids.forEach((id, i) => rows.push({ image: p.name, label: id, className: metadata.classNames[pred.classIndex[i]], confidence: pred.confidence[i] }));
			}
		} finally {
			model.dispose();
		}
		const seconds = (performance.now() - t0) / 1000;
		writeOutput(out, new TextEncoder().encode(writeClassesCsv(rows, { confidence: true })));
		const counts = Object.fromEntries(metadata.classNames.map((n) => [n, rows.filter((r) => r.className === n).length]));
		console.log(
			JSON.stringify({
				out,
				images: pairs.length,
				cells: rows.length,
				classes: metadata.classNames,
				counts,
				needReview: lowConfidenceCells(Float32Array.from(rows, (r) => r.confidence ?? 0), reviewBelow).length,
				seconds,
				cellsPerSecond: netSeconds > 0 ? rows.length / netSeconds : null,
				backend
			})
		);
		return 0;
	}
};
