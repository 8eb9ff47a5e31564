/**
 * `mycol train` — fine-tune a Cellpose 3 model on images and masks, as Cellpose 3.1 `train_seg`
 * does, with tfjs in Node (wasm backend by default, or the JS cpu backend), and write the result
 * as a `.pth` that Python Cellpose loads (`CellposeModel(pretrained_model=…)`).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DEFAULT_MASK_SUFFIXES, parseSuffixList } from '../../src/lib/core/dataset/pairing';
import { FormatError, ModelError, ParamError } from '../../src/lib/core/formats/errors';
import { openFile } from '../../src/lib/core/formats/open-file';
import { readCellposeModel } from '../../src/lib/core/cellpose/weights';
import { trainConfig, type OptimizerKind } from '../../src/lib/core/cellpose/train/config';
import { prepareTrainingSet, type TrainingItem } from '../../src/lib/core/cellpose/train/data';
import { validationSummary, type TrainingSummary } from '../../src/lib/core/cellpose/train/history';
import { cpnetModuleVersions, readBatchesTracked } from '../../src/lib/core/cellpose/train/state-dict';
import { writeTorchStateDict } from '../../src/lib/core/formats/torch-pth-writer';
import { initTfjsBackend } from '../../src/lib/runtime/tfjs/backend';
import { CpnetModel } from '../../src/lib/runtime/tfjs/cpnet-model';
import { CellposeTrainer } from '../../src/lib/runtime/tfjs/train-loop';
import { checkKnown, numberOption, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { readInput, writeOutput } from '../files';
import { pairFolders } from '../pairs';
import { builtinModels, DEFAULT_MODEL, MODELS_DIR } from '../models';

const USAGE = [
	'Usage: mycol train --images DIR --masks DIR --out MODEL.pth [options]',
	'',
	"Fine-tunes a Cellpose 3 network as Cellpose 3.1's train_seg does (loss, AdamW/SGD, learning-rate",
	'warm-up and decay, random rotate/resize/flip crops, rescaling by cell diameter) and writes a PyTorch',
	'state dict that Python Cellpose loads with CellposeModel(pretrained_model=MODEL.pth).',
	'Images pair with masks by stem (mask = image stem + _masks, _cp_masks, _seg or _labels, or',
	'--mask-suffixes "a,b"); images without a mask are skipped.',
	'',
	'Options (defaults are train_seg\'s):',
	`  --model M           starting model: a Cellpose .pth file or a built-in model (default ${DEFAULT_MODEL})`,
	'  --epochs N          epochs (2000)',
	'  --lr X              peak learning rate (0.005)',
	'  --weight-decay X    weight decay (1e-5)',
	'  --optimizer O       adamw or sgd (adamw; sgd uses momentum 0.9)',
	'  --batch-size B      images per step (8); on wasm a step runs in passes of 4 crops of 224²',
		'                      (its memory stops at 4 GiB), adding the gradients before the one step',
	'  --bsize S           side of the training crops, a multiple of 16 (224)',
	'  --val-fraction F    share of the images held out for validation (0.2)',
	'  --seed S            seed of the split, shuffling and augmentation (42)',
	'  --min-masks N       training images with fewer masks are dropped (5)',
	'  --channels C,N      Cellpose channels, 0 = grey (0,0)',
	'  --validate-every N  validation every N epochs and at the end (default: Cellpose\'s epoch 5 and every 10th)',
	'  --backend B         wasm or cpu (wasm)',
	'  --summary S.json    write the training summary (configuration, per-epoch losses, images) as JSON',
	'',
	'Progress goes to stderr, one line per epoch; stdout gets one JSON line at the end.'
].join('\n');

/** The starting model's file: a path, or a built-in model checked against its manifest checksum. */
function modelFile(given: string): { name: string; bytes: Uint8Array; archive: string } {
	if (existsSync(given)) {
		const { name, bytes } = readInput(given);
		return { name, bytes, archive: name };
	}
	const entry = builtinModels().find((m) => m.id === given || m.file === given);
	if (!entry) throw new ModelError(given, `no such file, and not the name of a built-in model (built-in: ${builtinModels().map((m) => m.id).join(', ') || 'none'})`);
	const path = resolve(MODELS_DIR, entry.file);
	const { name, bytes } = readInput(path);
	if (createHash('sha256').update(bytes).digest('hex') !== entry.sha256) {
		throw new ModelError(path, "the built-in model's checksum does not match models/manifest.json (damaged or replaced file?)");
	}
	return { name, bytes, archive: entry.id };
}

