/**
 * The globals a weights-only checkpoint needs, and nothing else. An allow-list, not a
 * deny-list: the set of Python callables that run code is open-ended, the set that
 * rebuilds tensors is small. The rule for admission: called with any arguments a pickle
 * can build, the global must neither run code nor hand back a callable that could.
 * Everything a pickle calls (REDUCE, NEWOBJ, OBJ, INST, BUILD's __setstate__) has to be
 * imported first, so checking every import covers every call.
 *
 * Modelled on PyTorch's own weights_only unpickler (torch/_weights_only_unpickler.py),
 * plus the NumPy scalars and arrays that training checkpoints commonly carry.
 */
const TORCH_STORAGES = [
  'FloatStorage', 'DoubleStorage', 'HalfStorage', 'BFloat16Storage', 'LongStorage', 'IntStorage', 'ShortStorage',
  'CharStorage', 'ByteStorage', 'BoolStorage', 'ComplexFloatStorage', 'ComplexDoubleStorage',
  'QInt8Storage', 'QUInt8Storage', 'QInt32Storage', 'QUInt4x2Storage', 'QUInt2x4Storage', 'UntypedStorage',
];

const TORCH_DTYPES = [
  'float32', 'float64', 'float16', 'bfloat16', 'complex32', 'complex64', 'complex128',
  'uint8', 'int8', 'int16', 'int32', 'int64', 'uint16', 'uint32', 'uint64', 'bool',
  'qint8', 'quint8', 'qint32', 'quint4x2', 'quint2x4',
  'float8_e4m3fn', 'float8_e5m2', 'float8_e4m3fnuz', 'float8_e5m2fnuz', 'float8_e8m0fnu', 'float4_e2m1fn_x2',
];

const TORCH_ENUMS = [
  // Layouts and quantization schemes are inert singletons, not callables.
  'strided', 'sparse_coo', 'sparse_csr', 'sparse_csc', 'sparse_bsr', 'sparse_bsc', '_mkldnn', 'jagged',
  'per_tensor_affine', 'per_tensor_symmetric', 'per_channel_affine', 'per_channel_symmetric', 'per_channel_affine_float_qparams',
];

/** module.name → why it is safe. docs/model-inspection.md carries the same list. */
export const PICKLE_ALLOWED_GLOBALS: ReadonlyMap<string, string> = new Map<string, string>([
  ['collections.OrderedDict', 'the state_dict container; builds a dict from pairs'],
  ['torch._utils._rebuild_tensor', 'rebuilds a tensor view over a storage (pre-1.0 checkpoints)'],
  ['torch._utils._rebuild_tensor_v2', 'rebuilds a tensor view over a storage; backward hooks it attaches are objects the pickle must import separately'],
  ['torch._utils._rebuild_tensor_v3', 'as _rebuild_tensor_v2, with an explicit dtype'],
  ['torch._utils._rebuild_parameter', 'wraps a tensor in nn.Parameter'],
  ['torch._utils._rebuild_parameter_with_state', 'nn.Parameter plus plain attribute state'],
  ['torch._utils._rebuild_qtensor', 'rebuilds a quantized tensor from storage, scale and zero point'],
  ['torch._utils._rebuild_sparse_tensor', 'rebuilds a sparse tensor from index and value tensors'],
  ['torch._utils._rebuild_meta_tensor_no_storage', 'an empty meta-device tensor of a given shape'],
  ['torch._tensor._rebuild_from_type_v2', 'calls its first argument, which the pickle must itself import (and so is checked here), then casts to a tensor subclass'],
  ['torch.Tensor', 'the tensor class, as the target type of _rebuild_from_type_v2'],
  ['torch.nn.parameter.Parameter', 'the parameter class, as a target type'],
  ['torch.Size', 'a tuple of ints'],
  ['torch.device', 'a device name such as "cpu"'],
  ['torch.serialization._get_layout', 'looks a layout up by name in a fixed table'],
  ['torch.storage.TypedStorage', 'storage type named in persistent ids'],
  ['torch.storage.UntypedStorage', 'storage type named in persistent ids'],
  ...TORCH_STORAGES.map((s): [string, string] => [`torch.${s}`, 'storage type named in persistent ids (torch.load only reads its dtype)']),
  ...TORCH_DTYPES.map((d): [string, string] => [`torch.${d}`, 'a dtype singleton, not callable']),
  ...TORCH_ENUMS.map((e): [string, string] => [`torch.${e}`, 'a layout or quantization-scheme singleton, not callable']),
  ['numpy.core.multiarray._reconstruct', 'allocates an empty ndarray that BUILD then fills from bytes'],
  ['numpy._core.multiarray._reconstruct', 'NumPy 2 spelling of _reconstruct'],
  ['numpy.core.multiarray.scalar', 'a NumPy scalar from a dtype and its bytes (common in training checkpoints: metrics, epochs)'],
  ['numpy._core.multiarray.scalar', 'NumPy 2 spelling of scalar'],
  ['numpy.core.numeric._frombuffer', 'an ndarray view over bytes (how protocol 5 pickles arrays)'],
  ['numpy._core.numeric._frombuffer', 'NumPy 2 spelling of _frombuffer'],
  ['numpy.ndarray', 'the array class, as _reconstruct\'s subtype'],
  ['numpy.dtype', 'a dtype from a type code'],
  ['_codecs.encode', 'how Python 3 pickles bytes at protocols < 3 (`encode(text, "latin1")`); codec lookup only imports modules from the stdlib encodings package'],
  ['builtins.set', 'a set of already-built objects'],
  ['builtins.frozenset', 'a frozenset of already-built objects'],
  ['builtins.bytearray', 'a bytearray from bytes or a length'],
  ['builtins.bytes', 'how Python 3 pickles empty bytes at protocols < 3'],
  ['builtins.complex', 'a complex number'],
]);

