import { describe, expect, it } from 'vitest';
import { variantConfig } from '../../../../src/lib/core/classify/densenet';
import { parseClassifierMetadata } from '../../../../src/lib/core/classify/train/model-metadata';
import { ModelError } from '../../../../src/lib/core/formats/errors';

const good = {
	format: 'mycol-classifier',
	version: 1,
	classNames: ['round', 'long'],
	preprocessing: { size: 32, intensity: 'percentile', standardize: 'none' },
	architecture: variantConfig('compact-k12', 2),
	crop: { margin: 0.1, maskBackground: false },
	variant: 'compact-k12'
};

describe('classifier metadata', () => {
	it('reads back what JSON carries', () => {
		expect(parseClassifierMetadata('m.json', JSON.parse(JSON.stringify(good)))).toEqual(good);
	});

	it('refuses what would classify wrongly, naming the file', () => {
		const bad = (patch: object) => () => parseClassifierMetadata('m.json', { ...good, ...patch });
		expect(bad({ format: 'x' })).toThrow(ModelError);
		expect(bad({ classNames: ['a', 'a'] })).toThrow('m.json: two classes have the same name');
		expect(bad({ classNames: ['a', 'b', 'c'] })).toThrow('m.json: the network has 2 outputs but 3 class names are given');
		expect(bad({ preprocessing: { size: 0, intensity: 'percentile', standardize: 'none' } })).toThrow(/patch size/);
		expect(bad({ preprocessing: { size: 32, intensity: 'zscore', standardize: 'none' } })).toThrow(/intensity scaling 'zscore'/);
		expect(bad({ architecture: { ...good.architecture, growthRate: 0 } })).toThrow(/growth rate/);
		expect(bad({ crop: { margin: 5, maskBackground: true } })).toThrow(/crop settings/);
		expect(bad({ version: 2 })).toThrow(/version 2/);
	});
});
