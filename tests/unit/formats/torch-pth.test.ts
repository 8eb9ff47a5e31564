import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readTorchFile, readTorchStateDict, torchFileKind, TorchTensor, type TorchData } from '../../../src/lib/core/formats/torch-pth';
import { FormatError } from '../../../src/lib/core/formats/errors';
import { dict, global, opcodes, orderedDict, persid, pickle, reduce, tensor, tuple, type PB } from '../helpers/pickle-builder';
import { buildZip, type ZipInput } from '../helpers/zip-builder';
import { sharedBytes } from '../shared';

/*
 * Expected values were computed without torch (Debian's /usr/bin/python3 has none) by a throwaway
 * script: `zipfile` for the archive, `pickle.Unpickler` with a `find_class` allowing
 * OrderedDict / _rebuild_tensor_v2 / Float- and LongStorage and a `persistent_load` returning
 * the storage key, numpy `frombuffer` + `as_strided(offset, stride)` for each tensor, then
 * `hashlib.sha256` of the C-order bytes and `math.fsum` of the values as float64.
 * Whole-file digest: sha256 over, per tensor in order, `f"{key}|{dtype}|{','.join(shape)}\n"` then its bytes.
 */

const bytesOf = (d: TorchData) => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

function fileDigest(sd: Map<string, TorchTensor>): string {
	const h = createHash('sha256');
	for (const [k, t] of sd) {
		h.update(`${k}|${t.dtype}|${t.shape.join(',')}\n`);
		h.update(bytesOf(t.data));
	}
	return h.digest('hex');
}

function sum(d: TorchData): number {
	let s = 0;
	for (let i = 0; i < d.length; i++) s += Number(d[i]);
	return s;
}

function refusal(f: () => unknown): FormatError {
	try {
		f();
	} catch (e) {
		if (e instanceof FormatError) return e;
		throw e;
	}
	throw new Error('expected a FormatError');
}

