/**
 * `mycol train-classifier --images DIR --masks DIR --classes classes.csv --out M` — trains the
 * DenseNet cell classifier (spec B7) on the labelled cells and saves it (layout in
 * ../classifier-io.ts) with its training summary.
 */
import { classNamesOf, classesOfImage, readClassesCsv } from '../../src/lib/core/classify/classes-csv';
import { DENSENET_VARIANTS, type DenseNetVariantId } from '../../src/lib/core/classify/densenet';
import { trainConfig } from '../../src/lib/core/classify/train/config';
import { labelledPatches, type LabelledImage } from '../../src/lib/core/classify/train/dataset';
import { fileStem } from '../../src/lib/core/dataset/pairing';
import { FormatError, ParamError, UserError } from '../../src/lib/core/formats/errors';
import { ClassifierTrainer, classifierFiles } from '../../src/lib/runtime/tfjs/classifier-train';
import { checkKnown, numberOption, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { readImagesWithMasks, saveClassifier, startTfjs } from '../classifier-io';
import { readInput } from '../files';

const USAGE = [
	'Usage: mycol train-classifier --images DIR --masks DIR --classes classes.csv --out M [options]',
	'',
	'Trains a DenseNet to classify cells from labelled examples and saves it to M: a folder, or one',
	'file when M ends in .zip (model.json + weights.bin for tfjs, model.pth for PyTorch, classifier.json',
	'with the class names and patch settings, training-summary.json, training-history.csv).',
	'',
	'--classes   CSV with columns image,label,class (a measurement table with a class column works);',
	'            rows with an empty class are ignored. Images pair with masks by name, as in search.',
	'--epochs N       most epochs (default 100)          --variant V   ' + Object.keys(DENSENET_VARIANTS).join(', ') + ' (default compact-k12)',
	'--size S         patch size in px (default 64)      --batch B     batch size (default 32)',
	'--lr X           Adam learning rate (default 1e-3)  --patience N  early-stopping patience (default 15)',
	'--validation F   held-out fraction (default 0.2)    --seed N      split/initialisation/augmentation seed (42)',
	'--margin F       context around each cell (0)       --keep-context  do not zero the outside of the cell',
	'--no-augment     no flips/rotations/brightness      --no-balance    no class weights',
	'--backend wasm|cpu  (default wasm)',
	'',
	'Progress goes to stderr, one line per epoch; Ctrl+C stops and saves the best weights so far.',
	'Prints one JSON line: {"out","classes","cells","train","validation","epochs","bestEpoch","stoppedBy",',
	'"accuracy","macroPrecision","macroRecall","macroF1","confusion","seconds","backend"}.'
].join('\n');

export const trainClassifier: Command = {
	name: 'train-classifier',
	summary: 'train a DenseNet cell classifier on labelled cells',
	usage: USAGE,
	async run(argv) {
		const args = parseArgs(argv, ['keep-context', 'no-augment', 'no-balance']);
		checkKnown(args, ['images', 'masks', 'classes', 'out', 'epochs', 'variant', 'size', 'batch', 'lr', 'patience', 'validation', 'seed', 'margin', 'keep-context', 'no-augment', 'no-balance', 'backend']);
		if (args.positional.length > 0) throw new UserError(undefined, `unexpected argument "${args.positional[0]}"; give the folders with --images and --masks`);
		const images = stringOption(args, 'images');
		const masks = stringOption(args, 'masks');
		const classesPath = stringOption(args, 'classes');
		const out = stringOption(args, 'out');
		if (!images || !masks || !classesPath || !out) {
			throw new UserError(undefined, 'give --images, --masks, --classes and --out, e.g. mycol train-classifier --images images --masks masks --classes classes.csv --out classifier');
		}
		const variant = stringOption(args, 'variant') as DenseNetVariantId | undefined;
		const noAugment = args.options.has('no-augment');
		const config = trainConfig({
			...(variant !== undefined ? { variant } : {}),
			...defined('inputSize', numberOption(args, 'size')),
			...defined('maxEpochs', numberOption(args, 'epochs')),
			...defined('batchSize', numberOption(args, 'batch')),
			...defined('learningRate', numberOption(args, 'lr')),
			...defined('patience', numberOption(args, 'patience')),
			...defined('validationFraction', numberOption(args, 'validation')),
			...defined('seed', numberOption(args, 'seed')),
			balanceClasses: !args.options.has('no-balance'),
			...(noAugment ? { augment: { flips: false, rotate90: false, contrast: 0, brightness: 0 } } : {})
		});
		const margin = numberOption(args, 'margin') ?? 0;
		const maskBackground = !args.options.has('keep-context');

		const { name: csvName, bytes } = readInput(classesPath);
		const rows = readClassesCsv(csvName, new TextDecoder().decode(bytes));
		if (rows.length === 0) throw new FormatError(classesPath, 'no cell has a class; label some cells first');
		const classNames = classNamesOf(rows);
		const { pairs, missing } = readImagesWithMasks(images, masks);
		if (missing.length) console.error(`mycol train-classifier: no mask for ${missing.join(', ')}; left out`);
		const labelled: LabelledImage[] = pairs.map((p) => ({ ...p, classes: classesOfImage(rows, p.name) }));
		const known = new Set(pairs.flatMap((p) => [p.name, fileStem(p.name)]));
		const unknown = [...new Set(rows.map((r) => r.image))].filter((im) => !known.has(im) && !known.has(fileStem(im)));
		if (unknown.length) {
			throw new FormatError(classesPath, `it labels cells of ${unknown.slice(0, 3).join(', ')}${unknown.length > 3 ? ', …' : ''}, which ${unknown.length > 1 ? 'are' : 'is'} not among the images with masks in ${images}`);
		}
		const data = labelledPatches(labelled, classNames, { size: config.inputSize, margin, maskBackground, intensity: 'percentile', standardize: 'none' });

		const backend = await startTfjs(stringOption(args, 'backend'));
		const trainer = new ClassifierTrainer({ patches: data.patches, labels: data.labels, size: data.size }, classNames, config, { preprocessing: { intensity: 'percentile', standardize: 'none' }, crop: { margin, maskBackground } });
		let stop = false;
		const onSigint = () => {
			stop = true;
			console.error('mycol train-classifier: stopping after this batch, keeping the best weights so far');
		};
		process.once('SIGINT', onSigint);
		let summary;
		try {
			summary = await trainer.run({
				shouldStop: () => stop,
				onEpoch: (e) => {
					const f = (v: number) => v.toFixed(4);
					console.error(
						`epoch ${e.epoch}/${e.maxEpochs}: train loss ${f(e.trainLoss)} accuracy ${f(e.trainAccuracy)}, validation loss ${f(e.valLoss)} accuracy ${f(e.valAccuracy)}, lr ${e.learningRate}, ${e.seconds.toFixed(1)} s${e.improved ? ' *' : ''}`
					);
				}
			});
			if (summary.epochs === 0) throw new ParamError(undefined, 'training was stopped before the first epoch ended; nothing was saved');
			saveClassifier(out, await classifierFiles(trainer.model, trainer.metadata(), summary));
		} finally {
			process.removeListener('SIGINT', onSigint);
			trainer.dispose();
		}
		const m = summary.metrics;
		console.log(
			JSON.stringify({
				out,
				classes: classNames,
				cells: data.labels.length,
				train: summary.trainCounts,
				validation: summary.validationCounts,
				epochs: summary.epochs,
				bestEpoch: summary.bestEpoch,
				stoppedBy: summary.stoppedBy,
				accuracy: m.accuracy,
				macroPrecision: m.macro.precision,
				macroRecall: m.macro.recall,
				macroF1: m.macro.f1,
				confusion: m.confusion,
				seconds: summary.seconds,
				backend
			})
		);
		return 0;
	}
};

function defined<K extends string>(key: K, v: number | undefined): { [P in K]?: number } {
	return (v === undefined ? {} : { [key]: v }) as { [P in K]?: number };
}
