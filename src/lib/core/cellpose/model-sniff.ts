/** Whether bytes look like a PyTorch file (zip container or a legacy pickle) rather than ONNX protobuf. */
export function isZipOrPickle(b: Uint8Array): boolean {
	const zip = b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
	const pickle = b.length >= 2 && b[0] === 0x80 && b[1] >= 2 && b[1] <= 5;
	return zip || pickle;
}