/** Deliberately absent, with the reason; listed so the next person does not "fix" the list. */
export const PICKLE_REFUSED_NOTES: ReadonlyMap<string, string> = new Map([
  ['torch.storage._load_from_bytes', 'calls torch.load on embedded bytes: a nested, unrestricted unpickle'],
  ['torch._utils._rebuild_device_tensor_from_numpy', 'needs a NumPy array from an arbitrary reconstruction path; rare in weights'],
  ['torch._utils._rebuild_wrapper_subclass', 'instantiates an arbitrary class passed as an argument'],
  ['builtins.getattr', 'turns any allowed object into any of its attributes, including callables'],
  ['collections.Counter', 'harmless but not needed by weights; kept out to keep the list minimal'],
  ['numpy.load', 'loads another pickle'],
]);

/**
 * Globals that are code execution outright; the finding says so. Anything else off the
 * allow-list is still flagged, only with a milder message.
 */
const KNOWN_DANGEROUS_MODULES = new Set([
  'os', 'posix', 'nt', 'subprocess', 'sys', 'runpy', 'pty', 'socket', 'shutil', 'pickle', '_pickle', 'marshal', 'ctypes',
  'importlib', 'code', 'codeop', 'webbrowser', 'commands', 'platform', 'pdb', 'timeit', 'multiprocessing', 'asyncio',
  'requests', 'urllib', 'http', 'httplib', 'ftplib', 'smtplib', 'telnetlib', 'dill', 'types', 'operator', 'functools', 'cProfile', 'profile',
]);
const KNOWN_DANGEROUS_NAMES = new Set([
  'builtins.eval', 'builtins.exec', 'builtins.compile', 'builtins.open', 'builtins.__import__', 'builtins.getattr',
  'builtins.setattr', 'builtins.delattr', 'builtins.globals', 'builtins.locals', 'builtins.vars', 'builtins.breakpoint',
  'builtins.input', 'builtins.apply', 'torch.load', 'torch.storage._load_from_bytes', 'numpy.load', 'torch.hub.load',
  'torch.jit.load', 'numpy.testing._private.utils.runstring',
]);

export function isAllowedGlobal(module: string, name: string): boolean {
  return PICKLE_ALLOWED_GLOBALS.has(`${module}.${name}`);
}

export function isKnownDangerous(module: string, name: string): boolean {
  return KNOWN_DANGEROUS_NAMES.has(`${module}.${name}`) || KNOWN_DANGEROUS_MODULES.has(module.split('.')[0]!);
}
