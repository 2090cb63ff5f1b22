// The big CycloneDX ML-BOMs the validation and language-server benchmarks measure.
import { createHash } from 'node:crypto';

const sha = (s) => createHash('sha256').update(s).digest('hex');

const PACKAGES = ['numpy', 'torch', 'transformers', 'tokenizers', 'safetensors', 'accelerate', 'datasets', 'huggingface-hub', 'requests', 'urllib3', 'pydantic', 'protobuf', 'sentencepiece', 'regex', 'tqdm', 'pyyaml', 'filelock', 'fsspec', 'jinja2', 'markupsafe', 'sympy', 'networkx', 'packaging', 'typing-extensions', 'idna', 'certifi', 'charset-normalizer', 'triton', 'nvidia-cublas-cu12', 'peft'];
const LICENSES = ['Apache-2.0', 'MIT', 'BSD-3-Clause', 'BSD-2-Clause', 'PSF-2.0', 'MPL-2.0', 'ISC'];
const MODEL_FILES = [
  ...Array.from({ length: 8 }, (_, i) => `model-0000${i + 1}-of-00008.safetensors`),
  'model.safetensors.index.json',
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
];
export const MODEL_REF = 'pkg:huggingface/acme/llama-ft-7b@1.0.0';
const prop = (name, value) => ({ name, value });

/**
 * A CycloneDX 1.6 ML-BOM in the shape `model-provenance manifest generate` writes, scaled
 * up: the model (with its files, SHA-256 each) as metadata.component, and `n` components,
 * every tenth a dataset (type data, SHA-256, like generate writes them), the rest libraries
 * with name, version, purl, SHA-256, license and bom-ref. All pairwise different.
 */
export function buildBom(n, VERSION = '1.6') {
  const components = [];
  const dataRefs = [];
  for (let i = 0; i < n; i++) {
    if (i % 10 === 9) {
      const h = sha(`dataset ${i}`);
      const name = `corpus-shard-${String(i).padStart(6, '0')}`;
      const ref = `dataset:${h.slice(0, 16)}`;
      dataRefs.push(ref);
      components.push({
        type: 'data',
        'bom-ref': ref,
        name,
        version: '2026.11',
        hashes: [{ alg: 'SHA-256', content: h }],
        licenses: [{ license: { id: 'CC-BY-4.0' } }],
        data: [{ type: 'dataset', name, classification: 'public' }],
        properties: [prop('model-provenance:oms_root_digest', h), prop('model-provenance:dataset_usage', i % 30 === 29 ? 'evaluation' : 'training')],
      });
    } else {
      const base = PACKAGES[i % PACKAGES.length];
      const name = i < PACKAGES.length ? base : `${base}-plugin-${Math.floor(i / PACKAGES.length)}`;
      const version = `${1 + (i % 7)}.${i % 13}.${i % 29}`;
      const purl = `pkg:pypi/${name}@${version}`;
      components.push({
        type: 'library',
        'bom-ref': purl,
        name,
        version,
        hashes: [{ alg: 'SHA-256', content: sha(purl) }],
        licenses: [{ license: { id: LICENSES[i % LICENSES.length] } }],
        purl,
      });
    }
  }
  const files = MODEL_FILES.map((f) => ({ type: 'file', 'bom-ref': `${MODEL_REF}/file:${f}`, name: f, hashes: [{ alg: 'SHA-256', content: sha(`file ${f}`) }] }));
  const root = sha('model root');
  const model = {
    type: 'machine-learning-model',
    'bom-ref': MODEL_REF,
    group: 'acme',
    name: 'llama-ft-7b',
    version: '1.0.0',
    hashes: [{ alg: 'SHA-256', content: root }],
    licenses: [{ license: { id: 'Apache-2.0' } }],
    purl: MODEL_REF,
    modelCard: {
      modelParameters: {
        approach: { type: 'supervised' },
        task: 'text-generation',
        architectureFamily: 'llama',
        modelArchitecture: 'LlamaForCausalLM',
        datasets: dataRefs.slice(0, 20).map((ref) => ({ ref })),
        inputs: [{ format: 'text' }],
        outputs: [{ format: 'text' }],
      },
      considerations: { useCases: ['chat assistant'], technicalLimitations: ['English only'] },
    },
    properties: [prop('model-provenance:oms_root_digest', root), prop('model-provenance:stage', 'fine-tuning'), prop('model-provenance:framework', 'pytorch@2.6.0')],
    components: files,
  };
  return {
    $schema: `http://cyclonedx.org/schema/bom-${VERSION}.schema.json`,
    bomFormat: 'CycloneDX',
    specVersion: VERSION,
    serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
    version: 1,
    metadata: {
      timestamp: '2026-11-26T08:00:00Z',
      tools: { components: [{ type: 'application', name: 'model-provenance', version: '0.1.0' }] },
      component: model,
    },
    components,
    dependencies: [{ ref: MODEL_REF, dependsOn: [...dataRefs.slice(0, 20), ...components.filter((c) => c.type === 'library').slice(0, 30).map((c) => c['bom-ref'])] }],
    compositions: [{ aggregate: 'incomplete', assemblies: [MODEL_REF], dependencies: [MODEL_REF] }],
  };
}