/** cpnet_tiny.pth per tensor: key, dtype, shape, sha256 of the bytes (16 hex digits), fsum of the values. */
const TINY: [string, string, number[], string, number][] = [
	['diam_mean', 'float32', [1], '409303c5035263c1', 30.0],
	['diam_labels', 'float32', [1], '7b5162138ba6d8ae', 25.0],
	['downsample.down.res_down_0.conv.conv_0.0.weight', 'float32', [2], 'df3e218feec62acd', 2.155121862888336],
	['downsample.down.res_down_0.conv.conv_0.0.bias', 'float32', [2], '14973604db7e38d6', -0.15037240460515022],
	['downsample.down.res_down_0.conv.conv_0.0.running_mean', 'float32', [2], '48e1abbe0b82db3a', 0.02732851356267929],
	['downsample.down.res_down_0.conv.conv_0.0.running_var', 'float32', [2], '0b11dee8c90214ed', 0.9991631209850311],
	['downsample.down.res_down_0.conv.conv_0.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_0.conv.conv_0.2.weight', 'float32', [8, 2, 3, 3], '10c67a3aba93e139', -2.133173589943908],
	['downsample.down.res_down_0.conv.conv_0.2.bias', 'float32', [8], 'da2d7c768b41185a', 0.11770386062562466],
	['downsample.down.res_down_0.conv.conv_1.0.weight', 'float32', [8], '869029d4f1e876fb', 8.705492615699768],
	['downsample.down.res_down_0.conv.conv_1.0.bias', 'float32', [8], '1faf7f7a4531403a', -0.39026667829602957],
	['downsample.down.res_down_0.conv.conv_1.0.running_mean', 'float32', [8], '529c177e5530bcec', -0.6452118158340454],
	['downsample.down.res_down_0.conv.conv_1.0.running_var', 'float32', [8], '3a7ec55e9fd884cf', 1.2935964912176132],
	['downsample.down.res_down_0.conv.conv_1.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_0.conv.conv_1.2.weight', 'float32', [8, 8, 3, 3], 'af113f10f06466e9', 0.6508737598887819],
	['downsample.down.res_down_0.conv.conv_1.2.bias', 'float32', [8], '580d9dda6123a468', 0.13276329077780247],
	['downsample.down.res_down_0.conv.conv_2.0.weight', 'float32', [8], 'ff4084fc42a467ad', 8.544826328754425],
	['downsample.down.res_down_0.conv.conv_2.0.bias', 'float32', [8], '0f72f2baac52f7ee', -0.25558838283177465],
	['downsample.down.res_down_0.conv.conv_2.0.running_mean', 'float32', [8], '72587694a15a28ce', 1.546220749616623],
	['downsample.down.res_down_0.conv.conv_2.0.running_var', 'float32', [8], '407c1e4ed136d4f4', 3.1763649359345436],
	['downsample.down.res_down_0.conv.conv_2.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_0.conv.conv_2.2.weight', 'float32', [8, 8, 3, 3], 'ce62e1ae1f01a824', -1.5829789604467805],
	['downsample.down.res_down_0.conv.conv_2.2.bias', 'float32', [8], 'b4dff6eeafa8efc0', 0.1382327303290367],
	['downsample.down.res_down_0.conv.conv_3.0.weight', 'float32', [8], '0384222de3c499b2', 7.044421851634979],
	['downsample.down.res_down_0.conv.conv_3.0.bias', 'float32', [8], 'cc705b1ae49c2da0', 0.2890797198051587],
	['downsample.down.res_down_0.conv.conv_3.0.running_mean', 'float32', [8], 'c4f5b20c72b10523', -0.4830369842238724],
	['downsample.down.res_down_0.conv.conv_3.0.running_var', 'float32', [8], '3b24379ac349df7b', 1.0025703459978104],
	['downsample.down.res_down_0.conv.conv_3.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_0.conv.conv_3.2.weight', 'float32', [8, 8, 3, 3], '54bd3a53a6c41bfb', 1.3820179229587666],
	['downsample.down.res_down_0.conv.conv_3.2.bias', 'float32', [8], '99f72412bca6344c', 0.10776672622887418],
	['downsample.down.res_down_0.proj.0.weight', 'float32', [2], 'd1ff4d925276ebb6', 1.415984869003296],
	['downsample.down.res_down_0.proj.0.bias', 'float32', [2], '590647ea95a2052e', 0.3522179424762726],
	['downsample.down.res_down_0.proj.0.running_mean', 'float32', [2], 'dd6dc8bbfa49b171', 0.011477151419967413],
	['downsample.down.res_down_0.proj.0.running_var', 'float32', [2], 'fa21d36548228918', 0.8072114884853363],
	['downsample.down.res_down_0.proj.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_0.proj.1.weight', 'float32', [8, 2, 1, 1], '579c78092033eaa0', -1.9018825888633728],
	['downsample.down.res_down_0.proj.1.bias', 'float32', [8], '3810f606f0cf9ec6', 1.1441487222909927],
	['downsample.down.res_down_1.conv.conv_0.0.weight', 'float32', [8], 'a55c00f2d6fdddea', 6.981289207935333],
	['downsample.down.res_down_1.conv.conv_0.0.bias', 'float32', [8], '553824b4911e3c56', -0.08818237483501434],
	['downsample.down.res_down_1.conv.conv_0.0.running_mean', 'float32', [8], '90f77213d078902c', 5.52319847792387],
	['downsample.down.res_down_1.conv.conv_0.0.running_var', 'float32', [8], '9f5caf11aec17785', 3.2400344759225845],
	['downsample.down.res_down_1.conv.conv_0.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_1.conv.conv_0.2.weight', 'float32', [16, 8, 3, 3], '8de4a8d26ab2b97c', -1.2899534035786928],
	['downsample.down.res_down_1.conv.conv_0.2.bias', 'float32', [16], '3f21e0fb98f65bd7', 0.23283602262381464],
	['downsample.down.res_down_1.conv.conv_1.0.weight', 'float32', [16], 'c8ef9c55c3a2db35', 14.91102010011673],
	['downsample.down.res_down_1.conv.conv_1.0.bias', 'float32', [16], 'dd71cc30115a35a3', 0.21197369415313005],
	['downsample.down.res_down_1.conv.conv_1.0.running_mean', 'float32', [16], 'd0afaeba66c89294', -0.1230728067457676],
	['downsample.down.res_down_1.conv.conv_1.0.running_var', 'float32', [16], 'dcfff5eb5442496b', 2.55051514133811],
	['downsample.down.res_down_1.conv.conv_1.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_1.conv.conv_1.2.weight', 'float32', [16, 16, 3, 3], 'dba3850c15a07fc8', -3.1117218103827327],
	['downsample.down.res_down_1.conv.conv_1.2.bias', 'float32', [16], '22b175995f2b603d', -0.011084042489528656],
	['downsample.down.res_down_1.conv.conv_2.0.weight', 'float32', [16], '14d18da350534956', 17.27066320180893],
	['downsample.down.res_down_1.conv.conv_2.0.bias', 'float32', [16], '03fc95ba6e6f7350', -0.6363291060552001],
	['downsample.down.res_down_1.conv.conv_2.0.running_mean', 'float32', [16], '70ca5ab56265c58d', -0.028062501922249794],
	['downsample.down.res_down_1.conv.conv_2.0.running_var', 'float32', [16], '7206f2c9135bbb39', 10.382161512970924],
	['downsample.down.res_down_1.conv.conv_2.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_1.conv.conv_2.2.weight', 'float32', [16, 16, 3, 3], '78369e3b635bb4ea', 2.015821311792024],
	['downsample.down.res_down_1.conv.conv_2.2.bias', 'float32', [16], '8026d9b07b0e4d9f', 0.3056577523238957],
	['downsample.down.res_down_1.conv.conv_3.0.weight', 'float32', [16], 'c309cc2c96de21e9', 15.894825160503387],
	['downsample.down.res_down_1.conv.conv_3.0.bias', 'float32', [16], 'bc654242ae99a13e', -0.6479481556452811],
	['downsample.down.res_down_1.conv.conv_3.0.running_mean', 'float32', [16], 'e6791bf26a754b44', 0.9983553029596806],
	['downsample.down.res_down_1.conv.conv_3.0.running_var', 'float32', [16], '4b98c5b7daabea3b', 2.4825682789087296],
	['downsample.down.res_down_1.conv.conv_3.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_1.conv.conv_3.2.weight', 'float32', [16, 16, 3, 3], '0b6296993f15099a', 1.118409068636538],
	['downsample.down.res_down_1.conv.conv_3.2.bias', 'float32', [16], 'bf20bf5e57bd3805', 0.3725206616218202],
	['downsample.down.res_down_1.proj.0.weight', 'float32', [8], 'b77f08e88504df92', 9.545131981372833],
	['downsample.down.res_down_1.proj.0.bias', 'float32', [8], '330384daab20f2ef', -0.015888448804616928],
	['downsample.down.res_down_1.proj.0.running_mean', 'float32', [8], '870c2166074f7902', 5.303723394870758],
	['downsample.down.res_down_1.proj.0.running_var', 'float32', [8], 'ea6f6fd3bda3e147', 2.874179497361183],
	['downsample.down.res_down_1.proj.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_1.proj.1.weight', 'float32', [16, 8, 1, 1], '06183f8fd141e8d6', -0.5897060044808313],
	['downsample.down.res_down_1.proj.1.bias', 'float32', [16], 'cb5200679ed145cd', 0.6238091923296452],
	['downsample.down.res_down_2.conv.conv_0.0.weight', 'float32', [16], '89f9801fc1e99417', 15.99953180551529],
	['downsample.down.res_down_2.conv.conv_0.0.bias', 'float32', [16], '67544146810f7958', -0.8984926324337721],
	['downsample.down.res_down_2.conv.conv_0.0.running_mean', 'float32', [16], 'f91d0067a39b88f7', 9.546869367361069],
	['downsample.down.res_down_2.conv.conv_0.0.running_var', 'float32', [16], '437d1e5b3debaf71', 7.783376157283783],
	['downsample.down.res_down_2.conv.conv_0.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_2.conv.conv_0.2.weight', 'float32', [32, 16, 3, 3], 'd7037ebfa5b28527', 4.265664209040551],
	['downsample.down.res_down_2.conv.conv_0.2.bias', 'float32', [32], 'ba71568a05b669e3', 0.11705064121633768],
	['downsample.down.res_down_2.conv.conv_1.0.weight', 'float32', [32], 'f9a2587a15cefd8b', 30.732307970523834],
	['downsample.down.res_down_2.conv.conv_1.0.bias', 'float32', [32], 'dd11114b238121f5', -1.2194174237083644],
	['downsample.down.res_down_2.conv.conv_1.0.running_mean', 'float32', [32], '14540983d47585bf', 1.8388001909479499],
	['downsample.down.res_down_2.conv.conv_1.0.running_var', 'float32', [32], 'd2eaeab9534f30a3', 4.5178822465240955],
	['downsample.down.res_down_2.conv.conv_1.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_2.conv.conv_1.2.weight', 'float32', [32, 32, 3, 3], '3af6809013f046d1', 3.318361972254479],
	['downsample.down.res_down_2.conv.conv_1.2.bias', 'float32', [32], 'c9740eb5a0c664f1', 0.049832559598144144],
	['downsample.down.res_down_2.conv.conv_2.0.weight', 'float32', [32], '8bb91836092473ce', 30.566585063934326],
	['downsample.down.res_down_2.conv.conv_2.0.bias', 'float32', [32], 'f820d7c75aa87086', -0.8563306657597423],
	['downsample.down.res_down_2.conv.conv_2.0.running_mean', 'float32', [32], 'f618a11c1c9fae83', 1.1825691480189562],
	['downsample.down.res_down_2.conv.conv_2.0.running_var', 'float32', [32], '831689deed7ae253', 17.923189118504524],
	['downsample.down.res_down_2.conv.conv_2.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_2.conv.conv_2.2.weight', 'float32', [32, 32, 3, 3], 'e38c32df93ef5194', 2.9159619541987922],
	['downsample.down.res_down_2.conv.conv_2.2.bias', 'float32', [32], 'e75a71ccfb7efd2e', 0.0513641107827425],
	['downsample.down.res_down_2.conv.conv_3.0.weight', 'float32', [32], '62cba61f6f851b60', 30.79579907655716],
	['downsample.down.res_down_2.conv.conv_3.0.bias', 'float32', [32], 'f07cbb36af14c472', 0.2951772219967097],
	['downsample.down.res_down_2.conv.conv_3.0.running_mean', 'float32', [32], '6b2a11ac292c0608', 1.1346339471638203],
	['downsample.down.res_down_2.conv.conv_3.0.running_var', 'float32', [32], '076c21f5fb5208c2', 4.49263883754611],
	['downsample.down.res_down_2.conv.conv_3.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_2.conv.conv_3.2.weight', 'float32', [32, 32, 3, 3], 'b695bfa6a3ce2f35', -1.0283402577297238],
	['downsample.down.res_down_2.conv.conv_3.2.bias', 'float32', [32], 'a78f159f69d38628', 0.05700425093527883],
	['downsample.down.res_down_2.proj.0.weight', 'float32', [16], 'a1a9c6f6fb451c61', 16.99674904346466],
	['downsample.down.res_down_2.proj.0.bias', 'float32', [16], '86c47007071097e1', -0.050104981288313866],
	['downsample.down.res_down_2.proj.0.running_mean', 'float32', [16], '4c4f30c64e1aa52b', 9.854856833815575],
	['downsample.down.res_down_2.proj.0.running_var', 'float32', [16], '4c066360807d0a1f', 7.020998865365982],
	['downsample.down.res_down_2.proj.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_2.proj.1.weight', 'float32', [32, 16, 1, 1], '52ab97cd78487bf7', -0.18648365139961243],
	['downsample.down.res_down_2.proj.1.bias', 'float32', [32], '6f590e7efd1b8735', -0.4664026200771332],
	['downsample.down.res_down_3.conv.conv_0.0.weight', 'float32', [32], 'b243570dcda7083a', 31.542351365089417],
	['downsample.down.res_down_3.conv.conv_0.0.bias', 'float32', [32], '01d1a4359c23b083', 0.05429969518445432],
	['downsample.down.res_down_3.conv.conv_0.0.running_mean', 'float32', [32], 'e8f4ecbd9c839822', 22.183533251285553],
	['downsample.down.res_down_3.conv.conv_0.0.running_var', 'float32', [32], '720ee7be967442f2', 13.439979761838913],
	['downsample.down.res_down_3.conv.conv_0.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_3.conv.conv_0.2.weight', 'float32', [64, 32, 3, 3], '33f899e58e2b16de', -2.9958716193782493],
	['downsample.down.res_down_3.conv.conv_0.2.bias', 'float32', [64], '0896493413e1c081', 0.1347706315573305],
	['downsample.down.res_down_3.conv.conv_1.0.weight', 'float32', [64], 'a64a2fc73f36cd07', 61.89310956001282],
	['downsample.down.res_down_3.conv.conv_1.0.bias', 'float32', [64], '309636dba0d61840', 0.5515040662139654],
	['downsample.down.res_down_3.conv.conv_1.0.running_mean', 'float32', [64], 'b8e01a447357bb45', -1.225326799787581],
	['downsample.down.res_down_3.conv.conv_1.0.running_var', 'float32', [64], 'dbe788071f3841a8', 9.48934256285429],
	['downsample.down.res_down_3.conv.conv_1.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_3.conv.conv_1.2.weight', 'float32', [64, 64, 3, 3], '4cca0a4fdb5040ab', 0.7141665421116841],
	['downsample.down.res_down_3.conv.conv_1.2.bias', 'float32', [64], '582779cf3d5f9be7', -0.0750633375137113],
	['downsample.down.res_down_3.conv.conv_2.0.weight', 'float32', [64], '05ac5385186bf527', 64.65284842252731],
	['downsample.down.res_down_3.conv.conv_2.0.bias', 'float32', [64], '207aa6a878922477', 0.09097866108641028],
	['downsample.down.res_down_3.conv.conv_2.0.running_mean', 'float32', [64], '601b56cfa2a896ce', -0.5100274286232889],
	['downsample.down.res_down_3.conv.conv_2.0.running_var', 'float32', [64], '105b5cdc8111b715', 33.01654431223869],
	['downsample.down.res_down_3.conv.conv_2.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_3.conv.conv_2.2.weight', 'float32', [64, 64, 3, 3], '5f398aeef441306d', 3.1930122099026903],
	['downsample.down.res_down_3.conv.conv_2.2.bias', 'float32', [64], '4038d0e9be79aeea', 0.22570622168132104],
	['downsample.down.res_down_3.conv.conv_3.0.weight', 'float32', [64], '7569ceeeb0e67821', 65.28116673231125],
	['downsample.down.res_down_3.conv.conv_3.0.bias', 'float32', [64], '5144e68ddad9c143', -0.09718181029893458],
	['downsample.down.res_down_3.conv.conv_3.0.running_mean', 'float32', [64], '0e581f0b5b60080b', 1.4983149897307158],
	['downsample.down.res_down_3.conv.conv_3.0.running_var', 'float32', [64], '018fcf85cc27c8c1', 8.31151520460844],
	['downsample.down.res_down_3.conv.conv_3.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_3.conv.conv_3.2.weight', 'float32', [64, 64, 3, 3], 'fa0e52889e19e24e', 7.703860282475034],
	['downsample.down.res_down_3.conv.conv_3.2.bias', 'float32', [64], '59e2302810c4f8b4', 0.3229015643009916],
	['downsample.down.res_down_3.proj.0.weight', 'float32', [32], 'b35202cc498e18c8', 31.869993209838867],
	['downsample.down.res_down_3.proj.0.bias', 'float32', [32], 'e6159fd409f4e554', 0.6756267938762903],
	['downsample.down.res_down_3.proj.0.running_mean', 'float32', [32], 'abef408acafecb00', 22.150929793715477],
	['downsample.down.res_down_3.proj.0.running_var', 'float32', [32], '4c509d2e7b053bfe', 12.659978225827217],
	['downsample.down.res_down_3.proj.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['downsample.down.res_down_3.proj.1.weight', 'float32', [64, 32, 1, 1], '289bd672d0fa3e35', -5.591501296981733],
	['downsample.down.res_down_3.proj.1.bias', 'float32', [64], '94219990f3b73c30', -0.6228416920639575],
	['upsample.up.res_up_0.conv.conv_0.0.weight', 'float32', [16], '9a579b90d7cf685c', 17.305414259433746],
	['upsample.up.res_up_0.conv.conv_0.0.bias', 'float32', [16], '65787479104f18e4', -0.1521814374718815],
	['upsample.up.res_up_0.conv.conv_0.0.running_mean', 'float32', [16], '4ab727684f136271', 0.5972591862082481],
	['upsample.up.res_up_0.conv.conv_0.0.running_var', 'float32', [16], 'a91ffa52483642ad', 11.653539031744003],
	['upsample.up.res_up_0.conv.conv_0.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_0.conv.conv_0.2.weight', 'float32', [8, 16, 3, 3], '29ec9e1b5df47946', -0.021915420169534627],
	['upsample.up.res_up_0.conv.conv_0.2.bias', 'float32', [8], '4694eb941e2364b0', 0.31044616433791816],
	['upsample.up.res_up_0.conv.conv_1.conv.0.weight', 'float32', [8], '7ec8b6f36c20072b', 8.228457272052765],
	['upsample.up.res_up_0.conv.conv_1.conv.0.bias', 'float32', [8], '78cce3d7259bd0ed', 0.3108021216467023],
	['upsample.up.res_up_0.conv.conv_1.conv.0.running_mean', 'float32', [8], '7c871324bd42e7a2', 2.8429497331380844],
	['upsample.up.res_up_0.conv.conv_1.conv.0.running_var', 'float32', [8], '5f014746a6ff6376', 5.550474375486374],
	['upsample.up.res_up_0.conv.conv_1.conv.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_0.conv.conv_1.conv.2.weight', 'float32', [8, 8, 3, 3], '6098e8ca60d85a4c', 3.0616624480462633],
	['upsample.up.res_up_0.conv.conv_1.conv.2.bias', 'float32', [8], 'df80f4e857b07b90', 0.2930202195420861],
	['upsample.up.res_up_0.conv.conv_1.full.weight', 'float32', [8, 64], '02928a837f56567f', 3.5929717421531677],
	['upsample.up.res_up_0.conv.conv_1.full.bias', 'float32', [8], '2c281b0b4330dce0', 0.17997074127197266],
	['upsample.up.res_up_0.conv.conv_2.conv.0.weight', 'float32', [8], '0d93d3307c795987', 8.421484291553497],
	['upsample.up.res_up_0.conv.conv_2.conv.0.bias', 'float32', [8], '153275d08b402722', -0.17855965509079397],
	['upsample.up.res_up_0.conv.conv_2.conv.0.running_mean', 'float32', [8], '888707de0bf9a21b', 0.8273778259754181],
	['upsample.up.res_up_0.conv.conv_2.conv.0.running_var', 'float32', [8], 'f8be3bb3dc62aa27', 4.785980761051178],
	['upsample.up.res_up_0.conv.conv_2.conv.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_0.conv.conv_2.conv.2.weight', 'float32', [8, 8, 3, 3], '79faf29b47382d72', 0.9367446778342128],
	['upsample.up.res_up_0.conv.conv_2.conv.2.bias', 'float32', [8], '71fbe6dac6362d90', -0.2370841857045889],
	['upsample.up.res_up_0.conv.conv_2.full.weight', 'float32', [8, 64], '80d3c4a0fc93af98', -0.438997745513916],
	['upsample.up.res_up_0.conv.conv_2.full.bias', 'float32', [8], '3ef027cbae835256', -0.2929289638996124],
	['upsample.up.res_up_0.conv.conv_3.conv.0.weight', 'float32', [8], '3c1367e5616069c2', 6.447511851787567],
	['upsample.up.res_up_0.conv.conv_3.conv.0.bias', 'float32', [8], '7309205835a75a60', -0.12548554129898548],
	['upsample.up.res_up_0.conv.conv_3.conv.0.running_mean', 'float32', [8], '22e641f48ffc2abc', 0.2428404800593853],
	['upsample.up.res_up_0.conv.conv_3.conv.0.running_var', 'float32', [8], '167161e387a36614', 1.4077576585114002],
	['upsample.up.res_up_0.conv.conv_3.conv.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_0.conv.conv_3.conv.2.weight', 'float32', [8, 8, 3, 3], '02965cb9b801eee7', 1.9593221172690392],
	['upsample.up.res_up_0.conv.conv_3.conv.2.bias', 'float32', [8], '4c04632637ae0cde', 0.06676679337397218],
	['upsample.up.res_up_0.conv.conv_3.full.weight', 'float32', [8, 64], 'baf97c8a15444165', -0.17151851952075958],
	['upsample.up.res_up_0.conv.conv_3.full.bias', 'float32', [8], '0b387c7da252c0bd', 0.0471707284450531],
	['upsample.up.res_up_0.proj.0.weight', 'float32', [16], 'e7fe9c3f1329e055', 15.880368530750275],
	['upsample.up.res_up_0.proj.0.bias', 'float32', [16], '9d3d31a01330e699', -0.1607842999510467],
	['upsample.up.res_up_0.proj.0.running_mean', 'float32', [16], 'b8dd9de1401a74a5', 0.38687577098608017],
	['upsample.up.res_up_0.proj.0.running_var', 'float32', [16], '301ce4aef5080d43', 12.35538998246193],
	['upsample.up.res_up_0.proj.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_0.proj.1.weight', 'float32', [8, 16, 1, 1], '3a8dd84210fb24f0', 0.755355566740036],
	['upsample.up.res_up_0.proj.1.bias', 'float32', [8], '23fccc5d5551cd18', -0.027720749378204346],
	['upsample.up.res_up_1.conv.conv_0.0.weight', 'float32', [32], '0339471f54ba8294', 32.03622406721115],
	['upsample.up.res_up_1.conv.conv_0.0.bias', 'float32', [32], 'c4c38e470b352405', -0.18395059811882675],
	['upsample.up.res_up_1.conv.conv_0.0.running_mean', 'float32', [32], '9c2ddb9bf59c079d', 0.029855843633413315],
	['upsample.up.res_up_1.conv.conv_0.0.running_var', 'float32', [32], 'f8dfe45724791bc0', 22.210675835609436],
	['upsample.up.res_up_1.conv.conv_0.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_1.conv.conv_0.2.weight', 'float32', [16, 32, 3, 3], '7d8c407f360afe71', -3.0906275666156944],
	['upsample.up.res_up_1.conv.conv_0.2.bias', 'float32', [16], '2e1d427ef180770e', -0.05672335845883936],
	['upsample.up.res_up_1.conv.conv_1.conv.0.weight', 'float32', [16], '99595538d67beb79', 15.03644323348999],
	['upsample.up.res_up_1.conv.conv_1.conv.0.bias', 'float32', [16], '46fec132905c5fbc', -0.04744557139929384],
	['upsample.up.res_up_1.conv.conv_1.conv.0.running_mean', 'float32', [16], '3232ae4e99ca9284', -1.0809955149888992],
	['upsample.up.res_up_1.conv.conv_1.conv.0.running_var', 'float32', [16], 'ea76b948f2122442', 14.695128858089447],
	['upsample.up.res_up_1.conv.conv_1.conv.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_1.conv.conv_1.conv.2.weight', 'float32', [16, 16, 3, 3], 'c25ee9879a556a59', 1.3052052092780286],
	['upsample.up.res_up_1.conv.conv_1.conv.2.bias', 'float32', [16], '12cf30e00a50f833', -0.12382347323000431],
	['upsample.up.res_up_1.conv.conv_1.full.weight', 'float32', [16, 64], '44525f02dde8f44a', -0.4276239722967148],
	['upsample.up.res_up_1.conv.conv_1.full.bias', 'float32', [16], 'ed511ac8d1b75568', 0.22793932259082794],
	['upsample.up.res_up_1.conv.conv_2.conv.0.weight', 'float32', [16], '4de746986c187868', 18.27857005596161],
	['upsample.up.res_up_1.conv.conv_2.conv.0.bias', 'float32', [16], '69d61739f56eb257', -0.10183247877284884],
	['upsample.up.res_up_1.conv.conv_2.conv.0.running_mean', 'float32', [16], '8f37440f20dd6650', 0.5370327681303024],
	['upsample.up.res_up_1.conv.conv_2.conv.0.running_var', 'float32', [16], 'dfe5b0c9f845d7b9', 8.615910351276398],
	['upsample.up.res_up_1.conv.conv_2.conv.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_1.conv.conv_2.conv.2.weight', 'float32', [16, 16, 3, 3], '8a8b1a31e49e2f83', -1.2838660702632296],
	['upsample.up.res_up_1.conv.conv_2.conv.2.bias', 'float32', [16], '9a60bcb04ddaf97e', 0.2702308939769864],
	['upsample.up.res_up_1.conv.conv_2.full.weight', 'float32', [16, 64], '6fc5acd680a99fc9', -1.9536804407835007],
	['upsample.up.res_up_1.conv.conv_2.full.bias', 'float32', [16], '86a747d735ce2239', 0.413963183760643],
	['upsample.up.res_up_1.conv.conv_3.conv.0.weight', 'float32', [16], '9d101913b54242a0', 16.210854589939117],
	['upsample.up.res_up_1.conv.conv_3.conv.0.bias', 'float32', [16], '4f10bbb637d6dc1c', 0.1332431277842261],
	['upsample.up.res_up_1.conv.conv_3.conv.0.running_mean', 'float32', [16], '7fc9ad7da19cbe57', -0.5204919762909412],
	['upsample.up.res_up_1.conv.conv_3.conv.0.running_var', 'float32', [16], 'c39cd6ee1985afc7', 2.1822955943644047],
	['upsample.up.res_up_1.conv.conv_3.conv.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_1.conv.conv_3.conv.2.weight', 'float32', [16, 16, 3, 3], '0c925ba3c275c62a', 1.191175331498016],
	['upsample.up.res_up_1.conv.conv_3.conv.2.bias', 'float32', [16], '24e04efe393172b2', -0.16489625303074718],
	['upsample.up.res_up_1.conv.conv_3.full.weight', 'float32', [16, 64], '5a48e2980e0f601e', -0.5034227818250656],
	['upsample.up.res_up_1.conv.conv_3.full.bias', 'float32', [16], '13d71896664befd4', -0.20392528176307678],
	['upsample.up.res_up_1.proj.0.weight', 'float32', [32], 'b0a7710be6450e1f', 34.76554614305496],
	['upsample.up.res_up_1.proj.0.bias', 'float32', [32], '724bfcbfbeb3ecb4', -0.37469865707680583],
	['upsample.up.res_up_1.proj.0.running_mean', 'float32', [32], '670db9d3a0c749e2', 0.35747313499450684],
	['upsample.up.res_up_1.proj.0.running_var', 'float32', [32], '82b6b546b45170b4', 19.207609742879868],
	['upsample.up.res_up_1.proj.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_1.proj.1.weight', 'float32', [16, 32, 1, 1], '0a4b33ef6ec9df1d', 0.1459632285113912],
	['upsample.up.res_up_1.proj.1.bias', 'float32', [16], '635a9fdb0d627a02', -0.15081108076265082],
	['upsample.up.res_up_2.conv.conv_0.0.weight', 'float32', [64], 'c2e5f1e8e90208f6', 63.893093287944794],
	['upsample.up.res_up_2.conv.conv_0.0.bias', 'float32', [64], 'a0e9412f5ae05ba8', -0.9807691021705978],
	['upsample.up.res_up_2.conv.conv_0.0.running_mean', 'float32', [64], 'e8597ad19eeec208', 4.858752464875579],
	['upsample.up.res_up_2.conv.conv_0.0.running_var', 'float32', [64], '7ae9640560b1fcf2', 46.0075997710228],
	['upsample.up.res_up_2.conv.conv_0.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_2.conv.conv_0.2.weight', 'float32', [32, 64, 3, 3], 'e02015163ba7c4b0', -2.6048244693629385],
	['upsample.up.res_up_2.conv.conv_0.2.bias', 'float32', [32], '131e4aba65ff7f82', 0.14595706691034138],
	['upsample.up.res_up_2.conv.conv_1.conv.0.weight', 'float32', [32], '6aebf5a85e1529cd', 31.039073169231415],
	['upsample.up.res_up_2.conv.conv_1.conv.0.bias', 'float32', [32], '1ee4dade5f02c9f7', -0.7108743279386545],
	['upsample.up.res_up_2.conv.conv_1.conv.0.running_mean', 'float32', [32], '12161bc5bd8d2d39', -0.1288260631263256],
	['upsample.up.res_up_2.conv.conv_1.conv.0.running_var', 'float32', [32], '333e480a223b57a4', 26.027826130390167],
	['upsample.up.res_up_2.conv.conv_1.conv.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_2.conv.conv_1.conv.2.weight', 'float32', [32, 32, 3, 3], '2c07f19f938a5dc8', 2.879000564384114],
	['upsample.up.res_up_2.conv.conv_1.conv.2.bias', 'float32', [32], 'beeb04f63b0f6b48', 0.013355036586290225],
	['upsample.up.res_up_2.conv.conv_1.full.weight', 'float32', [32, 64], 'd1207b39470e7493', -5.589183256030083],
	['upsample.up.res_up_2.conv.conv_1.full.bias', 'float32', [32], 'e71a4a4aec68ef8c', 0.7185620367527008],
	['upsample.up.res_up_2.conv.conv_2.conv.0.weight', 'float32', [32], 'dae267c9c169e9ad', 30.882778584957123],
	['upsample.up.res_up_2.conv.conv_2.conv.0.bias', 'float32', [32], '8f4ae8a0760abf58', 0.6856889923801646],
	['upsample.up.res_up_2.conv.conv_2.conv.0.running_mean', 'float32', [32], '22b0a8676fcdb03c', 1.8021051781252027],
	['upsample.up.res_up_2.conv.conv_2.conv.0.running_var', 'float32', [32], 'becdde02e2822c71', 14.369386196136475],
	['upsample.up.res_up_2.conv.conv_2.conv.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_2.conv.conv_2.conv.2.weight', 'float32', [32, 32, 3, 3], '9e85a49ede8d5c71', -0.20584826548679303],
	['upsample.up.res_up_2.conv.conv_2.conv.2.bias', 'float32', [32], '9f0e5ef8eae7e314', -0.24485947244102135],
	['upsample.up.res_up_2.conv.conv_2.full.weight', 'float32', [32, 64], '59ba92a0e19be929', -2.09604150056839],
	['upsample.up.res_up_2.conv.conv_2.full.bias', 'float32', [32], 'af57f5384d91d037', 0.22097833454608917],
	['upsample.up.res_up_2.conv.conv_3.conv.0.weight', 'float32', [32], '5c467d7b904d6854', 33.73721420764923],
	['upsample.up.res_up_2.conv.conv_3.conv.0.bias', 'float32', [32], '5b6119f21bf97f5d', -0.5774492409545928],
	['upsample.up.res_up_2.conv.conv_3.conv.0.running_mean', 'float32', [32], '5ab9caa5e2267d49', -0.4792047366499901],
	['upsample.up.res_up_2.conv.conv_3.conv.0.running_var', 'float32', [32], '36a341fc5be18a61', 4.283105295151472],
	['upsample.up.res_up_2.conv.conv_3.conv.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_2.conv.conv_3.conv.2.weight', 'float32', [32, 32, 3, 3], '5521f25fc2d5ce47', -2.8208622644679053],
	['upsample.up.res_up_2.conv.conv_3.conv.2.bias', 'float32', [32], '32469f24a2700af9', -0.06645342556294054],
	['upsample.up.res_up_2.conv.conv_3.full.weight', 'float32', [32, 64], '7af8763fef10a874', -7.9635912626981735],
	['upsample.up.res_up_2.conv.conv_3.full.bias', 'float32', [32], '7277054166fae91c', 0.1602572202682495],
	['upsample.up.res_up_2.proj.0.weight', 'float32', [64], '12619461044e076a', 66.10430723428726],
	['upsample.up.res_up_2.proj.0.bias', 'float32', [64], '046bcf9e83f3ae36', -0.2273706974228844],
	['upsample.up.res_up_2.proj.0.running_mean', 'float32', [64], 'a5dcad05bb8a5dff', 2.877695905044675],
	['upsample.up.res_up_2.proj.0.running_var', 'float32', [64], 'cfca4919b2e2b583', 51.20109108090401],
	['upsample.up.res_up_2.proj.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_2.proj.1.weight', 'float32', [32, 64, 1, 1], 'f9aaa58179a5388b', -1.0669564008712769],
	['upsample.up.res_up_2.proj.1.bias', 'float32', [32], '2bded16931d3148e', -0.1667468398809433],
	['upsample.up.res_up_3.conv.conv_0.0.weight', 'float32', [64], '11ee1e5f2a240bf9', 66.90464353561401],
	['upsample.up.res_up_3.conv.conv_0.0.bias', 'float32', [64], 'b856e12b6b28f110', 0.07859358994755894],
	['upsample.up.res_up_3.conv.conv_0.0.running_mean', 'float32', [64], '1885ca72b1700ef5', 1.45845741906669],
	['upsample.up.res_up_3.conv.conv_0.0.running_var', 'float32', [64], 'e61a95523fd96981', 42.00172573328018],
	['upsample.up.res_up_3.conv.conv_0.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_3.conv.conv_0.2.weight', 'float32', [64, 64, 3, 3], 'e965df439f6d1cb3', -6.249967897323629],
	['upsample.up.res_up_3.conv.conv_0.2.bias', 'float32', [64], 'ce1411538541ba05', -0.4394268202595413],
	['upsample.up.res_up_3.conv.conv_1.conv.0.weight', 'float32', [64], 'e5f002d4006305b5', 63.83549177646637],
	['upsample.up.res_up_3.conv.conv_1.conv.0.bias', 'float32', [64], '59d4be37d5937482', -0.3907303980085999],
	['upsample.up.res_up_3.conv.conv_1.conv.0.running_mean', 'float32', [64], '623fd7a02cfc6024', -0.23945376090705395],
	['upsample.up.res_up_3.conv.conv_1.conv.0.running_var', 'float32', [64], '3c83a8d530c739ad', 53.28505429625511],
	['upsample.up.res_up_3.conv.conv_1.conv.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_3.conv.conv_1.conv.2.weight', 'float32', [64, 64, 3, 3], 'c5e308bdabb26ed6', 2.92178255551039],
	['upsample.up.res_up_3.conv.conv_1.conv.2.bias', 'float32', [64], '1d15fd1b44f0e95b', 0.06258068904026004],
	['upsample.up.res_up_3.conv.conv_1.full.weight', 'float32', [64, 64], '45b2ac0b7e8fc85f', -5.153728201985359],
	['upsample.up.res_up_3.conv.conv_1.full.bias', 'float32', [64], '3dffe90e39ee7dd2', 0.16107481718063354],
	['upsample.up.res_up_3.conv.conv_2.conv.0.weight', 'float32', [64], '2147ed198f206dfa', 65.61780560016632],
	['upsample.up.res_up_3.conv.conv_2.conv.0.bias', 'float32', [64], '567047868afac144', -0.17992641241289675],
	['upsample.up.res_up_3.conv.conv_2.conv.0.running_mean', 'float32', [64], 'e8e99e5e7f05658b', 0.9600236918777227],
	['upsample.up.res_up_3.conv.conv_2.conv.0.running_var', 'float32', [64], 'd63c7fe22a966d12', 37.13951690495014],
	['upsample.up.res_up_3.conv.conv_2.conv.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_3.conv.conv_2.conv.2.weight', 'float32', [64, 64, 3, 3], 'b3835434a75ddb02', 8.16722052623436],
	['upsample.up.res_up_3.conv.conv_2.conv.2.bias', 'float32', [64], '892853e655bd446c', -0.018835114780813456],
	['upsample.up.res_up_3.conv.conv_2.full.weight', 'float32', [64, 64], '99d2d3c86de90f1b', -1.5113320052623749],
	['upsample.up.res_up_3.conv.conv_2.full.bias', 'float32', [64], '1db3e64ae9f09884', 0.45626838505268097],
	['upsample.up.res_up_3.conv.conv_3.conv.0.weight', 'float32', [64], 'dd527ed72a5d94c7', 59.73433780670166],
	['upsample.up.res_up_3.conv.conv_3.conv.0.bias', 'float32', [64], '047aed9acf4267cb', 0.9219914390705526],
	['upsample.up.res_up_3.conv.conv_3.conv.0.running_mean', 'float32', [64], '4fb3fdb0d1284c2b', 2.695743953809142],
	['upsample.up.res_up_3.conv.conv_3.conv.0.running_var', 'float32', [64], '9c3f7bad6e15c69e', 8.533084891736507],
	['upsample.up.res_up_3.conv.conv_3.conv.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_3.conv.conv_3.conv.2.weight', 'float32', [64, 64, 3, 3], '49605a811b953b79', 6.710654548476896],
	['upsample.up.res_up_3.conv.conv_3.conv.2.bias', 'float32', [64], '9a848e60c7437a26', 0.07954313163645566],
	['upsample.up.res_up_3.conv.conv_3.full.weight', 'float32', [64, 64], 'b3fd8148f1368c75', 2.2648875564336777],
	['upsample.up.res_up_3.conv.conv_3.full.bias', 'float32', [64], '83b9edb5dc93907e', 0.45921120047569275],
	['upsample.up.res_up_3.proj.0.weight', 'float32', [64], '49418f09217b22a5', 64.1185011267662],
	['upsample.up.res_up_3.proj.0.bias', 'float32', [64], '773142e4c2428573', 0.3202621624805033],
	['upsample.up.res_up_3.proj.0.running_mean', 'float32', [64], '9deb94ff94044624', 1.9619527566246688],
	['upsample.up.res_up_3.proj.0.running_var', 'float32', [64], 'ef8a9f3317eaa830', 42.888714358210564],
	['upsample.up.res_up_3.proj.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['upsample.up.res_up_3.proj.1.weight', 'float32', [64, 64, 1, 1], '9b2e2657b445f3b1', 3.2991674691438675],
	['upsample.up.res_up_3.proj.1.bias', 'float32', [64], 'b462b52a61df4843', -0.5135863721370697],
	['output.0.weight', 'float32', [8], '40269785593a5f7f', 8.009721577167511],
	['output.0.bias', 'float32', [8], 'd470a37c90de1b82', -0.18944346578791738],
	['output.0.running_mean', 'float32', [8], 'd23ede39196167cb', 2.512345254421234],
	['output.0.running_var', 'float32', [8], '458792b95abbaad7', 5.6829467713832855],
	['output.0.num_batches_tracked', 'int64', [], '35be322d094f9d15', 3.0],
	['output.2.weight', 'float32', [3, 8, 1, 1], '2ef00001af0f94de', 0.48327306436840445],
	['output.2.bias', 'float32', [3], '0ee3005780be122f', -0.5237205773591995],
];

describe('torch .pth: Cellpose fixtures', () => {
	it('cpnet_tiny.pth: every key, dtype, shape and value checksum as read independently', () => {
		const bytes = sharedBytes('fixtures/cellpose-3.1/net/cpnet_tiny.pth');
		expect(torchFileKind(bytes)).toBe('zip');
		const sd = readTorchStateDict('cpnet_tiny.pth', bytes);
		expect([...sd.keys()]).toEqual(TINY.map((r) => r[0]));
		for (const [key, dtype, shape, sha, total] of TINY) {
			const t = sd.get(key)!;
			expect(t.dtype, key).toBe(dtype);
			expect(t.shape, key).toEqual(shape);
			expect(createHash('sha256').update(bytesOf(t.data)).digest('hex').slice(0, 16), key).toBe(sha);
			expect(sum(t.data), key).toBeCloseTo(total, 9);
		}
		expect(fileDigest(sd)).toBe('68b3471b84dfae47c0a0509e064295426fd7e07f138f17149938d8bdda25582c');
		// num_batches_tracked is int64; README: 418,094 values in all.
		expect(sd.get('output.0.num_batches_tracked')!.data).toBeInstanceOf(BigInt64Array);
		expect([...sd.values()].reduce((a, t) => a + t.size, 0)).toBe(418094);
	});

	it('follows the zip64 end records that torch also writes (32-bit fields masked as 0xFFFF…)', () => {
		const b = sharedBytes('fixtures/cellpose-3.1/net/cpnet_tiny.pth');
		const eocd = b.length - 22;
		expect(new DataView(b.buffer).getUint32(eocd, true)).toBe(0x06054b50);
		b.fill(0xff, eocd + 8, eocd + 20);
		expect(fileDigest(readTorchStateDict('cpnet_tiny.pth', b))).toBe('68b3471b84dfae47c0a0509e064295426fd7e07f138f17149938d8bdda25582c');
		b.fill(0, eocd - 20, eocd - 16); // break the zip64 locator
		expect(refusal(() => readTorchStateDict('z64.pth', b)).message).toContain('zip64 directory locator');
	});

	it('cpnet_mid.pth: same keys, digest of every tensor, 1,659,166 values', () => {
		const sd = readTorchStateDict('cpnet_mid.pth', sharedBytes('fixtures/cellpose-3.1/net/cpnet_mid.pth'));
		expect([...sd.keys()]).toEqual(TINY.map((r) => r[0]));
		expect(fileDigest(sd)).toBe('5743ad41de263f06e5347c02c85679f0928561ffb716a23b176b32b3a843b286');
		expect([...sd.values()].reduce((a, t) => a + sum(t.data), 0)).toBeCloseTo(3900.566353058556, 6);
		expect([...sd.values()].reduce((a, t) => a + t.size, 0)).toBe(1659166);
		expect(sd.get('downsample.down.res_down_3.conv.conv_3.2.weight')!.shape).toEqual([128, 128, 3, 3]);
	});

	it('mycol-fungal-v1.pth (26 MB, the standard net) loads, with views into the file and no copies', () => {
		const bytes = sharedBytes('models/mycol-fungal-v1.pth');
		const sd = readTorchStateDict('mycol-fungal-v1.pth', bytes);
		expect(sd.size).toBe(313);
		expect(fileDigest(sd)).toBe('03b83873675afb412fb88bba8f7043d4e7b7bef64e4ed88ff24b2187c932e574');
		// MODEL_CARD: 6,600,845 parameters (num_batches_tracked counters are buffers, not parameters).
		const params = [...sd].filter(([k]) => !k.endsWith('running_mean') && !k.endsWith('running_var') && !k.endsWith('num_batches_tracked'));
		expect(params.reduce((a, [, t]) => a + t.size, 0)).toBe(6600845);
		expect([...sd.values()].every((t) => t.data.buffer === bytes.buffer)).toBe(true);
	});
});

/* ---------------------------------------------------------------- hand-built files */

const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
const u16 = (...v: number[]) => new Uint8Array(new Uint16Array(v).buffer);

/** A torch-style zip: `<prefix>/data.pkl` + `<prefix>/data/<key>` + `<prefix>/version`. */
function torchZip(state: PB, storages: Record<string, Uint8Array>, opts: { prefix?: string; align?: number; extra?: ZipInput[] } = {}): Uint8Array {
	const prefix = opts.prefix ?? 'archive';
	const entries: ZipInput[] = [{ name: `${prefix}/data.pkl`, data: pickle(state) }];
	for (const [k, d] of Object.entries(storages)) entries.push({ name: `${prefix}/data/${k}`, data: d });
	entries.push({ name: `${prefix}/version`, data: new TextEncoder().encode('3\n') }, ...(opts.extra ?? []));
	return buildZip(entries, opts.align ?? 64);
}

/**
 * Storage '0' holds float32 0…5; the tensors view it in several ways (hand-worked expectations):
 * a (2,3) C view, its transpose (stride (1,3)), a slice at offset 4, a 0-d element, a stride-0 broadcast.
 */
const VIEWS = orderedDict(
	['a', tensor('FloatStorage', '0', 6, 0, [2, 3], [3, 1])],
	['t', tensor('FloatStorage', '0', 6, 0, [3, 2], [1, 3])],
	['tail', tensor('FloatStorage', '0', 6, 4, [2], [1])],
	['scalar', tensor('FloatStorage', '0', 6, 5, [], [])],
	['bcast', tensor('FloatStorage', '0', 6, 1, [2, 2], [0, 1])],
	['long', tensor('LongStorage', '1', 2, 0, [2], [1])],
	['half', tensor('HalfStorage', '2', 3, 0, [3], [1])],
	['bf16', tensor('BFloat16Storage', '3', 2, 0, [2], [1])],
	['mask', tensor('BoolStorage', '4', 3, 0, [3], [1])],
	['pi', tensor('DoubleStorage', '5', 1, 0, [1], [1])]
);
const VIEW_STORAGES = {
	'0': f32(0, 1, 2, 3, 4, 5),
	'1': new Uint8Array(new BigInt64Array([-1n, 2n ** 40n]).buffer),
	// float16 1, -2.5, 65504; bfloat16 1, -3
	'2': u16(0x3c00, 0xc100, 0x7bff),
	'3': u16(0x3f80, 0xc040),
	'4': Uint8Array.from([1, 0, 1]),
	'5': new Uint8Array(new Float64Array([Math.PI]).buffer)
};

function checkViews(sd: Map<string, TorchTensor>) {
	const v = (k: string) => Array.from(sd.get(k)!.data as ArrayLike<number | bigint>);
	expect(v('a')).toEqual([0, 1, 2, 3, 4, 5]);
	expect(v('t')).toEqual([0, 3, 1, 4, 2, 5]);
	expect(sd.get('t')!.shape).toEqual([3, 2]);
	expect(v('tail')).toEqual([4, 5]);
	expect(v('scalar')).toEqual([5]);
	expect(sd.get('scalar')!.shape).toEqual([]);
	expect(v('bcast')).toEqual([1, 2, 1, 2]);
	expect(v('long')).toEqual([-1n, 2n ** 40n]);
	expect(v('half')).toEqual([1, -2.5, 65504]);
	expect(sd.get('half')!.dtype).toBe('float16');
	expect(v('bf16')).toEqual([1, -3]);
	expect(sd.get('bf16')!.dtype).toBe('bfloat16');
	expect(v('mask')).toEqual([1, 0, 1]);
	expect(v('pi')).toEqual([Math.PI]);
}

describe('torch .pth: offsets, strides, shared storages, dtypes (hand-built zips)', () => {
	it('honours storage offset and strides for every storage class', () => {
		checkViews(readTorchStateDict('views.pth', torchZip(VIEWS, VIEW_STORAGES)));
	});

	it('copies once when a storage is not aligned in the file, and reads any top folder name', () => {
		const sd = readTorchStateDict('odd.pth', torchZip(VIEWS, VIEW_STORAGES, { prefix: 'my model v2', align: 1 }));
		checkViews(sd);
	});

	it("swaps bytes when the archive's byteorder says big", () => {
		const be = f32(1.5, -2);
		const swapped = Uint8Array.from([...be.subarray(0, 4)].reverse().concat([...be.subarray(4, 8)].reverse()));
		const state = orderedDict(['w', tensor('FloatStorage', '0', 2, 0, [2], [1])]);
		const sd = readTorchStateDict('be.pth', torchZip(state, { '0': swapped }, { extra: [{ name: 'archive/byteorder', data: new TextEncoder().encode('big') }] }));
		expect([...sd.get('w')!.data]).toEqual([1.5, -2]);
	});

	it('reads a deflated data.pkl, and refuses one whose directory declares a bomb-sized expansion', () => {
		const state = orderedDict(['w', tensor('FloatStorage', '0', 2, 0, [2], [1])]);
		const entries = (declaredSize?: number): ZipInput[] => [
			{ name: 'archive/data.pkl', data: pickle(state), deflate: true, declaredSize },
			{ name: 'archive/data/0', data: f32(7, 8) }
		];
		expect([...readTorchStateDict('z.pth', buildZip(entries())).get('w')!.data]).toEqual([7, 8]);
		const bomb = buildZip(entries(3 * 2 ** 30));
		expect(refusal(() => readTorchStateDict('bomb.pth', bomb)).message).toMatch(/^bomb\.pth: the zip entry 'archive\/data\.pkl' would expand from \d+ to 3,221,225,472 bytes, beyond Mycol's limits/);
	});

	it('finds the state dict inside a checkpoint dict ({epoch, state_dict})', () => {
		const ckpt = dict(['epoch', 3], ['state_dict', VIEWS]);
		checkViews(readTorchStateDict('ckpt.pth', torchZip(ckpt, VIEW_STORAGES)));
		const whole = readTorchFile('ckpt.pth', torchZip(ckpt, VIEW_STORAGES)) as Map<string, unknown>;
		expect(whole.get('epoch')).toBe(3);
	});
});

/** A legacy (torch < 1.6) file: magic, protocol 1001, sys info, the object, storage keys, then raw storages. */
function legacyFile(state: PB, storages: [string, number, Uint8Array][]): Uint8Array {
	const parts: number[] = [
		...pickle(0x1950a86a20f9469cfc6cn),
		...pickle(1001),
		...pickle(dict(['protocol_version', 1001], ['little_endian', true], ['type_sizes', dict(['short', 2], ['int', 4], ['long', 4])])),
		...pickle(state),
		...pickle(storages.map((s) => s[0]))
	];
	for (const [, numel, data] of storages) parts.push(...new Uint8Array(new BigInt64Array([BigInt(numel)]).buffer), ...data);
	return Uint8Array.from(parts);
}

const legacyTensor = (cls: string, key: string, numel: number, offset: number, size: number[], stride: number[], view: PB = null): PB =>
	reduce(
		global('torch._utils', '_rebuild_tensor_v2'),
		persid(tuple('storage', global('torch', cls), key, 'cpu', numel, view)),
		offset,
		tuple(...size),
		tuple(...stride),
		false,
		orderedDict()
	);

describe('torch .pth: legacy (pre-zip) format', () => {
	it('reads tensors, shared storages and storage views (hand-worked)', () => {
		const state = orderedDict(
			['w', legacyTensor('FloatStorage', '10', 6, 0, [2, 3], [3, 1])],
			['wt', legacyTensor('FloatStorage', '10', 6, 0, [3, 2], [1, 3])],
			// A view of storage '10' from element 2, 3 long: tensor elements 2, 3, 4.
			['v', legacyTensor('FloatStorage', '10', 6, 0, [3], [1], tuple('11', 2, 3))],
			['n', legacyTensor('LongStorage', '12', 1, 0, [], [])]
		);
		const file = legacyFile(state, [
			['10', 6, f32(0, 1, 2, 3, 4, 5)],
			['12', 1, new Uint8Array(new BigInt64Array([42n]).buffer)]
		]);
		expect(torchFileKind(file)).toBe('legacy');
		const sd = readTorchStateDict('old.pth', file);
		expect([...sd.keys()]).toEqual(['w', 'wt', 'v', 'n']);
		expect([...sd.get('w')!.data]).toEqual([0, 1, 2, 3, 4, 5]);
		expect([...sd.get('wt')!.data]).toEqual([0, 3, 1, 4, 2, 5]);
		expect([...sd.get('v')!.data]).toEqual([2, 3, 4]);
		expect([...sd.get('n')!.data]).toEqual([42n]);
	});

	it('refuses a legacy file cut inside its storage data', () => {
		const state = orderedDict(['w', legacyTensor('FloatStorage', '0', 4, 0, [4], [1])]);
		const file = legacyFile(state, [['0', 4, f32(1, 2, 3, 4)]]);
		expect(refusal(() => readTorchStateDict('old.pth', file.subarray(0, file.length - 3))).message).toContain('ends inside the data of storage');
	});
});

describe('torch .pth: damaged, hostile and foreign files', () => {
	const tiny = () => sharedBytes('fixtures/cellpose-3.1/net/cpnet_tiny.pth');

	it('refuses a truncated archive (cpnet_tiny.pth cut in half)', () => {
		const b = tiny();
		expect(refusal(() => readTorchStateDict('cut.pth', b.subarray(0, b.length >> 1))).message).toMatch(
			/^cut\.pth: the zip archive has no directory at its end; the file \(891,296 bytes\) is probably truncated$/
		);
	});

	it('refuses a zip without data.pkl, and a TorchScript archive', () => {
		const z = buildZip([{ name: 'notes/readme.txt', data: new TextEncoder().encode('hi') }]);
		expect(refusal(() => readTorchStateDict('x.zip', z)).message).toBe('x.zip: this zip archive is not a PyTorch file: it has no data.pkl entry (it holds notes/readme.txt)');
		const ts = torchZip(VIEWS, VIEW_STORAGES, { extra: [{ name: 'archive/code/__torch__.py', data: new Uint8Array(1) }] });
		expect(refusal(() => readTorchStateDict('ts.pt', ts)).message).toContain('TorchScript');
	});

	it('refuses missing or short storages and tensors that reach past their storage', () => {
		const one = orderedDict(['w', tensor('FloatStorage', '0', 4, 0, [4], [1])]);
		expect(refusal(() => readTorchStateDict('m.pth', torchZip(one, {}))).message).toContain("lacks the entry 'archive/data/0'");
		expect(refusal(() => readTorchStateDict('s.pth', torchZip(one, { '0': f32(1, 2) }))).message).toContain("storage '0' should hold 16 bytes but its entry has 8");
		const past = orderedDict(['w', tensor('FloatStorage', '0', 4, 2, [2, 2], [2, 1])]);
		expect(refusal(() => readTorchStateDict('p.pth', torchZip(past, { '0': f32(1, 2, 3, 4) }))).message).toBe(
			"p.pth: a tensor of shape (2, 2) reaches element 6 of storage '0', which holds 4 (corrupt or truncated file?)"
		);
	});

	it('refuses unknown storage classes and globals outside the allow-list (os.system)', () => {
		const cplx = orderedDict(['w', tensor('ComplexFloatStorage', '0', 1, 0, [1], [1])]);
		expect(refusal(() => readTorchStateDict('c.pth', torchZip(cplx, { '0': f32(1, 2) }))).message).toContain("'torch.ComplexFloatStorage'");
		const evil = orderedDict(['w', reduce(global('os', 'system'), 'echo owned')]);
		expect(refusal(() => readTorchStateDict('evil.pth', torchZip(evil, {}))).message).toBe(
			"evil.pth: the pickle refers to the Python global 'os.system', which Mycol does not allow in this kind of file (it only reads data and never runs code from a file)"
		);
	});

	it('says what a PNG, a text file, an .npy and an empty file are', () => {
		const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82]);
		expect(refusal(() => readTorchStateDict('cells.png', png)).message).toBe('cells.png: this is not a PyTorch model file: it looks like a PNG image');
		const text = new TextEncoder().encode('diam_mean = 30\nnbase = [2, 32, 64]\n');
		expect(refusal(() => readTorchStateDict('model.txt', text)).message).toBe('model.txt: this is not a PyTorch model file: it looks like a text file');
		const npy = sharedBytes('fixtures/cellpose-3.1/net/in_224x224.npy');
		expect(refusal(() => readTorchStateDict('in.npy', npy)).message).toContain('NumPy .npy file');
		expect(refusal(() => readTorchStateDict('e.pth', new Uint8Array(0))).message).toContain('it is empty');
	});

	it('refuses a pickle that holds no tensors (a plain list) as not a state dict', () => {
		const z = torchZip([1, 2, 3], {});
		expect(refusal(() => readTorchStateDict('l.pth', z)).message).toBe("l.pth: this PyTorch file holds no dictionary of tensors, not a model's weights (a state dict)");
		expect(opcodes(null)).toEqual([0x4e]);
	});
});
