export { regionprops, inertiaEigvals, type RegionProps, type ChannelStats } from './regionprops';
export {
	HullWorkspace,
	convexHullSorted,
	convexImage,
	caliperDiameters,
	feretFromConvexImage,
	hullMeasures,
	type HullMeasures
} from './convex-hull';
export {
	measureCells,
	cellTable,
	cellTableColumns,
	deriveRatios,
	tableRow,
	type CellTable,
	type MeasureOptions
} from './descriptors';