function parseChannels(text: string | undefined): [number, number] | undefined {
	if (text === undefined) return undefined;
	const parts = text.split(/[,\s]+/).filter((s) => s.length > 0).map(Number);
	if (parts.length !== 2 || !parts.every((v) => Number.isInteger(v) && v >= 0)) {
		throw new ParamError(undefined, `--channels must be two whole numbers such as 0,0 or 2,3, not "${text}"`);
	}
	return [parts[0], parts[1]];
}

/** The archive folder name torch would use for this output file: its base name without extension. */
function archiveName(out: string): string {
	const base = basename(out).replace(/\.[^.]*$/, '');
	const clean = base.replace(/[^A-Za-z0-9_.-]/g, '_');
	return clean.length > 0 ? clean : 'archive';
}

export const train: Command = {
	name: 'train',
	summary: 'fine-tune a Cellpose model on images and masks; writes a .pth Python Cellpose loads',
	usage: USAGE,
	async run(argv) {
		const args = parseArgs(argv);
		checkKnown(args, [
			'images',
			'masks',
			'model',
			'epochs',
			'lr',
			'weight-decay',
			'optimizer',
			'batch-size',
			'bsize',
			'val-fraction',
			'seed',
			'min-masks',
			'channels',
			'validate-every',
			'backend',
			'out',
			'summary',
			'mask-suffixes'
		]);
		if (args.positional.length) throw new ParamError(undefined, `unexpected argument "${args.positional[0]}"; give folders with --images and --masks`);
		const imagesDir = stringOption(args, 'images');
		const masksDir = stringOption(args, 'masks');
		const out = stringOption(args, 'out');
		if (!imagesDir || !masksDir || !out) throw new ParamError(undefined, 'give --images DIR, --masks DIR and --out MODEL.pth');
		const backendName = stringOption(args, 'backend') ?? 'wasm';
		if (backendName !== 'wasm' && backendName !== 'cpu') throw new ParamError(undefined, `--backend must be wasm or cpu, not "${backendName}"`);
		const optimizer = stringOption(args, 'optimizer');
		if (optimizer !== undefined && optimizer !== 'adamw' && optimizer !== 'sgd') throw new ParamError(undefined, `--optimizer must be adamw or sgd, not "${optimizer}"`);
		const config = trainConfig({
			nEpochs: numberOption(args, 'epochs'),
			learningRate: numberOption(args, 'lr'),
			weightDecay: numberOption(args, 'weight-decay'),
			optimizer: optimizer as OptimizerKind | undefined,
			batchSize: numberOption(args, 'batch-size'),
			bsize: numberOption(args, 'bsize'),
			valFraction: numberOption(args, 'val-fraction'),
			seed: numberOption(args, 'seed'),
			minTrainMasks: numberOption(args, 'min-masks'),
			channels: parseChannels(stringOption(args, 'channels')),
			validateEvery: numberOption(args, 'validate-every')
		});
		const suffixText = stringOption(args, 'mask-suffixes');
		const suffixes = suffixText ? parseSuffixList(suffixText) : [...DEFAULT_MASK_SUFFIXES];

		// Images and their masks, paired by stem (images without a mask are skipped by the data step).
		const items: TrainingItem[] = [];
		for (const p of pairFolders(imagesDir, masksDir, suffixes)) {
			const f = openFile(basename(p.image), readInput(p.image).bytes, suffixes);
			if (f.kind !== 'image') continue;
			const m = p.mask ? openFile(basename(p.mask), readInput(p.mask).bytes, suffixes) : null;
			items.push({ name: basename(p.image), raster: f.raster, labels: m?.kind === 'labels' ? m.labels : null });
		}
		if (items.length === 0) throw new FormatError(imagesDir, 'the folder holds no images Mycol reads (TIFF, PNG, JPEG, .npy)');
		const set = prepareTrainingSet(items, config);

		const start = modelFile(stringOption(args, 'model') ?? DEFAULT_MODEL);
		const weights = readCellposeModel(start.name, start.bytes);
		const backend = await initTfjsBackend({ prefer: backendName });
		const model = CpnetModel.fromWeights(weights, { bnMomentum: config.bnMomentum, batchesTracked: readBatchesTracked(start.name, start.bytes) });
		const trainer = new CellposeTrainer(model, set, config);
		process.stderr.write(
			`mycol train: ${set.train.length} training and ${set.validation.length} validation images, ${config.nEpochs} epochs, ${config.optimizer}, lr ${config.learningRate}, backend ${backend}${trainer.imagesPerPass ? ` (batches of ${config.batchSize} in passes of ${trainer.imagesPerPass} images, for memory)` : ''}\n`
		);
		for (const s of set.skipped) process.stderr.write(`mycol train: skipped ${s.name}: ${s.reason}\n`);
		const result = await trainer.run({
			onEpoch: (r) => {
				const val = r.validationLoss === null ? '' : `, validation loss ${r.validationLoss.toFixed(4)}`;
				process.stderr.write(`epoch ${r.epoch + 1}/${config.nEpochs}: train loss ${r.trainLoss.toFixed(4)}${val}, lr ${r.learningRate.toPrecision(3)} (${r.seconds.toFixed(1)} s)\n`);
			}
		});

		const bytes = writeTorchStateDict(model.stateDict(), { archiveName: archiveName(out), metadata: cpnetModuleVersions(model.nbase.length - 1) });
		writeOutput(out, bytes);
		const { last, bestEpoch } = validationSummary(result.epochs);
		const summary: TrainingSummary & { modelFile: string; modelSha256: string } = {
			kind: 'cellpose',
			baseModel: start.archive,
			nbase: [...model.nbase],
			diamMean: model.diamMean,
			diamLabels: model.diamLabels,
			config,
			trainImages: set.train.map((p) => p.name),
			validationImages: set.validation.map((p) => p.name),
			skipped: set.skipped,
			trainMasks: set.train.reduce((a, p) => a + p.masks, 0),
			backend,
			imagesPerPass: trainer.imagesPerPass,
			epochsRun: result.epochs.length,
			stopped: result.stopped,
			finalTrainLoss: result.epochs.at(-1)?.trainLoss ?? null,
			finalValidationLoss: last,
			bestValidationEpoch: bestEpoch,
			seconds: result.seconds,
			secondsPerEpoch: result.epochs.length ? result.seconds / result.epochs.length : 0,
			epochs: result.epochs,
			modelFile: basename(out),
			modelSha256: createHash('sha256').update(bytes).digest('hex')
		};
		const summaryPath = stringOption(args, 'summary');
		if (summaryPath) writeOutput(summaryPath, new TextEncoder().encode(JSON.stringify(summary, null, 1) + '\n'));
		trainer.dispose();
		model.dispose();
		console.log(
			JSON.stringify({
				out,
				epochs: summary.epochsRun,
				finalTrainLoss: summary.finalTrainLoss,
				finalValidationLoss: summary.finalValidationLoss,
				diamLabels: summary.diamLabels,
				seconds: Number(summary.seconds.toFixed(2)),
				backend
			})
		);
		return 0;
	}
};
