/**
 * The complete PyTorch state dict of a Cellpose 3 CPnet as `CPnet.state_dict()` lists it (spec
 * §1.3): the float tensors of `weights.cellposeKeyShapes` plus each BatchNorm's int64
 * `num_batches_tracked` after its `running_var`, and the module tree PyTorch records in the
 * dict's `_metadata` (each module's `_version`: 2 for BatchNorm2d, 1 for the rest), so that
 * `torch.save(net.state_dict())` can be reproduced byte for byte.
 */
import { readTorchStateDict } from '../../formats/torch-pth';
import { cellposeKeyShapes } from '../weights';

export interface StateKey {
	key: string;
	shape: number[];
	dtype: 'float32' | 'int64';
}

/** Every key of the state dict, in PyTorch's order. */
export function cpnetStateKeys(nbase: readonly number[], nout: number, kernel: number): StateKey[] {
	const out: StateKey[] = [];
	for (const [key, shape] of cellposeKeyShapes(nbase, nout, kernel)) {
		out.push({ key, shape, dtype: 'float32' });
		if (key.endsWith('.running_var')) out.push({ key: key.slice(0, -'running_var'.length) + 'num_batches_tracked', shape: [], dtype: 'int64' });
	}
	return out;
}

/** `state_dict()._metadata`: every module's dotted name (root '') and `_version`, in `named_modules` order. */
export function cpnetModuleVersions(levels: number): [string, number][] {
	const out: [string, number][] = [['', 1]];
	const seq = (p: string, kinds: ('bn' | 'm')[]) => {
		out.push([p, 1]);
		kinds.forEach((k, i) => out.push([`${p}.${i}`, k === 'bn' ? 2 : 1]));
	};
	const batchconv = (p: string) => seq(p, ['bn', 'm', 'm']);
	const batchconv0 = (p: string) => seq(p, ['bn', 'm']);
	out.push(['downsample', 1], ['downsample.down', 1]);
	for (let n = 0; n < levels; n++) {
		const p = `downsample.down.res_down_${n}`;
		out.push([p, 1], [`${p}.conv`, 1]);
		for (let j = 0; j < 4; j++) batchconv(`${p}.conv.conv_${j}`);
		batchconv0(`${p}.proj`);
	}
	out.push(['downsample.maxpool', 1], ['upsample', 1], ['upsample.upsampling', 1], ['upsample.up', 1]);
	for (let m = 0; m < levels; m++) {
		const p = `upsample.up.res_up_${m}`;
		out.push([p, 1], [`${p}.conv`, 1]);
		batchconv(`${p}.conv.conv_0`);
		for (let j = 1; j < 4; j++) {
			out.push([`${p}.conv.conv_${j}`, 1]);
			batchconv(`${p}.conv.conv_${j}.conv`);
			out.push([`${p}.conv.conv_${j}.full`, 1]);
		}
		batchconv0(`${p}.proj`);
	}
	out.push(['make_style', 1], ['make_style.flatten', 1]);
	batchconv('output');
	return out;
}

/**
 * The `num_batches_tracked` counters of a model file (which `readCellposeModel` leaves out), by
 * BatchNorm prefix (`….0`); missing or unreadable ones are simply absent.
 */
export function readBatchesTracked(file: string, bytes: Uint8Array): Map<string, bigint> {
	const out = new Map<string, bigint>();
	const dict = readTorchStateDict(file, bytes);
	for (const [k, t] of dict) {
		const key = k.startsWith('module.') ? k.slice(7) : k;
		if (!key.endsWith('.num_batches_tracked') || !(t.data instanceof BigInt64Array) || t.data.length !== 1) continue;
		out.set(key.slice(0, -'.num_batches_tracked'.length), t.data[0]);
	}
	return out;
}
