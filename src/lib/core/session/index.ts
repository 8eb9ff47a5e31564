/** Sessions: the typed schema, its migrations, and the session zip (streamed out, validated in). */
export * from './schema';
export { migrate, migrateWithInfo, formatVersionOf, OLDEST_FORMAT_VERSION } from './migrations';
export { validateManifest, blobRefs, MANIFEST_NAME } from './validate';
export { writeSessionZip, writeSessionZipBytes, losslessImageFile, safeFileName, PART_NAMES, SessionZipStream, type SessionZipOptions } from './zip-writer';
export { readSessionZip, summarise, type RestoredSession, type SessionSummary } from './zip-reader';
export { bytesSource, blobSource, type ByteSource, type BlobLike } from './zip-directory';
export { zipStream, collectZip, ZipStream, type ZipEntryInput, type ZipStreamOptions, type ZipStreamStats } from './zip-stream';
export { Sha256, sha256Hex, toHex } from './sha256';
export { crc32 } from './crc32';
export {
	HYPERPARAMETER_COLUMNS,
	readHyperparameterCsv,
	writeHyperparameterCsv,
	bestHyperparameterRow,
	applyHyperparameters,
	loadHyperparameterCsv,
	hyperparametersFromSettings,
	type HyperparameterRow
} from './hyperparameter-csv';
export { defaultParameters } from './parts';
